package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A request that meets a reused server connection which closes without one byte of response
 * (the server closed it while idle, racing with the request): an HTTP/2 client gets the
 * response of a retry on a fresh connection, or REFUSED_STREAM when the request cannot be
 * replayed, and every exchange is logged. Then a load with a server that closes keep-alive
 * connections at random moments: zero failures.
 */
class H2StaleReuseTest {
    static String cfg(int threads, int bePort) throws java.io.IOException {
        return "global\n    nbthread " + threads + "\n    log stderr format raw local0\n"
                + "defaults\n    mode http\n    log global\n    option httplog\n    timeout client 10s\n    timeout server 10s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0 proto h2\n    default_backend be\n"
                + "backend be\n    http-reuse always\n    server s1 127.0.0.1:" + bePort + "\n";
    }

    /** The second request on a server connection to "/stale*" is read whole, then the connection closes silently. */
    private static TestBackend staleBackend() throws Exception {
        TestBackend.Handler ok = TestBackend.respond(r -> new Object[] {200, "conn=" + r.connId + " index=" + r.indexOnConn});
        return new TestBackend((r, out) -> r.indexOnConn >= 1 && r.target.startsWith("/stale") ? false : ok.handle(r, out));
    }

    @Test
    void staleReusedConnectionIsRetriedOrRefusedAndLogged() throws Exception {
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        try (TestBackend be = staleBackend(); EpoxyUnderTest ep = startLogging(cfg(1, be.port()), logs);
                H2TestClient c = new H2TestClient(ep.port("fe"))) {
            c.request(1, "GET", "/a", true);
            c.expect("END 1");
            assertEquals("conn=1 index=0", c.body(1));
            // Replayable: sent again on a fresh connection.
            c.request(3, "GET", "/stale-get", true);
            c.expect(e -> e.startsWith("END 3") || e.startsWith("RST_STREAM 3"), 10_000);
            assertEquals("conn=2 index=0", c.body(3), "events: " + c.order);
            // Not replayable (its body is larger than the buffer): REFUSED_STREAM (7), the client may retry.
            c.request(5, "POST", "/stale-post", false, "content-length", "100000");
            c.data(5, new byte[100_000], true);
            String rst = c.expect(e -> e.startsWith("RST_STREAM 5") || e.startsWith("END 5"), 10_000);
            assertEquals("RST_STREAM 5 7", rst);
            // The connection goes on.
            c.request(7, "GET", "/b", true);
            c.expect("END 7");
            Thread.sleep(200);
        }
        String log = logs.toString(StandardCharsets.ISO_8859_1);
        // The request line as HAProxy logs an HTTP/2 request: absolute URI, HTTP/2.0.
        assertTrue(Pattern.compile(" 200 .*\"GET http://test.example/stale-get HTTP/2.0\"").matcher(log).find(), log);
        Matcher m = Pattern.compile(" -1 0 - - SH-- .*\"POST http://test.example/stale-post HTTP/2.0\"").matcher(log);
        assertTrue(m.find(), log);
    }

