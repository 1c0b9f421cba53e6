package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HTTP/1.1 protocol switch (the WebSocket handshake): the Upgrade request reaches the server
 * with its hop-by-hop headers, the 101 reaches the client, then both connections relay raw
 * bytes both ways until they close.
 */
class UpgradeTunnelTest {
    @ParameterizedTest(name = "nbthread {0}, edge-triggered {1}")
    @CsvSource({"1, false", "3, false", "3, true"})
    void websocketHandshakeThenRawBytesBothWays(int threads, boolean et) throws Exception {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> serveUpgrade(ss));
            server.setDaemon(true);
            server.start();
            try (Epoxy ep = Epoxy.start(Epoxy.global(threads, et)
                    + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                    + "listen li\n    bind 127.0.0.1:0\n    server s1 127.0.0.1:" + ss.getLocalPort() + "\n");
                 RawClient c = new RawClient(ep.rt.port("li", 0))) {
                c.send("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(101, r.status);
                assertEquals("websocket", r.header("upgrade"));
                assertEquals("upgrade", r.header("connection").toLowerCase());
                assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", r.header("sec-websocket-accept"));
                OutputStream out = c.s.getOutputStream();
                InputStream in = c.s.getInputStream();
                for (String msg : new String[] {"hello", "tunnel", "x".repeat(100_000)}) {
                    out.write(msg.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    byte[] back = in.readNBytes(msg.length());
                    assertEquals(msg.toUpperCase(), new String(back, StandardCharsets.US_ASCII));
                }
                c.s.shutdownOutput();
                assertEquals("bye", new String(in.readAllBytes(), StandardCharsets.US_ASCII), "half-close passed on, then the server's last bytes");
            }
        }
    }

    /** One connection: checks the upgrade request's headers, answers 101, upper-cases bytes, says bye. */
    private static void serveUpgrade(java.net.ServerSocket ss) {
        try (java.net.Socket s = ss.accept()) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n"))
                head.append((char) in.read());
            String h = head.toString().toLowerCase();
            if (!h.contains("\r\nupgrade: websocket\r\n") || !h.contains("\r\nconnection: upgrade\r\n")) {
                out.write("HTTP/1.1 400 Bad\r\ncontent-length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0)
                out.write(new String(buf, 0, n, StandardCharsets.US_ASCII).toUpperCase().getBytes(StandardCharsets.US_ASCII));
            out.write("bye".getBytes(StandardCharsets.US_ASCII));
        } catch (Exception ignored) {
        }
    }
}
