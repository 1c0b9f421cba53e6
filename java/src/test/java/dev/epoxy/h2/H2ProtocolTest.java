package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.TestBackend;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Frame-level behaviour of the client-side mux against a scripted client: acknowledgements,
 * request translation, stream errors (RST_STREAM, the connection goes on), connection errors
 * (GOAWAY with the right code, other connections unaffected), limits and flow control.
 */
class H2ProtocolTest {
    static TestBackend backend;
    static EpoxyUnderTest proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend(TestBackend.respond(r -> new Object[] {200,
            "m=" + r.method + " t=" + r.target + " v=" + r.version + " host=" + r.header("host") + " cookie="
                    + r.header("cookie") + " len=" + r.body.length}));
        proxy = new EpoxyUnderTest(EpoxyUnderTest.config(3, "proto h2", "    server s1 127.0.0.1:" + backend.port() + "\n"));
        port = proxy.port("fe");
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    private static void assertWorks(H2TestClient c, int id) throws Exception {
        c.request(id, "GET", "/ok" + id, true);
        c.expect("END " + id);
        assertTrue(c.body(id).startsWith("m=GET t=/ok" + id), c.body(id));
    }

    @Test
    void settingsAndPingAreAcknowledged() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            String s = c.expect("SETTINGS ack=false");
            assertTrue(s.contains("MAX_CONCURRENT_STREAMS=100*"), s);
            assertTrue(s.contains("ENABLE_PUSH=0*"), s);
            c.expect("SETTINGS ack=true");
            c.ping(0x1234abcdL);
            c.expect("PING ack=true 1234abcd");
        }
    }

    @Test
    void requestIsTranslatedForAnHttp1Server() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "GET", "/p?q=1", true, "cookie", "a=1", "x-test", "v", "cookie", "b=2");
            c.expect("HEADERS 1 200");
            c.expect("END 1");
            assertEquals("m=GET t=/p?q=1 v=HTTP/1.1 host=test.example cookie=a=1; b=2 len=0", c.body(1));
            // A body of unknown length reaches the HTTP/1 server chunked, complete.
            c.request(3, "POST", "/up", false);
            c.data(3, new byte[100_000], true);
            c.expect("END 3");
            assertTrue(c.body(3).endsWith("len=100000"), c.body(3));
            // content-length is forwarded and respected
            c.request(5, "POST", "/cl", false, "content-length", "5");
            c.data(5, "hello".getBytes(), true);
            c.expect("END 5");
            assertTrue(c.body(5).endsWith("len=5"), c.body(5));
        }
    }

    @Test
    void malformedRequestsAreStreamErrors() throws Exception {
        String[][] bad = {
            {"x-Upper", "v"}, {"connection", "keep-alive"}, {"transfer-encoding", "chunked"}, {"te", "gzip"},
            {"x-bad", "a\u0000b"}, {"x-bad", " lead"}, {":path", "/again"},
        };
        try (H2TestClient c = new H2TestClient(port)) {
            int id = 1;
            for (String[] h : bad) {
                c.request(id, "GET", "/", true, h[0], h[1]);
                assertEquals("RST_STREAM " + id + " 1", c.expect("RST_STREAM " + id), Arrays.toString(h));
                id += 2;
            }
            c.request(id, null, "/", true); // no :method
            c.expect("RST_STREAM " + id + " 1");
            id += 2;
            c.request(id, "GET", null, true); // no :path
            c.expect("RST_STREAM " + id + " 1");
            id += 2;
            // content-length larger than the DATA sent
            c.request(id, "POST", "/", false, "content-length", "10");
            c.data(id, "abc".getBytes(), true);
            c.expect("RST_STREAM " + id + " 1");
            id += 2;
            // content-length with END_STREAM on HEADERS
            c.request(id, "POST", "/", true, "content-length", "3");
            c.expect("RST_STREAM " + id + " 1");
            id += 2;
            assertWorks(c, id);
        }
    }

    @Test
    void framesOnClosedOrHalfClosedStreams() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            // DATA after END_STREAM: STREAM_CLOSED (sent in one write, before the response can finish)
            ByteBuffer b = ByteBuffer.allocate(1024);
            HeaderList h = new HeaderList().add(":method", "GET").add(":scheme", "http").add(":path", "/").add(":authority", "x");
            ByteBuffer block = ByteBuffer.allocate(256);
            new HpackEncoder(4096).setDynamicIndexing(false).encode(block, h);
            block.flip();
            FrameWriter.writeHeaders(b, 1, block, true, 16384);
            FrameWriter.writeData(b, 1, ByteBuffer.wrap(new byte[3]), 3, false);
            c.send(b);
            c.expect("RST_STREAM 1 5");
            // WINDOW_UPDATE overflowing an open stream's window: stream FLOW_CONTROL_ERROR
            c.request(3, "POST", "/", false);
            c.windowUpdate(3, Integer.MAX_VALUE);
            c.expect("RST_STREAM 3 3");
            assertWorks(c, 5);
        }
    }

    private static void expectGoAway(byte[] frames, long code) throws Exception {
        try (H2TestClient c = new H2TestClient(port); H2TestClient other = new H2TestClient(port)) {
            other.request(1, "POST", "/slow", false);
            c.expect("SETTINGS ack=true");
            c.sendRaw(frames);
            String g = c.expect("GOAWAY");
            assertEquals(String.valueOf(code), g.split(" ")[2], g);
            c.expect(e -> e.startsWith("EOF"), 5000);
            // The other connection, with a stream open all along, carries on.
            other.data(1, "body".getBytes(), true);
            other.expect("END 1");
            assertTrue(other.body(1).endsWith("len=4"), other.body(1));
        }
    }

    private static byte[] frame(int type, int flags, int id, int... p) {
        byte[] payload = new byte[p.length];
        for (int i = 0; i < p.length; i++)
            payload[i] = (byte) p[i];
        return frame(type, flags, id, payload);
    }

    private static byte[] frame(int type, int flags, int id, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        FrameHeader.write(b, payload.length, type, flags, id);
        b.put(payload);
        return b.array();
    }

    @Test
    void connectionErrorsSendGoAwayWithTheRightCode() throws Exception {
        expectGoAway(frame(H2Frame.TYPE_DATA, 0, 0, new byte[4]), 1); // DATA on stream 0
        expectGoAway(frame(H2Frame.TYPE_SETTINGS, 0, 0, new byte[5]), 6); // bad SETTINGS length
        expectGoAway(frame(H2Frame.TYPE_SETTINGS, 0, 0, 0, 5, 0, 0, 0, 1), 1); // MAX_FRAME_SIZE 1
        expectGoAway(frame(H2Frame.TYPE_SETTINGS, 0, 0, 0, 4, 0x80, 0, 0, 0), 3); // window > 2^31-1
        expectGoAway(frame(H2Frame.TYPE_WINDOW_UPDATE, 0, 0, 0x7f, -1, -1, -1), 3); // connection window overflow
        expectGoAway(frame(H2Frame.TYPE_WINDOW_UPDATE, 0, 7, 0, 0, 0, 1), 1); // idle stream
        expectGoAway(frame(H2Frame.TYPE_HEADERS, H2Frame.FLAG_END_HEADERS, 2, 0x82), 1); // even stream id
        expectGoAway(frame(H2Frame.TYPE_PING, 0, 0, new byte[7]), 6); // PING length
        expectGoAway(frame(H2Frame.TYPE_HEADERS, H2Frame.FLAG_END_HEADERS, 1, 0xff, 0xff), 9); // HPACK garbage
        expectGoAway(frame(H2Frame.TYPE_CONTINUATION, H2Frame.FLAG_END_HEADERS, 1, 0x82), 1); // lone CONTINUATION
    }

    @Test
    void tooManyConcurrentStreamsAreRefused() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.expect("SETTINGS ack=true");
            for (int i = 0; i < H2FrontMux.MAX_STREAMS; i++)
                c.request(1 + 2 * i, "POST", "/wait", false);
            int extra = 1 + 2 * H2FrontMux.MAX_STREAMS;
            c.request(extra, "POST", "/wait", false);
            c.expect("RST_STREAM " + extra + " 7");
            // Finishing one stream makes room again.
            c.data(1, "x".getBytes(), true);
            c.expect("END 1");
            c.request(extra + 2, "GET", "/after", true);
            c.expect("END " + (extra + 2));
        }
    }

    @Test
    void rapidResetFloodEndsWithEnhanceYourCalm() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.expect("SETTINGS ack=true");
            try {
                for (int i = 0; i < 500; i++) {
                    int id = 1 + 2 * i;
                    c.request(id, "POST", "/r", false);
                    c.rst(id, H2Error.CANCEL);
                }
            } catch (java.io.IOException e) {
                // the proxy closed the connection mid-flood: expected
            }
            String g = c.expect(e -> e.startsWith("GOAWAY"), 10_000);
            assertEquals("11", g.split(" ")[2], g);
        }
    }

    @Test
    void continuationFloodEndsWithEnhanceYourCalm() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.expect("SETTINGS ack=true");
            c.frame(H2Frame.TYPE_HEADERS, 0, 1, new byte[] {(byte) 0x82});
            try {
                for (int i = 0; i < 40; i++)
                    c.frame(H2Frame.TYPE_CONTINUATION, 0, 1, new byte[0]);
            } catch (java.io.IOException e) {
                // closed mid-flood: expected
            }
            String g = c.expect(e -> e.startsWith("GOAWAY"), 10_000);
            assertEquals("11", g.split(" ")[2], g);
        }
    }

    @Test
    void resetMidBodyDoesNotDisturbOtherStreams() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/a", false);
            c.request(3, "POST", "/b", false);
            c.data(1, new byte[30_000], false);
            c.data(3, new byte[30_000], false);
            c.rst(1, H2Error.CANCEL);
            c.data(3, new byte[30_000], true);
            c.request(5, "GET", "/c", true);
            c.expect("END 3");
            c.expect("END 5");
            assertTrue(c.body(3).endsWith("len=60000"), c.body(3));
            assertTrue(c.body(5).startsWith("m=GET t=/c"), c.body(5));
        }
    }

    @Test
    void initialWindowSizeChangesApplyToOpenStreams() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.expect("SETTINGS ack=true");
            ByteBuffer b = ByteBuffer.allocate(64);
            FrameWriter.writeSettings(b, new Settings().with(Settings.INITIAL_WINDOW_SIZE, 0));
            c.send(b);
            c.request(1, "GET", "/w", true);
            c.expect("HEADERS 1 200");
            // "No DATA" has no later event to prove it. A PING round trip shows the proxy has
            // handled this connection's traffic so far; then a bounded window (generous: the body
            // is ready as soon as the head is) in which a DATA frame fails the test at once.
            c.ping(0x5eedL);
            c.expect("PING ack=true 5eed");
            assertNull(c.within(e -> e.startsWith("DATA 1"), 300), "no DATA may come through a zero window");
            assertEquals("", c.body(1), "no DATA may come through a zero window");
            b = ByteBuffer.allocate(64);
            FrameWriter.writeSettings(b, new Settings().with(Settings.INITIAL_WINDOW_SIZE, 65535));
            c.send(b);
            c.expect("END 1");
            assertTrue(c.body(1).startsWith("m=GET t=/w"), c.body(1));
        }
    }

    @Test
    void clientGoAwayLetsOpenStreamsFinishThenCloses() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "POST", "/last", false);
            c.expect("SETTINGS ack=true");
            ByteBuffer b = ByteBuffer.allocate(32);
            FrameWriter.writeGoAway(b, 0, H2Error.NO_ERROR, null);
            c.send(b);
            c.data(1, "tail".getBytes(), true);
            c.expect("END 1");
            assertTrue(c.body(1).endsWith("len=4"), c.body(1));
            // Graceful: our own GOAWAY names the last stream processed, then the connection closes.
            String g = c.expect(e -> e.startsWith("GOAWAY"), 5000);
            assertEquals("GOAWAY 1 0 ", g);
            c.expect(e -> e.startsWith("EOF"), 5000);
        }
    }
}
