package dev.epoxy.poller;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.fd.FdTable;
import dev.epoxy.fd.IoCallback;
import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Net;
import dev.epoxy.sys.SockAddr;
import dev.epoxy.sys.Sys;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pollers on real epoll: thread affinity, LT vs ET, migration, generations, wake-ups. */
class PollersTest {
    private Pollers pollers;
    private FdTable fds;
    private final List<Integer> toClose = new CopyOnWriteArrayList<>();

    private Pollers start(int n, boolean et) {
        fds = new FdTable(4096);
        pollers = new Pollers(fds, n, et);
        pollers.start();
        return pollers;
    }

    private int[] pair() {
        int[] sp = Sys.socketpair();
        toClose.add(sp[1]);
        return sp;
    }

    @AfterEach
    void tearDown() {
        if (pollers != null) pollers.close();
        for (int fd : toClose) Sys.epoxy_close(fd);
        for (int fd = 0; fds != null && fd < fds.maxFds(); fd++) {
            if (fds.owner(fd) != null) Sys.epoxy_close(fd);
        }
    }

    /** Callback recording the thread of each call. */
    static final class Calls implements IoCallback {
        final AtomicLongArray on = new AtomicLongArray(64);
        final AtomicInteger total = new AtomicInteger();
        volatile java.util.function.IntConsumer action = fd -> {};

        @Override
        public void onIo(int fd) {
            on.incrementAndGet(Poller.current().tid());
            total.incrementAndGet();
            action.accept(fd);
        }
    }

    @Test
    void currentIsThePollerOfTheThread() {
        start(2, false);
        assertNull(Poller.current());
        assertSame(pollers.get(1), runOn(pollers.get(1), Poller::current));
        assertEquals(1, (int) runOn(pollers.get(1), () -> Poller.current().tid()));
        assertSame(fds, pollers.get(0).fdTable());
        assertEquals(2, pollers.size());
    }

    @Test
    void levelTriggeredEventsOnTheOwningThreadOnly() {
        start(3, false);
        int[] sp = pair();
        Calls calls = new Calls(); // never reads: LT keeps reporting
        runOn(pollers.get(2), () -> {
            fds.insert(sp[0], "c", calls, 2);
            fds.wantRecv(sp[0]);
        });
        writeByte(sp[1]);
        awaitTrue(() -> calls.total.get() >= 3, "LT reports unread data again and again");
        assertEquals(0, calls.on.get(0) + calls.on.get(1), "only the owner thread");
        assertEquals(4L, fds.polledRecvMask(sp[0]));
        assertEquals(0L, fds.polledSendMask(sp[0]), "no write interest, no EPOLLOUT");
        assertTrue(fds.recvReady(sp[0]));
        assertEquals(FdTable.POLL_IN, fds.polled(sp[0]));

        // lazy stop: stop_recv queues nothing; the next report removes the fd from the set
        runOn(pollers.get(2), () -> fds.stopRecv(sp[0]));
        awaitTrue(() -> fds.polledRecvMask(sp[0]) == 0, "an event on a stopped direction unregisters it");
        int after = calls.total.get();
        runOn(pollers.get(2), () -> {}); // a full loop later
        assertEquals(after, calls.total.get(), "no callback while stopped");
    }

