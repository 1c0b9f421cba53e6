package dev.epoxy.fd;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.sys.Sys;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Takeover vs late I/O and delete vs late I/O (HAProxy cd8914bc5, haproxy-internals §2.4), each
 * interleaving forced with hooks on real pollers: never two runners, never a run on the old
 * thread after a takeover, exactly one close per fd life.
 */
class FdOwnershipRaceTest {
    private FdTable fds;
    private Pollers pollers;
    private Poller p0, p1;
    private final List<String> closes = new CopyOnWriteArrayList<>();
    private int a, peer;
    private final Object conn = new Object();

    /** Callback that records where it runs and detects overlapping runs. */
    static final class Probe implements IoCallback {
        final AtomicLongArray callsOn = new AtomicLongArray(64);
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        volatile IntConsumer action = fd -> {};

        @Override
        public void onIo(int fd) {
            if (inside.incrementAndGet() != 1) overlaps.incrementAndGet();
            callsOn.incrementAndGet(Poller.current().tid());
            try {
                action.accept(fd);
            } finally {
                inside.decrementAndGet();
            }
        }
    }

    private final Probe probe = new Probe();

    @BeforeEach
    void setUp() {
        fds = new FdTable(4096);
        pollers = new Pollers(fds, 2, false);
        pollers.start();
        p0 = pollers.get(0);
        p1 = pollers.get(1);
        FdHooks.beforeClose = fd -> closes.add(fd + "@" + Poller.current().tid());
        int[] sp = Sys.socketpair();
        a = sp[0];
        peer = sp[1];
    }

    @AfterEach
    void tearDown() {
        FdHooks.clear();
        pollers.close();
        if (fds.owner(a) != null) Sys.epoxy_close(a);
        Sys.epoxy_close(peer);
        assertEquals(0, probe.overlaps.get(), "the callback never ran on two threads at once");
    }

    private void ownedByP0() {
        runOn(p0, () -> {
            fds.insert(a, conn, probe, 0);
            fds.wantRecv(a);
        });
        awaitTrue(() -> fds.polledRecvMask(a) == 1L, "p0 polls the fd");
    }

    @Test
    void lateIoWaitsForATakeoverInProgressThenGivesUp() throws Exception {
        ownedByP0();
        probe.action = FdTestSupport::drain;
        CountDownLatch inTakeover = new CountDownLatch(1), goTakeover = new CountDownLatch(1);
        CountDownLatch p0Running = new CountDownLatch(1);
        FdHooks.takeoverBetweenMasks = fd -> {
            inTakeover.countDown();
            await(goTakeover);
        };
        FdHooks.runningAfterSet = fd -> {
            if (Poller.current() == p0) p0Running.countDown();
        };
        CountDownLatch p0Spun = new CountDownLatch(1000);
        FdHooks.runningWaitsForMasks = fd -> {
            if (Poller.current() == p0) p0Spun.countDown();
        };
        long skip0 = p0.fdCtx().skipFd();
        CompletableFuture<Boolean> tk = submit(p1, () -> fds.takeover(a, conn));
        awaitLatch(inTakeover, "p1 between running CAS and thread mask store");
        assertEquals(2L, fds.runningMask(a));
        assertEquals(1L, fds.threadMask(a), "thread mask not switched yet");

        writeByte(peer); // late I/O on the old owner, which still finds itself in threadMask
        awaitLatch(p0Running, "p0 set its running bit");
        assertEquals(3L, fds.runningMask(a), "both threads inside");
        // p0 spins waiting for running ⊆ threadMask; it must not call back. Seen 1000 times at
        // the point where it decides to wait, not a guess at how long it takes to get there.
        awaitLatch(p0Spun, "p0 found the masks unstable and kept waiting");
        assertEquals(0, probe.callsOn.get(0));

        goTakeover.countDown();
        assertTrue(tk.get(WAIT_MS, TimeUnit.MILLISECONDS), "takeover completes");
        awaitTrue(() -> p0.fdCtx().skipFd() > skip0, "p0 saw it lost the fd");
        assertEquals(0, probe.callsOn.get(0), "old owner never ran the callback");
        assertEquals(2L, fds.threadMask(a));

        runOn(p1, () -> fds.wantRecv(a)); // the new owner subscribes; data is still pending
        awaitTrue(() -> probe.callsOn.get(1) > 0, "new owner handles the data");
        awaitTrue(() -> fds.polledRecvMask(a) == 2L, "old owner removed the fd from its epoll set");
        assertEquals(0, probe.callsOn.get(0));
        // Read on p1, between its callbacks: read from here it raced p1 still inside the callback
        // whose start the probe had counted (CI at 48a30ec: 2 where 0 was expected).
        runOn(p1, () -> assertEquals(0L, fds.runningMask(a)));
    }

