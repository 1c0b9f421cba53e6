package dev.epoxy.poller;

/**
 * Something the {@link StallWatchdog} of its poller looks at: a stream or a session that moves
 * bytes. The fields below belong to the watchdog and are touched only on the owner poller's
 * thread (see the protocol in {@link StallWatchdog}).
 */
public abstract class Watched {
    /** Position in the owner's registry, -1 when not registered. */
    int wdIndex = -1;
    StallWatchdog wd;
    /** The progress mark seen at the last check, and when it last changed (poller ms). */
    long wdMark = Long.MIN_VALUE, wdSince;
    /** When work was first seen pending in this episode without progress (0 = not yet). */
    long wdBusyAt;
    /** This episode was reported already. */
    boolean wdReported;
    /** Runs counted by {@link #ran}, and their number at the last check. */
    private long runs;
    long wdRuns;
    /** This episode of running without progress was reported as a busy loop already. */
    boolean wdSpinReported;

    /** Counts one run of the member's task (owner thread): the busy-loop report compares runs with progress. */
    protected final void ran() {
        runs++;
    }

    final long runs() {
        return runs;
    }

    /**
     * A value that changes whenever bytes moved or the phase changed: sums of byte counters that
     * the I/O paths bump anyway, plus state ordinals. Read by the watchdog only, on the owner thread.
     */
    protected abstract long progressMark();

    /**
     * Whether there is data to move: bytes in a buffer, a head not yet emitted, bytes the kernel
     * holds for an input we wait on, data pending behind an open H2 window. Called rarely (only for
     * objects without progress for the whole threshold), so it may make a diagnostic syscall.
     */
    protected abstract boolean holdsWork();

    /** Appends the whole state on one line (also what a future {@code show sess} prints). */
    public abstract void describe(StringBuilder b);

    /** The name {@code show sess} uses: owner thread id, a dot, the per-thread sequence number. */
    public abstract String cliId();

    /** One short line for {@code show sess}: addresses, proxies, server, age, phase. Owner thread only. */
    public abstract void summary(StringBuilder b);

    /** The server this member is attached to, or null (for {@code shutdown sessions server}). */
    public abstract Object server();

    /** Ends it at once, as killed by an administrator (termination cause K). Owner thread only. */
    public abstract void kill();

    /** Extra destination for a report (e.g. the frontend's log target); the default does nothing. */
    protected void logStall(String line) {}

    /** Registers with the watchdog of the calling poller thread (no-op when off or off-thread). */
    protected final void watch(Poller p) {
        if (Poller.current() == p)
            p.watchdog().add(this);
    }

    /** Leaves the registry (owner thread; no-op if not registered). */
    protected final void unwatch() {
        StallWatchdog w = wd;
        if (w != null)
            w.remove(this);
    }
}
