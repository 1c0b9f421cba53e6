package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Response bodies spliced from the server's socket to the client's through a kernel pipe
 * ({@code option splice-response}, on by default): every byte arrives, in order, whatever the
 * body's size around the buffer and pipe sizes, its framing (content-length, or until close for
 * an HTTP/1.0 client), the client's pace, or a server or client that goes away half-way; and
 * {@code no option splice-response} and {@code tune.maxpipes 0} really turn it off.
 */
class SpliceTest {
    private TestBackend backend;
    private Epoxy epoxy;

    /** Backend: /n/SIZE a content-length body; /cut/SIZE/SENT the head of SIZE, SENT bytes, then a close. */
    private static boolean script(TestBackend.Request r, OutputStream out) throws IOException {
        if (r.target.equals("/len")) {
            // A short answer that sums up the upload, so that only the request was spliced.
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(r.body);
            return TestBackend.respond(x -> new Object[] {200, r.body.length + " " + crc.getValue()}).handle(r, out);
        }
        if (r.target.equals("/echo"))
            return TestBackend.respond(x -> new Object[] {200, x.body}).handle(r, out);
        String[] p = r.target.split("/");
        int size = Integer.parseInt(p[2]);
        byte[] body = H1ProxyTestBase.pattern(size);
        if (p[1].equals("cut")) {
            out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, Integer.parseInt(p[3]));
            out.flush();
            return false;
        }
        if (p[1].equals("eof")) {
            out.write("HTTP/1.0 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            return false;
        }
        out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return true;
    }

    private int start(String global, String option) throws Exception {
        return start(1, global, option);
    }

    private int start(int threads, String global, String option) throws Exception {
        backend = new TestBackend(SpliceTest::script);
        epoxy = Epoxy.start("global\n    nbthread " + threads + "\n" + global
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 1s\n" + option
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + backend.port() + "\n");
        return epoxy.port("fe");
    }

    @AfterEach
    void stop() throws IOException {
        if (epoxy != null)
            epoxy.close();
        if (backend != null)
            backend.close();
    }

    private static final int[] SIZES = {1, 4095, 16383, 16384, 16385, 32768, 65535, 65536, 65537, 131073, 200_000, 1_048_579};

    /** Every size, one keep-alive connection; returns nothing, asserts each body. */
    private static void everySize(int port) throws IOException {
        try (RawClient c = new RawClient(port)) {
            for (int n : SIZES) {
                c.send("GET /n/" + n + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(200, r.status, "size " + n);
                assertArrayEquals(H1ProxyTestBase.pattern(n), r.body, "size " + n);
            }
        }
    }

    @Test
    void bodiesOfEverySizeArriveWholeThroughPipes() throws Exception {
        int port = start("", "");
        everySize(port);
        assertTrue(epoxy.rt.pipes.count() >= 1, "the large bodies went through a pipe");
        // Close-delimited, to an HTTP/1.0 client: raw on both sides, spliced too.
        try (RawClient c = new RawClient(port)) {
            c.send("GET /eof/300001 HTTP/1.0\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertArrayEquals(H1ProxyTestBase.pattern(300_001), r.body);
        }
        epoxy.awaitNoConnections("fe");
        assertEquals(1, epoxy.rt.pipes.count(), "one stream at a time: one pipe, reused");
    }

    @Test
    void noOptionSpliceResponseCopiesInstead() throws Exception {
        everySize(start("", "    no option splice-response\n"));
        assertEquals(0, epoxy.rt.pipes.count());
    }

    @Test
    void maxpipesZeroCopiesInstead() throws Exception {
        everySize(start("    tune.maxpipes 0\n", ""));
        assertEquals(0, epoxy.rt.pipes.count());
    }

    private static String summary(byte[] b) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b);
        return b.length + " " + crc.getValue();
    }

    /** Uploads of every size, one keep-alive connection, each summed up by the server. */
    private static void everyUpload(int port) throws IOException {
        try (RawClient c = new RawClient(port)) {
            for (int n : SIZES) {
                byte[] body = H1ProxyTestBase.pattern(n);
                c.send("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: " + n + "\r\n\r\n").send(body);
                RawClient.Response r = c.read();
                assertEquals(200, r.status, "size " + n);
                assertEquals(summary(body), r.text(), "size " + n);
            }
        }
    }