    @Test
    void takeoverFailsWhileTheOwnerRunsTheCallback() {
        ownedByP0();
        CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        probe.action = fd -> {
            drain(fd);
            entered.countDown();
            await(release);
        };
        writeByte(peer);
        awaitLatch(entered, "p0 inside the callback");
        assertFalse(runOn(p1, () -> fds.takeover(a, conn)), "CAS running 0 -> me fails");
        assertEquals(1L, fds.threadMask(a));
        release.countDown();
        awaitTrue(() -> fds.runningMask(a) == 0, "p0 left");
        assertTrue(runOn(p1, () -> fds.takeover(a, conn)), "succeeds once nobody runs the fd");
        assertFalse(runOn(p1, () -> fds.takeover(a, new Object())), "wrong expected owner");
        assertEquals(2L, fds.threadMask(a));
    }

    /** §2.4(a): the old owner checked threadMask, then a whole takeover ran before its running OR.
     *  With the 2.5-2.7 CAS-from-observed-value scheme both threads would own the fd. */
    @Test
    void completeTakeoverBetweenMaskCheckAndRunningSet() {
        ownedByP0();
        probe.action = FdTestSupport::drain;
        CountDownLatch checked = new CountDownLatch(1), go = new CountDownLatch(1);
        FdHooks.runningBeforeSet = fd -> {
            if (Poller.current() == p0 && checked.getCount() > 0) {
                checked.countDown();
                await(go);
            }
        };
        long skip0 = p0.fdCtx().skipFd();
        writeByte(peer);
        awaitLatch(checked, "p0 validated threadMask, running not yet set");
        assertTrue(runOn(p1, () -> fds.takeover(a, conn)), "running was 0: takeover wins");
        assertEquals(2L, fds.threadMask(a));
        go.countDown();
        awaitTrue(() -> p0.fdCtx().skipFd() > skip0, "p0 noticed the takeover after setting running");
        assertEquals(0, probe.callsOn.get(0), "no run on the old owner");
        awaitTrue(() -> fds.runningMask(a) == 0, "running released");
        runOn(p1, () -> fds.wantRecv(a));
        awaitTrue(() -> probe.callsOn.get(1) > 0, "new owner gets the event");
        assertEquals(0, probe.callsOn.get(0));
        assertTrue(closes.isEmpty());
    }

    /** A thread outside the mask closes while the owner's late report holds a reference. */
    @Test
    void foreignDeleteWaitsForTheLateReporter() {
        ownedByP0();
        CountDownLatch checked = new CountDownLatch(1), go = new CountDownLatch(1);
        FdHooks.runningBeforeSet = fd -> {
            if (Poller.current() == p0 && checked.getCount() > 0) {
                checked.countDown();
                await(go);
            }
        };
        FdHooks.deleteAfterTgidReset = fd -> go.countDown();
        long skip0 = p0.fdCtx().skipFd();
        writeByte(peer);
        awaitLatch(checked, "p0 passed the thread mask check");
        runOn(p1, () -> fds.delete(a)); // returns only after p0 dropped its reference
        assertEquals(List.of(a + "@1"), closes, "closed once, by the deleting thread");
        awaitTrue(() -> p0.fdCtx().skipFd() > skip0, "p0 gave up");
        assertEquals(0, probe.callsOn.get(0));
        assertTrue(peerClosed(peer), "a's file closed");
        assertEquals(0L, fds.runningMask(a));
        assertEquals(0L, fds.updateMask(a));
        assertEquals(0, fds.refcTgid(a));
    }

