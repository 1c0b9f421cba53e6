package dev.epoxy.fd;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.sys.Sys;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Seed bug 1 (HAProxy 237e6a0d6), haproxy-internals §2.2, replayed step by step with hooks on
 * real pollers, epoll and socketpairs. T1 (poller 0) is the previous owner of fd N and still has
 * it in its epoll set; T2 (poller 1) took it over and closes it while T1 handles a late report.
 * The same timeline runs twice: with the pre-fix deleteOrphan order the update bit leaks and the
 * next life of N on T1 never gets polled; with the real order it does.
 */
class FdSeed1RaceTest {
    private FdTable fds;
    private Pollers pollers;

    @BeforeEach
    void setUp() {
        fds = new FdTable(4096);
        pollers = new Pollers(fds, 2, false);
        pollers.start();
    }

    @AfterEach
    void tearDown() {
        FdHooks.clear();
        FdTable.preFixDeleteOrder = false;
        pollers.close();
    }

    /** What the timeline leaves behind. */
    private static final class Outcome {
        long updateMaskAfterClose;
        long staleBitsAtReinsert;
        boolean nextLifeGotEvent;
        long nextLifePolledRecv;
        int firstLifeCallbacksOnT1;
    }

    private Outcome replay(long eventWaitMs) {
        Poller t1 = pollers.get(0), t2 = pollers.get(1);
        Outcome out = new Outcome();
        int[] sp = Sys.socketpair();
        int n = sp[0], peer = sp[1];
        Object conn1 = new Object();
        AtomicInteger cb1OnT1 = new AtomicInteger();

        // Precondition: N owned by T1 and in T1's epoll set, then taken over by T2.
        runOn(t1, () -> {
            fds.insert(n, conn1, fd -> {
                if (Poller.current() == t1) cb1OnT1.incrementAndGet();
            }, 0);
            fds.wantRecv(n);
        });
        awaitTrue(() -> fds.polledRecvMask(n) == 1L, "T1 polls N");
        assertTrue(runOn(t2, () -> fds.takeover(n, conn1)), "T2 takes N over");
        assertEquals(2L, fds.threadMask(n));
        assertEquals(1L, fds.polledRecvMask(n), "N is still in T1's epoll set");

        // Step 4 is held between T1's grab and its test-and-set; T2's close releases it right
        // after the tgid reset (fixed order: before the drain and the mask clear; pre-fix order:
        // after the mask clear).
        CountDownLatch t1Holding = new CountDownLatch(1), t1Go = new CountDownLatch(1);
        FdHooks.updateBitAfterGrab = fd -> {
            if (fd == n && Poller.current() == t1 && t1Holding.getCount() > 0) {
                t1Holding.countDown();
                await(t1Go);
            }
        };
        FdHooks.deleteAfterTgidReset = fd -> {
            if (fd == n) t1Go.countDown();
        };
        long drops0 = t1.fdCtx().dropFd();

        writeByte(peer); // step 1: late report on T1
        awaitLatch(t1Holding, "T1 in fd_update_events holding a tgid reference");
        assertEquals(1, fds.refcTgid(n) >>> 16, "T1 holds one reference");
        assertEquals(0L, fds.updateMask(n) & 1L, "T1 has not set its bit yet");

        runOn(t2, () -> fds.delete(n)); // steps 3 and 5: T2 closes N
        awaitTrue(() -> fds.refcTgid(n) == 0, "T1 dropped its reference");
        // step 6: T1's next loop finds its queued entry for a closed fd and skips it
        awaitTrue(() -> t1.fdCtx().dropFd() > drops0, "T1 skipped its queued update of the closed fd");
        assertEquals(1, fds.closes(), "one close");
        assertNull(fds.owner(n));
        out.updateMaskAfterClose = fds.updateMask(n);
        out.firstLifeCallbacksOnT1 = cb1OnT1.get();
        FdHooks.clear();

        // Steps 7-9: the kernel hands N out again; the new connection belongs to T1.
        int[] sp2 = socketpairOn(n);
        long stale0 = fds.staleUpdateBitsAtInsert();
        CountDownLatch gotEvent = new CountDownLatch(1);
        runOn(t1, () -> {
            fds.insert(n, new Object(), fd -> {
                drain(fd);
                gotEvent.countDown();
            }, 0);
            fds.wantRecv(n);
        });
        out.staleBitsAtReinsert = fds.staleUpdateBitsAtInsert() - stale0;
        writeByte(sp2[1]); // data is pending on the new life of N
        try {
            out.nextLifeGotEvent = gotEvent.await(eventWaitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        out.nextLifePolledRecv = fds.polledRecvMask(n);

        runOn(t1, () -> fds.delete(n));
        assertEquals(0L, fds.updateMask(n), "a close always leaves a clean mask for the next life");
        Sys.epoxy_close(peer);
        Sys.epoxy_close(sp2[1]);
        return out;
    }

    @Test
    void preFixOrderReproducesTheLeakedUpdateBit() {
        FdTable.preFixDeleteOrder = true;
        Outcome o = replay(500);
        assertEquals(0, o.firstLifeCallbacksOnT1, "T1 never ran the migrated fd's callback");
        assertEquals(1L, o.updateMaskAfterClose, "T1's update bit survives the close (the seed-1 bug)");
        assertEquals(1, o.staleBitsAtReinsert, "the next life of N starts with the stale bit");
        assertFalse(o.nextLifeGotEvent, "want_recv was a silent no-op: no event within 500 ms despite pending data");
        assertEquals(0L, o.nextLifePolledRecv, "N never reached T1's epoll set");
    }

    @Test
    void fixedOrderWaitsForTheLateReporterThenClearsTheMask() {
        Outcome o = replay(WAIT_MS);
        assertEquals(0, o.firstLifeCallbacksOnT1, "T1 never ran the migrated fd's callback");
        assertEquals(0L, o.updateMaskAfterClose, "deleteOrphan cleared the mask after T1's test-and-set");
        assertEquals(0, o.staleBitsAtReinsert);
        assertTrue(o.nextLifeGotEvent, "the new life of N is polled and its data reported");
        assertEquals(1L, o.nextLifePolledRecv, "N is in T1's epoll set again");
    }
}
