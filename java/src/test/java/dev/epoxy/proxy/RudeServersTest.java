package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RudeServer;
import dev.epoxy.testutil.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Servers as they are in the wild, behind 3 threads with the most aggressive reuse: closing after
 * every response, HTTP/1.0, bodies ended by the close, dribbled bodies, idle connections closed at
 * any moment, resets mid-body. Every legal answer reaches the client whole, on H1 and H2; a reset
 * ends that one response at once, and nothing else.
 */
class RudeServersTest {
    private static final int CLIENTS = 6;

    private static Epoxy start(RudeServer srv, boolean et) throws Exception {
        return Epoxy.start(Epoxy.global(3, et) + "defaults\n    mode http\n    timeout client 10s\n"
                + "    timeout server 10s\n    timeout connect 2s\n    retries 3\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "frontend fe2\n    bind 127.0.0.1:0 proto h2\n    default_backend be\n"
                + "backend be\n    http-reuse always\n    server s1 127.0.0.1:" + srv.port() + "\n");
    }

    /** Sends {@code total} GETs for {@code path} from 6 concurrent clients; returns the failures. */
    private static List<String> h1Load(int port, String path, int size, int total) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        byte[] want = RudeServer.body(size);
        ExecutorService ex = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<List<String>>> fs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int n = total / CLIENTS;
                fs.add(ex.submit(() -> {
                    List<String> bad = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        HttpRequest rq = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path + "?size=" + size))
                                .timeout(Duration.ofSeconds(10)).build();
                        try {
                            HttpResponse<byte[]> r = client.send(rq, HttpResponse.BodyHandlers.ofByteArray());
                            if (r.statusCode() != 200 || !Arrays.equals(want, r.body()))
                                bad.add("status " + r.statusCode() + ", " + r.body().length + " bytes");
                        } catch (java.io.IOException e) {
                            bad.add(e.toString());
                        }
                    }
                    return bad;
                }));
            }
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : fs)
                all.addAll(f.get(120, TimeUnit.SECONDS));
            return all;
        } finally {
            ex.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}, edge-triggered={1}")
    @CsvSource({"close,false", "http10,false", "no-length,false", "dribble,false", "idle-close,false", "chunked,false",
            "mixed,false", "close,true", "idle-close,true", "mixed,true"})
    void everyLegalAnswerReachesH1Clients(String manner, boolean et) throws Exception {
        try (RudeServer srv = new RudeServer(); Epoxy ep = start(srv, et)) {
            List<String> bad = h1Load(ep.port("fe"), "/" + manner + "/x", 20_000, 600);
            assertEquals(List.of(), bad.subList(0, Math.min(5, bad.size())),
                    bad.size() + " of 600 requests failed; server saw " + srv.requests + " requests on " + srv.connections
                            + " connections");
        }
    }

    private static final Pattern H2LOAD = Pattern.compile("requests: (\\d+) total, \\d+ started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored");

    @ParameterizedTest(name = "{0}, edge-triggered={1}")
    @CsvSource({"close,false", "idle-close,false", "mixed,false", "mixed,true"})
    void everyLegalAnswerReachesH2Clients(String manner, boolean et) throws Exception {
        Tools.require("h2load", "nghttp2-client");
        try (RudeServer srv = new RudeServer(); Epoxy ep = start(srv, et)) {
            String url = "http://127.0.0.1:" + ep.rt.port("fe2", 0) + "/" + manner + "/x?size=20000";
            Tools.Result r = Tools.run(120, "h2load", "-n", "1200", "-c", "4", "-m", "20", url);
            Matcher m = H2LOAD.matcher(r.out());
            assertTrue(m.find(), r.out() + r.err());
            assertEquals("1200 1200 1200 0 0", m.group(1) + " " + m.group(2) + " " + m.group(3) + " " + m.group(4) + " "
                    + m.group(5), r.out());
            assertTrue(r.out().contains("status codes: 1200 2xx"), r.out());
        }
    }

    @ParameterizedTest(name = "edge-triggered={0}")
    @CsvSource({"false", "true"})
    void aResetMidBodyEndsThatResponseAtOnceAndNothingElse(boolean et) throws Exception {
        try (RudeServer srv = new RudeServer(); Epoxy ep = start(srv, et)) {
            int port = ep.port("fe");
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                List<String> bad = h1Load(port, "/reset-mid-body/x", 200_000, CLIENTS);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(CLIENTS, bad.size(), "every reset response fails: " + bad);
                assertTrue(ms < 5000, "a reset ends the response at once, not at a timeout: " + ms + " ms");
            }
            assertEquals(List.of(), h1Load(port, "/chunked/x", 20_000, 60), "the other exchanges carry on");
        }
    }
}
