package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A server sends a response head and part of its body, then resets the connection. The client
 * must get the server's status and the bytes that came, then a cut connection (as from HAProxy),
 * not a 502: the head was received before the reset. The dangerous interleaving is forced: the
 * poller thread is held busy while the server writes and resets, so that one event reports the
 * data and the reset together (EPOLLIN|EPOLLERR|EPOLLHUP). Before the fix that gave 502 every
 * time, and only now and then when the reset came in a later event. A body that reaches the
 * client close-delimited (an HTTP/1.0 client) must end with a reset, not a FIN that would make it
 * look whole.
 */
class ResetAfterHeadTest {
    @ParameterizedTest(name = "{0}, edge-triggered={1}, client HTTP/{2}")
    @CsvSource({"length, false, 1.1", "length, true, 1.1", "close-delimited, false, 1.1", "close-delimited, true, 1.1",
            "close-delimited, false, 1.0", "close-delimited, true, 1.0"})
    void theClientGetsTheServersStatusAndWhatCameThenACut(String framing, boolean et, String version) throws Exception {
        String response = framing.equals("length") ? "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok"
                : "HTTP/1.0 200 OK\r\n\r\nhello";
        CountDownLatch arrived = new CountDownLatch(1), go = new CountDownLatch(1);
        try (ServerSocket ss = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    readHeadText(s.getInputStream());
                    arrived.countDown();
                    go.await(10, TimeUnit.SECONDS);
                    s.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    s.setSoLinger(true, 0); // close() sends RST
                } catch (IOException | InterruptedException e) {
                    // the test fails on what the client sees
                }
            }, "reset-server");
            server.start();
            try (Epoxy ep = Epoxy.inFrontOf(ss.getLocalPort(), et);
                    Socket c = new Socket(InetAddress.getLoopbackAddress(), ep.port("fe"))) {
                c.setSoTimeout(10_000);
                c.getOutputStream().write(("GET / HTTP/" + version + "\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertTrue(arrived.await(10, TimeUnit.SECONDS), "the request reached the server");
                CountDownLatch busy = new CountDownLatch(1);
                ep.rt.pollers().get(0).execute(() -> {
                    busy.countDown();
                    try {
                        Thread.sleep(300); // the server writes and resets meanwhile
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertTrue(busy.await(10, TimeUnit.SECONDS));
                go.countDown();
                server.join(10_000);
                // The head first: a 502 leaves the client connection open (the request was read whole).
                String head = readHeadText(c.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
                boolean[] reset = {false};
                String got = head + readAll(c.getInputStream(), reset);
                String body = got.substring(got.indexOf("\r\n\r\n") + 4);
                String sent = response.substring(response.indexOf("\r\n\r\n") + 4);
                assertTrue(body.contains(sent), "what the server sent reaches the client: " + got);
                // Cut: no more than the server sent (a chunked copy has no last chunk).
                assertTrue(!body.endsWith("0\r\n\r\n"), got);
                // To an HTTP/1.0 client the body goes close-delimited: only a reset shows the cut.
                if (version.equals("1.0"))
                    assertTrue(reset[0], "a reset after " + got);
                ep.awaitNoConnections("fe");
                assertEquals(0, ep.rt.connections("fe"));
            }
        }
    }

    /** Up to and including the empty line that ends a head. */
    private static String readHeadText(InputStream in) throws IOException {
        StringBuilder h = new StringBuilder();
        for (int b; !h.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0; )
            h.append((char) b);
        return h.toString();
    }

    /** Until the proxy closes or resets the connection (bounded by the socket timeout); reset[0] tells which. */
    private static String readAll(InputStream in, boolean[] reset) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; )
                b.write(buf, 0, n);
        } catch (java.net.SocketException e) {
            reset[0] = true; // what arrived counts
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