    @Test
    void edgeTriggeredRegistersOnceAndKeepsReadyUntilEagain() throws Exception {
        start(2, true);
        int[] sp = pair();
        int fd = sp[0];
        Calls calls = new Calls();
        Poller p = pollers.get(1);
        long ctl0 = p.fdCtx().epollCtl();
        runOn(p, () -> {
            fds.insert(fd, "c", calls, 1);
            fds.wantRecv(fd);
        });
        awaitTrue(() -> fds.polledRecvMask(fd) == 2L && fds.polledSendMask(fd) == 2L, "ET polls both directions");
        assertTrue((fds.state(fd) & FdTable.ET_POSSIBLE) != 0);
        awaitTrue(() -> calls.total.get() >= 1, "initial writable edge");
        runOn(p, () -> fds.cantRecv(fd));
        int n0 = calls.total.get(); // the writable edge's callback has returned (the task ran after it)

        writeByte(sp[1]);
        // The poller sets READY_R before it calls the callback: wait for the call too, or the
        // count below could be taken between the two (seen once in 61 runs with a CPU hog).
        awaitTrue(() -> fds.recvReady(fd) && calls.total.get() > n0, "read edge sets READY_R and calls back");
        runOn(p, () -> {}); // that callback has returned
        int n1 = calls.total.get();
        // A full loop later: a task queued while the poller runs waits for the next iteration, so
        // the second task runs after an epoll_wait that began once the first had run (after the
        // read edge was handled); the loop dispatches that wait's events before its tasks, so
        // level-triggered polling would have reported the unread data again by then.
        runOn(p, () -> {});
        runOn(p, () -> {});
        assertEquals(n1, calls.total.get(), "unread data is not reported again in ET");
        assertTrue(fds.recvReady(fd), "ready stays set until the reader sees EAGAIN");

        calls.action = f -> {
            if (drain(f) >= 0) fds.cantRecv(f);
        };
        writeByte(sp[1]); // a new edge
        awaitTrue(() -> calls.total.get() > n1 && !fds.recvReady(fd), "new edge, drained to EAGAIN");
        runOn(p, () -> {
            fds.stopRecv(fd);
            fds.wantRecv(fd);
            fds.wantSend(fd);
        });
        runOn(p, () -> {});
        assertEquals(1, p.fdCtx().epollCtl() - ctl0, "one EPOLL_CTL_ADD for the whole life");
        assertEquals(0, calls.on.get(0));
    }

    @Test
    void listenerFdsStayLevelTriggeredInEtMode() throws Exception {
        start(2, true);
        int lfd = Net.listen(SockAddr.of("127.0.0.1", 0), 16, false);
        SockAddr sa = SockAddr.of("127.0.0.1", Net.localPort(lfd));
        AtomicInteger accepted = new AtomicInteger();
        Calls calls = new Calls();
        calls.action = fd -> {
            for (int c; (c = Sys.epoxy_accept(fd, 0)) >= 0;) {
                accepted.incrementAndGet();
                Sys.epoxy_close(c);
            }
            fds.cantRecv(fd);
        };
        fds.insertShared(lfd, "listener", calls, 3L);
        fds.wantRecv(lfd); // from a non-poller thread: through both shared inboxes
        awaitTrue(() -> fds.polledRecvMask(lfd) == 3L, "every thread of the mask polls the listener");
        assertEquals(0, fds.state(lfd) & FdTable.ET_POSSIBLE);
        assertEquals(0L, fds.polledSendMask(lfd));
        for (int i = 0; i < 3; i++) {
            int c = Sys.epoxy_socket(Abi.AF_INET);
            toClose.add(c);
            Sys.epoxy_connect(c, sa.address, sa.length);
        }
        awaitTrue(() -> accepted.get() == 3, "all connections accepted");
        runOn(pollers.get(0), () -> fds.delete(lfd));
        // The other poller may be inside the listener's callback at that moment (a last event);
        // then it is the one that closes the fd as it leaves (FdTable.delete), a moment later.
        awaitTrue(() -> fds.owner(lfd) == null && fds.closes() == 1, "the listener fd closed once");
    }

    @Test
    void migratedFdLateEventMakesTheOldThreadUnregisterIt() {
        start(2, false);
        int[] sp = pair();
        int fd = sp[0];
        Object conn = new Object();
        Calls calls = new Calls();
        Poller p0 = pollers.get(0), p1 = pollers.get(1);
        long[] migrated0 = new long[1];
        // keep the data unread until p0 has seen it (an LT report re-checks readiness when harvested)
        calls.action = f -> {
            if (p0.fdCtx().migrated() > migrated0[0]) drain(f);
        };
        runOn(p0, () -> {
            fds.insert(fd, conn, calls, 0);
            fds.wantRecv(fd);
        });
        awaitTrue(() -> fds.polledRecvMask(fd) == 1L, "p0 polls");
        assertTrue(runOn(p1, () -> {
            boolean ok = fds.takeover(fd, conn);
            fds.wantRecv(fd);
            return ok;
        }));
        awaitTrue(() -> fds.polledRecvMask(fd) == 3L, "both epoll sets hold the fd");
        migrated0[0] = p0.fdCtx().migrated();
        writeByte(sp[1]);
        awaitTrue(() -> calls.on.get(1) >= 1, "new owner handles it");
        awaitTrue(() -> p0.fdCtx().migrated() > migrated0[0], "old owner got the late report");
        awaitTrue(() -> fds.polledRecvMask(fd) == 2L, "old owner programmed its own DEL");
        assertEquals(0, calls.on.get(0));
        assertEquals(0L, fds.updateMask(fd));
    }