    /**
     * Request bodies are spliced too ({@code option splice-request}, on by default): the server
     * gets every upload whole and in order; the answers are short, so the pipe made was the
     * request's. Then 300 KB each way on one exchange, both directions spliced.
     */
    @Test
    void uploadsOfEverySizeArriveWholeThroughPipes() throws Exception {
        int port = start("", "");
        everyUpload(port);
        assertTrue(epoxy.rt.pipes.count() >= 1, "the large uploads went through a pipe");
        byte[] body = H1ProxyTestBase.pattern(300_007);
        try (RawClient c = new RawClient(port)) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n").send(body);
            assertArrayEquals(body, c.read().body);
        }
    }

    @Test
    void noOptionSpliceRequestCopiesUploads() throws Exception {
        everyUpload(start("", "    no option splice-request\n"));
        assertEquals(0, epoxy.rt.pipes.count());
    }

    /** Clients that stop half-way through an upload and reset leave no pipe behind. */
    @Test
    void clientsLeavingHalfWayThroughAnUploadLeaveNoPipeBehind() throws Exception {
        int port = start("", "");
        resetHalfWay(port, 10, c -> {
            c.send("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n");
            c.send(H1ProxyTestBase.pattern(300_000));
            Thread.sleep(20);
        });
        everyUpload(port);
    }

    /**
     * A client that reads 4 KiB at a time, pausing, gets all of 600 KB, in order. (A receive
     * buffer shrunk after connect made TCP itself crawl, with or without splicing: 8-9 s.)
     */
    @Test
    void slowReaderGetsEveryByte() throws Exception {
        int port = start("", "");
        try (RawClient c = new RawClient(port)) {
            c.send("GET /n/600000 HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = c.s.getInputStream();
            byte[] head = readHead(in);
            assertTrue(new String(head, StandardCharsets.US_ASCII).contains("content-length: 600000"));
            byte[] body = new byte[600_000];
            int got = 0;
            while (got < body.length) {
                int n = in.read(body, got, Math.min(4096, body.length - got));
                assertTrue(n > 0, "closed after " + got);
                got += n;
                if (got % 16384 < 4096)
                    Thread.sleep(5); // the client's own pace: the proxy's pipe fills meanwhile
            }
            assertArrayEquals(H1ProxyTestBase.pattern(600_000), body);
            c.send("GET /n/70000 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertArrayEquals(H1ProxyTestBase.pattern(70_000), c.read().body, "the connection carries on");
        }
    }

    /**
     * Clients that go away half-way through a spliced body (a reset, so the proxy's next splice
     * fails with EPIPE or ECONNRESET) cost one pipe each, closed since it still holds bytes; the
     * proxy lives on and no pipe is left behind.
     */
    @Test
    void clientsLeavingHalfWayLeaveNoPipeBehind() throws Exception {
        int port = start("", "");
        resetHalfWay(port, 20, c -> {
            c.send("GET /n/4194304 HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = c.s.getInputStream();
            readHead(in);
            in.readNBytes(100_000);
        });
        everySize(port);
    }

    /**
     * A server that closes after 300 KB of a 1 MB body: the client gets all 300 KB the server
     * sent (including what waited in the pipe), then its connection closes at once, not after a
     * timeout.
     */
    @Test
    void serverClosingHalfWayCutsTheResponseAtOnce() throws Exception {
        int port = start("", "");
        try (RawClient c = new RawClient(port)) {
            long t0 = System.nanoTime();
            c.send("GET /cut/1000000/300000 HTTP/1.1\r\nHost: x\r\n\r\n");
            IOException e = assertThrows(IOException.class, c::read);
            assertTrue(e.getMessage().contains("truncated body: 300000 of 1000000"), e.getMessage());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5000, "took " + ms + " ms (timeout server is 10 s)");
        }
        epoxy.awaitNoConnections("fe");
        assertTrue(epoxy.rt.pipes.count() <= 1, "pipes left: " + epoxy.rt.pipes.count());
    }

    /**
     * tune.maxpipes holds across threads: 8 slow downloads at once on 2 threads with 2 pipes
     * allowed. The pipes that exist never pass 2 (sampled all along), and the streams that find
     * none left go through their buffers: every body arrives whole.
     */
    @Test
    void maxpipesCapsThePipesOfAllThreads() throws Exception {
        int port = start(2, "    tune.maxpipes 2\n", "");
        int most = 0;
        java.util.List<java.util.concurrent.Future<byte[]>> bodies = new java.util.ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < 8; i++) {
                bodies.add(pool.submit(() -> {
                    try (RawClient c = new RawClient(port)) {
                        c.send("GET /n/1048579 HTTP/1.1\r\nHost: x\r\n\r\n");
                        InputStream in = c.s.getInputStream();
                        readHead(in);
                        byte[] b = new byte[1_048_579];
                        for (int got = 0; got < b.length;) {
                            int n = in.read(b, got, Math.min(32768, b.length - got));
                            if (n < 0)
                                throw new IOException("closed after " + got);
                            got += n;
                            Thread.sleep(2); // slow enough that the downloads overlap
                        }
                        return b;
                    }
                }));
            }
            for (java.util.concurrent.Future<byte[]> f : bodies) {
                while (!f.isDone()) {
                    most = Math.max(most, epoxy.rt.pipes.count());
                    Thread.sleep(1);
                }
                assertArrayEquals(H1ProxyTestBase.pattern(1_048_579), f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(most >= 1 && most <= 2, "pipes at most: " + most);
        assertTrue(epoxy.rt.pipes.count() <= 2);
    }

    /** What a client does before it leaves. */
    private interface HalfWay {
        void run(RawClient c) throws Exception;
    }

    /**
     * {@code clients} clients in turn do {@code halfWay}, then close with a reset; once the
     * proxy let them all go, at most one pipe is left (free, for the next stream).
     */
    private void resetHalfWay(int port, int clients, HalfWay halfWay) throws Exception {
        for (int i = 0; i < clients; i++) {
            try (RawClient c = new RawClient(port)) {
                halfWay.run(c);
                c.s.setSoLinger(true, 0);
            }
        }
        epoxy.awaitNoConnections("fe");
        assertTrue(epoxy.rt.pipes.count() <= 1, "pipes left: " + epoxy.rt.pipes.count());
    }

    private static byte[] readHead(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0)
                throw new IOException("closed in head");
            b.write(c);
            state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
        }
        return b.toByteArray();
    }

    @Test
    void badMaxpipesIsAConfigError() {
        Exception e = assertThrows(Exception.class, () -> dev.epoxy.config.ConfigParser.parse("t.cfg",
                "global\n    tune.maxpipes lots\n"));
        assertTrue(e.getMessage().contains("t.cfg:2") && e.getMessage().contains("tune.maxpipes"), e.getMessage());
    }
}
