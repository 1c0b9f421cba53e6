package dev.epoxy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled examples parse with the expected content, and (where HAProxy is installed) the
 * examples and a configuration using every supported keyword are also valid for
 * {@code haproxy -c}, while configurations Epoxy rejects for a bad value are rejected by
 * HAProxy too: the syntax really is HAProxy's.
 */
class ExamplesTest {
    /** A configuration using every supported keyword, all placed where HAProxy accepts them. */
    static final String EVERY_KEYWORD = lines(
            "global",
            "    nbthread 2",
            "    maxconn 1000",
            "    tune.bufsize 16384",
            "    expose-experimental-directives",
            "    tune.fd.edge-triggered on",
            "    log stdout format raw local0",
            "defaults base",
            "    mode http",
            "    log global",
            "    timeout client 5s",
            "    timeout server 10s",
            "    timeout connect 2s",
            "    timeout http-request 3s",
            "    timeout http-keep-alive 1s",
            "    timeout queue 1m",
            "    timeout tunnel 1h",
            "    timeout client-fin 1s",
            "    timeout server-fin 100ms",
            "    option http-keep-alive",
            "    option httplog",
            "    option dontlognull",
            "    option forwardfor",
            "    option http-buffer-request",
            "    retries 3",
            "    retry-on conn-failure empty-response 503",
            "    http-reuse safe",
            "    balance roundrobin",
            "    maxconn 500",
            "frontend fe from base",
            "    bind 127.0.0.1:18080,[::1]:18080",
            "    bind 127.0.0.1:18443 proto h2",
            "    acl is_api path_beg /api /v1",
            "    acl is_www hdr_beg(host) -i www.",
            "    acl local hdr(host) -i localhost",
            "    http-request redirect scheme https code 301 if { hdr(host) -i secure.example }",
            "    redirect prefix http://x.example drop-query code 308 if { path_beg /old } !is_api",
            "    redirect location / code 302 if { path /home } or { path /index }",
            "    use_backend api if is_api !local",
            "    use_backend web unless { path_end .php }",
            "    default_backend web",
            "backend api from base",
            "    balance leastconn",
            "    http-reuse always",
            "    retries 5",
            "    retry-on all-retryable-errors 404",
            "    option redispatch",
            "    option abortonclose",
            "    no option http-keep-alive",
            "    option http-server-close",
            "    server a1 127.0.0.1:18081 proto h2 maxconn 10 pool-max-conn 4 pool-purge-delay 2s",
            "    server a2 [::1]:18082 pool-max-conn -1",
            "backend web from base",
            "    balance first",
            "    option httpclose",
            "    server w1 127.0.0.1:18083",
            "defaults",
            "    mode tcp",
            "    timeout client 5s",
            "    timeout server 10s",
            "    timeout connect 2s",
            "listen both",
            "    bind 127.0.0.1:18090",
            "    server t1 127.0.0.1:18091");

