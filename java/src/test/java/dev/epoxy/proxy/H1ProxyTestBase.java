package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.RefusedPort;
import dev.epoxy.testutil.TestBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 proxying end to end: real sockets on 127.0.0.1, a real backend server, real
 * clients. Subclasses run the same scenarios with 1 or 3 threads, level- or edge-triggered.
 */
abstract class H1ProxyTestBase {
    abstract int threads();

    abstract boolean edgeTriggered();

    TestBackend backend;
    Epoxy epoxy;
    /** Held for the whole test: connections to the "dead" server are refused, never answered by a stranger. */
    RefusedPort dead;
    int fe, redirect;

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend(H1ProxyTestBase::script);
        dead = new RefusedPort();
        epoxy = Epoxy.start(Epoxy.global(threads(), edgeTriggered())
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 3s\n    timeout connect 1s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n"
                + "    use_backend dead if { path_beg /dead }\n"
                + "    use_backend slow if { path_beg /slow }\n"
                + "    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + backend.port() + "\n"
                + "backend dead\n    retries 1\n    server s1 127.0.0.1:" + dead.port() + "\n"
                + "backend slow\n    timeout server 300ms\n    server s1 127.0.0.1:" + backend.port() + "\n"
                + "listen r\n    bind 127.0.0.1:0\n"
                + "    redirect location /there code 301 if { path_beg /old }\n"
                + "    redirect prefix /new code 308 if { path_beg /p }\n"
                + "    redirect location /\n");
        fe = epoxy.port("fe");
        redirect = epoxy.port("r");
    }

    @AfterEach
    void stop() throws IOException {
        if (epoxy != null)
            epoxy.close();
        if (backend != null)
            backend.close();
        if (dead != null)
            dead.close();
    }

    /** The backend's behaviour, chosen by path. */
    static boolean script(TestBackend.Request r, OutputStream out) throws IOException {
        String p = r.target;
        if (p.startsWith("/slow-head")) {
            // A head dribbled a byte every 50 ms: each gap is within timeout server (300 ms),
            // the whole head (1.5 s) is not.
            for (byte b : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII)) {
                out.write(b);
                out.flush();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }
        if (p.startsWith("/slow")) {
            // The server's own pace, not an ordering: it stays silent far past the proxy's
            // timeout server (300 ms), then closes without answering.
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
        if (p.startsWith("/close"))
            return false;
        if (p.startsWith("/junk")) {
            out.write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return false;
        }
        if (p.startsWith("/chunked")) {
            out.write(("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return true;
        }
        if (p.startsWith("/bigeof")) {
            out.write("HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(pattern(BIG_EOF));
            return false;
        }
        if (p.startsWith("/eof")) {
            out.write("HTTP/1.1 200 OK\r\n\r\nuntil close".getBytes(StandardCharsets.US_ASCII));
            return false;
        }
        if (p.startsWith("/hints")) {
            out.write(("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal").getBytes(StandardCharsets.US_ASCII));
            return true;
        }
        if (p.startsWith("/continue")) {
            return TestBackend.respond(x -> new Object[] {200, "after continue " + x.body.length}).handle(r, out);
        }
        if (p.startsWith("/echo"))
            return TestBackend.respond(x -> new Object[] {200, x.body}).handle(r, out);
        if (r.method.equals("HEAD")) {
            out.write("HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        }
        if (p.startsWith("/nocontent")) {
            out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        }
        return TestBackend.respond(x -> new Object[] {200, "hello " + x.target}).handle(r, out);
    }

    @Test
    void getThroughJdkHttpClient() throws Exception {
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fe + "/a" + i))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("hello /a" + i, r.body());
        }
    }

    /**
     * Bodies of every size around the buffer's (16384, one HTTP/2 frame's 17417) and its
     * multiples, both ways on one keep-alive connection, each whole at once. A flush sent with
     * MSG_MORE must always be followed by one without: otherwise the kernel holds the tail of the
     * message, here about 170 ms per exchange (measured with the final flush sent with MSG_MORE:
     * all 30 exchanges took that long; they take 5-15 ms each when right).
     */
    @Test
    void bodiesOfEverySizeAroundTheBufferArriveAtOnce() throws Exception {
        java.util.List<String> slow = new java.util.ArrayList<>();
        int exchanges = 0;
        try (RawClient c = new RawClient(fe)) {
            c.s.setSoTimeout(2000);
            for (int base : new int[] {16384, 17417, 32768, 34834, 65536, 131072})
                for (int n = base - 2; n <= base + 2; n++) {
                    byte[] body = new byte[n];
                    Arrays.fill(body, (byte) ('a' + n % 26));
                    long t0 = System.nanoTime();
                    c.send("POST /echo HTTP/1.1\r\nHost: x\r\ncontent-length: " + n + "\r\n\r\n");
                    c.send(body);
                    RawClient.Response r = c.read();
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertEquals(200, r.status, "size " + n);
                    assertArrayEquals(body, r.body, "size " + n);
                    exchanges++;
                    if (ms >= 100)
                        slow.add(n + " B: " + ms + " ms");
                }
        }
        // A loaded machine may slow a few exchanges; a held tail slows every one of them.
        assertTrue(slow.size() <= exchanges / 3, "exchanges of 100 ms or more: " + slow);
    }

    static final int BIG_EOF = 300_000;

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte) ('a' + i % 23);
        return b;
    }

    /**
     * Raw bodies are read from the socket straight into the channel, bounded by what is left of
     * the body: a request pipelined right behind a large upload, in the same packets, stays in
     * the kernel until its turn and is answered; a large close-delimited response arrives whole
     * (re-framed as chunked) and the client connection carries on.
     */
    @Test
    void largeBodiesReadStraightIntoTheChannelLoseNothing() throws Exception {
        byte[] body = pattern(200_000);
        try (RawClient c = new RawClient(fe)) {
            c.s.setSoTimeout(5000);
            byte[] head = ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] next = "GET /after HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            all.write(head);
            all.write(body);
            all.write(next);
            c.send(all.toByteArray());
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertArrayEquals(body, r.body);
            assertEquals("hello /after", c.read().text());
            c.send("GET /bigeof HTTP/1.1\r\nHost: x\r\n\r\n");
            r = c.read();
            assertEquals(200, r.status);
            assertEquals("chunked", r.header("transfer-encoding"));
            assertArrayEquals(pattern(BIG_EOF), r.body);
            c.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello /again", c.read().text());
        }
    }

    @Test
    void keepAliveReusesOneServerConnection() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            for (int i = 0; i < 5; i++) {
                c.send("GET /k" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(200, r.status);
                assertEquals("hello /k" + i, r.text());
                assertEquals(String.valueOf(i), r.header("x-index"), "request " + i + " reuses the server connection");
            }
        }
        assertEquals(1, backend.connections.get(), "one server connection for five requests");
    }

    @Test
    void postWithContentLengthAndChunkedBodies() throws Exception {
        byte[] body = new byte[100_000];
        for (int i = 0; i < body.length; i++)
            body[i] = (byte) ('a' + i % 26);
        try (RawClient c = new RawClient(fe)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n").send(body);
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertArrayEquals(body, r.body);
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nx-trailer: 1\r\n\r\n");
            r = c.read();
            assertEquals(200, r.status);
            assertEquals("abcdefg", r.text());
        }
        TestBackend.Request chunked = backend.received.stream().filter(x -> x.header("transfer-encoding") != null)
                .findFirst().orElseThrow();
        assertEquals("abcdefg", new String(chunked.body, StandardCharsets.US_ASCII));
    }

    @Test
    void chunkedAndCloseDelimitedResponses() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            c.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals("hello world", r.text());
            assertEquals("chunked", r.header("transfer-encoding"));
            // A close-delimited response is re-framed as chunked for an HTTP/1.1 client.
            c.send("GET /eof HTTP/1.1\r\nHost: x\r\n\r\n");
            r = c.read();
            assertEquals(200, r.status);
            assertEquals("until close", r.text());
            assertEquals("chunked", r.header("transfer-encoding"));
            c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello /after", c.read().text(), "the client connection survived");
        }
    }

    @Test
    void headAnd204HaveNoBody() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read(true);
            assertEquals(200, r.status);
            assertEquals("1234", r.header("content-length"));
            c.send("GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(204, c.read().status);
            c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello /next", c.read().text());
        }
    }

    @Test
    void expect100ContinueIsForwarded() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            c.send("POST /continue HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response interim = c.read();
            assertEquals(100, interim.status);
            c.send("xyz");
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertEquals("after continue 3", r.text());
        }
    }

    @Test
    void pipelinedRequestsAnsweredInOrder() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            c.send("GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nokGET /p4 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello /p1", c.read().text());
            assertEquals("hello /p2", c.read().text());
            assertEquals("ok", c.read().text());
            assertEquals("hello /p4", c.read().text());
        }
    }

    @Test
    void redirectsWithCodesAndLocations() throws Exception {
        try (RawClient c = new RawClient(redirect)) {
            c.send("GET /old/page HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(301, r.status);
            assertEquals("/there", r.header("location"));
            c.send("GET /p/q?a=1 HTTP/1.1\r\nHost: x\r\n\r\n");
            r = c.read();
            assertEquals(308, r.status);
            assertEquals("/new/p/q?a=1", r.header("location"));
            c.send("GET /anything HTTP/1.1\r\nHost: x\r\n\r\n");
            r = c.read();
            assertEquals(302, r.status);
            assertEquals("/", r.header("location"));
            assertEquals("0", r.header("content-length"));
        }
    }

    @Test
    void refusedConnectionGives503AfterRetries() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            long t0 = System.nanoTime();
            c.send("GET /dead HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, r.status);
            assertTrue(r.text().contains("No server is available"), r.text());
            // retries 1: one turn-around of min(1s, timeout connect) between the two attempts.
            assertTrue(ms >= 900, "a retry after the turn-around delay, took " + ms + " ms");
        }
    }

    @Test
    void serverTimeoutGives504() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(504, r.status);
            assertEquals("Gateway Time-out", r.statusLine.substring(13));
        }
    }

    @Test
    void aServerDribblingItsHeadGets504AfterTimeoutServer() throws Exception {
        // As HAProxy 2.6 and 3.4: the bytes of a head still incomplete do not restart timeout
        // server; a new timeout per byte would let such a server hold the stream for ever.
        try (RawClient c = new RawClient(fe)) {
            long t0 = System.nanoTime();
            c.send("GET /slow-head HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(504, c.read().status);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1200, "504 about timeout server (300 ms) after the request, not after the head: " + ms + " ms");
        }
    }

    @Test
    void serverClosingEarlyOrJunkGives502() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            c.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(502, c.read().status);
        }
        try (RawClient c = new RawClient(fe)) {
            c.send("GET /junk HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(502, c.read().status);
        }
    }

    @Test
    void malformedRequestsGetTheRightStatusAndOthersCarryOn() throws Exception {
        String[][] cases = {
            {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
            {"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", "400"},
            {"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20000) + "\r\n\r\n", "431"},
            {"GET / HTTP/3.0\r\nHost: x\r\n\r\n", "505"},
        };
        try (RawClient ok = new RawClient(fe)) {
            for (String[] cs : cases) {
                try (RawClient c = new RawClient(fe)) {
                    c.send(cs[0]);
                    assertEquals(Integer.parseInt(cs[1]), c.read().status, cs[0].substring(0, Math.min(60, cs[0].length())));
                    assertTrue(c.closedByPeer(), "connection closed after the error");
                }
                ok.send("GET /still HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("hello /still", ok.read().text());
            }
        }
    }

    @Test
    void http10ClientGetsCloseDelimitedAndClose() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            c.send("GET /eof HTTP/1.0\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertEquals("until close", r.text());
        }
        try (RawClient c = new RawClient(fe)) {
            c.send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals("keep-alive", r.header("connection"));
            c.send("GET /ka2 HTTP/1.0\r\n\r\n");
            assertEquals("hello /ka2", c.read().text());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void interimResponsesReachOnlyHttp11Clients() throws Exception {
        try (RawClient c = new RawClient(fe)) {
            c.send("GET /hints HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(103, r.status);
            assertEquals("</s.css>; rel=preload", r.header("link"));
            assertEquals("final", c.read().text());
            // HTTP/1.0 has no 1xx (RFC 9110 15.2): the 103 is dropped, the final answer follows
            c.send("GET /hints HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            r = c.read();
            assertEquals(200, r.status);
            assertEquals("final", r.text());
            c.send("GET /hints HTTP/1.0\r\n\r\n");
            assertEquals(200, c.read().status);
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void manyConcurrentClients() throws Exception {
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<String>>>();
        for (int i = 0; i < 200; i++)
            futures.add(c.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fe + "/c" + i))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
        for (int i = 0; i < futures.size(); i++) {
            HttpResponse<String> r = futures.get(i).get();
            assertEquals(200, r.statusCode());
            assertEquals("hello /c" + i, r.body());
        }
    }

    static byte[] repeat(byte b, int n) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }
}
