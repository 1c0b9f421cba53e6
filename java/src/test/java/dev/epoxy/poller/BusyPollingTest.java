package dev.epoxy.poller;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.fd.FdTable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * {@code busy-polling}: the thread never sleeps, yet what other threads hand it still runs at
 * once, without the eventfd (it never says SLEEPING), and its timers fire. Turned off (soft
 * stop), it sleeps again and the eventfd wakes it.
 */
class BusyPollingTest {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    /** The poller thread's CPU time over 300 ms with nothing to do, as a share of the wall time. */
    private static double idleCpuShare(Poller p) throws InterruptedException {
        long id = p.thread.getId();
        long cpu = MX.getThreadCpuTime(id), t = System.nanoTime();
        Thread.sleep(300);
        return (double) (MX.getThreadCpuTime(id) - cpu) / (System.nanoTime() - t);
    }

    private static void handOver(Poller p, int times) throws InterruptedException {
        for (int i = 0; i < times; i++) {
            CountDownLatch done = new CountDownLatch(1);
            p.execute(done::countDown);
            assertTrue(done.await(1, SECONDS), "work handed over from another thread runs");
        }
    }

    @Test
    void spinsWithoutSleepingThenSleepsWhenTurnedOff() throws Exception {
        try (Pollers pollers = new Pollers(new FdTable(1024), 1, false)) {
            pollers.busyPolling(true);
            pollers.start();
            Poller p = pollers.get(0);
            assertTrue(pollers.busyPolling());
            long writes = p.wakeWrites();
            handOver(p, 100);
            assertEquals(writes, p.wakeWrites(), "no eventfd write while busy-polling");
            CountDownLatch fired = new CountDownLatch(1);
            p.execute(() -> new Task(p, fired::countDown).expireAt(p.nowMs() + 20));
            assertTrue(fired.await(2, SECONDS), "a timer fires");
            double spinning = idleCpuShare(p);
            assertTrue(spinning > 0.3, "polls while idle: CPU share " + spinning);

            pollers.busyPolling(false);
            handOver(p, 1); // a loop has run since: the next wait sleeps
            double sleeping = idleCpuShare(p);
            assertTrue(sleeping < 0.1, "sleeps while idle: CPU share " + sleeping);
            assertTrue(p.sleeping());
            handOver(p, 10);
            assertTrue(p.wakeWrites() > writes, "woken through the eventfd again");
        }
    }

    @Test
    void offByDefault() throws Exception {
        try (Pollers pollers = new Pollers(new FdTable(1024), 1, false)) {
            pollers.start();
            Poller p = pollers.get(0);
            handOver(p, 1);
            double share = idleCpuShare(p);
            assertTrue(share < 0.1, "sleeps while idle: CPU share " + share);
        }
    }
}
