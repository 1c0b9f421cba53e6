package dev.epoxy.conn;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.fd.FdTable;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.sys.Net;
import dev.epoxy.sys.SockAddr;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The connection's side of the fd interest rule (docs/fd-protocol.md), on a real poller. */
class ConnectionTest {
    private static final int BUF = 4096;
    private Pollers pollers;
    private int peer = -1;

    @AfterEach
    void tearDown() {
        if (pollers != null) pollers.close();
        if (peer >= 0) Sys.epoxy_close(peer);
    }

    /**
     * A full input buffer: recv returns 0, stops read polling (level-triggered polling would
     * otherwise report the waiting bytes in a loop), and once the caller consumed some input the
     * next recv reads again without waiting for an event that may never come (edge-triggered).
     */
    @ParameterizedTest(name = "edge-triggered={0}")
    @ValueSource(booleans = {false, true})
    void aFullInputBufferStopsPollingAndTheNextRecvReadsAgain(boolean et) {
        FdTable fds = new FdTable(4096);
        pollers = new Pollers(fds, 1, et);
        pollers.start();
        Poller p = pollers.get(0);
        int[] sp = Sys.socketpair();
        peer = sp[1];
        AtomicInteger events = new AtomicInteger();
        BufferPool pool = new BufferPool(1, BUF);
        // Counts reports of input only: edge-triggered registration also reports the socket
        // writable, and counting that let the test read before the data was reported (seen once,
        // "expected 4096 but was 0").
        Connection c = runOn(p, () -> Connection.accepted(p, sp[0], pool, conn -> {
            if (fds.recvReady(conn.fd)) events.incrementAndGet();
        }));
        runOn(p, () -> assertEquals(0, c.recv(), "nothing yet: polling requested"));
        assertTrue(fds.recvActive(c.fd));
        ByteBuffer data = ByteBuffer.allocateDirect(3 * BUF);
        assertEquals(3 * BUF, Sys.epoxy_write(peer, Sys.address(data), 3 * BUF));
        awaitTrue(() -> events.get() > 0, "the poller reports the data");
        runOn(p, () -> {
            int total = 0, n;
            while ((n = c.recv()) > 0) total += n;
            assertEquals(0, n, "a full buffer is not an end of stream");
            assertEquals(BUF, total);
            assertEquals(BUF, c.in.remaining());
            assertFalse(fds.recvActive(c.fd), "no read polling while the buffer is full");
        });
        runOn(p, () -> {
            c.in.position(c.in.limit()); // the caller consumed everything
            int n = c.recv();
            assertTrue(n > 0, "reads what waited in the kernel, got " + n);
        });
        runOn(p, () -> {
            int total = c.in.remaining(), n;
            c.in.position(c.in.limit());
            while ((n = c.recv()) > 0) {
                total += n;
                c.in.position(c.in.limit());
            }
            assertEquals(0, n);
            assertEquals(2 * BUF, total, "everything that was sent arrives");
            assertTrue(fds.recvActive(c.fd), "drained: polling requested again");
            c.close();
        });
    }

    private Connection open(boolean et, FdTable fds, AtomicInteger events) {
        return open(et, fds, conn -> events.incrementAndGet());
    }

    /** One poller and a socketpair: the connection on one end ({@link #peer} is the other). */
    private Connection open(boolean et, FdTable fds, Connection.Handler handler) {
        pollers = new Pollers(fds, 1, et);
        pollers.start();
        Poller p = pollers.get(0);
        int[] sp = Sys.socketpair();
        peer = sp[1];
        BufferPool pool = new BufferPool(1, BUF);
        return runOn(p, () -> Connection.accepted(p, sp[0], pool, handler));
    }

    /**
     * The input needs of the layer above become read interest: pauseInput stops it (lazily: in
     * level-triggered mode the poller drops the polling at the next report, which reaches nobody),
     * READY is kept, so recv reads what arrived meanwhile; resumeInput asks for it again, and a
     * level-triggered poller then reports the waiting input.
     */
    @ParameterizedTest(name = "edge-triggered={0}")
    @ValueSource(booleans = {false, true})
    void pauseAndResumeInputBecomeReadInterest(boolean et) {
        FdTable fds = new FdTable(4096);
        AtomicInteger events = new AtomicInteger();
        Connection c = open(et, fds, events);
        Poller p = pollers.get(0);
        runOn(p, () -> assertEquals(0, c.recv(), "nothing yet: polling requested"));
        assertTrue(fds.recvActive(c.fd));
        awaitTrue(() -> fds.polledRecvMask(c.fd) != 0, "the poller polls the fd");
        runOn(p, () -> { }); // edge-triggered: the registration's first report (writable) is dispatched
        int before = events.get();
        runOn(p, c::pauseInput);
        assertFalse(fds.recvActive(c.fd), "paused: no read interest");
        writeByte(peer);
        awaitTrue(() -> fds.recvReady(c.fd), "the poller saw the byte");
        runOn(p, () -> { }); // the report's dispatch is over
        assertEquals(before, events.get(), "no I/O callback while input is paused");
        if (!et)
            awaitTrue(() -> fds.polledRecvMask(c.fd) == 0, "level-triggered: polling dropped at the report");
        else
            assertNotEquals(0L, fds.polledRecvMask(c.fd), "edge-triggered: registered once, never modified");

        runOn(p, c::resumeInput);
        assertTrue(fds.recvActive(c.fd), "resumed: read interest again");
        if (!et)
            awaitTrue(() -> events.get() > before, "level-triggered: the waiting byte is reported again");
        runOn(p, () -> {
            assertEquals(1, c.recv(), "READY was kept: the byte is read at once");
            c.in.position(c.in.limit());
            assertEquals(0, c.recv(), "drained");
            assertTrue(fds.recvActive(c.fd), "waiting for input: polling requested");
        });

        // recv after a pause is a need for input too: it reads, and re-arms once drained.
        runOn(p, c::pauseInput);
        writeByte(peer);
        awaitTrue(() -> fds.recvReady(c.fd), "the poller saw the second byte");
        runOn(p, () -> {
            assertEquals(1, c.recv());
            c.in.position(c.in.limit());
            assertEquals(0, c.recv());
            assertTrue(fds.recvActive(c.fd), "waiting for input: polling requested");
            c.close();
        });
    }

