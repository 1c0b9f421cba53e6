package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A server answers an upload early (413 with its head alone read) and closes. The client gets
 * the 413 and can finish sending: the proxy shuts its side and reads the rest of the body away
 * (lingering) instead of closing with unread input, which sends a reset; many client stacks drop
 * a received response they have not read yet when a reset arrives. HAProxy 3.4 lets the upload
 * finish too; before this, the uploading client met "connection reset" every time.
 */
class EarlyResponseUploadTest {
    private static final int UPLOAD = 8 << 20; // more than the socket buffers on the way hold

    @ParameterizedTest(name = "edge-triggered={0}")
    @CsvSource({"false", "true"})
    void theClientGetsThe413AndItsUploadIsReadAway(boolean et) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    InputStream in = s.getInputStream();
                    StringBuilder head = new StringBuilder();
                    for (int b; !head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0; )
                        head.append((char) b);
                    s.getOutputStream().write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig"
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the test fails on what the client sees
                }
            }, "early-413");
            server.start();
            try (Epoxy ep = Epoxy.inFrontOf(ss.getLocalPort(), et);
                    Socket c = new Socket(InetAddress.getLoopbackAddress(), ep.port("fe"))) {
                c.setSoTimeout(10_000);
                AtomicReference<Throwable> uploadError = new AtomicReference<>();
                Thread upload = new Thread(() -> {
                    try {
                        OutputStream out = c.getOutputStream();
                        out.write(("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + UPLOAD + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        byte[] chunk = new byte[64 << 10];
                        for (int sent = 0; sent < UPLOAD; sent += chunk.length)
                            out.write(chunk);
                        out.flush();
                    } catch (Throwable e) {
                        uploadError.set(e);
                    }
                }, "upload");
                upload.start();
                byte[] got = c.getInputStream().readNBytes(12);
                assertTrue(new String(got, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 413"), new String(got));
                upload.join(20_000);
                assertTrue(!upload.isAlive(), "the upload was read away, not left blocked");
                assertNull(uploadError.get(), "the upload met an error (a reset?)");
                c.shutdownOutput();
                ep.awaitNoConnections("fe");
            }
        }
    }
}