    @Test
    void reportsForAnEarlierLifeOfTheNumberAreDropped() {
        start(1, false);
        Poller p = pollers.get(0);
        int[] sp = Sys.socketpair();
        int a = sp[0], b = sp[1];
        toClose.add(b);
        int keep = Sys.epoxy_dup(a); // keeps the first open file (and its registration) alive
        Calls first = new Calls(), second = new Calls();
        second.action = f -> drain(f);
        runOn(p, () -> {
            fds.insert(a, "life1", first, 0);
            fds.wantRecv(a);
        });
        awaitTrue(() -> fds.polledRecvMask(a) == 1L, "registered");
        runOn(p, () -> fds.delete(a)); // close(a): the epoll registration survives through keep
        assertEquals(1, fds.generation(a));
        int[] sp2 = socketpairOn(a);
        toClose.add(sp2[1]);
        runOn(p, () -> {
            fds.insert(a, "life2", second, 0);
            fds.wantRecv(a);
        });
        long stale0 = p.fdCtx().staleGen();
        writeByte(b); // readiness of the FIRST file, reported under number a, generation 0
        awaitTrue(() -> p.fdCtx().staleGen() > stale0 || second.total.get() > 0, "the old file's report handled");
        runOn(p, () -> {});
        assertEquals(0, second.total.get(), "the new life never saw the old file's event");
        assertTrue(p.fdCtx().staleGen() > stale0, "it was dropped as stale");
        assertEquals(0, first.total.get());
        Sys.epoxy_close(keep); // releases the first file: its registration goes away
        writeByte(sp2[1]);
        awaitTrue(() -> second.total.get() > 0, "the new life gets its own events");
    }

    @Test
    void executeWakesASleepingPoller() throws Exception {
        start(1, false);
        Poller p = pollers.get(0);
        awaitTrue(p::sleeping, "idle poller sleeps (no timers: infinite wait)");
        long w0 = p.wakeWrites();
        CountDownLatch ran = new CountDownLatch(1);
        p.execute(ran::countDown);
        awaitLatch(ran, "runnable executed on the sleeping poller");
        assertTrue(p.wakeWrites() > w0, "woken through its eventfd");
        // from its own thread no wake-up is needed: queued and run by the same loop
        CountDownLatch inner = new CountDownLatch(1);
        p.execute(() -> p.execute(inner::countDown));
        awaitLatch(inner, "self-submitted runnable");
    }

    @Test
    void taskTimersFireInExpiryOrder() {
        start(1, false);
        Poller p = pollers.get(0);
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(3);
        long[] armedAt = new long[1];
        Task[] tasks = new Task[3];
        int[] delays = {60, 20, 40};
        for (int i = 0; i < 3; i++) {
            int k = i;
            tasks[i] = new Task(p, () -> {
                order.add("t" + k + (tasks[k].expired() ? ":timer" : ":woken") + (p.nowMs() >= armedAt[0] + delays[k] ? "" : ":early"));
                done.countDown();
            });
        }
        Task never = new Task(p, () -> order.add("destroyed task ran"));
        runOn(p, () -> {
            armedAt[0] = p.nowMs();
            for (int i = 0; i < 3; i++) tasks[i].expireAt(armedAt[0] + delays[i]);
            never.expireAt(armedAt[0] + 10);
            never.destroy();
            assertEquals(armedAt[0] + 60, tasks[0].expire());
        });
        awaitLatch(done, "three timers");
        runOn(p, () -> {});
        assertEquals(List.of("t1:timer", "t2:timer", "t0:timer"), order);
        assertEquals(Task.NEVER, (long) runOn(p, () -> tasks[0].expire()), "a fired timer is disarmed");
        assertThrows(IllegalStateException.class, () -> tasks[0].expireAt(1), "timers are owner-thread only");
    }

