package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.TestBackend;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * h2spec-style conformance of the client side to RFC 9113 sections 5.1, 6.1 and 6.2: raw frames
 * over a real socket to an in-process Epoxy, one case per stream state a late frame can meet.
 *
 * <p>With {@code -Dh2conf.port=N} the same frames go to another HTTP/2 server instead (HAProxy
 * 2.6 with {@code bind ... proto h2}, the behaviour reference): the cases where HAProxy differs
 * are marked in their comments.
 */
class H2ConformanceTest {
    static TestBackend backend;
    static Epoxy proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        port = Integer.getInteger("h2conf.port", 0);
        if (port != 0)
            return;
        backend = new TestBackend(TestBackend.respond(r -> new Object[] {200, "m=" + r.method + " len=" + r.body.length}));
        proxy = Epoxy.start("global\n    nbthread 2\n"
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0 proto h2\n"
                + "    http-request return status 200 if { path /ret }\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + backend.port() + "\n");
        port = proxy.port("fe");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null)
            proxy.close();
        if (backend != null)
            backend.close();
    }

    /** The connection still carries requests. */
    private static void assertWorks(H2TestClient c, int id) throws Exception {
        c.request(id, "GET", "/ok" + id, true);
        c.expect("END " + id);
        assertNull(c.events(e -> e.startsWith("GOAWAY")), "no GOAWAY");
    }

    private static void expectGoAway(H2TestClient c, int code) throws Exception {
        String g = c.expect("GOAWAY");
        assertEquals(String.valueOf(code), g.split(" ")[2], g);
        c.expect(e -> e.startsWith("EOF"), 5000);
    }

    /** Trailers: a HEADERS frame with END_STREAM and no pseudo-header. */
    private static void trailers(H2TestClient c, int id) throws Exception {
        c.headers(id, new HeaderList().add("x-trailer", "1"), true);
    }

    // ---------------------------------------------------------------- trailers on an open stream (RFC 9113 section 8.1)

    @Test
    void trailersEndTheRequest() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/t", false, "content-length", "3");
            c.data(1, "abc".getBytes(), false);
            trailers(c, 1);
            c.expect("END 1");
            assertWorks(c, 3);
        }
    }

    @Test
    void malformedTrailersAreStreamErrors() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/t", false);
            c.headers(1, new HeaderList().add("x-trailer", "1"), false); // without END_STREAM
            c.expect("RST_STREAM 1 1");
            c.request(3, "POST", "/t", false);
            c.headers(3, new HeaderList().add(":path", "/").add("x-trailer", "1"), true); // a pseudo-header
            c.expect("RST_STREAM 3 1");
            c.request(5, "POST", "/t", false, "content-length", "5");
            c.data(5, "abc".getBytes(), false);
            trailers(c, 5); // before the announced length came
            c.expect("RST_STREAM 5 1");
            assertWorks(c, 7);
        }
    }

    // ---------------------------------------------------------------- closed by a reset

    @Test
    void dataAfterClientResetIsStreamErrorStreamClosed() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/r", false);
            c.rst(1, H2Error.CANCEL);
            c.data(1, "abc".getBytes(), false);
            c.expect("RST_STREAM 1 5");
            assertWorks(c, 3);
        }
    }

    /** HAProxy 2.6 answers this one with a connection error (GOAWAY STREAM_CLOSED). */
    @Test
    void headersAfterClientResetIsStreamErrorStreamClosed() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/r", false);
            c.rst(1, H2Error.CANCEL);
            trailers(c, 1);
            c.expect("RST_STREAM 1 5");
            assertWorks(c, 3); // the HPACK state survived: the trailers were decoded
        }
    }

    /** HAProxy 2.6 never opened a stream it refused at its headers: DATA on it is a PROTOCOL_ERROR there. */
    @Test
    void dataAfterOurResetIsStreamErrorStreamClosed() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/r", false, "connection", "keep-alive"); // malformed: we reset it
            c.expect("RST_STREAM 1 1");
            c.data(1, "abc".getBytes(), false);
            c.expect("RST_STREAM 1 5");
            trailers(c, 1);
            c.expect(e -> e.equals("RST_STREAM 1 5") && c.count("RST_STREAM 1 5") == 2, 10_000);
            assertWorks(c, 3);
        }
    }

    @Test
    void dataAfterOurResetOfACompletedExchangeIsStreamErrorStreamClosed() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            // The response is complete before the request is: the proxy resets the rest (NO_ERROR).
            c.request(1, "POST", "/ret", false);
            c.expect("END 1");
            c.expect("RST_STREAM 1 0");
            c.data(1, "abc".getBytes(), true);
            c.expect("RST_STREAM 1 5");
            assertWorks(c, 3);
        }
    }

    // ---------------------------------------------------------------- closed by END_STREAM both ways

    /** HAProxy 2.6 answers DATA here with a stream error (RST_STREAM STREAM_CLOSED). */
    @Test
    void dataAfterEndStreamBothWaysIsConnectionErrorStreamClosed() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "GET", "/done", true);
            c.expect("END 1");
            c.data(1, "abc".getBytes(), false);
            expectGoAway(c, 5);
        }
    }

    @Test
    void headersAfterEndStreamBothWaysIsConnectionErrorStreamClosed() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "GET", "/done", true);
            c.expect("END 1");
            trailers(c, 1);
            expectGoAway(c, 5);
        }
    }

    /** No ring of recent ids decides it: a stream closed long ago is still closed, not idle nor unknown. */
    @Test
    void dataOnAStreamClosedLongAgoIsStillAnError() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "GET", "/first", true);
            c.expect("END 1");
            int id = 3;
            for (int i = 0; i < 600; i++, id += 2) {
                c.request(id, "GET", "/n", true);
                // Below the concurrent stream limit (100): each batch of 50 wholly ended before
                // the next. Streams end out of order, so the end of a batch's last one did not
                // mean the others had ended: on a loaded machine the limit was exceeded and
                // streams were refused (REFUSED_STREAM, as RFC 9113 5.1.2 allows).
                if (i % 50 == 49)
                    for (int k = id - 98; k <= id; k += 2)
                        c.expect("END " + k);
            }
            c.data(1, "abc".getBytes(), false);
            expectGoAway(c, 5);
        }
    }

    /**
     * The memory of gone streams grows as streams end (8 entries, then 16, 32, 64...): what it
     * holds of an early stream survives each growth. A stream the client reset is answered with a
     * stream error for a late DATA, not with the connection error of an unknown closed stream.
     */
    @Test
    void aStreamResetEarlyIsRememberedAfterManyOthersEnded() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/x", false, "content-length", "10");
            c.rst(1, H2Error.CANCEL);
            int id = 3;
            for (int i = 0; i < 40; i++, id += 2) {
                c.request(id, "GET", "/n", true);
                c.expect("END " + id);
            }
            c.data(1, "abc".getBytes(), false);
            c.expect("RST_STREAM 1 5");
            assertWorks(c, id);
        }
    }

    // ---------------------------------------------------------------- half-closed

    @Test
    void dataOnHalfClosedRemoteIsStreamErrorStreamClosed() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            ByteBuffer b = ByteBuffer.allocate(1024);
            HeaderList h = new HeaderList().add(":method", "GET").add(":scheme", "http").add(":path", "/").add(":authority", "x");
            ByteBuffer block = ByteBuffer.allocate(256);
            new HpackEncoder(4096).setDynamicIndexing(false).encode(block, h);
            block.flip();
            FrameWriter.writeHeaders(b, 1, block, true, 16384);
            FrameWriter.writeData(b, 1, ByteBuffer.wrap(new byte[3]), 3, false);
            c.send(b); // one write: the DATA arrives before the response can finish
            c.expect("RST_STREAM 1 5");
            assertWorks(c, 3);
        }
    }

    /**
     * The whole announced body came and the response is complete: the proxy forgets the stream
     * without a reset, and the client's END_STREAM that was still in flight is accepted quietly.
     */
    @Test
    void lateEndStreamOfACompletedRequestIsAccepted() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/cl", false, "content-length", "3");
            c.data(1, "abc".getBytes(), false);
            c.expect("END 1");
            c.data(1, new byte[0], true);
            assertWorks(c, 3);
            assertNull(c.events(e -> e.startsWith("RST_STREAM 1")), "no reset of stream 1");
        }
    }

    // ---------------------------------------------------------------- frames allowed on closed streams

    @Test
    void windowUpdatePriorityAndResetOnClosedStreamsAreIgnored() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "GET", "/done", true);
            c.expect("END 1");
            c.windowUpdate(1, 100);
            c.frame(H2Frame.TYPE_PRIORITY, 0, 1, new byte[] {0, 0, 0, 0, 16});
            c.rst(1, H2Error.CANCEL);
            assertWorks(c, 3);
            assertNull(c.events(e -> e.startsWith("RST_STREAM")), "nothing reset");
        }
    }

    // ---------------------------------------------------------------- idle streams

    @Test
    void dataOnIdleStreamIsConnectionErrorProtocolError() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.expect("SETTINGS ack=true");
            c.frame(H2Frame.TYPE_DATA, 0, 5, "abc".getBytes());
            expectGoAway(c, 1);
        }
    }

    @Test
    void windowUpdateOnIdleStreamIsConnectionErrorProtocolError() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "GET", "/a", true);
            c.expect("END 1");
            c.windowUpdate(5, 1);
            expectGoAway(c, 1);
        }
    }

    @Test
    void resetOnIdleStreamIsConnectionErrorProtocolError() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.expect("SETTINGS ack=true");
            c.rst(5, H2Error.CANCEL);
            expectGoAway(c, 1);
        }
    }

    @Test
    void priorityOnIdleStreamIsAllowed() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.frame(H2Frame.TYPE_PRIORITY, 0, 5, new byte[] {0, 0, 0, 0, 16});
            assertWorks(c, 5);
        }
    }

    /** RFC 9113 section 5.1.1: a HEADERS frame cannot open a stream below the highest id used. */
    @Test
    void headersOnASkippedLowerIdIsConnectionErrorProtocolError() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(5, "GET", "/a", true);
            c.expect("END 5");
            c.request(3, "GET", "/b", true);
            expectGoAway(c, 1);
        }
    }

    // ---------------------------------------------------------------- requests refused with a status

    /** HEADERS 400 then the error page on {@code id}; another stream, open all along, finishes. */
    private static void expectLocalAnswer(String status, java.util.function.Consumer<H2TestClient> bad) throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/open", false);
            bad.accept(c);
            c.expect("HEADERS 3 " + status);
            c.expect("END 3");
            assertTrue(c.body(3).contains(status), c.body(3));
            c.data(1, "body".getBytes(), true);
            c.expect("END 1");
            assertWorks(c, 5);
            assertNull(c.events(e -> e.startsWith("RST_STREAM 3")), "answered, not reset");
        }
    }

    private static java.util.function.Consumer<H2TestClient> request(String method, String scheme, String... extra) {
        return c -> {
            HeaderList h = new HeaderList().add(":method", method).add(":scheme", scheme).add(":authority", "x")
                    .add(":path", "/bad");
            for (int i = 0; i < extra.length; i += 2)
                h.add(extra[i], extra[i + 1]);
            try {
                c.headers(3, h, true);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    /** HAProxy 2.6 answers 400 (log PR--, "<BADREQ>") and keeps the connection. */
    @Test
    void invalidSchemeIsAnswered400() throws Exception {
        int before = backend == null ? 0 : backend.requests.get();
        for (String scheme : new String[] {"http://localhost/?", "ht tp", "1http", "h_t"})
            expectLocalAnswer("400", request("GET", scheme));
        if (backend != null)
            assertTrue(backend.received.stream().noneMatch(r -> r.target.contains("/bad")), "nothing forwarded");
        // RFC 3986 allows these: forwarded.
        try (H2TestClient c = new H2TestClient(port)) {
            request("GET", "foo+bar.1-x").accept(c);
            c.expect("HEADERS 3 200");
        }
    }

    /** HAProxy 2.6 answers 400 here too, rather than a stream error. */
    @Test
    void invalidMethodIsAnswered400() throws Exception {
        for (String method : new String[] {"GE T", "G(T", "GET\u0001", "G\u00e9T"})
            expectLocalAnswer("400", request(method, "http"));
    }

    /**
     * A header list larger than tune.bufsize (16384 here) or than the decoder's 64 KiB limit gets
     * 431 on its stream; the connection and its other streams carry on. HAProxy 2.6 closes the
     * connection instead (GOAWAY INTERNAL_ERROR).
     */
    @Test
    void oversizedHeaderListIsAnswered431() throws Exception {
        String v = "v".repeat(1000);
        String[] big = new String[60];
        for (int i = 0; i < big.length; i += 2) {
            big[i] = "x-big" + i;
            big[i + 1] = v;
        }
        expectLocalAnswer("431", request("GET", "http", big)); // about 30 KB: above tune.bufsize
        String[] huge = new String[200];
        for (int i = 0; i < huge.length; i += 2) {
            huge[i] = "x-same";
            huge[i + 1] = v; // indexed by HPACK: a small block that decodes to 100 KB
        }
        expectLocalAnswer("431", request("GET", "http", huge));
    }
}
