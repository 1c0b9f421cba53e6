package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.RawClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue "No stall, no lost request" (defects 6 and 7): a request body with invalid chunked
 * framing gets 400 at once and is logged as the client's fault; the server connection, if one
 * was opened, is closed; nothing reaches the server when the error came with the head. The
 * same for invalid chunks from a server (502 or an abort), and for an HTTP/0.9 request line.
 * {@code timeout server} is 10 s and clients give up after 3 s, so a stall fails the test.
 * Expected log lines are what HAProxy 2.6 writes in the same situations.
 */
class BadChunkedBodyTest {
    static final String HEAD = "POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    /** Bad bodies by name: each is invalid at its first or a later chunk. */
    static final String[][] BODIES = {
        {"neg", "-5\r\nhello\r\n0\r\n\r\n"},
        {"hex0x", "0x5\r\nhello\r\n0\r\n\r\n"},
        {"lsp", " 5\r\nhello\r\n0\r\n\r\n"},
        {"ovf", "10000000000000005\r\nhello\r\n0\r\n\r\n"},
        {"extnul", "5;a\u0000\r\nhello\r\n0\r\n\r\n"},
        {"nocrlf", "5\r\nhelloXX0\r\n\r\n"},
        {"long", "5\r\nhelloworld\r\n0\r\n\r\n"},
        {"nofinal", "5\r\nhello\r\n0\r\n\rX"},
        {"nofinal2", "5\r\nhello\r\n0\r\nGET / HTTP/1.1\r\n\r\n"},
    };
    static final long FAST_MS = 1000;

    static Recorder backend;
    static EpoxyProcess proxy;
    static int fe, feBuffered;
    static final List<String> log = new CopyOnWriteArrayList<>();
    static final AtomicInteger ids = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        backend = new Recorder();
        Path cfg = EpoxyProcess.config("global\n    nbthread 2\n    log stdout format raw local0\n"
                + "defaults\n    mode http\n    log global\n    option httplog\n    timeout client 10s\n"
                + "    timeout server 10s\n    timeout connect 2s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "frontend fb\n    bind 127.0.0.1:0\n    option http-buffer-request\n"
                + "    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + backend.port() + "\n");
        proxy = EpoxyProcess.start(List.of(), "-d", "-f", cfg.toString());
        fe = proxy.awaitPort("fe", 20_000);
        feBuffered = proxy.awaitPort("fb", 20_000);
    }

    @AfterAll
    static void stop() throws IOException {
        if (proxy != null)
            proxy.close();
        if (backend != null)
            backend.close();
    }

