package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.TestBackend;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nothing an HTTP/2 client is owed gets lost when the proxy ends a connection or a stream early:
 * queued output and the GOAWAY after it are delivered, and flow-control credit keeps flowing.
 */
class H2NoLossTest {
    static final int BIG = 32 << 20;
    static TestBackend backend;
    static EpoxyUnderTest proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        byte[] big = new byte[BIG];
        backend = new TestBackend(TestBackend.respond(r -> new Object[] {200, r.target.equals("/big") ? big : "len=" + r.body.length}));
        proxy = new EpoxyUnderTest(EpoxyUnderTest.config(3, "proto h2", "    server s1 127.0.0.1:" + backend.port() + "\n"));
        port = proxy.port("fe");
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    /** A connection error while the output is stuck behind a client that does not read. */
    @Test
    void goAwayAfterALargeQueuedOutputReachesTheClient() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (H2TestClient c = new H2TestClient(port, 16384, gate)) {
            c.autoCredit = false;
            ByteBuffer b = ByteBuffer.allocate(64);
            FrameWriter.writeSettings(b, new Settings().with(Settings.INITIAL_WINDOW_SIZE, H2Frame.MAX_WINDOW_SIZE));
            c.send(b);
            c.windowUpdate(0, H2Frame.MAX_WINDOW_SIZE - 65535);
            c.request(1, "GET", "/big", true);
            Thread.sleep(1500); // the proxy fills the socket buffers, then its own output buffer
            c.frame(H2Frame.TYPE_PING, 0, 0, new byte[3]); // wrong PING length: connection FRAME_SIZE_ERROR
            Thread.sleep(300);
            gate.countDown(); // now read everything
            String g = c.expect(e -> e.startsWith("GOAWAY"), 20_000);
            assertTrue(g.startsWith("GOAWAY 1 6"), g); // last stream 1, FRAME_SIZE_ERROR
            assertTrue(c.dataBytes.get() > 0 && c.dataBytes.get() < BIG, "bytes " + c.dataBytes.get());
            c.expect(e -> e.startsWith("EOF"), 10_000);
            assertEquals(1, c.order.size(), c.order.toString());
        }
    }
}
