package dev.epoxy.poller;

import dev.epoxy.fd.FdTable;
import dev.epoxy.fd.FdThreadCtx;
import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Sys;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker thread: its own epoll fd, private fd update list (in {@link FdThreadCtx}), run
 * queue and timers. The loop: apply fd updates; epoll_wait (0 if work is pending, else until the
 * next timer, forever if none); dispatch events through the fd protocol; fire expired timers; run
 * up to {@link #RUN_BUDGET} queued runnables.
 *
 * <p>The nap ({@code tune.poll-nap}, Epoxy only): once a wait returns more than one event, the
 * events pile up while the thread sleeps, and each one that arrives while it blocks in
 * {@code epoll_wait} costs its sender a wake-up (on a VM whose idle CPUs halt, an IPI through
 * the hypervisor). So the next wait that would block first sleeps on a timer, where nothing
 * but the timer wakes it, and then polls without waiting; the events come in one batch. A nap
 * that finds nothing disarms until a wait returns a batch again, so a quiet thread blocks as
 * before and a lone request pays no nap. Off by default: every event that arrives during a nap
 * waits for its end, which slows a pipeline with few exchanges in flight (docs/design-notes.md).
 *
 * <p>With {@code busy-polling} (HAProxy's keyword) the thread never sleeps: every wait is
 * {@code epoll_wait} with a null timeout, and since flags never say SLEEPING, producers never
 * write the eventfd; the next loop finds their item in the remote queue.
 *
 * <p>Sleep/wake protocol (HAProxy TH_FL_SLEEPING / TH_FL_NOTIFIED): before a blocking wait the
 * thread stores flags = SLEEPING, then re-checks the remote queue and its fd inboxes. A producer
 * first publishes its item (remote queue or inbox), then atomically ORs NOTIFIED into flags and
 * writes the eventfd only if the old flags were SLEEPING without NOTIFIED. With sequentially
 * consistent volatiles either the sleeper sees the item or the producer sees SLEEPING, so no
 * wake-up is lost and at most one eventfd write happens per sleep.
 */
public final class Poller {
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger(Poller.class);
    }
    static final int MAX_EVENTS = 200;
    static final int RUN_BUDGET = 256;
    private static final long WAKE_TAG = -1L;
    private static final int SLEEPING = 1, NOTIFIED = 2;
    private static final VarHandle FLAGS;
    private static final VarHandle STATS = MethodHandles.arrayElementVarHandle(long[].class);
    /** {@link #stats} slots: loop iterations, run-queue length after the last loop, fd takeovers won, naps. */
    private static final int S_LOOPS = 0, S_RUNQ = 1, S_TAKEOVERS = 2, S_NAPS = 3;

    static {
        try {
            FLAGS = MethodHandles.lookup().findVarHandle(Poller.class, "flags", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int tid;
    private final FdTable fds;
    private final FdThreadCtx fdCtx;
    private final int epfd, evfd;
    private final ByteBuffer events;
    private final long eventsAddr;
    private final int evSize, evDataOff;

    private final ArrayDeque<Runnable> local = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Runnable> remote = new ConcurrentLinkedQueue<>();
    final TimerHeap timers = new TimerHeap();

    private volatile int flags;
    private volatile boolean stopping;
    /** {@code busy-polling}; written before start or at soft stop (any thread), read each loop. */
    private volatile boolean busyPolling;
    /** {@code tune.poll-nap} in ns, 0 for none; written before start, read each loop. */
    private volatile long napNanos;
    /** Poller thread only: the next wait that would block naps first. */
    private boolean napArmed;
    private volatile long now;
    /**
     * Statistics, written by this poller's thread only with opaque stores (no fence on the loop
     * path) and read by any thread with opaque loads (metrics).
     */
    private final long[] stats = new long[4];
    private final AtomicLong wakeWrites = new AtomicLong();
    final PollerThread thread;
    private final StallWatchdog watchdog;

    Poller(FdTable fds, int tid) throws IOException {
        this.tid = tid;
        this.fds = fds;
        int ep = Sys.epoxy_epoll_create();
        if (ep < 0) throw new IOException("epoll_create: " + Sys.strerror(ep));
        int ev = Sys.epoxy_eventfd();
        if (ev < 0) {
            Sys.epoxy_close(ep);
            throw new IOException("eventfd: " + Sys.strerror(ev));
        }
        int r = Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_ADD, ev, Abi.EPOLLIN, WAKE_TAG);
        if (r < 0) {
            Sys.epoxy_close(ep);
            Sys.epoxy_close(ev);
            throw new IOException("epoll_ctl(eventfd): " + Sys.strerror(r));
        }
        this.epfd = ep;
        this.evfd = ev;
        this.evSize = Abi.EPOLL_EVENT_SIZE;
        this.evDataOff = Abi.EPOLL_DATA_OFFSET;
        this.events = Sys.allocate(MAX_EVENTS * evSize);
        this.eventsAddr = Sys.address(events);
        this.fdCtx = new FdThreadCtx(fds, tid, ep, this::wake);
        this.now = clock();
        this.thread = new PollerThread(this, this::loop, "epoxy-poller-" + tid);
        this.watchdog = new StallWatchdog(this);
    }

    /** The poller of the calling thread, or null if it is not a poller thread. */
    public static Poller current() {
        Thread t = Thread.currentThread();
        return t instanceof PollerThread ? ((PollerThread) t).poller : null;
    }

    public int tid() {
        return tid;
    }

    public FdTable fdTable() {
        return fds;
    }

    /** This thread's part of the fd protocol (statistics, tests). */
    public FdThreadCtx fdCtx() {
        return fdCtx;
    }

    private long streamSeq;

    /** Owner thread: the next stream number of this thread (names streams in reports). */
    public long nextStreamId() {
        return ++streamSeq;
    }

    /** This thread's stall watchdog ({@code tune.stall-report}). */
    public StallWatchdog watchdog() {
        return watchdog;
    }

    /** Monotonic milliseconds, refreshed after each wait. */
    public long nowMs() {
        return now;
    }

    /** Runnables and tasks queued now (owner thread for an exact value; approximate elsewhere). */
    public int runQueueSize() {
        return local.size() + remote.size();
    }

    /** Armed timers (owner thread only). */
    public int timerCount() {
        return timers.size();
    }

    /** The poller's thread name. */
    public String threadName() {
        return thread.getName();
    }

    /** Loop iterations so far (diagnostics, metrics). */
    public long loops() {
        return (long) STATS.getOpaque(stats, S_LOOPS);
    }

    /** Tasks and runnables queued on this thread after its last loop (metrics). */
    public long runQueueLength() {
        return (long) STATS.getOpaque(stats, S_RUNQ);
    }

    /** Idle server connections this thread took over from other threads. */
    public long takeovers() {
        return (long) STATS.getOpaque(stats, S_TAKEOVERS);
    }

    /** Owner thread: counts an fd takeover this thread won. */
    public void countTakeover() {
        STATS.setOpaque(stats, S_TAKEOVERS, (long) STATS.getOpaque(stats, S_TAKEOVERS) + 1);
    }

    /** {@code busy-polling} on or off: from any thread, seen by the next loop. */
    void busyPolling(boolean on) {
        busyPolling = on;
    }

    public boolean busyPolling() {
        return busyPolling;
    }

    /** {@code tune.poll-nap}, in microseconds (0: never nap); set before start. */
    void pollNap(long us) {
        napNanos = us * 1000;
    }

    /** Naps taken so far (diagnostics, tests). */
    public long naps() {
        return (long) STATS.getOpaque(stats, S_NAPS);
    }

    /** Eventfd writes done to wake this poller. */
    public long wakeWrites() {
        return wakeWrites.get();
    }

    /** True while blocked (or about to block) in epoll_wait. */
    public boolean sleeping() {
        return (flags & SLEEPING) != 0;
    }

    /** From any thread: r runs on this poller's thread soon, in submission order per thread. */
    public void execute(Runnable r) {
        enqueue(r);
    }

    void enqueue(Runnable r) {
        if (current() == this) {
            local.add(r);
        } else {
            remote.add(r);
            wake();
        }
    }

    void enqueueLocal(Runnable r) {
        local.add(r);
    }

    /** Wakes the thread if it sleeps; cheap if it does not. */
    void wake() {
        int old = (int) FLAGS.getAndBitwiseOr(this, NOTIFIED);
        if ((old & (SLEEPING | NOTIFIED)) == SLEEPING) {
            wakeWrites.incrementAndGet();
            Sys.epoxy_eventfd_write(evfd);
        }
    }

    private static long clock() {
        return System.nanoTime() / 1_000_000L;
    }

    /**
     * Logs a failure caught on a poller thread, unless logging fails too: it allocates, and an
     * OutOfMemoryError thrown from a catch block would end the thread, leaving its connections
     * and listeners with no one to serve them while the process stays up.
     */
    static void report(String format, int tid, Throwable e) {
        try {
            log().error(format, tid, e);
        } catch (Throwable ignored) {
            // nothing left to report with
        }
    }

    /**
     * The poller thread's life: passes until stopped. What a pass's own steps throw (a bug, or
     * no heap: the callbacks and tasks catch their own) is reported and the next pass goes on;
     * the thread never ends before its stop.
     */
    private void loop() {
        while (!stopping) {
            try {
                pass();
            } catch (Throwable e) {
                report("thread {}: poller pass failed", tid, e);
            }
        }
    }

    /** One pass: fd updates, a wait for events (or a nap), their callbacks, timers, the run queue. */
    private void pass() {
        STATS.setOpaque(stats, S_LOOPS, (long) STATS.getOpaque(stats, S_LOOPS) + 1);
        fdCtx.applyUpdates();
        int timeout = busyPolling || hasWork() ? 0 : timerTimeout();
        int n = timeout != 0 && napArmed && napNanos > 0 ? nap() : 0;
        if (n == 0) n = waitEvents(timeout);
        now = clock();
        if (n < 0) {
            log().error("thread {}: epoll_wait: {}", tid, Sys.strerror(n));
            n = 0;
        }
        for (int i = 0; i < n; i++) {
            int base = i * evSize;
            int ev = events.getInt(base);
            long data = events.getLong(base + evDataOff);
            if (data == WAKE_TAG) {
                Sys.epoxy_eventfd_read(evfd);
                continue;
            }
            fdCtx.dispatch(data, ev);
        }
        runTimers();
        runQueue();
        STATS.setOpaque(stats, S_RUNQ, (long) local.size());
    }

    /**
     * Waits for events, up to timeout ms (0: none, -1: for ever). Before a wait that may block,
     * says SLEEPING and re-checks for work (see the protocol above). More than one event at
     * once means they pile up while the thread sleeps: that arms the nap.
     */
    private int waitEvents(int timeout) {
        if (timeout != 0) {
            flags = SLEEPING; // also clears NOTIFIED
            if (hasWork() || stopping) timeout = 0;
        }
        int n = Sys.epoxy_epoll_wait(epfd, eventsAddr, MAX_EVENTS, timeout);
        flags = 0;
        if (n > 1) napArmed = true;
        return n;
    }

    /**
     * Naps on a timer, then polls without waiting. Flags stay 0, so producers do not write the
     * eventfd: their items are seen after the nap. A nap that finds nothing disarms.
     */
    private int nap() {
        STATS.setOpaque(stats, S_NAPS, (long) STATS.getOpaque(stats, S_NAPS) + 1);
        Sys.epoxy_nap(napNanos);
        int n = Sys.epoxy_epoll_wait(epfd, eventsAddr, MAX_EVENTS, 0);
        if (n == 0) napArmed = false;
        return n;
    }

    private boolean hasWork() {
        return !local.isEmpty() || !remote.isEmpty() || fdCtx.hasPendingUpdates();
    }

    private int timerTimeout() {
        Task t = timers.peek();
        if (t == null) return -1;
        long d = t.key - clock(); // may wake early for a timer moved later: runTimers re-files it
        if (d <= 0) return 0;
        return d > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) d;
    }

    private void runTimers() {
        long n = now;
        for (Task t; (t = timers.peek()) != null && t.key <= n;) {
            if (t.expire > n) { // moved later since it was filed
                t.key = t.expire;
                timers.changed(t);
                continue;
            }
            timers.remove(t);
            t.fire();
        }
    }

    private void runQueue() {
        for (int i = 0; i < RUN_BUDGET; i++) {
            Runnable r = remote.poll();
            if (r == null) break;
            local.add(r);
        }
        int n = Math.min(local.size(), RUN_BUDGET); // work queued while running waits for the next loop
        for (int i = 0; i < n; i++) {
            Runnable r = local.poll();
            try {
                r.run();
            } catch (Throwable e) {
                report("thread {}: runnable failed", tid, e);
            }
        }
    }

    void start() {
        thread.start();
    }

    void stop() {
        stopping = true;
        wake();
    }

    void join(long ms) throws InterruptedException {
        if (Thread.currentThread() != thread) thread.join(ms);
    }

    void closeFds() {
        Sys.epoxy_close(epfd);
        Sys.epoxy_close(evfd);
    }
}
