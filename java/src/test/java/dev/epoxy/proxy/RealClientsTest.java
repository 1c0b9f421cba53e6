package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import dev.epoxy.testutil.Tools;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Epoxy driven by the clients and servers operators use: curl, wrk, nginx. */
class RealClientsTest {
    private static String cfg(int threads, int be, String backendExtra) {
        return Epoxy.global(threads, false)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n" + backendExtra + "    server s1 127.0.0.1:" + be + "\n";
    }

    @Test
    void curlGetAndPost() throws Exception {
        String curl = Tools.require("curl", "curl");
        try (TestBackend be = new TestBackend(TestBackend.respond(r -> new Object[] {200, r.method + " " + r.target + " " + r.body.length}));
             Epoxy ep = Epoxy.start(cfg(3, be.port(), ""))) {
            int port = ep.rt.port("fe", 0);
            Tools.Result r = Tools.run(20, curl, "-sS", "http://127.0.0.1:" + port + "/a", "http://127.0.0.1:" + port + "/b");
            assertEquals(0, r.exit(), r.err());
            assertEquals("GET /a 0GET /b 0", r.out());
            assertEquals(1, be.connections.get(), "curl reused its connection and so did Epoxy");
            r = Tools.run(20, curl, "-sS", "--data-binary", "0123456789", "http://127.0.0.1:" + port + "/p");
            assertEquals("POST /p 10", r.out());
        }
    }

    @Test
    void wrkBoundedRunWithoutErrors() throws Exception {
        String wrk = Tools.require("wrk", "wrk");
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(cfg(3, be.port(), ""))) {
            int port = ep.rt.port("fe", 0);
            Tools.Result r = Tools.run(30, wrk, "-t2", "-c20", "-d2s", "http://127.0.0.1:" + port + "/w");
            assertEquals(0, r.exit(), r.err());
            assertFalse(r.out().contains("Non-2xx"), r.out());
            assertFalse(r.out().contains("Socket errors"), r.out());
            Matcher m = Pattern.compile("(\\d+) requests in").matcher(r.out());
            assertTrue(m.find(), r.out());
            assertTrue(Long.parseLong(m.group(1)) > 100, r.out());
        }
    }

    @Test
    void nginxBackendServesFilesThroughEpoxy() throws Exception {
        // World-readable: nginx workers run as an unprivileged user when started by root.
        Path root = Files.createTempDirectory("www", java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        byte[] big = new byte[64 * 1024];
        for (int i = 0; i < big.length; i++)
            big[i] = (byte) (i * 31);
        Files.write(root.resolve("big.bin"), big);
        Files.writeString(root.resolve("index.html"), "hello from nginx\n");
        for (String f : List.of("big.bin", "index.html"))
            Files.setPosixFilePermissions(root.resolve(f), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        try (Tools.Nginx nginx = new Tools.Nginx(root); Epoxy ep = Epoxy.start(cfg(2, nginx.port, ""))) {
            int port = ep.rt.port("fe", 0);
            try (RawClient c = new RawClient(port)) {
                for (int i = 0; i < 3; i++) {
                    c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawClient.Response r = c.read();
                    assertEquals(200, r.status);
                    assertArrayEquals(big, r.body);
                    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertEquals("hello from nginx\n", c.read().text());
                }
                c.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(404, c.read().status);
            }
        }
    }

    @Test
    void connectTimeoutGives503() throws Exception {
        // A server whose accept queue is full drops new SYNs: the connect never completes.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 300);
                        fillers.add(s);
                    } catch (java.io.IOException e) {
                        s.close();
                    }
                }
                try (Epoxy ep = Epoxy.start(cfg(1, full.getLocalPort(), "    retries 1\n    timeout connect 300ms\n"));
                     RawClient c = new RawClient(ep.rt.port("fe", 0))) {
                    long t0 = System.nanoTime();
                    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawClient.Response r = c.read();
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertEquals(503, r.status);
                    assertTrue(ms >= 550 && ms < 3000, "two connect attempts of 300 ms, took " + ms);
                }
            } finally {
                for (Socket s : fillers)
                    s.close();
            }
        }
    }
}
