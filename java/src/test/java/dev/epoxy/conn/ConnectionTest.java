package dev.epoxy.conn;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.fd.FdTable;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
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
}