    /**
     * A timer moved later keeps its place in the heap (filed under the earlier date) and is filed
     * again when that date comes; it still fires at its real expiry, not before, and in order.
     */
    @Test
    void aTimerMovedLaterIsFiledAgainLazilyAndFiresOnTime() {
        start(1, false);
        Poller p = pollers.get(0);
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(2);
        long[] armedAt = new long[1];
        Task[] t = new Task[2];
        long[] due = {300, 150};
        for (int i = 0; i < 2; i++) {
            int k = i;
            t[i] = new Task(p, () -> {
                order.add("t" + k + (p.nowMs() >= armedAt[0] + due[k] ? "" : ":early"));
                done.countDown();
            });
        }
        runOn(p, () -> {
            armedAt[0] = p.nowMs();
            t[0].expireAt(armedAt[0] + 50);
            t[1].expireAt(armedAt[0] + 150);
            assertEquals(0, t[0].heapIndex);
            t[0].expireAt(armedAt[0] + 300); // later: no sift now
            assertEquals(0, t[0].heapIndex, "filed under its earlier date until then");
            assertEquals(armedAt[0] + 300, t[0].expire());
        });
        awaitLatch(done, "both timers");
        assertEquals(List.of("t1", "t0"), order);
    }

    @Test
    void taskRearmAndDisarm() {
        start(1, false);
        Poller p = pollers.get(0);
        AtomicInteger runs = new AtomicInteger();
        Task t = new Task(p, runs::incrementAndGet);
        runOn(p, () -> {
            t.expireAt(p.nowMs() + 10_000);
            t.expireAt(p.nowMs() + 10); // re-armed earlier
        });
        awaitTrue(() -> runs.get() == 1, "re-armed timer fired");
        runOn(p, () -> {
            t.expireAt(p.nowMs() + 10);
            t.expireAt(Task.NEVER); // disarmed
        });
        Task probe = new Task(p, () -> {});
        CountDownLatch later = new CountDownLatch(1);
        Task after = new Task(p, later::countDown);
        runOn(p, () -> after.expireAt(p.nowMs() + 50));
        awaitLatch(later, "a later timer");
        assertEquals(1, runs.get(), "the disarmed timer did not fire");
        assertFalse(probe.destroyed());
    }

    @Test
    void wakeupDedupsUntilTheBodyRuns() throws Exception {
        start(2, false);
        Poller p = pollers.get(0);
        AtomicInteger runs = new AtomicInteger();
        List<Integer> threads = new CopyOnWriteArrayList<>();
        Task t = new Task(p, () -> {
            runs.incrementAndGet();
            threads.add(Poller.current().tid());
        });
        runOn(p, () -> {
            t.wakeup();
            t.wakeup();
            t.wakeup();
        });
        runOn(p, () -> {});
        assertEquals(1, runs.get(), "three wakeups on the owner thread, one run");

        CountDownLatch blocked = new CountDownLatch(1), release = new CountDownLatch(1);
        p.execute(() -> {
            blocked.countDown();
            await(release);
        });
        awaitLatch(blocked, "owner busy");
        for (int i = 0; i < 100; i++) t.wakeup(); // from a foreign thread while the owner is busy
        runOn(pollers.get(1), () -> t.wakeup()); // and from another poller
        release.countDown();
        runOn(p, () -> {});
        runOn(p, () -> {});
        assertEquals(2, runs.get(), "merged into one run");
        t.wakeup();
        awaitTrue(() -> runs.get() == 3, "a wakeup after the run runs it again");
        assertEquals(List.of(0, 0, 0), threads, "always on the owner thread");

        t.destroy();
        t.wakeup();
        runOn(p, () -> {});
        assertEquals(3, runs.get(), "destroyed: no more runs");
    }

