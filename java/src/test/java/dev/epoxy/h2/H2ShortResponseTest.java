package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
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
    private static void serve(ServerSocket ss) {
        while (!ss.isClosed()) {
            try (Socket s = ss.accept()) {
                s.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                in.readFully(new byte[24]);
                out.write(frame(4, 0, 0, new byte[0]));
                while (true) {
                    int len = in.readUnsignedShort() << 8 | in.readUnsignedByte();
                    int type = in.readUnsignedByte(), flags = in.readUnsignedByte(), id = in.readInt() & 0x7fffffff;
                    in.readFully(new byte[len]);
                    if (type == 4 && (flags & 1) == 0)
                        out.write(frame(4, 1, 0, new byte[0]));
                    if (type != 1)
                        continue;
                    // :status 200 (static 8), content-length: 10 (static 28, literal without indexing)
                    out.write(frame(1, 4, id, new byte[] {(byte) 0x88, 0x0f, 0x0d, 0x02, '1', '0'}));
                    out.write(frame(0, 0, id, "hello".getBytes()));
                    out.flush();
                    Thread.sleep(200);
                    out.write(frame(0, 1, id, new byte[0]));
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the proxy closed, or the test is over
            }
        }
    }

    private static byte[] frame(int type, int flags, int id, byte[] payload) {
        return ByteBuffer.allocate(9 + payload.length).put((byte) (payload.length >> 16)).putShort((short) payload.length)
                .put((byte) type).put((byte) flags).putInt(id).put(payload).array();
    }

    @Test
    void anEndStreamShortOfTheLengthCutsTheResponseAtOnce() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serve(ss), "short-h2-server");
            t.setDaemon(true);
            t.start();
            String cfg = EpoxyUnderTest.config(1, "", "    server s1 127.0.0.1:" + ss.getLocalPort() + " proto h2\n");
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
