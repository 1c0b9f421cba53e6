package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.TestBackend;
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
    /** A server that answers "/early*" right after the request head, without reading the body. */
    static java.net.ServerSocket early;
    static EpoxyUnderTest earlyProxy;

    @BeforeAll
    static void start() throws Exception {
        byte[] big = new byte[BIG];
        backend = new TestBackend(TestBackend.respond(r -> new Object[] {200, r.target.equals("/big") ? big : "len=" + r.body.length}));
        proxy = new EpoxyUnderTest(EpoxyUnderTest.config(3, "proto h2", "    server s1 127.0.0.1:" + backend.port() + "\n"));
        port = proxy.port("fe");
        early = new java.net.ServerSocket(0, 64, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(H2NoLossTest::earlyLoop, "early-backend");
        t.setDaemon(true);
        t.start();
        earlyProxy = new EpoxyUnderTest(EpoxyUnderTest.config(3, "proto h2", "    server s1 127.0.0.1:" + early.getLocalPort() + "\n"));
    }

    private static void earlyLoop() {
        while (!early.isClosed()) {
            try {
                java.net.Socket s = early.accept();
                Thread t = new Thread(() -> earlyServe(s), "early-conn");
                t.setDaemon(true);
                t.start();
            } catch (java.io.IOException e) {
                return;
            }
        }
    }

    /** "/early-close": answers 413 and closes; "/early-keep": answers 200 and neither reads nor closes; else reads all. */
    private static void earlyServe(java.net.Socket s) {
        try (s) {
            s.setSoTimeout(30_000);
            java.io.InputStream in = s.getInputStream();
            java.io.OutputStream out = s.getOutputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0)
                    return;
                head.append((char) c);
            }
            String target = head.substring(head.indexOf(" ") + 1, head.indexOf(" ", head.indexOf(" ") + 1));
            if (target.startsWith("/early-close")) {
                out.write("HTTP/1.1 413 Too Large\r\ncontent-length: 5\r\nconnection: close\r\n\r\nearly".getBytes());
                out.flush();
                return;
            }
            if (target.startsWith("/early-keep")) {
                out.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nearly".getBytes());
                out.flush();
                Thread.sleep(20_000);
                return;
            }
            // chunked request body (no content-length from the client): read it all, answer its length
            long total = 0;
            while (true) {
                StringBuilder l = new StringBuilder();
                int c;
                while ((c = in.read()) != '\n') {
                    if (c < 0)
                        return;
                    if (c != '\r')
                        l.append((char) c);
                }
                if (l.length() == 0)
                    continue;
                long n = Long.parseLong(l.toString().split(";")[0].trim(), 16);
                if (n == 0)
                    break;
                in.readNBytes((int) n);
                total += n;
            }
            byte[] body = ("len=" + total).getBytes();
            out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + body.length + "\r\nconnection: close\r\n\r\n").getBytes());
            out.write(body);
            out.flush();
            Thread.sleep(200);
        } catch (Exception e) {
            // the proxy closed: normal here
        }
    }

    @AfterAll
    static void stop() throws Exception {
        earlyProxy.close();
        early.close();
        proxy.close();
        backend.close();
    }

    /** A connection error while the output is stuck behind a client that does not read. */
    @Test
    void goAwayAfterALargeQueuedOutputReachesTheClient() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (H2TestClient c = new H2TestClient(port, 16384, gate)) {
            c.grantLargestWindows();
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

    /**
     * The server answers before the upload on stream 1 is over; the client, still uploading,
     * must not be left waiting on a window, and another upload on the same connection must go
     * through.
     */
    @Test
    void anUploadAnsweredEarlyLeavesTheConnectionUsable() throws Exception {
        for (String path : new String[] {"/early-close", "/early-keep"}) {
            try (H2TestClient c = new H2TestClient(earlyProxy.port("fe"))) {
                c.request(1, "POST", path, false);
                java.util.concurrent.atomic.AtomicReference<String> upload1 = new java.util.concurrent.atomic.AtomicReference<>("running");
                // Never END_STREAM: the request must still be open when the response ends, or no
                // reset is owed. 4 MiB fits in loopback socket buffers, so an upload that ended
                // could finish before a late server (a busy machine) answers; the stream then
                // closes normally and the proxy rightly sends no RST_STREAM.
                Thread up = new Thread(() -> {
                    try {
                        c.data(1, new byte[4 << 20], false);
                        upload1.set("done");
                    } catch (Exception e) {
                        upload1.set(e.toString());
                    }
                });
                up.setDaemon(true);
                up.start();
                c.expect("END 1");
                // The client is told to stop (RST_STREAM NO_ERROR after the complete response).
                c.expect(e -> e.startsWith("RST_STREAM 1 "), 5000);
                c.request(3, "POST", "/up", false);
                c.data(3, new byte[2 << 20], true);
                c.expect(e -> e.startsWith("END 3"), 10_000);
                assertEquals("len=" + (2 << 20), c.body(3), path);
                up.interrupt(); // its window never comes back once the stream is reset: the client stops
            }
        }
    }
}
