package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end with real HTTP/2 implementations: curl (--http2-prior-knowledge), nghttp, h2load
 * as clients; nghttpd as an HTTP/2 server; the in-test HTTP/1 server. Each case runs with 1 and
 * 3 poller threads. Every external run is time-bounded.
 */
class H2ClientsTest {
    static Path dir;
    static Process nghttpd;
    static int nghttpdPort;
    static final int BIG = 20 << 20;

    @BeforeAll
    static void startH2Server() throws Exception {
        dir = Files.createTempDirectory("epoxy-h2");
        Files.write(dir.resolve("big"), pattern(BIG));
        Files.writeString(dir.resolve("small"), "small file\n");
        Files.write(dir.resolve("upload"), pattern(BIG));
        // nghttpd is another process and cannot report a port it bound itself: it gets a port
        // that was free a moment ago. If another process takes it first, nghttpd exits on the
        // bind error and we try another one (a bounded number of times).
        for (int attempt = 1; ; attempt++) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                nghttpdPort = s.getLocalPort();
            }
            nghttpd = EpoxyUnderTest.start("nghttpd", "--no-tls", "--echo-upload", "-d", dir.toString(), "-a", "127.0.0.1",
                    String.valueOf(nghttpdPort));
            boolean up = dev.epoxy.testutil.Wait.holds(10_000, () -> !nghttpd.isAlive() || accepts(nghttpdPort));
            if (up && nghttpd.isAlive())
                return;
            nghttpd.destroyForcibly().waitFor();
            if (attempt == 5)
                throw new AssertionError("nghttpd did not start (last port " + nghttpdPort + ")");
        }
    }

    private static boolean accepts(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (nghttpd != null)
            nghttpd.destroyForcibly().waitFor();
        for (String f : new String[] {"big", "small", "upload"})
            Files.deleteIfExists(dir.resolve(f));
        Files.deleteIfExists(dir);
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte) (i * 31 + (i >> 12));
        return b;
    }

    static TestBackend echoBackend() throws Exception {
        TestBackend.storeBodies = true;
        return new TestBackend(TestBackend.respond(r -> new Object[] {200,
            "m=" + r.method + " t=" + r.target + " host=" + r.header("host") + " len=" + r.body.length + "\n"}));
    }

    static String url(EpoxyUnderTest p, String path) throws Exception {
        return "http://127.0.0.1:" + p.port("fe") + path;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void curlGetAndPostToHttp1Server(int threads) throws Exception {
        for (String bind : new String[] {"proto h2", ""}) { // h2 listener, and h2c prior knowledge on an HTTP/1 one
            try (TestBackend be = echoBackend();
                 EpoxyUnderTest p = new EpoxyUnderTest(EpoxyUnderTest.config(threads, bind, "    server s1 127.0.0.1:" + be.port() + "\n"))) {
                EpoxyUnderTest.Run r = EpoxyUnderTest.run(20, "curl", "-sS", "--http2-prior-knowledge", "-w", "%{http_version}", url(p, "/get?x=1"));
                assertEquals(0, r.exit(), r.err());
                assertEquals("m=GET t=/get?x=1 host=127.0.0.1:" + p.port("fe") + " len=0\n2", r.text());
                r = EpoxyUnderTest.run(20, "curl", "-sS", "--http2-prior-knowledge", "--data-binary", "hello world", url(p, "/post"));
                assertEquals(0, r.exit(), r.err());
                assertEquals("m=POST t=/post host=127.0.0.1:" + p.port("fe") + " len=11\n", r.text());
                // Plain HTTP/1 still works on the HTTP/1 listener.
                if (bind.isEmpty()) {
                    r = EpoxyUnderTest.run(20, "curl", "-sS", "-w", "%{http_version}", url(p, "/h1"));
                    assertTrue(r.text().startsWith("m=GET t=/h1") && r.text().endsWith("1.1"), r.text());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void nghttpManyConcurrentStreams(int threads) throws Exception {
        try (TestBackend be = echoBackend();
             EpoxyUnderTest p = new EpoxyUnderTest(EpoxyUnderTest.config(threads, "proto h2", "    server s1 127.0.0.1:" + be.port() + "\n"))) {
            int before = be.requests.get();
            EpoxyUnderTest.Run r = EpoxyUnderTest.run(30, "nghttp", "-s", "-m", "200", url(p, "/multi"));
            assertEquals(0, r.exit(), r.err() + r.text());
            assertEquals(200, be.requests.get() - before);
            int responses = r.text().split("m=GET t=/multi", -1).length - 1;
            assertEquals(200, responses, r.text().substring(0, Math.min(500, r.text().length())));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void h2loadBoundedRun(int threads) throws Exception {
        try (TestBackend be = echoBackend();
             EpoxyUnderTest p = new EpoxyUnderTest(EpoxyUnderTest.config(threads, "proto h2", "    server s1 127.0.0.1:" + be.port() + "\n"))) {
            EpoxyUnderTest.Run r = EpoxyUnderTest.run(60, "h2load", "-n", "2000", "-c", "10", "-m", "10", url(p, "/load"));
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.text().contains("2000 succeeded, 0 failed, 0 errored, 0 timeout"), r.text());
            assertTrue(r.text().contains("status codes: 2000 2xx"), r.text());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void largeUploadToHttp1ServerWithFlowControl(int threads) throws Exception {
        try (TestBackend be = echoBackend();
             EpoxyUnderTest p = new EpoxyUnderTest(EpoxyUnderTest.config(threads, "proto h2", "    server s1 127.0.0.1:" + be.port() + "\n"))) {
            // nghttp rather than curl: curl 7.88's HTTP/2 uploads can stall on their own (curl issues #11426, #11330).
            EpoxyUnderTest.Run r = EpoxyUnderTest.run(30, "nghttp", "-d", dir.resolve("upload").toString(), url(p, "/up"));
            assertEquals(0, r.exit(), r.err());
            assertEquals("m=POST t=/up host=127.0.0.1:" + p.port("fe") + " len=" + BIG + "\n", r.text());
            TestBackend.Request req = be.received.stream().filter(x -> x.target.equals("/up")).findFirst().orElseThrow();
            assertTrue(java.util.Arrays.equals(pattern(BIG), req.body), "upload corrupted");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void http1AndHttp2ClientsToHttp2Server(int threads) throws Exception {
        try (EpoxyUnderTest p = new EpoxyUnderTest(EpoxyUnderTest.config(threads, "", "    server s1 127.0.0.1:" + nghttpdPort + " proto h2\n"))) {
            EpoxyUnderTest.Run r = EpoxyUnderTest.run(20, "curl", "-sS", "-w", " %{http_version}", url(p, "/small"));
            assertEquals("small file\n 1.1", r.text(), r.err());
            r = EpoxyUnderTest.run(20, "curl", "-sS", "--http2-prior-knowledge", "-w", " %{http_version}", url(p, "/small"));
            assertEquals("small file\n 2", r.text(), r.err());
            r = EpoxyUnderTest.run(20, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", url(p, "/nothing-here"));
            assertEquals("404", r.text(), r.err());
            // 20 MB down, both client protocols, byte for byte.
            for (String proto : new String[] {"--http1.1", "--http2-prior-knowledge"}) {
                Path out = Files.createTempFile("epoxy-h2", ".out");
                try {
                    r = EpoxyUnderTest.run(60, "curl", "-sS", proto, "-o", out.toString(), "-w", "%{http_code}", url(p, "/big"));
                    assertEquals("200", r.text(), r.err());
                    assertTrue(java.util.Arrays.equals(pattern(BIG), Files.readAllBytes(out)), "download corrupted with " + proto);
                } finally {
                    Files.deleteIfExists(out);
                }
            }
            // 20 MB up through the HTTP/2 server (echoed back), from an HTTP/1 client (content-length) and an HTTP/2 one.
            r = EpoxyUnderTest.run(60, "curl", "-sS", "--http1.1", "--data-binary", "@" + dir.resolve("upload"), "-o", "/dev/null",
                    "-w", "%{http_code} %{size_download}", url(p, "/echo"));
            assertEquals("200 " + BIG, r.text(), r.err());
            r = EpoxyUnderTest.run(60, "nghttp", "-d", dir.resolve("upload").toString(), url(p, "/echo"));
            assertEquals(0, r.exit(), r.err());
            assertEquals(BIG, r.out().length);
            assertTrue(java.util.Arrays.equals(pattern(BIG), r.out()), "echoed upload corrupted");
        }
    }

    /**
     * A response from an HTTP/2 server is logged with the time its head took (Tr), however it
     * came: nghttpd sends a small one whole, head and end of stream, in one write. It was
     * logged with Tr -1, as if no response had come.
     */
    /** An httplog line's timers and status: Tr (group 1), the status (group 2). */
    private static final Pattern TIMERS = Pattern.compile(" -?\\d+/-?\\d+/-?\\d+/(-?\\d+)/-?\\d+ (\\d+) ");

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void http2ServerResponsesAreLoggedWithTheirTimes(int threads) throws Exception {
        String cfg = EpoxyUnderTest.config(threads, "", "    server s1 127.0.0.1:" + nghttpdPort + " proto h2\n")
                .replace("defaults\n", "    log stderr format raw local0\ndefaults\n    log global\n    option httplog\n");
        java.io.ByteArrayOutputStream logs = new java.io.ByteArrayOutputStream();
        try (EpoxyUnderTest p = H2StaleReuseTest.startLogging(cfg, logs)) {
            for (String path : new String[] {"/small", "/small", "/nothing-here", "/big"}) {
                EpoxyUnderTest.Run r = EpoxyUnderTest.run(20, "curl", "-sS", "-o", "/dev/null", url(p, path));
                assertEquals(0, r.exit(), r.err());
            }
            // the log writer may hold lines for a moment (LogWriter)
            assertTrue(dev.epoxy.testutil.Wait.holds(5_000, () -> TIMERS.matcher(logs.toString()).results().count() >= 4), logs.toString());
        }
        Matcher m = TIMERS.matcher(logs.toString());
        int lines = 0;
        while (m.find()) {
            lines++;
            assertTrue(Integer.parseInt(m.group(1)) >= 0, "Tr -1 for a response with status " + m.group(2) + ":\n" + logs);
        }
        assertEquals(4, lines, logs.toString());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void h2loadThroughHttp2Server(int threads) throws Exception {
        try (EpoxyUnderTest p = new EpoxyUnderTest(EpoxyUnderTest.config(threads, "proto h2", "    server s1 127.0.0.1:" + nghttpdPort + " proto h2\n"))) {
            EpoxyUnderTest.Run r = EpoxyUnderTest.run(60, "h2load", "-n", "500", "-c", "5", "-m", "10", url(p, "/small"));
            assertTrue(r.text().contains("500 succeeded, 0 failed"), r.text());
            Matcher m = Pattern.compile("status codes: (\\d+) 2xx").matcher(r.text());
            assertTrue(m.find() && m.group(1).equals("500"), r.text());
        }
    }
}
