package dev.epoxy.fd;

import dev.epoxy.sys.Sys;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fd table: one entry per fd number, stored as parallel arrays, modelled on HAProxy's
 * {@code fdtab[]} (haproxy-internals §1).
 *
 * <p>Protocol (all atomics are VarHandle volatile modes, i.e. sequentially consistent like
 * HAProxy's {@code HA_ATOMIC_*}):
 * <ul>
 *   <li>{@code refcTgid[fd]}: low 16 bits thread-group id (always {@link #tgid} while the fd is
 *       open, 0 once closing), high 16 bits a reference count. A thread that does not exclusively
 *       own the fd takes a reference ({@link #grab}) before touching its masks; the tgid changes
 *       only when the count is 0 ({@link #claim} in insert, reset in deleteOrphan).</li>
 *   <li>{@code threadMask[fd]}: threads allowed to run the fd. Written by insert, by takeover
 *       (while holding the running bit) and zeroed by delete.</li>
 *   <li>{@code runningMask[fd]}: threads currently inside updateEvents/iocb, takeover or delete
 *       for this fd. A thread ORs its bit then waits until (running minus itself) is a subset of
 *       threadMask before trusting threadMask; takeover is a CAS 0 -> me. The last thread to
 *       leave with its bit gone from threadMask checks the one-shot MUST_CLOSE flag, and only
 *       if threadMask and runningMask are both 0 once its bit is released
 *       ({@link #lastRunnerClaimsClose}).</li>
 *   <li>{@code updateMask[fd]}: bit T set means the fd is queued for thread T (its private list
 *       or its shared inbox, see {@link FdThreadCtx}). Only T clears its bit (under a tgid
 *       reference), except deleteOrphan which zeroes the mask after the tgid reset and after the
 *       reference count has drained to 0 (the seed-1 fix, commit 237e6a0d6).</li>
 *   <li>{@code polledRecv/polledSend[fd]}: threads whose epoll set holds the fd, per direction;
 *       changed by each thread's own poller only (under a reference), zeroed by deleteOrphan.</li>
 *   <li>{@code state[fd]}: the FD_EV_* / FD_POLL_* bits below, changed with atomic OR/AND/CAS.</li>
 *   <li>{@code generation[fd]}: incremented by each real close; epoll data carries
 *       {@code (generation << 32) | fd} so reports for an earlier life are dropped.</li>
 * </ul>
 * Exactly one thread per fd life performs deleteOrphan (and so close(2)): the one that clears
 * MUST_CLOSE. Single thread group: {@link #tgid} is the constant 1, and threads are numbered 0..63.
 */
public final class FdTable {
    /** The only thread group. Kept in refcTgid so the HAProxy reference protocol is unchanged. */
    public static final int tgid = 1;

    // state bits (HAProxy FD_EV_* and FD_POLL_*; same positions)
    public static final int ACTIVE_R = 1, READY_R = 1 << 1, SHUT_R = 1 << 2;
    public static final int ACTIVE_W = 1 << 4, READY_W = 1 << 5, SHUT_W = 1 << 6;
    public static final int ERR_RW = 1 << 7;
    public static final int POLL_IN = 1 << 8, POLL_PRI = 1 << 9, POLL_OUT = 1 << 10, POLL_ERR = 1 << 11,
            POLL_HUP = 1 << 12;
    public static final int LINGER_RISK = 1 << 16, INITIALIZED = 1 << 18, ET_POSSIBLE = 1 << 19,
            EXCLUSIVE = 1 << 20, MUST_CLOSE = 1 << 23;
    static final int ACTIVE_RW = ACTIVE_R | ACTIVE_W;
    static final int POLL_UPDT_MASK = POLL_IN | POLL_PRI | POLL_OUT;
    static final int POLL_MASK = POLL_IN | POLL_PRI | POLL_OUT | POLL_ERR | POLL_HUP;

    static final int REFC_ONE = 0x10000, TGID_MASK = 0xffff;

    static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    static final VarHandle OBJS = MethodHandles.arrayElementVarHandle(Object[].class);

    /** TEST ONLY: restores the pre-237e6a0d6 deleteOrphan order (masks cleared, then tgid reset,
     *  no drain) so the seed-1 test can show the leaked update bit. Never set in production. */
    static volatile boolean preFixDeleteOrder;

    final int maxFds;
    final Object[] owner;
    final Object[] iocb;
    final int[] state, refcTgid, generation;
    final long[] threadMask, runningMask, updateMask, polledRecv, polledSend;

    private volatile FdThreadCtx[] threads = new FdThreadCtx[0];
    private volatile boolean edgeTriggered;

    private final AtomicLong closes = new AtomicLong();
    private final AtomicLong staleUpdateBitsAtInsert = new AtomicLong();

    public FdTable(int maxFds) {
        if (maxFds <= 0) throw new IllegalArgumentException("maxFds must be positive: " + maxFds);
        this.maxFds = maxFds;
        owner = new Object[maxFds];
        iocb = new Object[maxFds];
        state = new int[maxFds];
        refcTgid = new int[maxFds];
        generation = new int[maxFds];
        threadMask = new long[maxFds];
        runningMask = new long[maxFds];
        updateMask = new long[maxFds];
        polledRecv = new long[maxFds];
        polledSend = new long[maxFds];
    }

    /** Called once by the pollers: thread {@code i} of the table is {@code ctxs[i]}. */
    public void bindThreads(FdThreadCtx[] ctxs, boolean edgeTriggered) {
        for (int i = 0; i < ctxs.length; i++) {
            if (ctxs[i].table != this || ctxs[i].tid != i) throw new IllegalArgumentException("thread " + i);
        }
        if (ctxs.length > 64) throw new IllegalArgumentException("at most 64 threads");
        this.edgeTriggered = edgeTriggered;
        this.threads = ctxs.clone();
    }

    public int maxFds() {
        return maxFds;
    }

    public boolean edgeTriggered() {
        return edgeTriggered;
    }

    // ------------------------------------------------------------------ insert / delete

    /** Registers a connection fd owned by thread {@code tid} only. Edge-triggered if enabled. */
    public void insert(int fd, Object owner, IoCallback iocb, int tid) {
        if (tid < 0 || tid >= 64) throw new IllegalArgumentException("bad thread id " + tid);
        insert0(fd, owner, iocb, 1L << tid, edgeTriggered ? ET_POSSIBLE : 0);
    }

    /** Registers an fd run by several threads; always level-triggered. */
    public void insertShared(int fd, Object owner, IoCallback iocb, long threadMask) {
        insert0(fd, owner, iocb, threadMask, 0);
    }

    /**
     * Registers a listening socket run by several threads, polled with EPOLLEXCLUSIVE: a new
     * connection wakes one of the threads waiting in epoll_wait (the kernel passes the wakeup on
     * past threads that are busy), not all of them to race for one accept.
     */
    public void insertListener(int fd, Object owner, IoCallback iocb, long threadMask) {
        insert0(fd, owner, iocb, threadMask, EXCLUSIVE);
    }

    private void insert0(int fd, Object own, IoCallback cb, long mask, int initial) {
        checkFd(fd);
        Objects.requireNonNull(own, "owner");
        if (mask == 0) throw new IllegalArgumentException("empty thread mask for fd " + fd);
        if (OBJS.getVolatile(owner, fd) != null) throw new IllegalStateException("fd " + fd + " is already in the table");
        // Invariant 1 check: nothing may be queued for a number that was just closed. claim reads
        // the mask while nobody can hold a reference: from the claim on, a late reference holder
        // may grab the new life before its masks are stored below.
        long leftover = claim(fd); // waits for late reference holders of the previous life to leave
        FdHooks.call(FdHooks.insertAfterClaim, fd);
        if ((long) LONGS.getVolatile(runningMask, fd) != 0) {
            StringBuilder b = new StringBuilder("fd ").append(fd).append(" inserted while still running: ");
            describe(fd, b);
            drop(fd);
            throw new IllegalStateException(b.toString());
        }
        if (leftover != 0) staleUpdateBitsAtInsert.incrementAndGet();
        OBJS.setVolatile(iocb, fd, cb);
        // fd_may_both: a new fd is assumed ready until an EAGAIN says otherwise.
        INTS.setVolatile(state, fd, initial | INITIALIZED | READY_R | READY_W);
        LONGS.setVolatile(threadMask, fd, mask);
        OBJS.setVolatile(owner, fd, own);
        drop(fd);
    }

    /**
     * Closes the fd, once. From a thread in the fd's thread mask this is HAProxy 2.8 fd_delete:
     * set own running bit (stops takeovers), set MUST_CLOSE, zero threadMask, release running; if
     * we were the last runner and win MUST_CLOSE we close, otherwise the runner still inside will
     * when it leaves. From any other thread it is the cross-group form of HEAD: under a reference,
     * set MUST_CLOSE, zero threadMask, and close only if nobody runs it and we win MUST_CLOSE.
     * Precondition (as in HAProxy): delete and takeover of the same fd are serialized by the caller
     * (idle-pool lock); the masks stay safe either way, the takeover result may then be stale.
     */
    public void delete(int fd) {
        checkFd(fd);
        FdThreadCtx me = currentCtx();
        long bit = me == null ? 0 : me.bit;
        if (bit != 0 && ((long) LONGS.getVolatile(threadMask, fd) & bit) != 0) {
            LONGS.getAndBitwiseOr(runningMask, fd, bit);
            INTS.getAndBitwiseOr(state, fd, MUST_CLOSE);
            LONGS.setVolatile(threadMask, fd, 0L);
            FdHooks.call(FdHooks.deleteAfterThreadMaskClear, fd);
            long prev = (long) LONGS.getAndBitwiseAnd(runningMask, fd, ~bit);
            if (prev == bit && claimMustClose(fd)) deleteOrphan(fd);
            return;
        }
        if (!grab(fd)) return; // already closed (or closing)
        INTS.getAndBitwiseOr(state, fd, MUST_CLOSE);
        LONGS.setVolatile(threadMask, fd, 0L);
        FdHooks.call(FdHooks.deleteAfterThreadMaskClear, fd);
        if ((long) LONGS.getVolatile(runningMask, fd) == 0 && claimMustClose(fd)) {
            drop(fd);
            deleteOrphan(fd);
        } else {
            drop(fd);
        }
    }

    /**
     * The real close of one fd life. Fixed order (237e6a0d6 + generation): reset tgid, wait for
     * every reference holder to leave, then clear updateMask, polled masks, state, owner, bump the
     * generation and close. Must not be called while the caller holds a reference on fd.
     */
    void deleteOrphan(int fd) {
        boolean reset = ((int) INTS.getVolatile(state, fd) & LINGER_RISK) != 0;
        if (preFixDeleteOrder) {
            LONGS.setVolatile(updateMask, fd, 0L);
            popLocalUpdate(fd);
            LONGS.setVolatile(polledRecv, fd, 0L);
            LONGS.setVolatile(polledSend, fd, 0L);
            INTS.setVolatile(state, fd, 0);
            INTS.getAndBitwiseAnd(refcTgid, fd, ~TGID_MASK);
            FdHooks.call(FdHooks.deleteAfterTgidReset, fd);
        } else {
            INTS.getAndBitwiseAnd(refcTgid, fd, ~TGID_MASK); // new grabs fail from here on
            FdHooks.call(FdHooks.deleteAfterTgidReset, fd);
            for (int i = 0; (int) INTS.getVolatile(refcTgid, fd) != 0; i++) relax(i);
            // Every holder that could set an update bit has left: the clear below is final.
            LONGS.setVolatile(updateMask, fd, 0L);
            popLocalUpdate(fd);
            LONGS.setVolatile(polledRecv, fd, 0L);
            LONGS.setVolatile(polledSend, fd, 0L);
            INTS.setVolatile(state, fd, 0);
        }
        OBJS.setVolatile(iocb, fd, null);
        OBJS.setVolatile(owner, fd, null);
        INTS.getAndAdd(generation, fd, 1);
        FdHooks.call(FdHooks.beforeClose, fd);
        closes.incrementAndGet();
        // Last: close() is what lets the kernel hand this number out again.
        if (reset) Sys.epoxy_close_reset(fd);
        else Sys.epoxy_close(fd);
    }

    /** The optimization of 8e2c0fa8e: drop our own queued entry if it is the last one. */
    private void popLocalUpdate(int fd) {
        FdThreadCtx me = currentCtx();
        if (me != null) me.popPrivateIfLast(fd);
    }

    /**
     * Idle-connection migration: the calling poller thread becomes the fd's only thread. Fails if
     * the owner changed, the fd is closing, or a thread is running it (CAS running 0 -> me).
     * Receive interest is stopped; the new owner calls {@link #wantRecv} again.
     */
    public boolean takeover(int fd, Object expectedOwner) {
        checkFd(fd);
        FdThreadCtx me = currentCtx();
        if (me == null) throw new IllegalStateException("takeover must run on a poller thread of this table");
        long bit = me.bit;
        if (OBJS.getVolatile(owner, fd) != expectedOwner || expectedOwner == null) return false;
        if (!grab(fd)) return false;
        if (OBJS.getVolatile(owner, fd) != expectedOwner) { // a new life under the same number
            drop(fd);
            return false;
        }
        if (!LONGS.compareAndSet(runningMask, fd, 0L, bit)) { // the old owner is running it
            drop(fd);
            return false;
        }
        FdHooks.call(FdHooks.takeoverBetweenMasks, fd);
        long tm0 = (long) LONGS.getVolatile(threadMask, fd);
        boolean stored = tm0 != 0 && LONGS.compareAndSet(threadMask, fd, tm0, bit);
        if (stored) INTS.getAndBitwiseAnd(state, fd, ~ACTIVE_R);
        long prev = (long) LONGS.getAndBitwiseAnd(runningMask, fd, ~bit);
        FdHooks.call(FdHooks.runningReleased, fd);
        long tm = (long) LONGS.getVolatile(threadMask, fd);
        if (prev == bit && (tm & bit) == 0 && lastRunnerClaimsClose(fd)) {
            // a delete ran while we held running and left the close to us
            drop(fd);
            deleteOrphan(fd);
            return false;
        }
        drop(fd);
        return stored && (tm & bit) != 0;
    }

    // ------------------------------------------------------------------ polling interest

    public void wantRecv(int fd) {
        want(fd, ACTIVE_R);
    }

    public void wantSend(int fd) {
        want(fd, ACTIVE_W);
    }

    /** Lazy: clears the active bit only; polling is removed when an event reports the direction. */
    public void stopRecv(int fd) {
        INTS.getAndBitwiseAnd(state, fd, ~ACTIVE_R);
    }

    public void stopSend(int fd) {
        INTS.getAndBitwiseAnd(state, fd, ~ACTIVE_W);
    }

    public void stopBoth(int fd) {
        INTS.getAndBitwiseAnd(state, fd, ~ACTIVE_RW);
    }

    /** After EAGAIN or a short read: not ready until the poller reports it again. */
    public void cantRecv(int fd) {
        INTS.getAndBitwiseAnd(state, fd, ~READY_R);
    }

    public void cantSend(int fd) {
        INTS.getAndBitwiseAnd(state, fd, ~READY_W);
    }

    public void mayRecv(int fd) {
        if (OBJS.getVolatile(owner, fd) != null) INTS.getAndBitwiseOr(state, fd, READY_R);
    }

    public void maySend(int fd) {
        if (OBJS.getVolatile(owner, fd) != null) INTS.getAndBitwiseOr(state, fd, READY_W);
    }

    public void setLingerRisk(int fd) {
        INTS.getAndBitwiseOr(state, fd, LINGER_RISK);
    }

    /** A clean shutdown was sent: the close may linger normally. */
    public void clearLingerRisk(int fd) {
        INTS.getAndBitwiseAnd(state, fd, ~LINGER_RISK);
    }

    private void want(int fd, int activeBit) {
        if (((int) INTS.getVolatile(state, fd) & activeBit) != 0) return;
        if (!grab(fd)) return; // closed: never pollute the state of a free entry (fd_want_*_safe)
        int old = (int) INTS.getAndBitwiseOr(state, fd, activeBit);
        if ((old & activeBit) == 0) updtFdPolling(fd);
        drop(fd);
    }

    /**
     * Queues a polling update for the threads that poll fd (HAProxy updt_fd_polling, caller holds
     * a reference). Single owner calling from its own thread: the private list, deduplicated by
     * its update bit. Otherwise every thread of threadMask whose bit we set gets the fd in its
     * shared inbox and is woken.
     */
    private void updtFdPolling(int fd) {
        FdThreadCtx me = currentCtx();
        long tm = (long) LONGS.getVolatile(threadMask, fd);
        if (me != null && tm == me.bit) {
            FdHooks.call(FdHooks.updateBitAfterGrab, fd);
            if (((long) LONGS.getAndBitwiseOr(updateMask, fd, me.bit) & me.bit) == 0) me.appendPrivate(fd);
            return;
        }
        FdThreadCtx[] ts = threads;
        for (long m = tm; m != 0; m &= m - 1) {
            int t = Long.numberOfTrailingZeros(m);
            if (t >= ts.length) continue; // no such poller: never set a bit nobody will clear
            long b = 1L << t;
            if (((long) LONGS.getAndBitwiseOr(updateMask, fd, b) & b) == 0) {
                ts[t].pushShared(fd);
                if (ts[t] != me) ts[t].wake();
            }
        }
    }

    // ------------------------------------------------------------------ readers

    public boolean recvReady(int fd) {
        return ((int) INTS.getVolatile(state, fd) & READY_R) != 0;
    }

    public boolean sendReady(int fd) {
        return ((int) INTS.getVolatile(state, fd) & READY_W) != 0;
    }

    public boolean recvActive(int fd) {
        return ((int) INTS.getVolatile(state, fd) & ACTIVE_R) != 0;
    }

    public boolean sendActive(int fd) {
        return ((int) INTS.getVolatile(state, fd) & ACTIVE_W) != 0;
    }

    /** Last poll report: POLL_IN/PRI/OUT of the latest event, POLL_ERR/HUP sticky until close. */
    public int polled(int fd) {
        return (int) INTS.getVolatile(state, fd) & POLL_MASK;
    }

    public Object owner(int fd) {
        return OBJS.getVolatile(owner, fd);
    }

    public long threadMask(int fd) {
        return (long) LONGS.getVolatile(threadMask, fd);
    }

    public int generation(int fd) {
        return (int) INTS.getVolatile(generation, fd);
    }

    /** Raw state bits (diagnostics, tests). */
    public int state(int fd) {
        return (int) INTS.getVolatile(state, fd);
    }

    public long updateMask(int fd) {
        return (long) LONGS.getVolatile(updateMask, fd);
    }

    public long runningMask(int fd) {
        return (long) LONGS.getVolatile(runningMask, fd);
    }

    public long polledRecvMask(int fd) {
        return (long) LONGS.getVolatile(polledRecv, fd);
    }

    public long polledSendMask(int fd) {
        return (long) LONGS.getVolatile(polledSend, fd);
    }

    public int refcTgid(int fd) {
        return (int) INTS.getVolatile(refcTgid, fd);
    }

    /**
     * Appends one fd's entry in a fixed, greppable form (diagnostics: the stall report and a future
     * {@code show fd}): {@code fd=12 gen=3 st=[ACTIVE_R,READY_W,POLL_OUT] tmask=0x1 run=0x0 upd=0x0
     * polled=r:0x1/w:0x0 refc=0 tgid=1}. Every field is one volatile read, so from a thread that does
     * not own the fd the fields are each true but not a snapshot; call it from the owner for that.
     */
    public void describe(int fd, StringBuilder b) {
        if (fd < 0 || fd >= maxFds) {
            b.append("fd=").append(fd).append(" (out of table)");
            return;
        }
        int st = state(fd);
        int rt = refcTgid(fd);
        b.append("fd=").append(fd).append(" gen=").append(generation(fd)).append(" st=[");
        int len = b.length();
        stateBit(b, st, ACTIVE_R, "ACTIVE_R");
        stateBit(b, st, READY_R, "READY_R");
        stateBit(b, st, SHUT_R, "SHUT_R");
        stateBit(b, st, ACTIVE_W, "ACTIVE_W");
        stateBit(b, st, READY_W, "READY_W");
        stateBit(b, st, SHUT_W, "SHUT_W");
        stateBit(b, st, ERR_RW, "ERR");
        stateBit(b, st, POLL_IN, "POLL_IN");
        stateBit(b, st, POLL_PRI, "POLL_PRI");
        stateBit(b, st, POLL_OUT, "POLL_OUT");
        stateBit(b, st, POLL_ERR, "POLL_ERR");
        stateBit(b, st, POLL_HUP, "POLL_HUP");
        stateBit(b, st, LINGER_RISK, "LINGER_RISK");
        stateBit(b, st, ET_POSSIBLE, "ET");
        stateBit(b, st, EXCLUSIVE, "EXCLUSIVE");
        stateBit(b, st, MUST_CLOSE, "MUST_CLOSE");
        if (b.length() > len)
            b.setLength(b.length() - 1);
        b.append("] tmask=0x").append(Long.toHexString(threadMask(fd)))
                .append(" run=0x").append(Long.toHexString(runningMask(fd)))
                .append(" upd=0x").append(Long.toHexString(updateMask(fd)))
                .append(" polled=r:0x").append(Long.toHexString(polledRecvMask(fd)))
                .append("/w:0x").append(Long.toHexString(polledSendMask(fd)))
                .append(" refc=").append(rt >>> 16).append(" tgid=").append(rt & TGID_MASK);
    }

    private static void stateBit(StringBuilder b, int st, int bit, String name) {
        if ((st & bit) != 0)
            b.append(name).append(',');
    }

    /** Number of real closes performed through this table. */
    public long closes() {
        return closes.get();
    }

    /** Inserts that found an update bit left over from the previous life, read when the tgid is
     *  claimed (seed-1 symptom; 0 when correct). */
    public long staleUpdateBitsAtInsert() {
        return staleUpdateBitsAtInsert.get();
    }

    // ------------------------------------------------------------------ tgid reference protocol

    /** fd_grab_tgid: one reference, kept only if the fd belongs to our group (i.e. is open). */
    boolean grab(int fd) {
        int old = (int) INTS.getAndAdd(refcTgid, fd, REFC_ONE);
        if ((old & TGID_MASK) == tgid) return true;
        INTS.getAndAdd(refcTgid, fd, -REFC_ONE);
        return false;
    }

    void drop(int fd) {
        INTS.getAndAdd(refcTgid, fd, -REFC_ONE);
    }

    /**
     * fd_claim_tgid: install our tgid with one reference once every earlier holder left. Returns
     * updateMask as it was when the claim succeeded: read between a load that saw no reference
     * and the CAS that found the word unchanged, a window in which the tgid is 0 and no grab
     * succeeds, so no update bit can be set in it. It is what the closed life left behind.
     */
    private long claim(int fd) {
        for (int i = 0;; i++) {
            int old = (int) INTS.getVolatile(refcTgid, fd);
            if ((old >>> 16) == 0) {
                long upd = (long) LONGS.getVolatile(updateMask, fd);
                if (INTS.compareAndSet(refcTgid, fd, old, tgid | REFC_ONE)) return upd;
            }
            relax(i);
        }
    }

    /**
     * For a thread that has just released its running bit and found itself the last runner: true
     * if it must close. Only when the fd is being deleted (threadMask 0, read after the release)
     * and nobody runs it now: between the release and the claim a new owner may have started
     * running it and a delete may have left the close to that runner.
     */
    boolean lastRunnerClaimsClose(int fd) {
        return (long) LONGS.getVolatile(threadMask, fd) == 0
                && (long) LONGS.getVolatile(runningMask, fd) == 0
                && claimMustClose(fd);
    }

    /** One-shot close right: exactly one caller per fd life sees true. */
    boolean claimMustClose(int fd) {
        return ((int) INTS.getAndBitwiseAnd(state, fd, ~MUST_CLOSE) & MUST_CLOSE) != 0;
    }

    FdThreadCtx currentCtx() {
        Thread t = Thread.currentThread();
        if (t instanceof FdThreadBase) {
            FdThreadCtx c = ((FdThreadBase) t).fdCtx;
            if (c.table == this) return c;
        }
        return null;
    }

    FdThreadCtx[] threads() {
        return threads;
    }

    private void checkFd(int fd) {
        if (fd < 0 || fd >= maxFds) throw new IllegalArgumentException("fd " + fd + " outside table of " + maxFds);
    }

    /** Spin politely: holders only sit between two adjacent atomics, unless a test hook parks them. */
    static void relax(int i) {
        if (i < 64) Thread.onSpinWait();
        else Thread.yield();
    }
}
