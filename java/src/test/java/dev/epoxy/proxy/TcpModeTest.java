package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code mode tcp}: bytes both ways, half-closes passed on, failed connects closing the client. */
class TcpModeTest {
    /** A server that echoes what it reads, then writes "bye" and closes when the client half-closes. */
    static ServerSocket echoServer() throws Exception {
        ServerSocket ss = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    Thread w = new Thread(() -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            OutputStream out = s.getOutputStream();
                            byte[] buf = new byte[8192];
                            int n;
                            while ((n = in.read(buf)) > 0)
                                out.write(buf, 0, n);
                            out.write("bye".getBytes(StandardCharsets.US_ASCII));
                        } catch (Exception ignored) {
                        }
                    });
                    w.setDaemon(true);
                    w.start();
                } catch (Exception e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return ss;
    }

    private static String cfg(int threads, boolean et, int backend) throws Exception {
        return Epoxy.global(threads, et) + "defaults\n    mode tcp\n    timeout client 5s\n    timeout server 5s\n"
                + "    timeout connect 1s\n    retries 1\n"
                + "listen t\n    bind 127.0.0.1:0\n    server s1 127.0.0.1:" + backend + "\n";
    }

    @ParameterizedTest(name = "edge-triggered {0}")
    @ValueSource(booleans = {false, true})
    void bytesBothWaysAndHalfClose(boolean et) throws Exception {
        try (ServerSocket echo = echoServer(); Epoxy ep = Epoxy.start(cfg(2, et, echo.getLocalPort()))) {
            int port = ep.rt.port("t", 0);
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int seed = c;
                clients.add(CompletableFuture.runAsync(() -> {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.setSoTimeout(10_000);
                        byte[] data = new byte[1 << 20];
                        new Random(seed).nextBytes(data);
                        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                            try {
                                s.getOutputStream().write(data);
                                s.shutdownOutput();
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        });
                        byte[] back = s.getInputStream().readAllBytes();
                        writer.get(10, TimeUnit.SECONDS);
                        assertEquals(data.length + 3, back.length);
                        for (int i = 0; i < data.length; i++)
                            if (back[i] != data[i])
                                fail("byte " + i + " differs");
                        assertEquals("bye", new String(back, data.length, 3, StandardCharsets.US_ASCII),
                                "the server's answer after the client's half-close");
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            for (CompletableFuture<Void> f : clients)
                f.get(30, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "edge-triggered {0}")
    @ValueSource(booleans = {false, true})
    void refusedServerClosesTheClientAfterRetries(boolean et) throws Exception {
        try (dev.epoxy.testutil.RefusedPort dead = new dev.epoxy.testutil.RefusedPort(); Epoxy ep = Epoxy.start(cfg(1, et, dead.port()));
             Socket s = new Socket("127.0.0.1", ep.rt.port("t", 0))) {
            s.setSoTimeout(5000);
            long t0 = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "closed without data");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 900, "one retry after the turn-around delay, took " + ms);
        }
    }

    @org.junit.jupiter.api.Test
    void tcplogLine() throws Exception {
        try (ServerSocket echo = echoServer()) {
            java.nio.file.Path cfg = dev.epoxy.testutil.EpoxyProcess.config("global\n    nbthread 1\n    log stdout format raw local0\n"
                    + "defaults\n    mode tcp\n    log global\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n"
                    + "listen t\n    bind 127.0.0.1:0\n    server s1 127.0.0.1:" + echo.getLocalPort() + "\n");
            try (dev.epoxy.testutil.EpoxyProcess p = dev.epoxy.testutil.EpoxyProcess.start(java.util.List.of(), "-d", "-f", cfg.toString())) {
                int port = p.awaitPort("t", 20_000);
                assertNotNull(p.awaitLine(p.stderr, "epoxy started", 20_000));
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    assertEquals("hellobye", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
                }
                String line = p.awaitLine(p.stdout, " t t/s1 ", 5000);
                assertNotNull(line, "stdout: " + p.stdout);
                // %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq
                assertTrue(line.matches("127\\.0\\.0\\.1:\\d+ \\[[^]]+\\] t t/s1 0/\\d+/\\d+ 8 -- 0/0/0/0/0 0/0"), line);
            }
        }
    }
}