    /**
     * Output is a need the connection knows of itself: a flush that cannot send everything asks
     * for write interest, and the flush that empties the buffer drops it.
     */
    @ParameterizedTest(name = "edge-triggered={0}")
    @ValueSource(booleans = {false, true})
    void pendingOutputIsWriteInterestUntilFlushed(boolean et) {
        FdTable fds = new FdTable(4096);
        AtomicInteger events = new AtomicInteger();
        Connection c = open(et, fds, events);
        Poller p = pollers.get(0);
        runOn(p, () -> {
            assertFalse(fds.sendActive(c.fd), "nothing to send: no write interest");
            int rounds = 0;
            do {
                ByteBuffer out = c.out();
                while (out.hasRemaining())
                    out.put((byte) 'x');
                assertTrue(++rounds < 10_000, "the peer's socket buffer never filled");
            } while (c.flush());
            assertTrue(c.pendingOut() > 0);
            assertTrue(fds.sendActive(c.fd), "output pending: write interest");
        });
        int seen = events.get();
        drain(peer); // room for the connection's output
        awaitTrue(() -> events.get() > seen, "the poller reports room");
        awaitTrue(() -> {
            boolean empty = runOn(p, () -> c.flush());
            drain(peer);
            return empty;
        }, "the output drains");
        runOn(p, () -> {
            assertFalse(fds.sendActive(c.fd), "flushed: no write interest");
            assertFalse(c.holdsOut(), "and no output buffer");
            c.close();
        });
    }

    /**
     * A new server connection is not assumed readable: the first recv after the connect asks the
     * poller instead of reading (a server answers what it is sent, so that read found EAGAIN on
     * nearly every new connection), and what the server sends is read once reported.
     */
    @ParameterizedTest(name = "edge-triggered={0}")
    @ValueSource(booleans = {false, true})
    void aNewServerConnectionReadsOnceThePollerReportsInput(boolean et) throws Exception {
        FdTable fds = new FdTable(4096);
        pollers = new Pollers(fds, 1, et);
        pollers.start();
        Poller p = pollers.get(0);
        SockAddr addr = SockAddr.of("127.0.0.1", 0);
        int lfd = Net.listen(addr, 4, false);
        try {
            SockAddr to = SockAddr.of("127.0.0.1", Net.localPort(lfd));
            BufferPool pool = new BufferPool(1, BUF);
            Connection c = runOn(p, () -> Connection.connect(p, to, pool, conn -> { }, new int[1]));
            awaitTrue(() -> runOn(p, () -> !c.connecting()), "the poller confirms the connect");
            runOn(p, () -> {
                assertFalse(fds.recvReady(c.fd), "not assumed readable");
                assertEquals(0, c.recv(), "no input yet: polling requested");
                assertTrue(fds.recvActive(c.fd));
            });
            awaitTrue(() -> (peer = Sys.epoxy_accept(lfd, 0)) >= 0, "accepted");
            ByteBuffer data = ByteBuffer.allocateDirect(100);
            assertEquals(100, Sys.epoxy_write(peer, Sys.address(data), 100));
            awaitTrue(() -> fds.recvReady(c.fd), "the poller reports the server's bytes");
            runOn(p, () -> {
                assertEquals(100, c.recv(), "read once reported");
                c.close();
            });
        } finally {
            Sys.epoxy_close(lfd);
        }
    }

    /**
     * An I/O handler that throws (a bug) does not leave its connection open with nothing to
     * move it: by default the connection is reset, and the peer sees it at once.
     */
    @ParameterizedTest(name = "edge-triggered={0}")
    @ValueSource(booleans = {false, true})
    void aHandlerThatThrowsGetsItsConnectionReset(boolean et) {
        AtomicInteger calls = new AtomicInteger();
        FdTable fds = new FdTable(4096);
        // Throws on the input only: edge-triggered registration also reports the socket
        // writable, and throwing then closed the connection before the peer wrote (EPIPE).
        Connection c = open(et, fds, conn -> {
            if (!fds.recvReady(conn.fd))
                return;
            calls.incrementAndGet();
            throw new IllegalStateException("a bug, on purpose");
        });
        Poller p = pollers.get(0);
        runOn(p, () -> assertEquals(0, c.recv(), "nothing yet: polling requested"));
        ByteBuffer data = ByteBuffer.allocateDirect(16);
        assertEquals(16, Sys.epoxy_write(peer, Sys.address(data), 16));
        awaitTrue(() -> runOn(p, () -> c.has(Connection.CLOSED)), "the connection is closed");
        assertEquals(1, calls.get(), "the handler ran once, never again after the failure");
        // The peer sees the end: a socketpair closed with input unread reports ECONNRESET to
        // its peer, else end of stream.
        ByteBuffer in = ByteBuffer.allocateDirect(16);
        long n = Sys.epoxy_read(peer, Sys.address(in), 16);
        assertTrue(n == 0 || n == -104, "read after the close: " + n);
    }
}