    /** The owner is inside its callback when another thread deletes: the owner closes on leaving. */
    @Test
    void foreignDeleteWhileTheOwnerRunsLeavesTheCloseToIt() {
        ownedByP0();
        CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        probe.action = fd -> {
            drain(fd);
            entered.countDown();
            await(release);
        };
        writeByte(peer);
        awaitLatch(entered, "p0 inside the callback");
        runOn(p1, () -> fds.delete(a));
        assertTrue(closes.isEmpty(), "not closed under a running callback");
        assertFalse(peerClosed(peer), "a's file still open");
        assertEquals(0L, fds.threadMask(a));
        assertNotEquals(0, fds.state(a) & FdTable.MUST_CLOSE);
        release.countDown();
        awaitTrue(() -> closes.size() == 1, "closed when the runner left");
        assertEquals(List.of(a + "@0"), closes, "by the last runner");
        // (the hook runs just before close(2))
        awaitTrue(() -> peerClosed(peer), "a's file closed");
        assertEquals(1, probe.callsOn.get(0));
    }

    /** §2.4(b) on a shared fd: the deleting thread finds itself last and closes; a late runner
     *  that set and cleared its bit afterwards is also "last" but must not close again. */
    @Test
    void sharedFdDeleteAndLateRunnerCloseOnce() {
        runOn(p0, () -> fds.insertShared(a, conn, probe, 3L));
        fds.wantRecv(a); // from a non-poller thread: goes through both shared inboxes
        awaitTrue(() -> fds.polledRecvMask(a) == 3L, "both threads poll the shared fd");
        CountDownLatch checked = new CountDownLatch(1), go = new CountDownLatch(1);
        FdHooks.runningBeforeSet = fd -> {
            if (Poller.current() == p0 && checked.getCount() > 0) {
                checked.countDown();
                await(go);
            }
        };
        FdHooks.deleteAfterTgidReset = fd -> go.countDown();
        writeByte(peer); // never read: both pollers keep being told (p1 runs the callback)
        awaitLatch(checked, "p0 passed the thread mask check");
        long p0CallsBefore = probe.callsOn.get(0);
        runOn(p1, () -> fds.delete(a));
        awaitTrue(() -> fds.runningMask(a) == 0, "p0 left");
        assertEquals(List.of(a + "@1"), closes, "exactly one close, by the thread that won MUST_CLOSE");
        assertEquals(p0CallsBefore, probe.callsOn.get(0), "p0 did not run the deleted fd");
        assertEquals(0, fds.refcTgid(a));
        assertEquals(0L, fds.updateMask(a));
    }

    @Test
    void deleteInsideTheCallbackClosesOnceAndTheNumberIsReusable() {
        ownedByP0();
        probe.action = fd -> fds.delete(fd);
        writeByte(peer);
        awaitTrue(() -> closes.size() == 1, "callback closed the fd");
        assertEquals(List.of(a + "@0"), closes);
        assertEquals(0L, fds.updateMask(a));
        int gen = fds.generation(a);
        assertEquals(1, gen);
        // the same number, a new life on the other thread: events flow with the new generation
        int[] sp = socketpairOn(a);
        Sys.epoxy_close(peer);
        peer = sp[1];
        Probe probe2 = new Probe();
        probe2.action = FdTestSupport::drain;
        runOn(p1, () -> {
            fds.insert(a, new Object(), probe2, 1);
            fds.wantRecv(a);
        });
        writeByte(peer);
        awaitTrue(() -> probe2.callsOn.get(1) > 0, "new life reported on its thread");
        assertEquals(0, probe2.callsOn.get(0));
        assertEquals(1, probe.callsOn.get(0), "old callback ran once");
        assertEquals(0, fds.staleUpdateBitsAtInsert());
    }
}
