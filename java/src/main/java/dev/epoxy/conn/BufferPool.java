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
 */
public final class BufferPool {
    private static final int MAX_FREE_PER_THREAD = 1024;
    private final int size;
    private final ArrayDeque<ByteBuffer>[] free;
    /** Buffers allocated and not dropped (kept or in use), for {@code show pools}. */
    private final java.util.concurrent.atomic.AtomicLong allocated = new java.util.concurrent.atomic.AtomicLong();

    @SuppressWarnings("unchecked")
    public BufferPool(int nbThreads, int size) {
        this.size = size;
        this.free = new ArrayDeque[nbThreads];
        for (int i = 0; i < nbThreads; i++)
            free[i] = new ArrayDeque<>();
    }

    public int size() {
        return size;
    }

    /** A cleared buffer for the calling poller thread. */
    public ByteBuffer get(Poller p) {
        ByteBuffer b = free[p.tid()].pollFirst();
        if (b != null)
            return b.clear();
        allocated.incrementAndGet();
        return Sys.allocate(size);
    }

    /** Gives a buffer back; it must not be used afterwards. */
    public void put(Poller p, ByteBuffer b) {
        ArrayDeque<ByteBuffer> list = free[p.tid()];
        if (b.capacity() == size && list.size() < MAX_FREE_PER_THREAD)
            list.addFirst(b);
        else if (b.capacity() == size)
            allocated.decrementAndGet(); // left to the garbage collector
    }

    /** Buffers allocated and not dropped: in use plus kept in the free lists. */
    public long allocated() {
        return allocated.get();
    }

    /** Buffers kept in thread {@code tid}'s free list (owner thread only). */
    public int free(int tid) {
        return free[tid].size();
    }
}