    @Test
    void taskMovesToAnotherPoller() {
        start(2, false);
        List<Integer> threads = new CopyOnWriteArrayList<>();
        Task t = new Task(pollers.get(0), () -> threads.add(Poller.current().tid()));
        assertThrows(IllegalStateException.class, () -> t.moveTo(pollers.get(1)), "only from the target thread");
        runOn(pollers.get(0), () -> t.expireAt(pollers.get(0).nowMs() + 60_000));
        assertThrows(IllegalStateException.class,
                () -> runOnRethrow(pollers.get(1), () -> t.moveTo(pollers.get(1))), "armed timer");
        runOn(pollers.get(0), () -> t.expireAt(Task.NEVER));
        runOn(pollers.get(1), () -> t.moveTo(pollers.get(1)));
        assertSame(pollers.get(1), t.owner());
        t.wakeup();
        awaitTrue(() -> threads.size() == 1, "ran after the move");
        assertEquals(List.of(1), threads);
    }

    private static void runOnRethrow(Poller p, Runnable r) {
        try {
            submit(p, () -> {
                r.run();
                return null;
            }).get(WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) throw (RuntimeException) e.getCause();
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void closeStopsAndJoinsTheThreads() {
        start(3, false);
        Thread[] ts = new Thread[3];
        for (int i = 0; i < 3; i++) ts[i] = runOn(pollers.get(i), Thread::currentThread);
        pollers.close();
        for (Thread t : ts) assertFalse(t.isAlive());
        pollers.close(); // idempotent
    }

    /**
     * A task whose body throws (a bug) runs its failure handler, once per failed run, and the
     * poller goes on serving other tasks; a handler that throws too changes nothing more.
     */
    @Test
    void aTaskThatThrowsRunsItsFailureHandlerAndThePollerGoesOn() throws Exception {
        Poller p = start(1, false).get(0);
        AtomicInteger failures = new AtomicInteger(), others = new AtomicInteger();
        Task bad = new Task(p, () -> {
            throw new IllegalStateException("a bug, on purpose");
        });
        bad.onFailure(failures::incrementAndGet);
        Task worse = new Task(p, () -> {
            throw new IllegalStateException("a bug, on purpose");
        });
        worse.onFailure(() -> {
            throw new IllegalStateException("its handler too");
        });
        Task good = new Task(p, others::incrementAndGet);
        bad.wakeup();
        worse.wakeup();
        good.wakeup();
        awaitTrue(() -> failures.get() == 1 && others.get() == 1, "the failure handled, the other task run");
        bad.wakeup();
        good.wakeup();
        awaitTrue(() -> failures.get() == 2 && others.get() == 2, "and again");
    }

    /**
     * Without heap, logging a failure throws too (it allocates). A poller thread must outlive
     * that, or its connections and listeners are left with no one to serve them while the
     * process stays up: 15,000 idle HTTP/2 connections at -Xmx24m ended the poller thread so,
     * and SIGTERM then hung. Here every write to System.err (slf4j-simple's output) throws an
     * OutOfMemoryError while an I/O callback, a task and its failure handler, and a runnable
     * throw one.
     */
    @Test
    void aPollerOutlivesFailuresThatCannotEvenBeLogged() {
        Poller p = start(1, false).get(0);
        int[] sp = pair();
        Calls calls = new Calls();
        calls.action = fd -> {
            throw new OutOfMemoryError("on purpose, in an I/O callback");
        };
        AtomicInteger handled = new AtomicInteger(), after = new AtomicInteger();
        Task t = new Task(p, () -> {
            throw new OutOfMemoryError("on purpose, in a task");
        });
        t.onFailure(() -> {
            handled.incrementAndGet();
            throw new OutOfMemoryError("on purpose, in its failure handler");
        });
        java.io.PrintStream err = System.err;
        System.setErr(new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                throw new OutOfMemoryError("on purpose, in the log");
            }
        }));
        try {
            runOn(p, () -> {
                fds.insert(sp[0], "c", calls, 0);
                fds.wantRecv(sp[0]);
            });
            writeByte(sp[1]); // never read: level-triggered, the callback fails on every pass
            t.wakeup();
            p.execute(() -> {
                throw new OutOfMemoryError("on purpose, in a runnable");
            });
            awaitTrue(() -> calls.total.get() >= 3 && handled.get() == 1, "the callback failed again and again, the task once");
        } finally {
            System.setErr(err);
        }
        runOn(p, () -> fds.stopRecv(sp[0]));
        new Task(p, after::incrementAndGet).wakeup();
        awaitTrue(() -> after.get() == 1, "the poller still runs tasks");
    }
}
