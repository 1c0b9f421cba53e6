package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.conn.Connection;
import dev.epoxy.fd.FdHooks;
import dev.epoxy.fd.FdTable;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.StallWatchdog;
import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code tune.stall-report}: a lost epoll event during a real proxied exchange is reported once
 * with the stream's whole state; a slow transfer that progresses at every interval is not; 0 turns
 * the watchdog off. One poller thread, so "the watchdog" is thread 0's.
 */
class StallReportTest {
    private static final long STALL_MS = 300;

    @AfterEach
    void clearHooks() {
        FdHooks.clear();
    }

    private static String config(int bePort, boolean et, String stall) throws IOException {
        return Epoxy.global(1, et) + (stall != null ? "    tune.stall-report " + stall + "\n" : "")
                + "defaults\n    mode http\n    timeout client 30s\n    timeout server 30s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + bePort + "\n";
    }

    /** Server: head (content-length 300) and 100 'a', then one more 100-byte piece per command. */
    private static TestBackend piecewiseServer(BlockingQueue<byte[]> more) throws IOException {
        return new TestBackend((r, out) -> {
            out.write("HTTP/1.1 200 OK\r\ncontent-length: 300\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(fill('a', 100));
            out.flush();
            for (int i = 0; i < 2; i++) {
                byte[] b = take(more);
                if (b == null)
                    return false;
                out.write(b);
                out.flush();
            }
            return true;
        });
    }

    /** Loses the next read event of a server-side connection fd (once); records the fd. */
    private static void loseNextServerReadEvent(AtomicBoolean dropped, AtomicInteger fdOut) {
        FdHooks.dropEvent = (fd, evts) -> {
            if ((evts & FdTable.READY_R) == 0 || dropped.get())
                return false;
            Poller p = Poller.current();
            Object owner = p == null ? null : p.fdTable().owner(fd);
            if (owner instanceof Connection && ((Connection) owner).backend) {
                fdOut.set(fd);
                dropped.set(true);
                return true;
            }
            return false;
        };
    }

    @Test
    void lostReadEventIsReportedOnceWithTheStreamState() throws Exception {
        BlockingQueue<byte[]> more = new LinkedBlockingQueue<>();
        BlockingQueue<String> reports = new LinkedBlockingQueue<>();
        try (TestBackend be = piecewiseServer(more);
                Epoxy px = Epoxy.start(config(be.port(), true, STALL_MS + "ms"))) {
            px.rt.pollers().onStallReport(reports::add);
            StallWatchdog wd = px.rt.pollers().get(0).watchdog();
            assertEquals(STALL_MS, wd.thresholdMs());
            try (Socket c = client(px.rt.port("fe", 0))) {
                c.getOutputStream().write("GET /stall HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = c.getInputStream();
                assertTrue(readHead(in).startsWith("HTTP/1.1 200"));
                assertArrayEquals(fill('a', 100), readN(in, 100));

                AtomicBoolean dropped = new AtomicBoolean();
                AtomicInteger backFd = new AtomicInteger(-1);
                loseNextServerReadEvent(dropped, backFd);
                more.add(fill('b', 100));
                await(dropped::get, 5000, "the server's read event was not seen");

                String line = reports.poll(10, TimeUnit.SECONDS);
                assertNotNull(line, "no stall report within 10 s");
                for (String field : new String[] {"stall: no progress for ", "on thread 0", "stream{id=0.",
                        "fe=fe", "be=be", "srv=s1", "phase=FORWARD_RES", "scf=EST", "scb=EST",
                        "req{flags=[HEAD_IN,HEAD_OUT,EOM,EOM_OUT]", "res{flags=[HEAD_IN,HEAD_OUT] fill=0/",
                        "in=100 out=100 cl=300}", "task[exp=+", "timers{connect=- turn-around=- queue=- server=+",
                        "front=h1f{requests=1", "fe-conn{flags=[] tid=0", "back=h1b{srv=s1",
                        "be-conn{flags=[] tid=0 in.pending=0 out.pending=0", "kernel.unread=100 fd=" + backFd.get() + " ",
                        "tmask=0x1 run=0x0", "polled=r:0x1", "refc=0 tgid=1"}) {
                    assertTrue(line.contains(field), "missing '" + field + "' in: " + line);
                }
                // The server fd waits for input that the kernel holds (the lost event): ACTIVE_R, edge-triggered.
                String backEntry = line.substring(line.indexOf("fd=" + backFd.get() + " "));
                assertTrue(backEntry.matches("fd=\\d+ gen=\\d+ st=\\[ACTIVE_R,.*ET.*"), backEntry);
                long no = Long.parseLong(line.substring("stall: no progress for ".length(), line.indexOf(" ms")));
                assertTrue(no >= STALL_MS, line);

                // Once per episode: several more checks, no second line.
                long after = wd.checks();
                await(() -> wd.checks() >= after + 5, 10_000, "watchdog stopped checking");
                assertNull(reports.poll(), "reported twice");
                assertEquals(1, wd.reports());

                // New bytes bring a new edge: the stream reads everything, the episode ends.
                FdHooks.dropEvent = null;
                more.add(fill('c', 100));
                byte[] rest = readN(in, 200);
                assertArrayEquals(fill('b', 100), Arrays.copyOfRange(rest, 0, 100));
                assertArrayEquals(fill('c', 100), Arrays.copyOfRange(rest, 100, 200));
            }
            assertNull(reports.poll(), "no report after recovery");
        }
    }

    @Test
    void slowButProgressingServerIsNotReportedButAStoppedOneIs() throws Exception {
        String head = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-slow: ";
        String tail = "yes\r\n\r\nhello";
        BlockingQueue<byte[]> go = new LinkedBlockingQueue<>();
        BlockingQueue<String> reports = new LinkedBlockingQueue<>();
        long[] dribble = new long[2];
        try (TestBackend be = new TestBackend((r, out) -> {
            // The response head one byte every STALL_MS / 5: the head sits half-parsed in the
            // proxy's input buffer (data to move) and grows at every watchdog interval.
            dribble[0] = System.nanoTime();
            for (byte b : head.getBytes(StandardCharsets.US_ASCII)) {
                out.write(b);
                out.flush();
                pause(STALL_MS / 5);
            }
            dribble[1] = System.nanoTime();
            if (take(go) == null) // then the server stops mid-head until told to go on
                return false;
            out.write(tail.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return true;
        }); Epoxy px = Epoxy.start(config(be.port(), false, STALL_MS + "ms"))) {
            px.rt.pollers().onStallReport(reports::add);
            StallWatchdog wd = px.rt.pollers().get(0).watchdog();
            try (Socket c = client(px.rt.port("fe", 0))) {
                long checks0 = wd.checks();
                c.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String line = reports.poll(20, TimeUnit.SECONDS);
                assertNotNull(line, "the stopped server was never reported");
                assertTrue(dribble[1] != 0, "reported while the server was still dribbling: " + line);
                long dribbleMs = (dribble[1] - dribble[0]) / 1_000_000;
                assertTrue(dribbleMs >= 5 * STALL_MS, "dribble too short to mean anything: " + dribbleMs + " ms");
                assertTrue(wd.checks() - checks0 >= dribbleMs / STALL_MS, "watchdog did not look during the dribble");
                assertTrue(line.contains("phase=WAIT_RES"), line);
                assertTrue(line.contains("in.pending=" + head.length()), line);
                go.add(new byte[0]);
                assertTrue(readHead(c.getInputStream()).contains("x-slow: yes"));
                assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), readN(c.getInputStream(), 5));
            }
            assertNull(reports.poll(), "exactly one report");
        }
    }

    @Test
    void zeroTurnsTheWatchdogOff() throws Exception {
        BlockingQueue<byte[]> more = new LinkedBlockingQueue<>();
        BlockingQueue<String> reports = new LinkedBlockingQueue<>();
        try (TestBackend be = piecewiseServer(more);
                Epoxy px = Epoxy.start(config(be.port(), true, "0"))) {
            px.rt.pollers().onStallReport(reports::add);
            StallWatchdog wd = px.rt.pollers().get(0).watchdog();
            assertEquals(0, wd.thresholdMs());
            try (Socket c = client(px.rt.port("fe", 0))) {
                c.getOutputStream().write("GET /stall HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = c.getInputStream();
                assertTrue(readHead(in).startsWith("HTTP/1.1 200"));
                assertArrayEquals(fill('a', 100), readN(in, 100));
                // Streams stay registered (show sess lists them) but no check ever runs.
                assertEquals(0, wd.checks(), "no check runs when off");
                AtomicBoolean dropped = new AtomicBoolean();
                loseNextServerReadEvent(dropped, new AtomicInteger());
                more.add(fill('b', 100));
                await(dropped::get, 5000, "the server's read event was not seen");
                // The exchange is really stuck: nothing reaches the client for 5 thresholds.
                c.setSoTimeout((int) (5 * STALL_MS));
                assertThrows(SocketTimeoutException.class, () -> in.read());
                assertNull(reports.poll());
                assertEquals(0, wd.checks());
                assertEquals(0, wd.reports());
                FdHooks.dropEvent = null;
                c.setSoTimeout(10_000);
                more.add(fill('c', 100));
                assertEquals(200, readN(in, 200).length);
            }
        }
    }

    // ---- helpers ----

    private static Socket client(int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return s;
    }

    private static byte[] fill(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    private static byte[] take(BlockingQueue<byte[]> q) throws IOException {
        try {
            return q.poll(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new InterruptedIOException();
        }
    }

    /** Paces the test server (this is the scenario's speed, not an ordering of events). */
    private static void pause(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new InterruptedIOException();
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0)
                throw new IOException("closed in head: " + b);
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1
                    : c == '\r' ? 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r < 0)
                throw new IOException("closed after " + got + " of " + n + " bytes");
            got += r;
        }
        return b;
    }

    /** Waits for a condition, checking every few ms, failing after {@code ms}. */
    private static void await(BooleanSupplier cond, long ms, String what) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end)
                fail(what + " (after " + ms + " ms)");
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }
}
