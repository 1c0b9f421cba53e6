package dev.epoxy.conn;

import dev.epoxy.poller.Poller;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The buffers of every connection and channel: fixed-size ({@code tune.bufsize}, rounded up for a
 * whole HTTP/2 frame), carved from one region of native memory that Epoxy owns, handed out on
 * demand and taken back the moment their holder is drained: never left to the garbage collector.
 *
 * <p><b>Memory.</b> The region is address space reserved once ({@code mmap MAP_NORESERVE}) for
 * {@link #limit()} buffers; a buffer's pages become resident when first written. Returned buffers
 * go to a small per-thread cache, then to a global stack of resident buffers; past what the
 * stack may keep, a returned buffer's pages are handed back to the kernel ({@code madvise
 * DONTNEED}) and it goes to a second stack, of released buffers. The stack keeps
 * {@link #GLOBAL_HOT} buffers, or more while the load needs them (HAProxy's pools keep what the
 * recent need is, plus a quarter): as many as the highest count in use of the last periods, plus
 * a quarter, minus those in use now. So a load whose buffers in use swing past GLOBAL_HOT between
 * two passes of the poller (200 keep-alive clients: 0.6 madvise per request, and four page
 * faults for each, 9.5% of the proxy's CPU) neither releases nor faults pages in. The need
 * remembered halves every {@link #TRIM_MS} unless the load comes back to it; a trim task, armed
 * while the stack holds more than GLOBAL_HOT, releases the surplus, so after a burst the resident
 * size falls back within seconds, idle or not. A buffer is taken from the resident stack first:
 * the released ones are used only once no resident one is left (one stack for both did: after
 * 200 connections, 50 made every put an madvise and every get four page faults).
 *
 * <p><b>Budget</b> (HAProxy's {@code tune.buffers.limit} / {@code tune.buffers.reserve}): at most
 * {@link #limit()} buffers exist. A connection that starts new work (an HTTP/1 client connection
 * with nothing in flight that wants to read) first commits a whole exchange's worth of buffers
 * ({@link #BUFFERS_PER_EXCHANGE}, {@link #commit}); commitments may cover the limit minus
 * {@link #reserve()}, the reserve being left to holders that do not commit (HTTP/2 connections
 * and their streams, tcp sessions). The buffers of a committed exchange are then taken without
 * any check ({@link #get}), so an exchange that started never waits halfway and nothing can
 * deadlock; the commitment is given back when the connection is idle again. A refused commitment
 * registers a waiter ({@link #await}); waiters of a thread are called on that thread, in order,
 * as commitments come back (HAProxy's {@code buffer_wait}). Should the region run out anyway (the
 * reserve spent by holders that do not commit), a buffer still comes from outside the region,
 * counted in {@link #overflows()}: progress wins over the bound, the count says how often.
 *
 * <p>Threading: the caches and wait queues are per poller thread, indexed by thread id and touched
 * only by that thread. The free stack is under a lock (taken only when a cache is empty or full),
 * the count of buffers in use is atomic. A buffer may be given back on another thread than the one
 * it came from (a server connection taken over); it joins that thread's cache, and waiters of
 * other threads are woken through their pollers' queues. The need figures ({@code peak},
 * {@code needed}) and {@code trimArmed} are under the lock; the trim task belongs to the thread
 * whose put armed it (the flag keeps it to one task at a time) and takes the lock to trim.
 *
 * <p><b>Statistics</b> (metrics, runtime API): per thread, buffers handed out, given back, and
 * allocated (memory committed for them: carved fresh from the region, taken from the free stack
 * after their pages were given back, or from outside the region), and the length of the thread's
 * cache; each written by that thread only with opaque stores and summed by readers with opaque
 * loads (the counter-lane protocol of {@code metrics.Counters}). The buffers in use are handed
 * out minus given back over all threads; the free stack's resident buffers are one shared gauge.
 */
public final class BufferPool {
    /** One buffer of the pool and its address (kept together so that nothing is allocated per use). */
    public static final class Buf {
        public final ByteBuffer bb;
        public final long addr;
        /** None of its pages is resident: just carved, or given back to the kernel on the free stack. */
        boolean cold;
        /** Outside the region (overflow): dropped to the collector when returned. */
        final boolean foreign;

        Buf(ByteBuffer bb, long addr, boolean foreign) {
            this.bb = bb;
            this.addr = addr;
            this.foreign = foreign;
        }
    }

    static final int CACHE_PER_THREAD = 16;
    /**
     * Resident buffers the free stack keeps at least (4.4 MB at the default size), whatever the
     * recent need; past them, and past that need, pages go back to the kernel. Large enough that
     * a small steady load (100 HTTP/2 streams, each with a response buffer and a server
     * connection) is served without ever arming the trim task.
     */
    static final int GLOBAL_HOT = 256;
    /** Period of the trim task, and of the halving of the need remembered. */
    static final long TRIM_MS = 1000;
    /** Buffers one HTTP/1 exchange may hold at once: client in/out, request and response channels, server in/out. */
    public static final int BUFFERS_PER_EXCHANGE = dev.epoxy.config.GlobalSettings.BUFFERS_PER_EXCHANGE;
    private static final int PAGE = 4096;

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);
    /** Per thread, 8 longs apart (one cache line): gets, puts, allocations, cache length. */
    private static final int GETS = 0, PUTS = 1, ALLOCS = 2, FREE = 3, STRIDE = 8;

    private final int size, stride, limit, reserve;
    /**
     * Per-thread cache size: at most {@link #CACHE_PER_THREAD}, and small against the limit, so
     * that the caches of idle threads do not leave a busy one without buffers of the region.
     */
    private final int cacheMax;
    private final Local[] locals;
    private final long[] stats;
    /** Length of {@link #warm}; written under the lock. */
    private volatile int sharedWarm;
    private final AtomicInteger inUse = new AtomicInteger();
    private final BoundedCounter committed = new BoundedCounter();
    private final AtomicInteger waiting = new AtomicInteger();
    private long base;
    private int carved;
    /** Free buffers whose pages are resident, and those whose pages were given back (under the lock). */
    private Buf[] warm = new Buf[64], cold = new Buf[64];
    private int coldCount;
    /** Most buffers in use seen since the last trim, and the need remembered from before it (under the lock). */
    private int peak, needed;
    /** A trim task is armed (under the lock): at most one at a time, on the thread that armed it. */
    private boolean trimArmed;
    private long overflows, refusals;
    /** Companion pool of larger buffers ({@link #bodies}), created on first use. */
    private volatile BufferPool bodies;

    private static final class Local {
        final Buf[] cache = new Buf[CACHE_PER_THREAD];
        int n;
        final ArrayDeque<Runnable> waiters = new ArrayDeque<>();
        /** Size of {@link #waiters}, readable from any thread. */
        final AtomicInteger count = new AtomicInteger();
        volatile Poller poller;
        volatile Runnable wake;
        /** This thread's trim task, made on first use (owner thread only). */
        dev.epoxy.poller.Task trim;
    }

    /** A pool for tests and hand-built backends: a budget of 4096 buffers, a reserve of 16. */
    public BufferPool(int nbThreads, int size) {
        this(nbThreads, size, 4096, 16);
    }

    public BufferPool(int nbThreads, int size, int limit, int reserve) {
        if (limit < 1 || reserve < 0 || reserve >= limit)
            throw new IllegalArgumentException("buffer limit " + limit + ", reserve " + reserve);
        this.size = size;
        this.stride = (size + PAGE - 1) / PAGE * PAGE;
        this.limit = limit;
        this.reserve = reserve;
        this.locals = new Local[nbThreads];
        this.cacheMax = Math.min(CACHE_PER_THREAD, Math.max(1, limit / (4 * nbThreads)));
        this.stats = new long[(nbThreads + 1) * STRIDE];
        for (int i = 0; i < nbThreads; i++)
            locals[i] = new Local();
    }

    public int size() {
        return size;
    }

    /**
     * The companion pool of {@code bodySize} buffers (HTTP/2 request bodies of unknown or large
     * length: a whole stream window must fit one channel), created on first use: the same
     * threads, a quarter of this pool's limit (at least 16) and no reserve, its region reserved
     * only when its first buffer is carved. Like this pool it never refuses a buffer.
     */
    public BufferPool bodies(int bodySize) {
        BufferPool b = bodies;
        if (b == null) {
            synchronized (this) {
                if ((b = bodies) == null)
                    bodies = b = new BufferPool(locals.length, bodySize, Math.max(16, limit / 4), 0);
            }
        }
        return b;
    }

    /** The companion pool if it was ever used, else null. */
    public BufferPool bodiesIfAny() {
        return bodies;
    }

    public int limit() {
        return limit;
    }

    public int reserve() {
        return reserve;
    }

    public int threads() {
        return locals.length;
    }

    private void bump(int t, int field) {
        int i = t * STRIDE + field;
        LONGS.setOpaque(stats, i, (long) LONGS.getOpaque(stats, i) + 1);
    }

    private long sum(int field) {
        long s = 0;
        for (int t = 0; t < locals.length; t++)
            s += (long) LONGS.getOpaque(stats, t * STRIDE + field);
        return s;
    }

    /** Any thread: buffers handed out and not given back, all threads together. */
    public long inUse() {
        return sum(GETS) - sum(PUTS);
    }

    /**
     * Any thread: buffers thread {@code tid} committed memory for: carved fresh from the region,
     * taken back from the free stack after their pages went to the kernel, or from outside the
     * region (a buffer from its own cache, or a resident one from the stack, is not counted).
     */
    public long allocated(int tid) {
        return (long) LONGS.getOpaque(stats, tid * STRIDE + ALLOCS);
    }

    /** Any thread: buffers in thread {@code tid}'s cache after its last get or put. */
    public long free(int tid) {
        return (long) LONGS.getOpaque(stats, tid * STRIDE + FREE);
    }

    /** Any thread: buffers on the shared free stacks whose pages are still resident. */
    public long sharedFree() {
        return sharedWarm;
    }

    /**
     * Any thread: buffers whose memory is committed: in use, in the thread caches, and resident
     * on the free stack (those whose pages were given back are not counted).
     */
    public long held() {
        return inUse() + sum(FREE) + sharedWarm;
    }

    /** Bytes of the region that may be resident: every buffer carved so far, minus those given back. */
    public synchronized long touchedBytes() {
        return (long) (carved - coldCount) * stride;
    }

    public synchronized long overflows() {
        return overflows;
    }

    public synchronized long refusals() {
        return refusals;
    }

    /** Buffers committed to exchanges in progress. */
    public int committed() {
        return committed.get();
    }

    /**
     * Commits an exchange's worth of buffers before new work starts; false when the budget
     * (limit minus reserve) has no room for it (then {@link #await}). {@link #uncommit} gives it back.
     */
    public boolean commit() {
        if (committed.tryAdd(BUFFERS_PER_EXCHANGE, limit - reserve)) // limit - reserve >= 1
            return true;
        synchronized (this) {
            refusals++;
        }
        return false;
    }

    /** Commits without a check: work that already started (it may exceed the budget by one exchange). */
    public void commitAnyway() {
        committed.add(BUFFERS_PER_EXCHANGE);
    }

    /** Gives a commitment back (its exchange is over); wakes waiters if any. */
    public void uncommit(Poller p) {
        committed.add(-BUFFERS_PER_EXCHANGE);
        if (waiting.get() > 0)
            wakeWaiters(p);
    }

    private boolean canCommit() {
        return committed.get() + BUFFERS_PER_EXCHANGE <= limit - reserve;
    }

    /** A cleared buffer (never refused: new work commits first, see the class comment). */
    public Buf get(Poller p) {
        int used = inUse.incrementAndGet();
        int t = p.tid();
        Local l = locals[t];
        Buf b;
        boolean alloc;
        if (used <= limit && l.n > 0) {
            b = l.cache[--l.n];
            l.cache[l.n] = null;
            alloc = false;
        } else if (used <= limit && (b = takeShared(used)) != null) {
            alloc = b.cold;
            b.cold = false;
        } else {
            // The reserve is spent too, or every buffer of the region is in use or sits in other
            // threads' caches: a buffer outside the region, so that the exchange goes on.
            synchronized (this) {
                overflows++;
            }
            ByteBuffer bb = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
            b = new Buf(bb, Sys.address(bb), true);
            alloc = true;
        }
        bump(t, GETS);
        if (alloc)
            bump(t, ALLOCS);
        LONGS.setOpaque(stats, t * STRIDE + FREE, (long) l.n);
        b.bb.clear().order(ByteOrder.nativeOrder());
        return b;
    }

    private synchronized Buf takeShared(int used) {
        if (used > peak)
            peak = used;
        if (sharedWarm > 0) {
            Buf b = warm[--sharedWarm];
            warm[sharedWarm] = null;
            return b;
        }
        if (coldCount > 0) {
            Buf b = cold[--coldCount];
            cold[coldCount] = null;
            return b;
        }
        if (base == 0) {
            long a = Sys.epoxy_mem_reserve((long) stride * limit);
            if (a < 0)
                throw new OutOfMemoryError("cannot reserve " + (long) stride * limit + " bytes for buffers: errno " + -a);
            base = a;
        }
        if (carved >= limit)
            return null; // the region is all carved: never write past its end
        long addr = base + (long) stride * carved++;
        Buf b = new Buf(Sys.wrap(addr, size), addr, false);
        b.cold = true; // no page of it is resident yet
        return b;
    }

    /** Gives a buffer back; it must not be used afterwards. Wakes waiters if any. */
    public void put(Poller p, Buf b) {
        int t = p.tid();
        Local l = locals[t];
        if (!b.foreign) {
            if (l.n < cacheMax)
                l.cache[l.n++] = b;
            else if (putShared(b))
                armTrim(p, l);
        }
        bump(t, PUTS);
        LONGS.setOpaque(stats, t * STRIDE + FREE, (long) l.n);
        inUse.decrementAndGet();
    }

    /** Puts b on a free stack; true when the caller must arm the trim task. */
    private synchronized boolean putShared(Buf b) {
        if (sharedWarm < warmCap()) {
            if (sharedWarm == warm.length)
                warm = java.util.Arrays.copyOf(warm, warm.length * 2);
            warm[sharedWarm++] = b;
            if (sharedWarm <= GLOBAL_HOT || trimArmed)
                return false;
            trimArmed = true;
            return true;
        }
        release(b);
        return false;
    }

    /** Under the lock: resident free buffers the stack may keep (class comment). */
    private int warmCap() {
        int need = Math.max(peak, needed);
        return Math.max(GLOBAL_HOT, need + need / 4 - inUse.get());
    }

    /** Under the lock: gives b's pages back to the kernel and files it on the released stack. */
    private void release(Buf b) {
        Sys.epoxy_mem_release(b.addr, stride);
        b.cold = true;
        if (coldCount == cold.length)
            cold = java.util.Arrays.copyOf(cold, cold.length * 2);
        cold[coldCount++] = b;
    }

    private void armTrim(Poller p, Local l) {
        if (Poller.current() != p) { // not a poller's own put (a shutdown): a later put arms it
            synchronized (this) {
                trimArmed = false;
            }
            return;
        }
        if (l.trim == null)
            l.trim = new dev.epoxy.poller.Task(p, () -> trim(p, l));
        l.trim.expireAt(p.nowMs() + TRIM_MS);
    }

    /** The trim task, on the thread that armed it: halves the need remembered, releases the surplus. */
    private void trim(Poller p, Local l) {
        boolean again;
        synchronized (this) {
            needed = Math.max(peak, needed / 2);
            peak = inUse.get();
            for (int cap = warmCap(); sharedWarm > cap; ) {
                Buf b = warm[--sharedWarm];
                warm[sharedWarm] = null;
                release(b);
            }
            again = trimArmed = sharedWarm > GLOBAL_HOT;
        }
        if (again)
            l.trim.expireAt(p.nowMs() + TRIM_MS);
    }

    /**
     * Registers {@code w} to run on the calling thread once a commitment may succeed again (after
     * a refusal from {@link #commit}). It runs once; it tries again and re-registers if
     * refused again.
     */
    public void await(Poller p, Runnable w) {
        Local l = locals[p.tid()];
        if (l.poller == null) {
            l.poller = p;
            l.wake = () -> runWaiters(l);
        }
        l.waiters.addLast(w);
        l.count.incrementAndGet();
        waiting.incrementAndGet();
        // A commitment returned between the refusal and this registration saw no waiter: look again.
        if (canCommit())
            p.execute(l.wake);
    }

    /** Removes a waiter registered on the calling thread (its holder is going away). */
    public void cancel(Poller p, Runnable w) {
        Local l = locals[p.tid()];
        if (l.waiters.remove(w)) {
            l.count.decrementAndGet();
            waiting.decrementAndGet();
        }
    }

    private void wakeWaiters(Poller current) {
        Local mine = locals[current.tid()];
        if (mine.count.get() > 0) {
            current.execute(mine.wake);
            return;
        }
        for (Local l : locals) {
            Poller owner = l.poller;
            if (owner != null && l.count.get() > 0)
                owner.execute(l.wake);
        }
    }

    /** On the waiters' thread: run them in order while new work can get a buffer. */
    private void runWaiters(Local l) {
        // Bounded by the waiters present now: one refused again re-registers at the tail.
        for (int n = l.waiters.size(); n > 0 && canCommit(); n--) {
            Runnable w = l.waiters.pollFirst();
            l.count.decrementAndGet();
            waiting.decrementAndGet();
            w.run();
        }
    }
}
