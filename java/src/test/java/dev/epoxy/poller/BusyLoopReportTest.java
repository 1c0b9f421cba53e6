package dev.epoxy.poller;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.fd.FdTable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stall watchdog's busy-loop report, on a real poller: a member whose task wakes itself
 * again and again without progress (a busy loop) is reported once, as such; one that runs as
 * often but makes progress each time, and one that waits idle, are not.
 */
class BusyLoopReportTest {
    private Pollers pollers;
    private volatile boolean stop;

    @AfterEach
    void tearDown() {
        stop = true;
        if (pollers != null) pollers.close();
    }

    /** A member whose task runs while {@code stop} is false, waking itself, moving {@code mark} each run if {@code moves}. */
    private final class Spinner extends Watched implements Runnable {
        final Task task;
        final boolean moves;
        final String name;
        final AtomicLong mark = new AtomicLong();

        Spinner(Poller p, String name, boolean moves) {
            this.task = new Task(p, this);
            this.name = name;
            this.moves = moves;
        }

        @Override
        public void run() {
            ran();
            if (moves)
                mark.incrementAndGet();
            if (!stop)
                task.wakeup();
        }

        @Override
        protected long progressMark() {
            return mark.get();
        }

        @Override
        protected boolean holdsWork() {
            return false;
        }

        @Override
        public void describe(StringBuilder b) {
            b.append("member ").append(name);
        }

        @Override
        public String cliId() {
            return name;
        }

        @Override
        public void summary(StringBuilder b) {
            describe(b);
        }

        @Override
        public Object server() {
            return null;
        }

        @Override
        public void kill() {
        }
    }

    @Test
    void aMemberThatRunsWithoutProgressIsReportedOnceAsABusyLoop() throws Exception {
        pollers = new Pollers(new FdTable(1024), 1, false);
        pollers.configureStallReport(400); // checks every 100 ms
        List<String> reports = new CopyOnWriteArrayList<>();
        pollers.onStallReport(reports::add);
        pollers.start();
        Poller p = pollers.get(0);
        Spinner spinning = new Spinner(p, "spinning", false), moving = new Spinner(p, "moving", true),
                idle = new Spinner(p, "idle", false);
        runOn(p, () -> {
            for (Spinner s : new Spinner[] {spinning, moving, idle})
                s.watch(p);
            spinning.task.wakeup();
            moving.task.wakeup();
        });
        awaitTrue(() -> reports.stream().anyMatch(r -> r.contains("member spinning")), "the busy loop reported");
        Thread.sleep(500); // several more checks
        stop = true;
        assertEquals(1, reports.size(), "one report, for the spinning member only: " + reports);
        assertTrue(reports.get(0).startsWith("busy loop: "), reports.get(0));
        assertTrue(reports.get(0).contains("without progress on thread 0: member spinning"), reports.get(0));
    }
}
