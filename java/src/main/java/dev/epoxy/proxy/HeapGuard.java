package dev.epoxy.proxy;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;

/**
 * Whether the Java heap is nearly full, for the listeners: while it is, they accept nothing and
 * new connections wait in the kernel's backlog, as HAProxy pauses its listeners when it cannot
 * allocate a new connection. Connection buffers live outside the heap and have their own budget
 * (conn/BufferPool); what grows the heap with the connections is their state (an idle HTTP/2
 * client connection keeps about 2 kB, bench/README.md). Without this, a flood of connections
 * past what {@code -Xmx} holds ran the serial collector back to back (a thousand full
 * collections in 20 s at -Xmx24m under 15,000 idle HTTP/2 connections) and ended in
 * OutOfMemoryErrors on every thread.
 *
 * <p>The measure is the old generation after a collection (the live data), read from its memory
 * pool: {@link #HIGH} of its maximum makes the heap short, and it stays short until a collection
 * leaves under {@link #LOW}. The JVM reports crossing HIGH after each collection that does
 * (a collection usage threshold notification); a caught OutOfMemoryError makes it short at once
 * ({@link #outOfMemory}). The way back is looked at by the paused listeners' retries
 * ({@link #stillShort}); since an idle proxy collects nothing, a retry that still finds the heap
 * short asks for a collection, at most once a second. The watch is set up by cli/HeapTrimmer
 * once the heap has grown to a third of its maximum: the management classes cost about 1 MB of
 * RSS, which a proxy with a small heap need not pay.
 *
 * <p>Threading: {@code heapShort} is volatile: set by the JVM's notification thread or by the
 * thread that caught the error, cleared by a listener's retry (any poller thread); a stale read
 * costs one accept more or one retry more. {@code lastGcMs} is a CAS so that one retry a second
 * runs the collection. {@link #install} is synchronized and idempotent.
 */
public final class HeapGuard {
    static final double HIGH = 0.90;
    static final double LOW = 0.75;
    private static final long GC_EVERY_MS = 1000;

    private static volatile boolean heapShort;
    /** Tests: short whatever the heap says, until cleared. */
    static volatile boolean held;
    private static volatile MemoryPoolMXBean oldGen; // written once by install
    private static final AtomicLong lastGcMs = new AtomicLong();

    private HeapGuard() {}

    /** Watches the old generation of this JVM's heap; a no-op when there is none to watch. */
    public static synchronized void install() {
        if (oldGen != null)
            return;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            // the heap pool with a usage threshold is the old generation (Serial, Parallel, G1)
            if (p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported()
                    && p.isCollectionUsageThresholdSupported() && p.getUsage().getMax() > 0) {
                oldGen = p;
                break;
            }
        }
        if (oldGen == null)
            return;
        oldGen.setCollectionUsageThreshold((long) (oldGen.getUsage().getMax() * HIGH));
        ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener((n, hb) -> {
            if (MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(n.getType()))
                heapShort = true;
        }, null, null);
    }

    /** Whether listeners should wait before accepting: one volatile read per accept. */
    public static boolean isShort() {
        return heapShort;
    }

    /** An OutOfMemoryError was caught: short until a collection says otherwise. */
    public static void outOfMemory() {
        heapShort = true;
    }

    /**
     * Looks again, while short: clears the state once the last collection left the live data
     * under {@link #LOW} of the room it may take; else, at most once a second, collects.
     */
    public static boolean stillShort(long nowMs) {
        if (!heapShort)
            return false;
        if (held)
            return true;
        if (liveBelowLow()) {
            heapShort = false;
            return false;
        }
        long last = lastGcMs.get();
        if (nowMs - last >= GC_EVERY_MS && lastGcMs.compareAndSet(last, nowMs)) {
            System.gc();
            if (liveBelowLow()) {
                heapShort = false;
                return false;
            }
        }
        return true;
    }

    /**
     * The old generation after the last collection; before {@link #install} (an error caught
     * first), the whole heap in use, which is the live data right after a collection.
     */
    private static boolean liveBelowLow() {
        MemoryPoolMXBean p = oldGen;
        if (p != null) {
            MemoryUsage u = p.getCollectionUsage();
            return u == null || u.getMax() <= 0 || u.getUsed() < u.getMax() * LOW;
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory() < rt.maxMemory() * LOW;
    }

    /** Tests: short, and kept so until {@code release}; or released (then the heap decides). */
    static void hold(boolean on) {
        held = on;
        if (on)
            heapShort = true;
    }
}
