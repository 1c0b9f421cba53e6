package dev.epoxy.conn;

import dev.epoxy.poller.Poller;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Fixed-size off-heap buffers ({@code tune.bufsize}) recycled per thread, so that a new
 * connection or stream does not pay for allocating and zeroing direct memory, and freed memory
 * is reused at once instead of waiting for a garbage collection to release it.
 *
 * <p>Threading: one free list per poller thread, indexed by thread id and touched only by that
 * thread. A buffer may be released on another thread than the one it came from (a server
 * connection taken over); it then joins that thread's list.
 *
 * <p>Statistics: per thread, buffers handed out, given back and freshly allocated, written by
 * that thread only with opaque stores and summed by readers with opaque loads (metrics); the
 * buffers in use are handed out minus given back over all threads.
 */
public final class BufferPool {
    private static final int MAX_FREE_PER_THREAD = 1024;
    private final int size;
    private final ArrayDeque<ByteBuffer>[] free;
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);
    /** Per thread, 8 longs apart (one cache line): gets, puts, allocations, free-list length. */
    private static final int GETS = 0, PUTS = 1, ALLOCS = 2, FREE = 3, STRIDE = 8;
    private final long[] stats;

    @SuppressWarnings("unchecked")
    public BufferPool(int nbThreads, int size) {
        this.size = size;
        this.free = new ArrayDeque[nbThreads];
        this.stats = new long[(nbThreads + 1) * STRIDE];
        for (int i = 0; i < nbThreads; i++)
            free[i] = new ArrayDeque<>();
    }

    public int size() {
        return size;
    }

    /** A cleared buffer for the calling poller thread. */
    public ByteBuffer get(Poller p) {
        int t = p.tid();
        ByteBuffer b = free[t].pollFirst();
        bump(t, GETS);
        if (b == null)
            bump(t, ALLOCS);
        LONGS.setOpaque(stats, t * STRIDE + FREE, (long) free[t].size());
        return b != null ? b.clear() : Sys.allocate(size);
    }

    /** Gives a buffer back; it must not be used afterwards. */
    public void put(Poller p, ByteBuffer b) {
        int t = p.tid();
        ArrayDeque<ByteBuffer> list = free[t];
        bump(t, PUTS);
        if (b.capacity() == size && list.size() < MAX_FREE_PER_THREAD)
            list.addFirst(b);
        LONGS.setOpaque(stats, t * STRIDE + FREE, (long) list.size());
    }

    private void bump(int t, int field) {
        int i = t * STRIDE + field;
        LONGS.setOpaque(stats, i, (long) LONGS.getOpaque(stats, i) + 1);
    }

    private long sum(int field) {
        long s = 0;
        for (int t = 0; t < free.length; t++)
            s += (long) LONGS.getOpaque(stats, t * STRIDE + field);
        return s;
    }

    /** Any thread: buffers handed out and not given back, all threads together. */
    public long inUse() {
        return sum(GETS) - sum(PUTS);
    }

    /** Any thread: buffers thread {@code tid} allocated fresh (its free list was empty). */
    public long allocated(int tid) {
        return (long) LONGS.getOpaque(stats, tid * STRIDE + ALLOCS);
    }

    /** Any thread: buffers on thread {@code tid}'s free list after its last get or put. */
    public long free(int tid) {
        return (long) LONGS.getOpaque(stats, tid * STRIDE + FREE);
    }

    /** Any thread: buffers in use plus those kept on the free lists (not left to the collector). */
    public long held() {
        return inUse() + sum(FREE);
    }

    public int threads() {
        return free.length;
    }
}