    // ---------------------------------------------------------------- request side

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8})
    void invalidBodyWithTheHeadIsRefusedBeforeAnyServerSeesIt(int form) throws Exception {
        String target = "/same-" + BODIES[form][0] + "-" + ids.incrementAndGet();
        try (RawClient c = client(fe)) {
            long t0 = System.nanoTime();
            c.send(String.format(HEAD, target) + BODIES[form][1]);
            RawClient.Response r = c.read();
            long ms = ms(t0);
            assertEquals(400, r.status, BODIES[form][0]);
            assertTrue(ms < FAST_MS, "400 at once, not after timeout server: " + ms + " ms");
            assertTrue(c.closedByPeer(), "the client connection is closed after a 400");
            String line = logLine(c);
            assertTrue(line.contains(" 400 ") && line.contains(" PR-- ") && line.contains("\"<BADREQ>\""), line);
        }
        // A later request goes through; by then the bad one would have reached the server too.
        okRequest();
        assertTrue(backend.connsWith(target).isEmpty(), "the server received nothing of " + target);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8})
    void invalidBodyAfterTheHeadWasForwardedGets400AndClosesTheServerConnection(int form) throws Exception {
        String target = "/late-" + BODIES[form][0] + "-" + ids.incrementAndGet();
        try (RawClient c = client(fe)) {
            c.send(String.format(HEAD, target));
            Recorder.Conn sc = backend.awaitConnWith(target);
            long t0 = System.nanoTime();
            c.send(BODIES[form][1]);
            RawClient.Response r = c.read();
            long ms = ms(t0);
            assertEquals(400, r.status, BODIES[form][0]);
            assertTrue(ms < FAST_MS, "400 at once, not after timeout server: " + ms + " ms");
            assertTrue(sc.closed.await(FAST_MS, TimeUnit.MILLISECONDS), "the server connection is closed at once");
            assertTrue(c.closedByPeer(), "the client connection is closed after a 400");
            String line = logLine(c);
            assertTrue(line.contains(" be/s1 ") && line.contains(" 400 ") && line.contains(" PH-- "), line);
        }
        Recorder.Conn next = okRequest();
        assertFalse(next.text().contains("/late-" + BODIES[form][0] + "-"), "the next request is not sent on it");
    }

    /** With option http-buffer-request the body is read before a server is chosen: PR--, nothing sent. */
    @Test
    void invalidBodyWhileBufferingTheRequestNeverReachesTheServer() throws Exception {
        String target = "/buffered-" + ids.incrementAndGet();
        try (RawClient c = client(feBuffered)) {
            c.send(String.format(HEAD, target) + "5\r\nhello\r\n");
            // Nothing observable to wait on (the request is held by design): a round trip on
            // another connection makes it very likely the first part was read on its own. If
            // not, the check of the bytes that came with the head refuses it, also with PR--.
            okRequest();
            long t0 = System.nanoTime();
            c.send("zz\r\n");
            RawClient.Response r = c.read();
            assertEquals(400, r.status);
            assertTrue(ms(t0) < FAST_MS, "400 at once");
            String line = logLine(c);
            assertTrue(line.contains(" 400 ") && line.contains(" PR-- "), line);
        }
        okRequest();
        assertTrue(backend.connsWith(target).isEmpty(), "the server received nothing");
    }

    @Test
    void invalidBodyAfterTheResponseStartedAbortsBothSides() throws Exception {
        String target = "/half-" + ids.incrementAndGet();
        try (RawClient c = client(fe)) {
            c.send(String.format(HEAD, target));
            Recorder.Conn sc = backend.awaitConnWith(target);
            InputStream in = c.s.getInputStream();
            String got = readUntil(in, "\r\n\r\nab"); // the response head and 2 of its 100 bytes
            assertTrue(got.startsWith("HTTP/1.1 200"), got);
            long t0 = System.nanoTime();
            c.send("-5\r\nhello\r\n");
            assertEquals(-1, readToEof(in), "the client connection is aborted, no more response bytes");
            assertTrue(ms(t0) < FAST_MS, "at once");
            assertTrue(sc.closed.await(FAST_MS, TimeUnit.MILLISECONDS), "the server connection is closed at once");
            String line = logLine(c);
            assertTrue(line.contains(" 200 ") && line.contains(" PD-- "), line);
        }
    }

    /** 20 bad requests at once do not hold 20 server connections until timeout server. */
    @Test
    void twentyBadRequestsInParallelReleaseTheirServerConnectionsAtOnce() throws Exception {
        int n = 20;
        List<RawClient> clients = new ArrayList<>();
        List<Recorder.Conn> conns = new ArrayList<>();
        String tag = "/par-" + ids.incrementAndGet() + "-";
        try {
            for (int i = 0; i < n; i++) {
                RawClient c = client(fe);
                clients.add(c);
                c.send(String.format(HEAD, tag + i + "/"));
            }
            for (int i = 0; i < n; i++)
                conns.add(backend.awaitConnWith(tag + i + "/"));
            long t0 = System.nanoTime();
            for (RawClient c : clients)
                c.send("5\r\nhelloXX");
            for (RawClient c : clients)
                assertEquals(400, c.read().status);
            for (Recorder.Conn sc : conns)
                assertTrue(sc.closed.await(FAST_MS, TimeUnit.MILLISECONDS), "server connection closed");
            long ms = ms(t0);
            assertTrue(ms < 2 * FAST_MS, "all answered and released at once: " + ms + " ms");
        } finally {
            for (RawClient c : clients)
                c.close();
        }
        // And 20 that are invalid from the start open no server connection at all.
        int before = backend.conns.size();
        clients.clear();
        try {
            for (int i = 0; i < n; i++) {
                RawClient c = client(fe);
                clients.add(c);
                c.send(String.format(HEAD, tag + "same-" + i) + "-1\r\n");
            }
            for (RawClient c : clients)
                assertEquals(400, c.read().status);
        } finally {
            for (RawClient c : clients)
                c.close();
        }
        okRequest();
        assertTrue(backend.conns.size() <= before + 1, "no server connection for the refused requests");
        assertTrue(backend.connsWith(tag + "same-").isEmpty());
    }

    // ---------------------------------------------------------------- HTTP/0.9

    @Test
    void http09RequestLineGets400AtOnce() throws Exception {
        for (String req : new String[] {"GET /\r\n", "GET /\n"}) {
            try (RawClient c = client(fe)) {
                long t0 = System.nanoTime();
                c.send(req);
                assertEquals(400, c.read().status, req);
                assertTrue(ms(t0) < FAST_MS, "at once");
                String line = logLine(c);
                assertTrue(line.contains(" 400 ") && line.contains(" PR-- ") && line.contains("<BADREQ>"), line);
            }
        }
    }

    // ---------------------------------------------------------------- response side

    @Test
    void invalidChunkFromTheServerBeforeTheHeadWentOutGives502() throws Exception {
        try (RawClient c = client(fe)) {
            long t0 = System.nanoTime();
            c.send("GET /badresp-" + ids.incrementAndGet() + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(502, c.read().status);
            assertTrue(ms(t0) < FAST_MS, "502 at once, not after timeout server");
            String line = logLine(c);
            // HAProxy 2.6 logs an invalid response as blocked by the proxy: PH.
            assertTrue(line.contains(" 502 ") && line.contains(" PH-- "), line);
        }
    }

    @Test
    void junkResponseHeadGives502LoggedAsRefusedByTheProxy() throws Exception {
        try (RawClient c = client(fe)) {
            c.send("GET /junkhead-" + ids.incrementAndGet() + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(502, c.read().status);
            String line = logLine(c);
            // HAProxy 2.6: an unparsable response head is blocked by the proxy, PH (SH is a close).
            assertTrue(line.contains(" 502 ") && line.contains(" PH-- "), line);
        }
    }

    @Test
    void invalidChunkFromTheServerAfterTheHeadWentOutAbortsTheClient() throws Exception {
        String target = "/latebad-" + ids.incrementAndGet();
        try (RawClient c = client(fe)) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = c.s.getInputStream();
            String got = readUntil(in, "hello\r\n");
            assertTrue(got.startsWith("HTTP/1.1 200"), got);
            Recorder.Conn sc = backend.awaitConnWith(target);
            long t0 = System.nanoTime();
            sc.send("zz\r\nhello\r\n0\r\n\r\n");
            assertEquals(-1, readToEof(in), "aborted: the client sees no end of message");
            assertTrue(ms(t0) < FAST_MS, "at once");
            assertTrue(sc.closed.await(FAST_MS, TimeUnit.MILLISECONDS), "the server connection is closed");
            String line = logLine(c);
            assertTrue(line.contains(" 200 ") && line.contains(" SD-- "), line);
        }
    }

    // ---------------------------------------------------------------- helpers

    static RawClient client(int port) throws IOException {
        RawClient c = new RawClient(port);
        c.s.setSoTimeout(3000); // well below timeout server: a stall fails fast
        return c;
    }

    static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Sends GET /ok on a new client connection; returns the server connection it arrived on. */
    static Recorder.Conn okRequest() throws Exception {
        String target = "/ok-" + ids.incrementAndGet();
        try (RawClient c = client(fe)) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, c.read().status);
        }
        return backend.awaitConnWith(target);
    }

    /** The access log line of the exchange of client {@code c} (by its source port). */
    static String logLine(RawClient c) throws InterruptedException {
        String key = "127.0.0.1:" + c.s.getLocalPort() + " [";
        long end = System.currentTimeMillis() + 3000;
        while (System.currentTimeMillis() < end) {
            String l;
            while ((l = proxy.stdout.poll()) != null)
                log.add(l);
            for (String x : log)
                if (x.contains(key))
                    return x;
            l = proxy.stdout.poll(50, TimeUnit.MILLISECONDS);
            if (l != null)
                log.add(l);
        }
        fail("no log line for " + key + " in " + log);
        return null;
    }

    static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
            int x = in.read();
            if (x < 0)
                throw new IOException("closed; got " + b.toString(StandardCharsets.ISO_8859_1));
            b.write(x);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads to the end: -1 once the peer closed (or reset) the connection, with nothing more. */
    static int readToEof(InputStream in) throws IOException {
        try {
            int x = in.read();
            if (x >= 0)
                return x;
            return -1;
        } catch (java.net.SocketException e) {
            return -1;
        }
    }

    /**
     * A raw server that records every byte of every connection and notes when each one closes.
     * It answers {@code GET /ok...} with 200 (keep-alive), {@code /half...} with the head and 2
     * of 100 body bytes, {@code /badresp...} with an invalid first chunk, {@code /latebad...}
     * with a valid first chunk (the test sends the rest itself), {@code /junkhead...} with a status
 * line that does not parse, and nothing else.
     */
    static final class Recorder implements AutoCloseable {
        static final class Conn {
            final Socket s;
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            final CountDownLatch closed = new CountDownLatch(1);
            int handled;

            Conn(Socket s) {
                this.s = s;
            }

            synchronized String text() {
                return bytes.toString(StandardCharsets.ISO_8859_1);
            }

            synchronized void send(String x) throws IOException {
                OutputStream o = s.getOutputStream();
                o.write(x.getBytes(StandardCharsets.ISO_8859_1));
                o.flush();
            }
        }

        final ServerSocket ss = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        final List<Conn> conns = new CopyOnWriteArrayList<>();

        Recorder() throws IOException {
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try {
                        Conn c = new Conn(ss.accept());
                        conns.add(c);
                        Thread r = new Thread(() -> serve(c));
                        r.setDaemon(true);
                        r.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return ss.getLocalPort();
        }

        private void serve(Conn c) {
            byte[] buf = new byte[8192];
            try (Socket s = c.s) {
                InputStream in = s.getInputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    String text;
                    synchronized (c) {
                        c.bytes.write(buf, 0, n);
                        text = c.text();
                    }
                    int e;
                    while ((e = text.indexOf("\r\n\r\n", c.handled)) >= 0) {
                        String line = text.substring(c.handled, text.indexOf("\r\n", c.handled));
                        c.handled = e + 4;
                        if (line.startsWith("GET /ok"))
                            c.send("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
                        else if (line.startsWith("POST /half"))
                            c.send("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nab");
                        else if (line.startsWith("GET /badresp"))
                            c.send("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n");
                        else if (line.startsWith("GET /junkhead"))
                            c.send("HTTP/1.1 2OO OK\r\ncontent-length: 2\r\n\r\nok");
                        else if (line.startsWith("GET /latebad"))
                            c.send("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n");
                    }
                }
            } catch (IOException ignored) {
                // a reset is a close too
            } finally {
                c.closed.countDown();
            }
        }

        List<Conn> connsWith(String s) {
            List<Conn> r = new ArrayList<>();
            for (Conn c : conns)
                if (c.text().contains(s))
                    r.add(c);
            return r;
        }

        Conn awaitConnWith(String s) throws InterruptedException {
            long end = System.currentTimeMillis() + 3000;
            while (System.currentTimeMillis() < end) {
                List<Conn> r = connsWith(s);
                if (!r.isEmpty())
                    return r.get(0);
                Thread.sleep(5); // polling a condition, bounded
            }
            throw new AssertionError("the server never received " + s);
        }

        @Override
        public void close() throws IOException {
            ss.close();
            for (Conn c : conns)
                c.s.close();
        }
    }
}
