package dev.epoxy.fd;

import static dev.epoxy.fd.FdTable.*;

import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Sys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poller thread's side of the fd protocol: its private update list, its shared inbox, and
 * the poller operations {@link #applyUpdates} (HAProxy's update-list phases of _do_poll plus
 * _update_fd) and {@link #dispatch} (generation check plus fd_update_events).
 *
 * <p>Protocol: the private list ({@code updt}, {@code nbUpdt}) is touched only by the owning
 * thread. The shared inbox is a small locked int queue that any thread may push to; it replaces
 * HAProxy's per-group lock-free update list (each thread drains its own inbox instead of walking
 * one shared list). Invariant 1 holds over both: bit T of updateMask[fd] is set only by the thread
 * that then appends fd to T's private list (itself) or T's inbox, and is cleared only by T while
 * holding a tgid reference (or by deleteOrphan after the drain). Counters are written by the
 * owning thread only and read racily by others.
 */
public final class FdThreadCtx {
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger(FdThreadCtx.class);
    }

    /** updateEvents results (HAProxy FD_UPDT_*). */
    public static final int DONE = 0, CLOSED = 1, MIGRATED = 2;

    final FdTable table;
    public final int tid;
    final long bit;
    private final int epfd;
    private final Runnable waker;
    volatile FdThreadBase thread;

    private int[] updt = new int[64];
    private int nbUpdt;

    private final Object inboxLock = new Object();
    private int[] inbox = new int[64];
    private volatile int inboxCount;
    private int[] inboxScratch = new int[64];

    // statistics: written by the owner thread only, with opaque stores (no fence per event);
    // other threads read them with opaque loads (metrics, tests).
    private static final int S_DROP = 0, S_SKIP = 1, S_MIGRATED = 2, S_STALE = 3, S_CTL = 4, S_EVENTS = 5;
    private final long[] stats = new long[6];

    private void bump(int i) {
        LONGS.setOpaque(stats, i, (long) LONGS.getOpaque(stats, i) + 1);
    }

    private long stat(int i) {
        return (long) LONGS.getOpaque(stats, i);
    }

    /**
     * @param epfd this thread's epoll fd
     * @param waker wakes this thread if it sleeps (must be cheap when it does not)
     */
    public FdThreadCtx(FdTable table, int tid, int epfd, Runnable waker) {
        if (tid < 0 || tid >= 64) throw new IllegalArgumentException("bad thread id " + tid);
        this.table = table;
        this.tid = tid;
        this.bit = 1L << tid;
        this.epfd = epfd;
        this.waker = waker;
    }

    // ------------------------------------------------------------------ update lists

    void appendPrivate(int fd) {
        if (nbUpdt == updt.length) updt = java.util.Arrays.copyOf(updt, updt.length * 2);
        updt[nbUpdt++] = fd;
    }

    void popPrivateIfLast(int fd) {
        if (nbUpdt > 0 && updt[nbUpdt - 1] == fd) nbUpdt--;
    }

    void pushShared(int fd) {
        synchronized (inboxLock) {
            int n = inboxCount;
            if (n == inbox.length) inbox = java.util.Arrays.copyOf(inbox, n * 2);
            inbox[n] = fd;
            inboxCount = n + 1;
        }
    }

    void wake() {
        waker.run();
    }

    /** True if updates wait in the private list or the shared inbox (checked before sleeping). */
    public boolean hasPendingUpdates() {
        return nbUpdt != 0 || inboxCount != 0;
    }

    /**
     * Applies queued polling updates to this thread's epoll set. Private entries: grab, clear our
     * bit, _update_fd if owned; a failed grab (closed fd) skips the entry and leaves the bit, as
     * in HAProxy; deleteOrphan is responsible for clearing it. Shared entries: grab, then
     * test-and-clear our bit and update only if it was set (the entry may be stale).
     */
    public void applyUpdates() {
        FdTable t = table;
        int n = nbUpdt;
        for (int i = 0; i < n; i++) {
            int fd = updt[i];
            if (!t.grab(fd)) {
                bump(S_DROP);
                continue;
            }
            LONGS.getAndBitwiseAnd(t.updateMask, fd, ~bit);
            if (OBJS.getVolatile(t.owner, fd) != null) updateFd(fd);
            else bump(S_DROP);
            t.drop(fd);
        }
        nbUpdt = 0;

        if (inboxCount == 0) return;
        int m;
        synchronized (inboxLock) {
            m = inboxCount;
            if (inboxScratch.length < m) inboxScratch = new int[inbox.length];
            System.arraycopy(inbox, 0, inboxScratch, 0, m);
            inboxCount = 0;
        }
        for (int i = 0; i < m; i++) {
            int fd = inboxScratch[i];
            if (!t.grab(fd)) {
                bump(S_DROP);
                continue;
            }
            if (((long) LONGS.getAndBitwiseAnd(t.updateMask, fd, ~bit) & bit) != 0
                    && OBJS.getVolatile(t.owner, fd) != null) updateFd(fd);
            t.drop(fd);
        }
    }

    /**
     * HAProxy _update_fd for this thread's epoll set (caller holds a reference). LT: poll a
     * direction while it is active; keep read interest while write-active or already polled
     * (anti-churn); DEL when inactive or when this thread left threadMask (migration). ET: ADD
     * once with IN|RDHUP|OUT|ET and never MOD; DEL too if this thread left threadMask (HAProxy
     * keeps ET fds in the old thread's set; we remove them to stop useless late wake-ups).
     */
    private void updateFd(int fd) {
        FdTable t = table;
        int en = (int) INTS.getVolatile(t.state, fd);
        long pr = (long) LONGS.getVolatile(t.polledRecv, fd) & bit;
        long ps = (long) LONGS.getVolatile(t.polledSend, fd) & bit;
        long tm = (long) LONGS.getVolatile(t.threadMask, fd);
        int op, ev = 0;
        if ((en & ET_POSSIBLE) != 0) {
            if ((tm & bit) == 0) {
                if ((pr | ps) == 0) return;
                clearPolled(fd);
                op = Abi.EPOLL_CTL_DEL;
            } else {
                if (pr != 0 && ps != 0) return;
                op = (pr | ps) != 0 ? Abi.EPOLL_CTL_MOD : Abi.EPOLL_CTL_ADD;
                LONGS.getAndBitwiseOr(t.polledRecv, fd, bit);
                LONGS.getAndBitwiseOr(t.polledSend, fd, bit);
                ev = Abi.EPOLLIN | Abi.EPOLLRDHUP | Abi.EPOLLOUT | Abi.EPOLLET;
            }
        } else {
            if ((en & (READY_R | SHUT_R | ERR_RW)) == 0 && ((en & ACTIVE_W) != 0 || (pr | ps) != 0)) en |= ACTIVE_R;
            boolean r = (en & ACTIVE_R) != 0, w = (en & ACTIVE_W) != 0;
            if ((pr | ps) != 0) {
                if ((tm & bit) == 0 || !(r || w)) {
                    clearPolled(fd);
                    op = Abi.EPOLL_CTL_DEL;
                } else {
                    if (r == (pr != 0) && w == (ps != 0)) return;
                    setPolled(fd, r, w);
                    op = Abi.EPOLL_CTL_MOD;
                }
            } else if ((tm & bit) != 0 && (r || w)) {
                setPolled(fd, r, w);
                op = Abi.EPOLL_CTL_ADD;
            } else {
                return;
            }
            if (r) ev |= Abi.EPOLLIN | Abi.EPOLLRDHUP;
            if (w) ev |= Abi.EPOLLOUT;
            if ((en & EXCLUSIVE) != 0 && op != Abi.EPOLL_CTL_DEL) {
                // EPOLLEXCLUSIVE: ADD only (a change is DEL then ADD), and without EPOLLRDHUP.
                ev = ev & ~Abi.EPOLLRDHUP | Abi.EPOLLEXCLUSIVE;
                if (op == Abi.EPOLL_CTL_MOD) {
                    bump(S_CTL);
                    Sys.epoxy_epoll_ctl(epfd, Abi.EPOLL_CTL_DEL, fd, 0, 0);
                    op = Abi.EPOLL_CTL_ADD;
                }
            }
        }
        long data = ((long) (int) INTS.getVolatile(t.generation, fd) << 32) | (fd & 0xffffffffL);
        bump(S_CTL);
        int rc = Sys.epoxy_epoll_ctl(epfd, op, fd, ev, data);
        if (rc == -Abi.EINVAL && (ev & Abi.EPOLLEXCLUSIVE) != 0)
            rc = Sys.epoxy_epoll_ctl(epfd, op, fd, ev & ~Abi.EPOLLEXCLUSIVE, data); // a kernel before 4.5
        if (rc == 0) return;
        // Recover from a set that disagrees with polled masks (e.g. a registration lost with a
        // previous open file); never leave the fd silently unpolled.
        if (rc == -Abi.EEXIST && op == Abi.EPOLL_CTL_ADD) rc = Sys.epoxy_epoll_ctl(epfd, Abi.EPOLL_CTL_MOD, fd, ev, data);
        else if (rc == -Abi.ENOENT && op == Abi.EPOLL_CTL_MOD) rc = Sys.epoxy_epoll_ctl(epfd, Abi.EPOLL_CTL_ADD, fd, ev, data);
        else if (op == Abi.EPOLL_CTL_DEL && (rc == -Abi.ENOENT || rc == -Abi.EBADF)) rc = 0;
        if (rc != 0) log().warn("thread {}: epoll_ctl op {} on fd {} failed: {}", tid, op, fd, Sys.strerror(rc));
    }

    /**
     * Removes fd from this thread's epoll set now (caller: this thread). For a file that another
     * process also holds (a listener handed over on reload, HAProxy's FD_CLONED): closing our
     * descriptor would not remove the registration, since epoll keys it on the open file.
     */
    public void forget(int fd) {
        clearPolled(fd);
        int rc = Sys.epoxy_epoll_ctl(epfd, Abi.EPOLL_CTL_DEL, fd, 0, 0);
        if (rc != 0 && rc != -Abi.ENOENT && rc != -Abi.EBADF)
            log().warn("thread {}: epoll_ctl DEL on fd {} failed: {}", tid, fd, Sys.strerror(rc));
    }

    private void clearPolled(int fd) {
        LONGS.getAndBitwiseAnd(table.polledRecv, fd, ~bit);
        LONGS.getAndBitwiseAnd(table.polledSend, fd, ~bit);
    }

    private void setPolled(int fd, boolean r, boolean w) {
        if (r) LONGS.getAndBitwiseOr(table.polledRecv, fd, bit);
        else LONGS.getAndBitwiseAnd(table.polledRecv, fd, ~bit);
        if (w) LONGS.getAndBitwiseOr(table.polledSend, fd, bit);
        else LONGS.getAndBitwiseAnd(table.polledSend, fd, ~bit);
    }

    // ------------------------------------------------------------------ event dispatch

    /**
     * One epoll report: drop it if it belongs to an earlier life of the number, else updateEvents.
     * The generation is checked here and again under updateEvents' reference: between the two the
     * life may be closed and the number inserted again.
     */
    public void dispatch(long data, int epollEvents) {
        int fd = (int) data;
        int gen = (int) (data >>> 32);
        if (fd < 0 || fd >= table.maxFds) return;
        if (gen != (int) INTS.getVolatile(table.generation, fd)) {
            bump(S_STALE);
            return;
        }
        bump(S_EVENTS);
        int e = epollEvents;
        int evts = ((e & Abi.EPOLLIN) != 0 ? READY_R : 0)
                | ((e & Abi.EPOLLOUT) != 0 ? READY_W : 0)
                | ((e & Abi.EPOLLRDHUP) != 0 ? SHUT_R : 0)
                | ((e & Abi.EPOLLHUP) != 0 ? SHUT_R | SHUT_W : 0)
                | ((e & Abi.EPOLLERR) != 0 ? ERR_RW : 0);
        FdHooks.EventHook lose = FdHooks.dropEvent;
        if (lose != null && lose.drop(fd, evts)) return;
        updateEvents(fd, evts, gen);
    }

    /**
     * HAProxy 2.8 fd_update_events (after cd8914bc5 and f98a8c317), evts made of READY_R/W,
     * SHUT_R/W and ERR_RW, reported for life {@code gen} of the number. Returns {@link #DONE},
     * {@link #CLOSED} or {@link #MIGRATED}. Deviations: the generation is checked under the
     * reference (a report of a closed life must not reach the next one: a hang-up or an error
     * would stick to it) and again after the callback (a callback that closed the fd and inserted
     * a new one under the same number is detected); threadMask is read after the final running
     * release, so a concurrent delete's zero is always seen by the last runner.
     */
    public int updateEvents(int fd, int evts, int gen) {
        FdTable t = table;
        if (!t.grab(fd)) return CLOSED; // closed, its masks are not ours to touch
        // Under a reference the generation cannot change (deleteOrphan bumps it after the drain).
        if (gen != (int) INTS.getVolatile(t.generation, fd)) {
            t.drop(fd);
            bump(S_STALE);
            return CLOSED;
        }
        long tm = (long) LONGS.getVolatile(t.threadMask, fd);
        if ((tm & bit) == 0) return doUpdate(fd); // not welcome: migrated or closing

        FdHooks.call(FdHooks.runningBeforeSet, fd);
        LONGS.getAndBitwiseOr(t.runningMask, fd, bit); // from here any takeover CAS fails
        FdHooks.call(FdHooks.runningAfterSet, fd);
        // Wait for a takeover or delete already in progress to finish its mask stores.
        for (int i = 0;; i++) {
            long rmask = (long) LONGS.getVolatile(t.runningMask, fd) & ~bit;
            tm = (long) LONGS.getVolatile(t.threadMask, fd);
            if ((tm & bit) == 0 || (rmask & ~tm) == 0) break;
            FdHooks.call(FdHooks.runningWaitsForMasks, fd);
            relax(i);
        }
        if ((tm & bit) == 0) { // lost a takeover or delete race
            bump(S_SKIP);
            long prev = (long) LONGS.getAndBitwiseAnd(t.runningMask, fd, ~bit);
            FdHooks.call(FdHooks.runningReleased, fd);
            if (prev == bit && t.lastRunnerClaimsClose(fd)) {
                t.drop(fd);
                t.deleteOrphan(fd);
                return CLOSED;
            }
            return doUpdate(fd);
        }
        t.drop(fd); // our running bit protects the fd now

        int newFlags = ((evts & READY_R) != 0 ? POLL_IN : 0)
                | ((evts & READY_W) != 0 ? POLL_OUT : 0)
                | ((evts & SHUT_R) != 0 ? POLL_HUP : 0)
                | ((evts & ERR_RW) != 0 ? POLL_ERR : 0);
        int st = (int) INTS.getVolatile(t.state, fd);
        if ((st & ACTIVE_W) != 0 && (evts & SHUT_W) != 0) newFlags |= POLL_ERR;
        int mustStop = 0;
        if ((st & ACTIVE_RW) == 0) mustStop = POLL_IN | POLL_OUT;
        else if ((st & ACTIVE_R) == 0 && (evts & (READY_R | SHUT_R | ERR_RW)) != 0) mustStop = POLL_IN;
        else if ((st & ACTIVE_W) == 0 && (evts & (READY_W | SHUT_W | ERR_RW)) != 0) mustStop = POLL_OUT;
        if ((newFlags & (POLL_IN | POLL_HUP | POLL_ERR)) != 0) newFlags |= READY_R;
        if ((newFlags & (POLL_OUT | POLL_ERR)) != 0) newFlags |= READY_W;
        for (;;) {
            int old = (int) INTS.getVolatile(t.state, fd);
            int nw = (old & ~POLL_UPDT_MASK) | newFlags;
            if (nw == old || INTS.compareAndSet(t.state, fd, old, nw)) break;
        }

        IoCallback cb = (IoCallback) OBJS.getVolatile(t.iocb, fd);
        if (cb != null && ((int) INTS.getVolatile(t.state, fd) & ACTIVE_RW) != 0) {
            try {
                cb.onIo(fd);
            } catch (Throwable e) {
                try {
                    log().error("thread {}: I/O callback of fd {} failed", tid, fd, e);
                } catch (Throwable ignored) {
                    // no heap to say it with; the bookkeeping below must still run
                }
            }
        }

        if (!t.grab(fd)) return CLOSED; // the callback closed it
        if ((int) INTS.getVolatile(t.generation, fd) != gen) { // closed and reused meanwhile
            t.drop(fd);
            return CLOSED;
        }
        long prev = (long) LONGS.getAndBitwiseAnd(t.runningMask, fd, ~bit);
        FdHooks.call(FdHooks.runningReleased, fd);
        tm = (long) LONGS.getVolatile(t.threadMask, fd);
        if (prev == bit && (tm & bit) == 0) { // last runner of an fd that left us
            if (t.lastRunnerClaimsClose(fd)) {
                t.drop(fd);
                t.deleteOrphan(fd);
                return CLOSED;
            }
            return doUpdate(fd);
        }
        // Lazy removal: a reported direction is no longer wanted, program our own update.
        if (mustStop != 0 && ((long) LONGS.getVolatile(t.updateMask, fd) & bit) == 0) {
            st = (int) INTS.getVolatile(t.state, fd);
            if (((mustStop & POLL_IN) != 0 && (st & ACTIVE_R) == 0)
                    || ((mustStop & POLL_OUT) != 0 && (st & ACTIVE_W) == 0)) {
                FdHooks.call(FdHooks.updateBitAfterGrab, fd);
                if (((long) LONGS.getAndBitwiseOr(t.updateMask, fd, bit) & bit) == 0) appendPrivate(fd);
            }
        }
        t.drop(fd);
        return DONE;
    }

    /** "Thread not welcome": queue an update for ourselves so our poller stops polling fd.
     *  Caller holds a reference; this is the write that raced with close in seed 1. */
    private int doUpdate(int fd) {
        bump(S_MIGRATED);
        FdHooks.call(FdHooks.updateBitAfterGrab, fd);
        if (((long) LONGS.getAndBitwiseOr(table.updateMask, fd, bit) & bit) == 0) appendPrivate(fd);
        table.drop(fd);
        return MIGRATED;
    }

    // ------------------------------------------------------------------ statistics

    /** Queued updates skipped because the fd was closed (HAProxy poll_drop_fd). */
    public long dropFd() {
        return stat(S_DROP);
    }

    /** Reports for which a takeover or delete won the running race (HAProxy poll_skip_fd). */
    public long skipFd() {
        return stat(S_SKIP);
    }

    /** Reports on an fd this thread no longer runs (self-programmed DEL). */
    public long migrated() {
        return stat(S_MIGRATED);
    }

    /** Reports dropped because their generation is not the fd's current one. */
    public long staleGen() {
        return stat(S_STALE);
    }

    public long epollCtl() {
        return stat(S_CTL);
    }

    public long events() {
        return stat(S_EVENTS);
    }
}
