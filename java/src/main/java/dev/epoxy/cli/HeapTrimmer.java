package dev.epoxy.cli;

/**
 * Gives the heap a burst grew back to the system once the proxy is quiet again.
 *
 * <p>Why: connection buffers live outside the heap (conn/BufferPool), but a burst of short-lived
 * objects (an HTTP/2 rapid-reset flood, a reconnect storm) still makes the serial collector grow
 * the heap, and it shrinks the heap only at a full collection, a step at a time (measured: four
 * full collections took an Epoxy process from 86 MB back to 58 MB after a flood). A proxy at rest
 * runs no collection at all, so without this the memory of the last burst stays taken.
 *
 * <p>What: every {@link #PERIOD_MS}, if the committed heap is more than {@link #SLACK} times what
 * the process needs (its start size, or twice the live data of the last collection) and the heap
 * in use grew by less than {@link #QUIET_BYTES} since the last look
 * (so the proxy allocates next to nothing: it is idle or nearly so, and the pause of a full
 * collection of a heap of garbage, a few ms, hurts no one), one {@code System.gc()}. Busy or
 * already small: nothing. A collection between two looks makes the growth unknown: nothing either.
 *
 * <p>And once the committed heap passes a third of its maximum, it runs the hook it was given
 * (the heap guard's set-up, proxy/HeapGuard): the JVM's management classes cost about 1 MB of
 * RSS, which a proxy whose heap stays small need not pay. The guard acts when live data fills
 * 90 % of the old generation, about 60 % of the maximum heap, so the watch is in place while a
 * growing heap still has more than a quarter of its maximum to go (an OutOfMemoryError caught
 * before that makes the heap short all the same).
 *
 * <p>Threading: one daemon thread of its own; it reads {@link Runtime} figures and calls
 * {@code System.gc()} and the hook, and shares no state with the pollers. {@link #close} (any thread) sets a
 * volatile flag and interrupts it.
 */
public final class HeapTrimmer implements AutoCloseable {
    private static final long PERIOD_MS = 2000;
    private static final double SLACK = 1.5;
    private static final long QUIET_BYTES = 1 << 20;

    private final Thread thread;
    private final Runnable halfFull;
    private volatile boolean closed;

    private HeapTrimmer(Runnable halfFull) {
        this.halfFull = halfFull;
        thread = new Thread(this::run, "epoxy-heap-trim");
        thread.setDaemon(true);
    }

    /** Starts the trimmer of this process's heap; {@code halfFull} runs once, see the class comment. */
    public static HeapTrimmer start(Runnable halfFull) {
        HeapTrimmer t = new HeapTrimmer(halfFull);
        t.thread.start();
        return t;
    }

    private void run() {
        Runtime rt = Runtime.getRuntime();
        long baseline = rt.totalMemory();
        // The heap this process needs: its start size, or twice the live data the last collection
        // found (a large live set is no burst: collecting it every period would be waste).
        long needed = baseline;
        long lastUsed = rt.totalMemory() - rt.freeMemory();
        boolean hooked = false;
        while (!closed) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            long committed = rt.totalMemory();
            if (!hooked && committed > rt.maxMemory() / 3) {
                hooked = true;
                halfFull.run();
            }
            long used = committed - rt.freeMemory();
            boolean quiet = used >= lastUsed && used - lastUsed < QUIET_BYTES;
            if (quiet && committed > needed * SLACK) {
                System.gc(); // the serial collector shrinks a step per full collection
                used = rt.totalMemory() - rt.freeMemory();
                needed = Math.max(baseline, 2 * used);
            }
            lastUsed = used;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