    static Path examples() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path e = d.resolve("examples");
            if (Files.isRegularFile(e.resolve("quickstart.cfg"))) {
                return e;
            }
        }
        throw new AssertionError("examples/quickstart.cfg not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void quickstart() throws Exception {
        Config c = ConfigParser.parse(examples().resolve("quickstart.cfg"));
        assertEquals(List.of(), c.warnings());
        assertEquals(3, c.global().nbthread());
        ProxyConfig fe = c.frontend("fe");
        assertEquals(List.of(new BindConfig("127.0.0.1", 8080, false, examples().resolve("quickstart.cfg") + ":15")), fe.binds());
        assertEquals("be", fe.defaultBackend());
        assertEquals(new Timeouts(5000, 10000, 2000, 0, 0, 0, 0, 0, 0), fe.timeouts());
        ProxyConfig be = c.backend("be");
        assertEquals(List.of("s1"), be.servers().stream().map(ServerConfig::name).toList());
        assertEquals(8081, be.servers().get(0).port());
        ProxyConfig app = c.frontend("app");
        assertEquals(8081, app.binds().get(0).port(), "the server of 'be' answers locally");
        assertEquals(ReplyRule.Type.RETURN, app.redirects().get(0).type());
        assertEquals(200, app.redirects().get(0).code());
        assertEquals("text/plain", app.redirects().get(0).contentType());
        assertTrue(app.redirects().get(0).value().endsWith(".\n"), "a double-quoted \\n is a newline");
        ProxyConfig r = c.frontend("r");
        assertEquals(ProxyKind.LISTEN, r.kind());
        assertEquals(8090, r.binds().get(0).port());
        assertEquals(1, r.redirects().size());
        assertEquals("/", r.redirects().get(0).location("/x", "y", "h"));
        assertEquals(302, r.redirects().get(0).code());
    }

    @Test
    void seedRace() throws Exception {
        Config c = ConfigParser.parse(examples().resolve("seed-race.cfg"));
        assertEquals(List.of(), c.warnings());
        assertEquals(3, c.global().nbthread());
        assertTrue(c.global().exposeExperimental());
        assertTrue(!c.global().edgeTriggered(), "the edge-triggered line is commented out");
        ProxyConfig f = c.frontend("f");
        assertEquals(ProxyKind.LISTEN, f.kind());
        assertEquals(8001, f.binds().get(0).port());
        assertEquals("127.0.0.1", f.binds().get(0).host());
        assertEquals(ReuseMode.ALWAYS, f.reuse());
        assertEquals(RetryOn.ALL_RETRYABLE_ERRORS, f.retryOn());
        assertEquals(new ServerConfig("next", "127.0.0.1", 8002, false, 0, -1, 5000,
                examples().resolve("seed-race.cfg") + ":21"), f.servers().get(0));
        ProxyConfig b = c.frontend("b");
        assertEquals(ProxyKind.FRONTEND, b.kind());
        assertEquals(8002, b.binds().get(0).port());
        assertEquals(1, b.timeouts().httpKeepAlive(), "'timeout http-keep-alive 1  # one ms'");
        assertEquals(5000, b.timeouts().client());
        assertEquals(ReplyRule.Type.LOCATION, b.redirects().get(0).type());
    }

    @Test
    void directoryReadsCfgFilesInNameOrder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("20-backend.cfg"), lines("backend be", "    server s 127.0.0.1:80"));
        Files.writeString(dir.resolve("10-defaults.cfg"), lines("defaults", "    mode http", "    timeout client 1s",
                "    timeout server 1s", "    timeout connect 1s"));
        Files.writeString(dir.resolve("notes.txt"), "not a config\n");
        Config c = ConfigParser.parse(dir);
        assertEquals(Mode.HTTP, c.backend("be").mode(), "10-defaults.cfg was read before 20-backend.cfg");
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path f = dir.resolve("nope.cfg");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(f));
        assertEquals(List.of(f + ": could not open configuration file: No such file or directory"), e.errors());
    }

    @Test
    void everyKeywordConfigParses() throws Exception {
        Config c = Cfg.parse(EVERY_KEYWORD);
        assertEquals(List.of(), c.warnings());
        assertTrue(c.global().edgeTriggered());
        ProxyConfig api = c.backend("api");
        assertEquals(EnumSet.of(ProxyOption.HTTPLOG, ProxyOption.DONTLOGNULL, ProxyOption.FORWARDFOR,
                ProxyOption.HTTP_BUFFER_REQUEST, ProxyOption.REDISPATCH, ProxyOption.ABORTONCLOSE,
                ProxyOption.HTTP_SERVER_CLOSE, ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE), api.options());
        EnumSet<RetryOn> expected = EnumSet.copyOf(RetryOn.ALL_RETRYABLE_ERRORS);
        expected.add(RetryOn.STATUS_404);
        assertEquals(expected, api.retryOn());
        ProxyConfig fe = c.frontend("fe");
        assertEquals(3, fe.redirects().size());
        assertEquals(2, fe.useBackends().size());
        assertEquals(Mode.TCP, c.frontend("both").mode());
    }

    // ---- cross-check against the real HAProxy ----

    static boolean haproxyAvailable() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "haproxy"))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin/haproxy"));
    }

    private static int haproxyCheck(Path cfg) throws IOException, InterruptedException {
        String exe = Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? "/usr/sbin/haproxy" : "haproxy";
        Process p = new ProcessBuilder(exe, "-c", "-f", cfg.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("haproxy -c did not finish within 30 s");
        }
        System.out.println("haproxy -c -f " + cfg + " -> " + p.exitValue() + "\n" + new String(out, StandardCharsets.UTF_8));
        return p.exitValue();
    }

    @Test
    @EnabledIf("haproxyAvailable")
    void haproxyAcceptsTheExamples() throws Exception {
        assertEquals(0, haproxyCheck(examples().resolve("quickstart.cfg")));
        assertEquals(0, haproxyCheck(examples().resolve("seed-race.cfg")));
    }

    @Test
    @EnabledIf("haproxyAvailable")
    void haproxyAcceptsTheEveryKeywordConfig(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("every.cfg");
        Files.writeString(f, EVERY_KEYWORD);
        assertEquals(0, haproxyCheck(f));
    }

    @Test
    @EnabledIf("haproxyAvailable")
    void haproxyAlsoRejectsWhatEpoxyRejects(@TempDir Path dir) throws Exception {
        // A listener, so that HAProxy's exit code for a valid file is 0 (it returns 2 without one).
        String listener = lines("frontend fe0", "    bind 127.0.0.1:18000", "    default_backend be");
        String base = Cfg.DEFAULTS + listener + lines("backend be", "    server s 127.0.0.1:80");
        assertEquals(0, haproxyCheck(Files.writeString(dir.resolve("good.cfg"), base)), "the base itself is valid");
        String[] bad = {
            lines("global", "    nbthread 65") + base,
            lines("global", "    tune.fd.edge-triggered on") + base,
            lines("global", "    foo") + base,
            base + lines("    http-reuse sometimes"),
            base + lines("    retry-on bogus"),
            base + lines("    timeout server 5x"),
            base + lines("    timeout foo 1s"),
            base + lines("    option foo"),
            base + lines("    mode udp"),
            base + lines("    redirect location / code 304"),
            base + lines("backend be", "    server s 127.0.0.1:81"),
            Cfg.DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:70000"),
            Cfg.DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    use_backend nope if TRUE"),
            base + lines("frontend fe", "    bind 127.0.0.1:80", "    use_backend be if undeclared"),
            base + lines("frontend fe", "    bind 127.0.0.1:80", "    use_backend be if { path_beg -x /a }"),
            Cfg.DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    no option httplog"),
            Cfg.DEFAULTS + lines("listen l", "    mode tcp", "    bind 127.0.0.1:80 proto h2", "    server s 127.0.0.1:81"),
        };
        for (int i = 0; i < bad.length; i++) {
            String text = bad[i];
            assertNotNull(Cfg.errors(text), "Epoxy rejects case " + i);
            Path f = dir.resolve("bad" + i + ".cfg");
            Files.writeString(f, text);
            assertEquals(1, haproxyCheck(f), "haproxy rejects case " + i + ":\n" + text);
        }
    }
}
