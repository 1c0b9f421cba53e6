package dev.epoxy.fd;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.sys.Sys;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FdStressTest.edgeTriggered's "inserted while still running" (about once in 16 full runs),
 * forced step by step: a former owner that lost a takeover race releases its running bit as the
 * only runner; before it claims MUST_CLOSE, the new owner starts running the callback and a
 * foreign thread deletes the fd, leaving the close to that runner. Before the fix the stale
 * "last runner" won MUST_CLOSE and closed the fd under the running callback, whose re-grab then
 * failed and left its running bit set (docs/fd-protocol.md, deviation 9).
 */
class FdStaleCloserTest {
    private FdTable fds;
    private Pollers pollers;
    private final List<String> closes = new CopyOnWriteArrayList<>();
    private int a, peer;

    @BeforeEach
    void setUp() {
        fds = new FdTable(4096);
        pollers = new Pollers(fds, 3, false);
        pollers.start();
        FdHooks.beforeClose = fd -> closes.add(fd + "@" + Poller.current().tid());
        int[] sp = Sys.socketpair();
        a = sp[0];
        peer = sp[1];
    }

    @AfterEach
    void tearDown() {
        FdHooks.clear();
        pollers.close();
        Sys.epoxy_close(peer);
    }

    @Test
    void staleLastRunnerMustNotCloseUnderTheNewOwnersCallback() {
        Poller p0 = pollers.get(0), p1 = pollers.get(1), p2 = pollers.get(2);
        Object conn = new Object();
        CountDownLatch p1Inside = new CountDownLatch(1), p1Go = new CountDownLatch(1);
        AtomicLong runWhileInCallback = new AtomicLong(-1);
        IoCallback cb = fd -> {
            if (Poller.current() == p1) {
                drain(fd);
                p1Inside.countDown();
                await(p1Go);
            }
        };
        runOn(p0, () -> {
            fds.insert(a, conn, cb, 0);
            fds.wantRecv(a);
        });
        awaitTrue(() -> fds.polledRecvMask(a) == 1L, "p0 polls the fd");

        // p0 gets a late report and passes the thread-mask check; it waits before its running OR,
        CountDownLatch p0Checked = new CountDownLatch(1), p0Go = new CountDownLatch(1);
        FdHooks.runningBeforeSet = fd -> {
            if (Poller.current() == p0 && p0Checked.getCount() > 0) {
                p0Checked.countDown();
                await(p0Go);
            }
        };
        // and again right after releasing its running bit (it was the only runner).
        CountDownLatch p0Released = new CountDownLatch(1), p0Decide = new CountDownLatch(1);
        FdHooks.runningReleased = fd -> {
            if (Poller.current() == p0 && p0Released.getCount() > 0) {
                p0Released.countDown();
                await(p0Decide);
            }
        };
        writeByte(peer);
        awaitLatch(p0Checked, "p0 validated threadMask");

        // p1 takes the fd over (running was 0); p0 then sets running, sees threadMask p1: lost race.
        assertTrue(runOn(p1, () -> fds.takeover(a, conn)), "takeover wins");
        p0Go.countDown();
        awaitLatch(p0Released, "p0 released its running bit as last runner");
        assertEquals(0L, fds.runningMask(a));

        // The new owner subscribes and runs the callback (the byte is still unread).
        runOn(p1, () -> fds.wantRecv(a));
        awaitLatch(p1Inside, "p1 inside the callback");
        assertEquals(2L, fds.runningMask(a));

        // A foreign thread deletes: p1 runs it, so the close is left to p1.
        runOn(p2, () -> fds.delete(a));
        assertTrue(closes.isEmpty(), "not closed under a running callback");

        // p0 resumes its stale "last runner" decision; a task on p0 runs once it has returned.
        p0Decide.countDown();
        runOn(p0, () -> {});
        runWhileInCallback.set(fds.runningMask(a));
        List<String> closedWhileP1Inside = List.copyOf(closes);

        p1Go.countDown();
        awaitTrue(() -> closes.size() == 1, "closed once");
        runOn(p1, () -> {});

        // The kernel hands the number out again: a new life of it (as in FdStressTest).
        int[] sp2 = socketpairOn(a);
        String insertError = null;
        try {
            runOn(p0, () -> fds.insert(a, new Object(), fd -> {}, 0));
        } catch (AssertionError e) {
            insertError = String.valueOf(e.getCause());
        }
        assertNull(insertError, "reinsert of the number; running mask while p1 was inside its callback: 0x"
                + Long.toHexString(runWhileInCallback.get()) + ", closes: " + closes);
        runOn(p0, () -> fds.delete(a));
        Sys.epoxy_close(sp2[1]);
        assertEquals(List.of(), closedWhileP1Inside, "the fd was closed while p1 ran its callback");
        assertEquals(List.of(a + "@1", a + "@0"), closes, "closed by the runner the delete deferred to (then the new life)");
        assertEquals(0L, fds.runningMask(a), "no running bit survives the close");
    }
}
