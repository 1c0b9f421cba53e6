package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.TestBackend;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stall watchdog and a client that stops reading: the connection's output waits, and the
 * kernel takes no more of it. That is the client's doing, bounded by {@code timeout client}, not a
 * stall, and nothing is reported: not the download, nor (HTTP/2) another stream of the connection
 * merely waiting for its server, nor an HTTP/1 exchange or a TCP session. Before, all of them
 * were: the blocked output, and the server's bytes left in the kernel behind it, counted as work.
 */
class BlockedPeerStallTest {
    private static final int BIG = 32 << 20;
    private static final long STALL_MS = 300;

    @Test
    void aClientThatStopsReadingIsNoStall() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        byte[] big = new byte[BIG];
        TestBackend.storeBodies = true;
        try (TestBackend be = new TestBackend((r, out) -> {
            if (r.target.equals("/big")) {
                out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + BIG + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(big);
            } else {
                try {
                    answer.await(20, TimeUnit.SECONDS); // a slow server: the scenario's pace
                } catch (InterruptedException e) {
                    return false;
                }
                byte[] body = ("len=" + r.body.length).getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
            }
            out.flush();
            return true;
        }); EpoxyUnderTest proxy = new EpoxyUnderTest("global\n    nbthread 1\n    tune.stall-report " + STALL_MS + "ms\n"
                + "defaults\n    mode http\n    timeout client 30s\n    timeout server 30s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0 proto h2\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n")) {
            LinkedBlockingQueue<String> reports = new LinkedBlockingQueue<>();
            proxy.rt.pollers().onStallReport(reports::add);
            CountDownLatch read = new CountDownLatch(1);
            try (H2TestClient c = new H2TestClient(proxy.port("fe"), 16384, read)) {
                c.grantLargestWindows();
                c.request(1, "GET", "/big", true);
                Thread.sleep(1500); // the proxy fills the socket buffers, then its own output buffer
                // Stream 3: a whole upload; the proxy forwards it, and its server takes its time.
                c.request(3, "POST", "/slow", false);
                c.data(3, new byte[StreamFlow.CREDIT_THRESHOLD + 4096], true);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (be.received.stream().noneMatch(r -> r.target.equals("/slow")) && System.nanoTime() < end)
                    Thread.sleep(20); // polling the backend, not ordering events
                assertTrue(be.received.stream().anyMatch(r -> r.target.equals("/slow")), "the upload never reached the server");
                Thread.sleep(6 * STALL_MS); // several watchdog periods while the server thinks
                String line = reports.poll();
                assertNull(line, "reported: " + line);
                answer.countDown();
                read.countDown();
                c.expect(e -> e.startsWith("END 3"), 20_000);
                assertTrue(c.body(3).equals("len=" + (StreamFlow.CREDIT_THRESHOLD + 4096)), c.body(3));
            }
        }
    }

    @Test
    void anHttp1ClientThatStopsReadingIsNoStall() throws Exception {
        stopReadingADownload("http");
    }

    @Test
    void aTcpClientThatStopsReadingIsNoStall() throws Exception {
        stopReadingADownload("tcp");
    }

    /** A 32 MiB download the client stops reading, through a frontend in {@code mode}. */
    private static void stopReadingADownload(String mode) throws Exception {
        byte[] big = new byte[BIG];
        try (TestBackend be = new TestBackend((r, out) -> {
            out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + BIG + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(big);
            out.flush();
            return true;
        }); EpoxyUnderTest proxy = new EpoxyUnderTest("global\n    nbthread 1\n    tune.stall-report " + STALL_MS + "ms\n"
                + "defaults\n    mode " + mode + "\n    timeout client 30s\n    timeout server 30s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n")) {
            LinkedBlockingQueue<String> reports = new LinkedBlockingQueue<>();
            proxy.rt.pollers().onStallReport(reports::add);
            try (java.net.Socket s = new java.net.Socket()) {
                s.setReceiveBufferSize(16384);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.port("fe")), 5000);
                s.setSoTimeout(20_000);
                s.getOutputStream().write("GET /big HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(1500 + 6 * STALL_MS); // buffers fill, then several watchdog periods
                String line = reports.poll();
                assertNull(line, "reported: " + line);
                long got = 0;
                java.io.InputStream in = s.getInputStream();
                byte[] b = new byte[1 << 16];
                for (int n; got < BIG && (n = in.read(b)) > 0; )
                    got += n;
                assertTrue(got > BIG, "the whole response, head and body: " + got);
            }
        }
    }
}
