package dev.epoxy.fd;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.sys.Sys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bounded stress of the fd protocol: 4 pollers, 3 drivers cycling insert / want / late I/O /
 * takeover / delete (by the owner, by a foreign thread, or by the callback on EOF) on socketpairs
 * whose numbers the kernel keeps reusing, with every hook yielding at random to widen the race
 * windows. Invariants: a callback never overlaps itself and runs only on a thread of the fd's
 * mask, each fd life is closed exactly once, no update bit survives into a new life.
 */
class FdStressTest {
    private static final long BUDGET_MS = 1500;
    private static final int MAX_CYCLES_PER_DRIVER = 3000;
    private static final int DRIVERS = 3;
    private static final int THREADS = 4;

    /** One fd life's owner; counts the threads inside its callback (per life, since a callback
     *  that closes its fd is still running when the kernel hands the number to a new life). */
    private static final class Conn {
        final AtomicInteger inside = new AtomicInteger();
    }

    private final AtomicInteger overlaps = new AtomicInteger(), strangers = new AtomicInteger(),
            closedRuns = new AtomicInteger();
    private final AtomicLong callbacks = new AtomicLong(), takeovers = new AtomicLong();
    private final Map<Long, AtomicInteger> closesPerLife = new ConcurrentHashMap<>();
    private final Map<Long, Boolean> lives = new ConcurrentHashMap<>();
    private Pollers pollers;

    @AfterEach
    void tearDown() {
        FdHooks.clear();
        if (pollers != null) pollers.close();
    }

    private static void maybeYield(int fd) {
        if (ThreadLocalRandom.current().nextInt(4) == 0) Thread.yield();
    }

    @Test
    void levelTriggered() throws Exception {
        run(false);
    }

    @Test
    void edgeTriggered() throws Exception {
        run(true);
    }

    private void run(boolean et) throws Exception {
        FdTable fds = new FdTable(4096);
        pollers = new Pollers(fds, THREADS, et);
        pollers.start();
        FdHooks.updateBitAfterGrab = FdStressTest::maybeYield;
        FdHooks.runningBeforeSet = FdStressTest::maybeYield;
        FdHooks.runningAfterSet = FdStressTest::maybeYield;
        FdHooks.deleteAfterTgidReset = FdStressTest::maybeYield;
        FdHooks.deleteAfterThreadMaskClear = FdStressTest::maybeYield;
        FdHooks.takeoverBetweenMasks = FdStressTest::maybeYield;
        FdHooks.beforeClose = fd -> {
            long life = (long) fd << 32 | (fds.generation(fd) - 1); // generation was just bumped
            closesPerLife.computeIfAbsent(life, k -> new AtomicInteger()).incrementAndGet();
        };

        IoCallback cb = fd -> {
            Conn c = (Conn) fds.owner(fd);
            if (c == null) {
                closedRuns.incrementAndGet(); // running an fd that is not open
                return;
            }
            if (c.inside.incrementAndGet() != 1) overlaps.incrementAndGet();
            try {
                callbacks.incrementAndGet();
                // threadMask is 0 while a delete is pending (the runner then closes); otherwise it
                // must hold this thread: a run after a takeover would find another thread there.
                long tm = fds.threadMask(fd);
                if (tm != 0 && (tm & (1L << Poller.current().tid())) == 0) strangers.incrementAndGet();
                long r = drain(fd);
                if (r >= 0) fds.cantRecv(fd); // EAGAIN: ET waits for the next edge
                maybeYield(fd);
                if (r == -1 || r < -1) fds.delete(fd); // EOF or error: close from the callback
            } finally {
                c.inside.decrementAndGet();
            }
        };

        long deadline = System.nanoTime() + BUDGET_MS * 1_000_000L;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong cycles = new AtomicLong();
        List<Thread> drivers = new ArrayList<>();
        for (int d = 0; d < DRIVERS; d++) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < MAX_CYCLES_PER_DRIVER && System.nanoTime() < deadline; i++) {
                        cycle(fds, cb);
                        cycles.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "stress-driver-" + d);
            drivers.add(t);
            t.start();
        }
        for (Thread t : drivers) t.join(BUDGET_MS + 20_000);
        for (Thread t : drivers) assertFalse(t.isAlive(), "driver stuck");
        if (failure.get() != null) throw new AssertionError("driver failed", failure.get());

        assertTrue(cycles.get() >= DRIVERS * 50L, "enough cycles ran: " + cycles.get());
        assertTrue(callbacks.get() > 0);
        assertEquals(0, overlaps.get(), "a callback ran on two threads at once");
        assertEquals(0, strangers.get(), "a callback ran on a thread outside the fd's mask");
        assertEquals(0, closedRuns.get(), "a callback ran on a closed fd");
        awaitTrue(() -> fds.closes() >= lives.size(), "every close counted"); // counted just after beforeClose
        assertEquals(lives.keySet(), closesPerLife.keySet(), "every life closed, nothing else closed");
        for (Map.Entry<Long, AtomicInteger> e : closesPerLife.entrySet()) {
            assertEquals(1, e.getValue().get(), "closes of life " + Long.toHexString(e.getKey()));
        }
        assertEquals(lives.size(), fds.closes());
        assertEquals(0, fds.staleUpdateBitsAtInsert(), "an update bit survived a close");
        // Every life is closed now: a bit set on a life is cleared by its setter or by its close.
        for (int fd = 0; fd < fds.maxFds(); fd++) {
            assertEquals(0L, fds.updateMask(fd), "update bits left on fd " + fd);
        }
        assertTrue(takeovers.get() > 0, "some takeovers succeeded");
    }

    /** One fd life: insert on a random thread, late I/O and takeovers, then one of three closes. */
    private void cycle(FdTable fds, IoCallback cb) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int[] sp = Sys.socketpair();
        int fd = sp[0], peer = sp[1];
        Conn conn = new Conn();
        int cur = rnd.nextInt(THREADS);
        long life = runOn(pollers.get(cur), () -> {
            fds.insert(fd, conn, cb, Poller.current().tid());
            long l = (long) fd << 32 | fds.generation(fd);
            lives.put(l, Boolean.TRUE);
            fds.wantRecv(fd);
            return l;
        });
        int moves = 1 + rnd.nextInt(4);
        for (int m = 0; m < moves; m++) {
            writeByte(peer); // events for the owner and late ones for former owners
            int t = (cur + 1 + rnd.nextInt(THREADS - 1)) % THREADS;
            boolean ok = runOn(pollers.get(t), () -> {
                if (!fds.takeover(fd, conn)) return false;
                fds.wantRecv(fd);
                return true;
            });
            if (ok) {
                takeovers.incrementAndGet();
                cur = t;
            }
        }
        writeByte(peer);
        switch (rnd.nextInt(3)) {
            case 0:
                int owner = cur;
                runOn(pollers.get(owner), () -> fds.delete(fd));
                break;
            case 1:
                int other = (cur + 1 + rnd.nextInt(THREADS - 1)) % THREADS;
                runOn(pollers.get(other), () -> fds.delete(fd)); // foreign delete
                break;
            default:
                Sys.epoxy_close(peer); // EOF: the owner's callback deletes
                peer = -1;
                break;
        }
        // Closed means beforeClose ran: the owner is cleared a few steps earlier, and a driver that
        // went on from there let the final checks run before the last close was counted.
        awaitTrue(() -> closesPerLife.containsKey(life), "fd " + fd + " closed");
        if (peer >= 0) Sys.epoxy_close(peer);
    }
}