    /**
     * A reused connection answered with a 408 (the server's idle close, announced): a GET is
     * sent again on a fresh connection; a POST too large to keep a copy of is refused with
     * REFUSED_STREAM, which lets the client send it again (RFC 9113 §8.7), not answered 408.
     */
    @Test
    void a408OnAReusedConnectionIsRetriedOrRefused() throws Exception {
        TestBackend.Handler ok = TestBackend.respond(r -> new Object[] {200, "conn=" + r.connId + " index=" + r.indexOnConn});
        TestBackend.Handler late = (r, out) -> {
            out.write("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".getBytes());
            out.flush();
            return false;
        };
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        try (TestBackend be = new TestBackend((r, out) -> (r.indexOnConn >= 1 && r.target.startsWith("/late") ? late : ok).handle(r, out));
                EpoxyUnderTest ep = startLogging(cfg(1, be.port()), logs); H2TestClient c = new H2TestClient(ep.port("fe"))) {
            c.request(1, "GET", "/a", true);
            c.expect("END 1");
            assertEquals("conn=1 index=0", c.body(1));
            c.request(3, "GET", "/late-get", true);
            c.expect(e -> e.startsWith("END 3") || e.startsWith("RST_STREAM 3"), 10_000);
            assertEquals("conn=2 index=0", c.body(3), "events: " + c.order);
            c.request(5, "POST", "/late-post", false, "content-length", "100000");
            c.data(5, new byte[100_000], true);
            assertEquals("RST_STREAM 5 7", c.expect(e -> e.startsWith("RST_STREAM 5") || e.startsWith("END 5"), 10_000));
            c.request(7, "GET", "/b", true);
            c.expect("END 7");
            Thread.sleep(200); // the log writer's gathering
        }
        // Logged with no status: the client got no answer, the 408 went nowhere.
        String log = logs.toString(StandardCharsets.ISO_8859_1);
        assertTrue(Pattern.compile(" -1 0 - - SH-- .*\"POST http://test.example/late-post HTTP/2.0\"").matcher(log).find(), log);
    }

    /**
     * h2load against a server that closes keep-alive connections right after a response (one
     * in 20) and when idle for a random 1-3 ms, at nbthread 3 with http-reuse always: every
     * request succeeds, GETs and POSTs (replayable bodies) alike.
     */
    @Test
    void h2loadWithAServerClosingKeepAliveConnectionsAtRandom() throws Exception {
        try (TestBackend be = TestBackend.ok(); EpoxyUnderTest ep = new EpoxyUnderTest(cfg(3, be.port()).replace("    log global\n", ""))) {
            be.closeAfterResponse = 0.05;
            be.idleCloseMaxMs = 3;
            String url = "http://127.0.0.1:" + ep.port("fe") + "/load";
            java.io.File body = java.io.File.createTempFile("h2stale", ".bin");
            body.deleteOnExit();
            java.nio.file.Files.write(body.toPath(), new byte[1000]);
            int total = 0;
            for (String[] extra : new String[][] {{}, {"-d", body.getPath()}}) {
                java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("h2load", "-n", "3000", "-c", "4", "-m", "8", "-t", "1"));
                cmd.addAll(java.util.List.of(extra));
                cmd.add(url);
                EpoxyUnderTest.Run r = EpoxyUnderTest.run(90, cmd.toArray(new String[0]));
                String out = r.text();
                System.out.println("stale-load " + String.join(" ", extra) + ": " + out.lines().filter(l -> l.startsWith("requests:") || l.startsWith("status codes:")).toList()
                        + " server silent closes so far " + be.silentCloses.get() + ", server connections " + be.connections.get());
                assertTrue(out.contains("3000 succeeded, 0 failed, 0 errored"), out);
                assertTrue(out.contains("status codes: 3000 2xx"), out);
                total += 3000;
            }
            assertTrue(be.silentCloses.get() > 50, "the server closed connections " + be.silentCloses.get() + " times");
            System.out.println("stale-load total " + total + " requests, 0 failures");
        }
    }

    /** Starts Epoxy with its log lines (stderr) copied to {@code logs}: the log writer takes System.err as it starts. */
    static EpoxyUnderTest startLogging(String cfg, ByteArrayOutputStream logs) throws Exception {
        PrintStream err = System.err;
        System.setErr(new PrintStream(tee(err, logs), true));
        try {
            return new EpoxyUnderTest(cfg);
        } finally {
            System.setErr(err);
        }
    }

    private static java.io.OutputStream tee(java.io.OutputStream a, ByteArrayOutputStream b) {
        return new java.io.OutputStream() {
            @Override
            public void write(int x) throws java.io.IOException {
                a.write(x);
                synchronized (b) {
                    b.write(x);
                }
            }

            @Override
            public void write(byte[] buf, int off, int len) throws java.io.IOException {
                a.write(buf, off, len);
                synchronized (b) {
                    b.write(buf, off, len);
                }
            }
        };
    }
}
