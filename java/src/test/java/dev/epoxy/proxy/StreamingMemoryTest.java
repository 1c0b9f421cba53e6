package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A 1 GiB download and a 1 GiB upload through an Epoxy process whose heap is capped at 64 MiB:
 * bodies stream through fixed-size buffers with backpressure, so the proxy's peak resident
 * memory stays far below the size of what it carried.
 */
class StreamingMemoryTest {
    private static final long GIB = 1L << 30;
    private static final long RSS_LIMIT_KB = 320 * 1024;

    @AfterEach
    void restore() {
        TestBackend.storeBodies = true;
    }

    @Test
    void oneGibibyteEachWayWithBoundedMemory() throws Exception {
        TestBackend.storeBodies = false;
        try (TestBackend be = new TestBackend((r, out) -> {
            if (r.method.equals("POST")) {
                byte[] b = ("received " + r.header("content-length")).getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                return true;
            }
            out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + GIB + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 16];
            for (long sent = 0; sent < GIB; sent += chunk.length)
                out.write(chunk);
            out.flush();
            return true;
        })) {
            Path cfg = EpoxyProcess.config("global\n    nbthread 2\ndefaults\n    mode http\n"
                    + "    timeout client 30s\n    timeout server 30s\n    timeout connect 2s\n"
                    + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                    + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n");
            try (EpoxyProcess p = EpoxyProcess.start(List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m"), "-d", "-f", cfg.toString())) {
                int port = p.awaitPort("fe", 20_000);
                assertNotNull(p.awaitLine(p.stderr, "epoxy started", 20_000), "startup; stderr " + p.stderr);
                try (RawClient c = new RawClient(port)) {
                    c.s.setSoTimeout(60_000);
                    c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
                    InputStream in = c.s.getInputStream();
                    String head = readHead(in);
                    assertTrue(head.startsWith("HTTP/1.1 200"), head);
                    byte[] buf = new byte[1 << 16];
                    long got = 0;
                    while (got < GIB) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, GIB - got));
                        assertTrue(n > 0, "download ended early at " + got);
                        got += n;
                    }
                    assertEquals(GIB, got);

                    long before = TestBackend.bodyBytes.get();
                    c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + GIB + "\r\n\r\n");
                    OutputStream out = c.s.getOutputStream();
                    byte[] chunk = new byte[1 << 16];
                    for (long sent = 0; sent < GIB; sent += chunk.length)
                        out.write(chunk);
                    out.flush();
                    RawClient.Response r = c.read();
                    assertEquals(200, r.status);
                    assertEquals("received " + GIB, r.text());
                    assertEquals(GIB, TestBackend.bodyBytes.get() - before);
                }
                long hwm = p.procStatusKb("VmHWM");
                System.out.println("Epoxy peak RSS after 1 GiB each way: " + hwm + " kB");
                assertTrue(hwm > 0 && hwm < RSS_LIMIT_KB, "peak RSS " + hwm + " kB after carrying 2 GiB");
            }
        }
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0)
                throw new java.io.IOException("eof in head: " + b);
            b.append((char) c);
        }
        return b.toString();
    }
}
