package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.RefusedPort;
import dev.epoxy.testutil.TestBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * L7 retries ({@code retries}, {@code retry-on}) against a scripted server that misbehaves on
 * the first attempts and answers afterwards: how many attempts the server saw, that each
 * carried the same bytes, that bodies too large to keep are not replayed, and what the client
 * gets when the budget runs out.
 */
class RetryTest {
    /** A server that misbehaves for the first {@code bad} requests, then answers 200. */
    static final class Flaky implements TestBackend.Handler {
        final AtomicInteger seen = new AtomicInteger();
        final int bad;
        final TestBackend.Handler misbehave;

        Flaky(int bad, TestBackend.Handler misbehave) {
            this.bad = bad;
            this.misbehave = misbehave;
        }

        @Override
        public boolean handle(TestBackend.Request r, OutputStream out) throws IOException {
            if (seen.incrementAndGet() <= bad)
                return misbehave.handle(r, out);
            return TestBackend.respond(x -> new Object[] {200, "ok after " + (seen.get() - 1)}).handle(r, out);
        }
    }

    static final TestBackend.Handler CLOSE = (r, out) -> false;
    static final TestBackend.Handler JUNK = (r, out) -> {
        out.write("SSH-2.0-not-http\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return false;
    };
    /** Silent far past timeout server (400 ms), then closes: the server's pace, not an ordering. */
    static final TestBackend.Handler HANG = (r, out) -> {
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    };

    static TestBackend.Handler status(int st) {
        return TestBackend.respond(r -> new Object[] {st, "real " + st + " from the server"});
    }

    private static Epoxy proxy(int threads, int be, String backendLines) throws Exception {
        return Epoxy.start(Epoxy.global(threads, false)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 400ms\n    timeout connect 1s\n"
                + "listen li\n    bind 127.0.0.1:0\n" + backendLines
                + "    server s1 127.0.0.1:" + be + "\n");
    }

    private static RawClient.Response get(Epoxy ep, String req) throws Exception {
        try (RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send(req);
            return c.read();
        }
    }

    private static final String POST = "POST /submit?x=1 HTTP/1.1\r\nHost: app\r\nContent-Length: 11\r\nX-Id: 42\r\n\r\nhello world";

    private void retriedOnce(String keyword, TestBackend.Handler misbehave) throws Exception {
        Flaky flaky = new Flaky(1, misbehave);
        try (TestBackend be = new TestBackend(flaky); Epoxy ep = proxy(2, be.port(), "    retry-on " + keyword + "\n")) {
            RawClient.Response r = get(ep, POST);
            assertEquals(200, r.status, keyword);
            assertEquals("ok after 1", r.text());
            assertEquals(2, be.requests.get(), keyword + ": one retry");
            List<TestBackend.Request> got = new ArrayList<>(be.received);
            assertArrayEquals(got.get(0).raw, got.get(1).raw, "the retry replays the same bytes");
            assertEquals("hello world", new String(got.get(1).body, StandardCharsets.US_ASCII));
        }
    }

    /**
     * A retried request is the request as it arrived, flags included: an HTTP/1.0 client that
     * asked for keep-alive keeps its connection after a retry, and one that asks to close has it
     * closed (persistence is read when the head is parsed, and the copy keeps it).
     */
    @Test
    void aRetriedHttp10KeepAliveRequestKeepsItsConnection() throws Exception {
        Flaky flaky = new Flaky(1, status(503));
        try (TestBackend be = new TestBackend(flaky); Epoxy ep = proxy(1, be.port(), "    retry-on 503\n");
                RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /a HTTP/1.0\r\nHost: app\r\nConnection: keep-alive\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertEquals("ok after 1", r.text());
            assertEquals(2, be.requests.get(), "one retry");
            assertEquals("keep-alive", r.header("Connection"), "the retried response keeps the client's connection");
            c.send("GET /b HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");
            assertEquals(200, c.read().status, "and the connection serves the next request");
            assertEquals(3, be.requests.get());
            c.s.setSoTimeout(2000);
            assertEquals(-1, c.s.getInputStream().read(), "which, asking to close, is closed after it");
        }
    }

    @Test
    void emptyResponseIsRetried() throws Exception {
        retriedOnce("empty-response", CLOSE);
    }

    @Test
    void junkResponseIsRetried() throws Exception {
        retriedOnce("junk-response", JUNK);
    }

    @Test
    void responseTimeoutIsRetried() throws Exception {
        retriedOnce("response-timeout", HANG);
    }

    @ParameterizedTest(name = "retry-on {0}")
    @ValueSource(ints = {401, 403, 404, 408, 425, 500, 501, 502, 503, 504})
    void statusIsRetried(int st) throws Exception {
        retriedOnce(Integer.toString(st), status(st));
    }

    @Test
    void allRetryableErrorsCoversTheirMembers() throws Exception {
        retriedOnce("all-retryable-errors", CLOSE);
        retriedOnce("all-retryable-errors", JUNK);
        retriedOnce("all-retryable-errors", status(503));
    }

    @Test
    void withoutTheKeywordNothingIsRetried() throws Exception {
        Object[][] cases = {{CLOSE, 502}, {JUNK, 502}, {HANG, 504}, {status(503), 503}};
        for (Object[] cs : cases) {
            Flaky flaky = new Flaky(1, (TestBackend.Handler) cs[0]);
            try (TestBackend be = new TestBackend(flaky); Epoxy ep = proxy(1, be.port(), "    retry-on conn-failure 404\n")) {
                assertEquals(cs[1], get(ep, POST).status);
                assertEquals(1, be.requests.get());
            }
        }
    }

    @Test
    void budgetExhaustedForwardsTheLastRealResponse() throws Exception {
        Flaky flaky = new Flaky(100, status(503));
        try (TestBackend be = new TestBackend(flaky); Epoxy ep = proxy(1, be.port(), "    retries 2\n    retry-on 503\n")) {
            RawClient.Response r = get(ep, POST);
            assertEquals(503, r.status);
            assertEquals("real 503 from the server", r.text(), "the server's own response, not an error page");
            assertEquals(3, be.requests.get(), "first attempt and two retries");
        }
        Flaky closing = new Flaky(100, CLOSE);
        try (TestBackend be = new TestBackend(closing); Epoxy ep = proxy(1, be.port(), "    retries 2\n    retry-on empty-response\n")) {
            assertEquals(502, get(ep, POST).status);
            assertEquals(3, be.requests.get());
        }
    }

    @Test
    void aBodyThatDidNotFitIsNeverReplayed() throws Exception {
        byte[] body = new byte[100_000];
        Arrays.fill(body, (byte) 'b');
        Flaky flaky = new Flaky(1, CLOSE);
        try (TestBackend be = new TestBackend(flaky); Epoxy ep = proxy(1, be.port(), "    retry-on empty-response\n");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n").send(body);
            assertEquals(502, c.read().status);
            assertEquals(1, be.requests.get(), "no replay of a streamed body");
        }
    }

    @Test
    void redispatchSendsTheLastRetryToAnotherServer() throws Exception {
        try (RefusedPort dead = new RefusedPort(); TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(Epoxy.global(1, false)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 2s\n    timeout connect 300ms\n"
                + "listen li\n    bind 127.0.0.1:0\n    retries 1\n    option redispatch\n"
                + "    balance first\n    server dead 127.0.0.1:" + dead.port() + "\n    server alive 127.0.0.1:" + be.port() + "\n")) {
            // Round robin sends the first request to "dead": refused, then redispatched to "alive".
            RawClient.Response r = get(ep, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, r.status);
        }
    }

    @Test
    void retryOnNoneDoesNotEvenRetryConnections() throws Exception {
        try (RefusedPort dead = new RefusedPort(); Epoxy ep = proxy(1, dead.port(), "    retry-on none\n")) {
            long t0 = System.nanoTime();
            assertEquals(503, get(ep, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status);
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 900, "no turn-around delay: no retry");
        }
    }

    @Test
    void notFirstRequestFailingOnAReusedConnectionClosesTheClientSilently() throws Exception {
        // The server keeps the connection after /first, then drops it on /second without answering.
        try (TestBackend be = new TestBackend((r, out) -> {
            if (r.target.equals("/second"))
                return false;
            return TestBackend.respond(x -> new Object[] {200, "first"}).handle(r, out);
        }); Epoxy ep = proxy(1, be.port(), "    http-reuse safe\n"); RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("first", c.read().text());
            // Not idempotent and no retry-on: not retried (an idempotent one is, see StaleReuseTest).
            c.send("POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
            assertTrue(c.closedByPeer(), "closed without a response, so the client may retry");
            assertEquals(1, be.connections.get(), "the second request went on the reused connection");
        }
    }
}
