package dev.epoxy.fd;

/**
 * Fault-injection points of the fd protocol, no-ops unless a test installs one.
 *
 * <p>Each field names the window between two atomic steps where a concurrent thread changes the
 * outcome (haproxy-internals §2.2, §2.4). Tests replace them with latches to force one
 * interleaving, or with {@link Thread#yield} to widen every window in stress runs. Fields are
 * volatile so that a hook installed by the test thread is seen by the pollers; the cost on the
 * hot path is one plain load and a null test. Hooks receive the fd number; they run on the thread
 * executing the protocol step ({@code dev.epoxy.poller.Poller.current()} tells which).
 */
public final class FdHooks {
    @FunctionalInterface
    public interface Hook {
        void at(int fd);
    }

    /** A filter over epoll reports; returning true loses the report (it never reaches the fd table). */
    @FunctionalInterface
    public interface EventHook {
        /** {@code evts} is made of {@link FdTable#READY_R}, {@link FdTable#READY_W}, {@link FdTable#SHUT_R},
         *  {@link FdTable#SHUT_W} and {@link FdTable#ERR_RW}. */
        boolean drop(int fd, int evts);
    }

    /** Holding a tgid reference, before the test-and-set of this thread's update bit
     *  (late report on a migrated fd, lazy removal, single-owner {@code updt_fd_polling}). */
    public static volatile Hook updateBitAfterGrab;
    /** updateEvents: thread mask checked and found to contain this thread, running bit not yet set. */
    public static volatile Hook runningBeforeSet;
    /** updateEvents: running bit set, before waiting for the masks to stabilize. */
    public static volatile Hook runningAfterSet;
    /** updateEvents: masks checked and still unstable (a takeover or delete in progress), before relaxing; once per spin. */
    public static volatile Hook runningWaitsForMasks;
    /** insert: the tgid is claimed (late reference holders of the previous life may grab the new
     *  life from here on), iocb, state, threadMask and owner not yet stored. */
    public static volatile Hook insertAfterClaim;
    /** deleteOrphan: right after the tgid reset (fixed order: before the drain and the mask clear;
     *  pre-fix order: after the mask clear). */
    public static volatile Hook deleteAfterTgidReset;
    /** delete: thread mask zeroed, running bit not yet released. */
    public static volatile Hook deleteAfterThreadMaskClear;
    /** takeover: running CAS 0 -> me done, thread mask not yet stored. */
    public static volatile Hook takeoverBetweenMasks;
    /** updateEvents (lost race or after the callback) and takeover: running bit released, before
     *  deciding whether this thread is the last runner that must close. */
    public static volatile Hook runningReleased;
    /** deleteOrphan: just before close(2); every fd life passes here exactly once. */
    public static volatile Hook beforeClose;
    /** dispatch: an epoll report of a live fd, before updateEvents. A hook returning true loses the
     *  event, as a lost wake-up would (in edge-triggered mode the kernel does not report it again
     *  until new data or room arrives). Used to provoke stalls for the stall watchdog's tests. */
    public static volatile EventHook dropEvent;

    private FdHooks() {}

    static void call(Hook h, int fd) {
        if (h != null) h.at(fd);
    }

    /** Removes every hook (tests call it in their cleanup). */
    public static void clear() {
        updateBitAfterGrab = null;
        insertAfterClaim = null;
        runningBeforeSet = null;
        runningAfterSet = null;
        runningWaitsForMasks = null;
        deleteAfterTgidReset = null;
        deleteAfterThreadMaskClear = null;
        takeoverBetweenMasks = null;
        beforeClose = null;
        runningReleased = null;
        dropEvent = null;
    }
}
