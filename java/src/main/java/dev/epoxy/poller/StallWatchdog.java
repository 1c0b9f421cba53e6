package dev.epoxy.poller;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stall watchdog of one poller ({@code tune.stall-report}): reports, once per episode, every
 * registered {@link Watched} (stream, tcp session) that has data to move and made no progress
 * for the configured time.
 *
 * <p>Threading protocol: one watchdog per poller, and everything in it belongs to that poller's
 * thread. {@link #add} and {@link #remove} are called by the owner thread when a stream is created
 * and when it ends (streams never change thread), and the check runs as a {@link Task} of the same
 * poller armed on its timer heap. The registry is kept even with the watchdog off ({@code
 * tune.stall-report 0}): it is also the list of streams that {@code show sess} walks (on this
 * thread, see {@link #forEach}). So the registry (an array with each member's index stored in the
 * member, O(1) add and swap-remove) needs no lock and no atomic. The only fields written from
 * other threads are {@link #configure} before the pollers start (published by {@code Thread.start})
 * and the listener, which is volatile. The counters are volatile for tests that read them.
 *
 * <p>Cost on the hot path: none beyond what was already there. Progress is not recorded by the
 * watchdog: it compares {@link Watched#progressMark()}, built from byte counters the I/O paths
 * keep anyway. Registration is one array store per stream. The check task is armed only while the
 * registry is non-empty, every {@code max(10 ms, min(1 s, threshold / 4))}; per member it costs one
 * {@code progressMark()}; {@link Watched#holdsWork()} (which may make one FIONREAD ioctl) runs only
 * for members without progress for the whole threshold.
 *
 * <p>Episode rules: a member is reported when its mark has not changed for at least the threshold
 * and it held work at two checks in a row (so bytes that arrived just before a check, whose event
 * the poller has not dispatched yet, are not mistaken for a stall). A change of the mark ends the
 * episode; the next stall is a new episode and is reported again.
 *
 * <p>Busy loops: a member that ran (its task, counted by {@link Watched#ran}) at least
 * {@link #SPIN_RUNS_PER_S} times a second between two checks while its mark did not change is
 * reported once per episode as a busy loop, whatever the threshold: it burns a CPU for nothing (a
 * level-triggered event nobody consumed kept a thread at 100 % for as long as a slow server
 * took, found only because the soak measured CPU). Counting is one increment per run.
 */
public final class StallWatchdog implements Runnable {
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger("dev.epoxy.stall");
    }

    /** Runs per second without progress that make a busy loop (a stream that moves bytes runs far fewer times without). */
    static final long SPIN_RUNS_PER_S = 20_000;

    private final Poller poller;
    private final Task task;
    private long lastCheck;
    private long thresholdMs;
    private long periodMs;
    private Watched[] members = new Watched[16];
    private int count;
    private boolean armed;
    private volatile Consumer<String> listener;
    private volatile long checks, reports;

    StallWatchdog(Poller poller) {
        this.poller = poller;
        this.task = new Task(poller, this);
    }

    /** Before the pollers start: the threshold in ms, 0 turns the watchdog off. */
    void configure(long thresholdMs) {
        this.thresholdMs = Math.max(0, thresholdMs);
        this.periodMs = Math.max(10, Math.min(1000, thresholdMs / 4));
    }

    /** Also receives each report line (tests; a future runtime API). Any thread. */
    void listener(Consumer<String> l) {
        listener = l;
    }

    public long thresholdMs() {
        return thresholdMs;
    }

    /** Checks run so far. */
    public long checks() {
        return checks;
    }

    /** Reports written so far. */
    public long reports() {
        return reports;
    }

    /** Members registered now (owner thread, or approximate from elsewhere). */
    public int size() {
        return count;
    }

    void add(Watched w) {
        if (w.wd != null)
            return;
        if (count == members.length)
            members = java.util.Arrays.copyOf(members, count * 2);
        w.wd = this;
        w.wdIndex = count;
        w.wdMark = Long.MIN_VALUE;
        w.wdSince = poller.nowMs();
        w.wdRuns = w.runs();
        members[count++] = w;
        if (!armed && thresholdMs > 0) {
            armed = true;
            lastCheck = poller.nowMs();
            task.expireAt(lastCheck + periodMs);
        }
    }

    void remove(Watched w) {
        int i = w.wdIndex;
        if (w.wd != this || i < 0)
            return;
        Watched last = members[--count];
        members[i] = last;
        last.wdIndex = i;
        members[count] = null;
        w.wdIndex = -1;
        w.wd = null;
    }

    /**
     * Calls {@code f} for each registered member, on the owner thread only (the runtime API's
     * {@code show sess} and {@code shutdown sessions} run it through the poller's queue). A member
     * that {@code f} ends leaves the registry: the walk copes with that by working on a snapshot.
     */
    public void forEach(Consumer<Watched> f) {
        Watched[] snap = java.util.Arrays.copyOf(members, count);
        for (Watched w : snap)
            if (w.wd == this)
                f.accept(w);
    }

    @Override
    public void run() {
        long now = poller.nowMs();
        long elapsed = Math.max(1, now - lastCheck);
        lastCheck = now;
        checks++;
        for (int i = 0; i < count; i++) {
            Watched w = members[i];
            long m = w.progressMark();
            long runs = w.runs() - w.wdRuns;
            w.wdRuns = w.runs();
            if (m != w.wdMark) {
                w.wdMark = m;
                w.wdSince = now;
                w.wdBusyAt = 0;
                w.wdReported = false;
                w.wdSpinReported = false;
                continue;
            }
            if (!w.wdSpinReported && runs * 1000 >= SPIN_RUNS_PER_S * elapsed) {
                w.wdSpinReported = true;
                report(w, "busy loop: " + runs + " runs in " + elapsed + " ms without progress on thread " + poller.tid() + ": ");
            }
            if (w.wdReported || now - w.wdSince < thresholdMs)
                continue;
            if (!w.holdsWork()) {
                w.wdBusyAt = 0;
                continue;
            }
            if (w.wdBusyAt == 0) {
                w.wdBusyAt = now; // confirm at the next check
                continue;
            }
            w.wdReported = true;
            report(w, "stall: no progress for " + (now - w.wdSince) + " ms on thread " + poller.tid() + ": ");
        }
        if (count > 0) {
            task.expireAt(now + periodMs);
        } else {
            armed = false;
        }
    }

    private void report(Watched w, String what) {
        StringBuilder b = new StringBuilder(512).append(what);
        try {
            w.describe(b);
        } catch (RuntimeException e) {
            b.append(" <describe failed: ").append(e).append('>');
        }
        String line = b.toString();
        reports++;
        log().warn(line);
        w.logStall(line);
        Consumer<String> l = listener;
        if (l != null)
            l.accept(line);
    }
}
