package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.TestBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A budget of 20 buffers (room for three exchanges at once) and 40 clients with small receive
 * windows, each fetching two 1 MiB responses on one keep-alive connection: connections beyond the
 * budget wait for buffers (the pool's wait queue) instead of taking more, and every response
 * arrives whole, without the stall watchdog (1 s) reporting anything.
 */
class BufferBudgetTest {
    private static final int BODY = 1 << 20;
    private static final int CLIENTS = 40;

    @Test
    void manySlowReadersUnderASmallBudgetAllComplete() throws Exception {
        TestBackend.storeBodies = false;
        try (TestBackend be = new TestBackend((r, out) -> {
            out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[BODY]);
            out.flush();
            return true;
        })) {
            Path cfg = EpoxyProcess.config("global\n    nbthread 2\n    tune.buffers.limit 20\n    tune.buffers.reserve 2\n"
                    + "    tune.stall-report 1s\n"
                    + "defaults\n    mode http\n    timeout client 30s\n    timeout server 30s\n    timeout connect 2s\n"
                    + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                    + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n");
            try (EpoxyProcess p = EpoxyProcess.start(List.of("-Xmx64m"), "-d", "-f", cfg.toString())) {
                int port = p.awaitPort("fe", 20_000);
                assertNotNull(p.awaitLine(p.stderr, "epoxy started", 20_000), "startup; stderr " + p.stderr);
                ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
                try {
                    List<Future<Long>> done = new ArrayList<>();
                    for (int i = 0; i < CLIENTS; i++)
                        done.add(pool.submit(() -> fetchTwice(port)));
                    for (Future<Long> f : done)
                        assertEquals(2L * BODY, f.get(90, TimeUnit.SECONDS));
                } finally {
                    pool.shutdownNow();
                }
                for (String line : p.stderr)
                    assertFalse(line.contains("stall:"), "the stall watchdog reported: " + line);
                long hwm = p.procStatusKb("VmHWM");
                System.out.println("Epoxy peak RSS, 40 slow readers x 2 MiB under a 20-buffer budget: " + hwm + " kB");
                assertTrue(hwm > 0 && hwm < 256 * 1024, "peak RSS " + hwm + " kB");
            }
        } finally {
            TestBackend.storeBodies = true;
        }
    }

    /** Two requests on one keep-alive connection with a small receive buffer; returns the body bytes read. */
    private static long fetchTwice(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            long total = 0;
            byte[] buf = new byte[4096];
            for (int i = 0; i < 2; i++) {
                out.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                StringBuilder head = new StringBuilder();
                while (head.indexOf("\r\n\r\n") < 0) {
                    int c = in.read();
                    if (c < 0)
                        throw new java.io.IOException("eof in head: " + head);
                    head.append((char) c);
                }
                assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
                int left = BODY;
                while (left > 0) {
                    int n = in.read(buf, 0, Math.min(buf.length, left));
                    if (n < 0)
                        throw new java.io.IOException("eof in body, " + left + " bytes missing");
                    left -= n;
                    total += n;
                }
            }
            return total;
        }
    }
}
