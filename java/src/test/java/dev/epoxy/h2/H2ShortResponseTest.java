package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 server ends a response with END_STREAM short of its content-length, a malformed
 * response (RFC 9113 §8.1.1), in a write of its own after the body it did send: the stream
 * error must reach the exchange at once, and the client sees its response cut (the connection
 * closes before the length announced), not a connection left open until {@code timeout server}.
 */
class H2ShortResponseTest {
    /** Answers every stream: content-length 10, 5 bytes, then 200 ms later an empty DATA with END_STREAM. */
    private static RawH2Server shortServer() throws IOException {
        return new RawH2Server((n, id, f) -> {
            f.headers(id, false, ":status", "200", "content-length", "10");
            f.data(id, "hello".getBytes(), false);
            Thread.sleep(200);
            f.data(id, new byte[0], true);
            return true;
        });
    }

    @Test
    void anEndStreamShortOfTheLengthCutsTheResponseAtOnce() throws Exception {
        try (RawH2Server srv = shortServer()) {
            String cfg = EpoxyUnderTest.config(1, "", "    server s1 127.0.0.1:" + srv.port() + " proto h2\n");
            try (EpoxyUnderTest ep = new EpoxyUnderTest(cfg)) {
                for (int i = 0; i < 3; i++) {
                    try (Socket c = new Socket(InetAddress.getLoopbackAddress(), ep.port("fe"))) {
                        c.setSoTimeout(5_000); // timeout server is 10 s
                        c.getOutputStream().write("GET /short HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                        long start = System.nanoTime();
                        String got = readUntilClosed(c.getInputStream());
                        long ms = (System.nanoTime() - start) / 1_000_000;
                        assertTrue(got.startsWith("HTTP/1.1 200") && got.contains("content-length: 10"), got);
                        assertEquals("hello", got.substring(got.indexOf("\r\n\r\n") + 4), "the body as far as it came");
                        assertTrue(ms < 2_000, "closed after " + ms + " ms");
                    }
                }
            }
        }
    }

    /** Everything until the proxy closes or resets; a read that waits 5 s fails the test. */
    private static String readUntilClosed(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0)
                b.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection stayed open with " + b.length() + " bytes: " + b, e);
        } catch (java.net.SocketException e) {
            // reset: the cut shown by a reset
        }
        return b.toString();
    }
}
