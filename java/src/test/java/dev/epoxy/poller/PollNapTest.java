package dev.epoxy.poller;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.fd.FdTable;
import dev.epoxy.fd.IoCallback;
import dev.epoxy.sys.Sys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code tune.poll-nap} on a real poller: a wait that returns a batch arms the nap; events that
 * arrive during the nap are all taken in the loop that follows it, and what another thread hands
 * over meanwhile runs then, without an eventfd write; a nap that finds nothing disarms, so a
 * quiet thread and a lone event never nap.
 */
class PollNapTest {
    private Pollers pollers;
    private FdTable fds;
    private final List<Integer> toClose = new ArrayList<>();

    /** Drains each event and remembers the loop that dispatched it. */
    static final class Loops implements IoCallback {
        final Map<Integer, Long> loopOf = new ConcurrentHashMap<>();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void onIo(int fd) {
            drain(fd);
            loopOf.put(fd, Poller.current().loops());
            calls.incrementAndGet();
        }
    }

    private Poller start(long napUs) {
        fds = new FdTable(4096);
        pollers = new Pollers(fds, 1, false);
        if (napUs > 0) pollers.pollNap(napUs);
        pollers.start();
        return pollers.get(0);
    }

    /** n socketpairs: the poller watches [i][0], the test writes to [i][1]. */
    private int[][] watched(Poller p, Loops cb, int n) {
        int[][] pairs = new int[n][];
        for (int i = 0; i < n; i++) {
            int[] sp = Sys.socketpair();
            toClose.add(sp[0]);
            toClose.add(sp[1]);
            pairs[i] = sp;
            runOn(p, () -> {
                fds.insert(sp[0], "t", cb, 0);
                fds.wantRecv(sp[0]);
            });
        }
        return pairs;
    }

    /** Two events in one wait: written from the poller's own thread, both are ready at its next wait. */
    private static void batchOfTwo(Poller p, Loops cb, int[][] sp) {
        int before = cb.calls.get();
        runOn(p, () -> {
            writeByte(sp[0][1]);
            writeByte(sp[1][1]);
        });
        awaitTrue(() -> cb.calls.get() == before + 2, "both events dispatched");
    }

    @AfterEach
    void tearDown() {
        if (pollers != null) pollers.close();
        for (int fd : toClose) Sys.epoxy_close(fd);
    }

    @Test
    void eventsArrivingDuringTheNapAreTakenTogetherAfterIt() throws Exception {
        // A long nap, so that the writes below surely fall inside it.
        Poller p = start(500_000);
        Loops cb = new Loops();
        int[][] sp = watched(p, cb, 5);
        batchOfTwo(p, cb, sp);
        awaitTrue(() -> p.naps() == 1, "the batch armed the nap and the idle thread took it");
        long wakes = p.wakeWrites();
        CountDownLatch handedOver = new CountDownLatch(1);
        for (int i = 2; i < 5; i++) {
            writeByte(sp[i][1]);
            Thread.sleep(2); // without the nap, each would be dispatched in a loop of its own
        }
        p.execute(handedOver::countDown);
        awaitTrue(() -> cb.calls.get() == 5, "the three events after the nap");
        awaitLatch(handedOver, "work handed over during the nap");
        long loop = cb.loopOf.get(sp[2][0]);
        assertEquals(loop, cb.loopOf.get(sp[3][0]), "dispatched in the same loop");
        assertEquals(loop, cb.loopOf.get(sp[4][0]), "dispatched in the same loop");
        assertEquals(wakes, p.wakeWrites(), "a napping thread is not woken through the eventfd");
    }

    @Test
    void aLoneEventNeverNapsAndAnEmptyNapDisarms() throws Exception {
        Poller p = start(1000);
        Loops cb = new Loops();
        int[][] sp = watched(p, cb, 2);
        loneEvents(cb, sp[0][1], 5);
        assertEquals(0, p.naps(), "one event per wait: no batch, no nap");

        batchOfTwo(p, cb, sp);
        awaitTrue(() -> p.naps() >= 1, "the batch arms the nap");
        Thread.sleep(100); // a hundred naps' time
        assertEquals(1, p.naps(), "one nap, then the thread blocks");
        assertTrue(p.sleeping(), "blocked in epoll_wait");
        loneEvents(cb, sp[0][1], 5);
        assertEquals(1, p.naps(), "the nap found nothing and disarmed: lone events after it do not nap");
    }

    /** n events, each dispatched before the next is sent. */
    private static void loneEvents(Loops cb, int peer, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            int want = cb.calls.get() + 1;
            writeByte(peer);
            awaitTrue(() -> cb.calls.get() == want, "event dispatched");
            Thread.sleep(5);
        }
    }

    @Test
    void offWithoutTheSetting() {
        Poller p = start(0);
        Loops cb = new Loops();
        int[][] sp = watched(p, cb, 2);
        batchOfTwo(p, cb, sp);
        runOn(p, () -> {}); // a loop has run since
        assertEquals(0, p.naps());
    }
}
