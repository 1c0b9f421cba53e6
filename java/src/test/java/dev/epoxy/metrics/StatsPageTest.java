package dev.epoxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.Wait;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code stats enable|uri|refresh|auth}: HAProxy's statistics page, its {@code ;csv} export and
 * basic authentication, and the page as a browser renders it (headless Chromium's DOM; bin/run-tests
 * installs the {@code chromium} package, {@code CHROMIUM} may name another binary).
 */
class StatsPageTest {
    private static final String DEFAULTS = "defaults\n    mode http\n    timeout client 5s\n"
            + "    timeout server 5s\n    timeout connect 2s\n";
    private static final String APP = Epoxy.global(1, false) + DEFAULTS + "listen app\n    bind 127.0.0.1:0\n"
            + "    http-request return status 200 content-type text/plain string hello\n";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(int port, String path, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (auth != null)
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void authRefreshAndCsv() throws Exception {
        try (Epoxy app = Epoxy.start(APP);
             Epoxy ep = Epoxy.start(Epoxy.global(2, false) + DEFAULTS + "listen st\n    bind 127.0.0.1:0\n"
                     + "    stats enable\n    stats uri /stats\n    stats refresh 7s\n    stats auth admin:secret\n"
                     + "    stats auth ops:pw\n    server s1 127.0.0.1:" + app.port("app") + "\n")) {
            int port = ep.port("st");
            HttpResponse<String> r = get(port, "/stats", null);
            assertEquals(401, r.statusCode());
            assertEquals("Basic realm=\"HAProxy Statistics\"", r.headers().firstValue("www-authenticate").orElse(null));
            assertEquals(401, get(port, "/stats", "admin:wrong").statusCode());
            r = get(port, "/stats", "ops:pw");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/html"));
            assertTrue(r.body().contains("<meta http-equiv=\"refresh\" content=\"7\">"), r.body());
            assertFalse(get(port, "/stats;norefresh", "ops:pw").body().contains("http-equiv=\"refresh\""));
            // other paths are proxied
            for (int i = 0; i < 3; i++)
                assertEquals("hello", get(port, "/x", null).body());

            Wait.until("three requests counted on s1", 10_000, () -> csvRow(csv(port), "st", "s1").get("stot").equals("3"));
            List<String> lines = lines(csv(port));
            assertTrue(lines.get(0).startsWith("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,"
                    + "eresp,wretr,wredis,status,weight,act,bck,"), lines.get(0));
            assertEquals(List.of("st,FRONTEND", "st,s1", "st,BACKEND"), lines.subList(1, 4).stream()
                    .map(l -> l.substring(0, l.indexOf(',', 3))).toList());
            java.util.Map<String, String> s1 = csvRow(csv(port), "st", "s1");
            assertEquals("no check", s1.get("status"));
            assertEquals("3", s1.get("hrsp_2xx"));
            assertEquals("http", s1.get("mode"));
            assertEquals("2", s1.get("type"));
            java.util.Map<String, String> fe = csvRow(csv(port), "st", "FRONTEND");
            assertEquals("OPEN", fe.get("status"));
            assertTrue(Long.parseLong(fe.get("req_tot")) >= 7, fe.toString());
            assertEquals("2", fe.get("hrsp_4xx"), "the two 401s");
            assertEquals("UP", csvRow(csv(port), "st", "BACKEND").get("status"));
        }
    }

    @Test
    void statsInABackendServeRequestsRoutedThere() throws Exception {
        try (Epoxy app = Epoxy.start(APP);
             Epoxy ep = Epoxy.start(Epoxy.global(1, false) + DEFAULTS + "frontend fe\n    bind 127.0.0.1:0\n"
                     + "    use_backend admin if { path_beg /admin }\n    default_backend be\n"
                     + "backend be\n    server s1 127.0.0.1:" + app.port("app") + "\n"
                     + "backend admin\n    stats uri /admin/stats\n    server s2 127.0.0.1:" + app.port("app") + "\n")) {
            int port = ep.port("fe");
            HttpResponse<String> r = get(port, "/admin/stats;csv", null);
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\nbe,s1,"), r.body());
            assertEquals("hello", get(port, "/admin/other", null).body(), "outside the stats uri: proxied");
            assertEquals("hello", get(port, "/stats", null).body(), "the frontend has no stats page");
        }
    }

    @Test
    void theBrowserRendersOneTablePerProxyWithItsFigures() throws Exception {
        try (Epoxy app = Epoxy.start(APP);
             Epoxy ep = Epoxy.start(Epoxy.global(2, false) + DEFAULTS + "frontend fe\n    bind 127.0.0.1:0\n"
                     + "    default_backend be\n"
                     + "backend be\n    server s1 127.0.0.1:" + app.port("app") + " maxconn 5\n"
                     + "    server s2 127.0.0.1:" + app.port("app") + "\n"
                     + "listen st\n    bind 127.0.0.1:0\n    stats enable\n    stats uri /\n    stats refresh 30s\n")) {
            for (int i = 0; i < 4; i++)
                assertEquals("hello", get(ep.port("fe"), "/", null).body());
            int st = ep.port("st");
            Wait.until("requests counted", 10_000, () -> csvRow(csvAt(st, "/;csv"), "be", "BACKEND").get("stot").equals("4"));
            String dom = dumpDom("http://127.0.0.1:" + st + "/");
            assertTrue(dom.contains("<title>Statistics Report for Epoxy</title>"), dom);
            for (String px : new String[] {"fe", "be", "st"})
                assertTrue(dom.contains("data-proxy=\"" + px + "\""), px);
            // be: s1, s2, then Backend; the Sessions Total column (7th data cell) and the 2xx column
            List<String> s1 = cells(dom, "be", "s1"), s2 = cells(dom, "be", "s2"), be = cells(dom, "be", "BACKEND");
            assertEquals("2", s1.get(6));
            assertEquals("2", s2.get(6));
            assertEquals("4", be.get(6));
            assertEquals("5", s1.get(5), "Sessions Limit is the server's maxconn");
            assertEquals("4", be.get(17), "2xx responses");
            assertEquals("no check", s1.get(22));
            assertEquals("UP", be.get(22));
            List<String> fe = cells(dom, "fe", "FRONTEND");
            assertEquals("4", fe.get(17));
            assertEquals("OPEN", fe.get(22));
        }
    }

    /** The data cells of one row (after the name cell), text only. */
    private static List<String> cells(String dom, String proxy, String row) {
        int t = dom.indexOf("data-proxy=\"" + proxy + "\"");
        assertTrue(t >= 0, proxy);
        int end = dom.indexOf("</table>", t);
        int r = dom.indexOf("data-row=\"" + row + "\"", t);
        assertTrue(r >= 0 && r < end, proxy + "/" + row);
        String tr = dom.substring(r, dom.indexOf("</tr>", r));
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<td[^>]*>(.*?)</td>").matcher(tr);
        while (m.find())
            out.add(m.group(1).replaceAll("<[^>]*>", "").trim());
        return out.subList(1, out.size());
    }

    private static String dumpDom(String url) throws Exception {
        String bin = System.getenv().getOrDefault("CHROMIUM", "chromium");
        File out = File.createTempFile("stats-dom", ".html");
        File profile = Files.createTempDirectory("chromium-profile").toFile();
        try {
            Process p;
            try {
                p = new ProcessBuilder(bin, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
                        "--dump-dom", url).redirectOutput(out).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (java.io.IOException e) {
                throw new AssertionError("this test needs Chromium ('chromium' on the PATH, installed by bin/run-tests, "
                        + "or CHROMIUM=/path/to/chromium)", e);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium --dump-dom did not finish in 60 s");
            }
            assertEquals(0, p.exitValue(), "chromium exit status");
            return Files.readString(out.toPath());
        } finally {
            out.delete();
            try (var w = Files.walk(profile.toPath())) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private String csv(int port) {
        return csvAt(port, "/stats;csv", "admin:secret");
    }

    private String csvAt(int port, String path) {
        return csvAt(port, path, null);
    }

    private String csvAt(int port, String path, String auth) {
        try {
            HttpResponse<String> r = get(port, path, auth);
            assertEquals(200, r.statusCode());
            return r.body();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static List<String> lines(String csv) {
        return List.of(csv.split("\n"));
    }

    /** Column name to value for one pxname/svname row. */
    private static java.util.Map<String, String> csvRow(String csv, String px, String sv) {
        List<String> l = lines(csv);
        String[] head = l.get(0).substring(2).split(",", -1);
        for (String line : l.subList(1, l.size())) {
            String[] v = line.split(",", -1);
            if (v[0].equals(px) && v[1].equals(sv)) {
                java.util.Map<String, String> m = new java.util.HashMap<>();
                for (int i = 0; i < head.length && i < v.length; i++)
                    m.put(head[i], v[i]);
                return m;
            }
        }
        throw new AssertionError("no row " + px + "/" + sv + " in\n" + csv);
    }
}
