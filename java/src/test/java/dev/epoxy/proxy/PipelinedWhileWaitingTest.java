package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.poller.Poller;
import dev.epoxy.testutil.Epoxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A client pipelines a second request while the first waits for a slow server. Nothing more is
 * read from the client until the first response is done, so its socket holds unread input for
 * the whole wait: level-triggered, polling left on for it reported that input again at once, and
 * the thread looped without sleeping until the server answered (a whole CPU for one client;
 * found by the soak, whose wrk sent its next request after a 103). The poller must sleep
 * through the wait, with or without {@code option abortonclose} (which reads only to see the
 * client close), and both requests must then be answered in order.
 */
class PipelinedWhileWaitingTest {
    @ParameterizedTest(name = "edge-triggered={0}, abortonclose={1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void thePollerSleepsWhileAPipelinedRequestWaits(boolean et, boolean abortOnClose) throws Exception {
        exchange(et, abortOnClose, false);
    }

    /**
     * The client shuts its side after the request instead (without abortonclose it still wants
     * the answer): the close stays readable for ever, and must not keep the poller busy either.
     */
    @ParameterizedTest(name = "edge-triggered={0}")
    @CsvSource({"false", "true"})
    void thePollerSleepsWhileAHalfClosedClientWaits(boolean et) throws Exception {
        exchange(et, false, true);
    }

    private void exchange(boolean et, boolean abortOnClose, boolean shut) throws Exception {
        CountDownLatch arrived = new CountDownLatch(1), answer = new CountDownLatch(1);
        try (ServerSocket ss = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    readHead(in);
                    arrived.countDown();
                    answer.await(10, TimeUnit.SECONDS);
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na".getBytes(StandardCharsets.US_ASCII));
                    s.setSoTimeout(2000); // no second request from a client that shut its side
                    if (!readHead(in).isEmpty())
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException | InterruptedException e) {
                    // the client's assertions tell
                }
            }, "slow-server");
            server.start();
            String global = Epoxy.global(1, et);
            try (Epoxy ep = Epoxy.start(global + "defaults\n    mode http\n    timeout connect 2s\n"
                    + "    timeout client 30s\n    timeout server 30s\n"
                    + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                    + "backend be\n" + (abortOnClose ? "    option abortonclose\n" : "")
                    + "    server s1 127.0.0.1:" + ss.getLocalPort() + "\n");
                    Socket c = new Socket(InetAddress.getLoopbackAddress(), ep.port("fe"))) {
                c.setSoTimeout(10_000);
                OutputStream out = c.getOutputStream();
                out.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(arrived.await(10, TimeUnit.SECONDS), "the first request reached the server");
                if (shut)
                    c.shutdownOutput();
                else
                    out.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                Poller p = ep.rt.pollers().get(0);
                Thread.sleep(200); // the pipelined request's report has come by now
                long before = p.loops();
                Thread.sleep(800);
                long loops = p.loops() - before;
                answer.countDown();
                InputStream in = c.getInputStream();
                assertEquals("a", body(in));
                if (!shut)
                    assertEquals("b", body(in));
                // Asleep, a poller loops for its timers only: a few times a second. Busy, it
                // looped 100,000 times and more in these 800 ms.
                assertTrue(loops < 100, "the poller looped " + loops + " times while the client's request waited");
            }
            server.join(10_000);
        }
    }

    /** Up to the empty line that ends a head; "" if the peer closes first. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder h = new StringBuilder();
        for (int b; !h.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0; )
            h.append((char) b);
        return h.toString();
    }

    /** The one-byte body of the next response. */
    private static String body(InputStream in) throws IOException {
        String head = readHead(in);
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        return String.valueOf((char) in.read());
    }
}
