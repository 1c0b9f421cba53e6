package dev.epoxy.poller;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HAProxy-like task: a body that runs on its owner poller's thread when woken or when its
 * timer expires.
 *
 * <p>Protocol: {@code state} holds QUEUED and DESTROYED. {@link #wakeup} (any thread) CASes QUEUED
 * on and enqueues the task only if it was off, so a task is in at most one run queue at a time;
 * the owner clears QUEUED just before running the body, so a wakeup during the body runs it again.
 * {@code expire}, {@code key} and {@code heapIndex} belong to the owner thread (timers live in its
 * heap). A timer moved later keeps its place in the heap, filed under its earlier date
 * ({@code key}); when that date comes the timer phase files it again under the real one (HAProxy's
 * lazy task requeue): a stream re-arms its timeouts on every request, nearly always later, and
 * this spares the heap a sift each time.
 * {@code owner} is volatile; if a wakeup raced with {@link #moveTo} and reached the old poller,
 * the old poller forwards the task instead of running it. {@code onFailure} is set by the owner
 * before the task is first woken, and read only by the owner thread.
 */
public class Task {
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger(Task.class);
    }
    public static final long NEVER = Long.MAX_VALUE;

    private static final int QUEUED = 1, DESTROYED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Task.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile Poller owner;
    private final Runnable body;
    private volatile int state;
    long expire = NEVER;
    /** The date the heap files this task under: at most {@link #expire} while in the heap. */
    long key = NEVER;
    int heapIndex = -1;
    private boolean expired;
    final Runnable runner = this::runFromQueue;
    /** Runs when the body throws (see {@link #onFailure}). */
    private Runnable onFailure;

    public Task(Poller owner, Runnable body) {
        this.owner = java.util.Objects.requireNonNull(owner, "owner");
        this.body = java.util.Objects.requireNonNull(body, "body");
    }

    public Poller owner() {
        return owner;
    }

    /**
     * What ends the owner's work when the body throws (a bug): the exception is logged, then
     * {@code r} runs, so that the exchange or connection behind the task is closed rather than
     * left hanging with nothing to move it (a body that throws on every run never reaches its
     * own timeouts). Set before the first wakeup.
     */
    public void onFailure(Runnable r) {
        onFailure = r;
    }

    /** From any thread: the body runs once on the owner thread; further wakeups before it runs are merged. */
    public void wakeup() {
        for (;;) {
            int s = state;
            if ((s & (QUEUED | DESTROYED)) != 0) return;
            if (STATE.compareAndSet(this, s, s | QUEUED)) break;
        }
        owner.enqueue(runner);
    }

    /** Owner thread only. Arms the timer at absolute {@link Poller#nowMs()} time ms; 0 or NEVER disarms. */
    public void expireAt(long ms) {
        Poller p = checkOwnerThread();
        if ((state & DESTROYED) != 0) return;
        if (ms == 0 || ms == NEVER) {
            p.timers.remove(this);
            expire = NEVER;
            return;
        }
        expire = ms;
        if (heapIndex < 0) {
            key = ms;
            p.timers.add(this);
        } else if (ms < key) {
            key = ms;
            p.timers.changed(this);
        } // later: stays filed under the earlier key (class comment)
    }

    /** Woken and waiting in a run queue (any thread; a snapshot). */
    public boolean queued() {
        return (state & QUEUED) != 0;
    }

    /** Owner thread: the armed expiry date, or {@link #NEVER}. A fired timer reads NEVER again. */
    public long expire() {
        return expire;
    }

    /** During the body: true if this run was caused by the timer. */
    public boolean expired() {
        return expired;
    }

    /** No more runs; the timer is removed (on the owner thread, soon if called from elsewhere). */
    public void destroy() {
        int s = (int) STATE.getAndBitwiseOr(this, DESTROYED);
        if ((s & DESTROYED) != 0) return;
        Poller p = owner;
        if (Poller.current() == p) p.timers.remove(this);
        else p.execute(() -> p.timers.remove(this));
    }

    /**
     * Appends {@code task[QUEUED,DESTROYED,EXPIRED exp=+120ms]} (or {@code exp=never}), relative to
     * {@code now}. The flags are read atomically; the timer fields are the owner thread's.
     */
    public void describe(StringBuilder b, long now) {
        int s = state;
        b.append("task[");
        int len = b.length();
        if ((s & QUEUED) != 0) b.append("QUEUED,");
        if ((s & DESTROYED) != 0) b.append("DESTROYED,");
        if (expired) b.append("EXPIRED,");
        if (b.length() > len) b.setLength(b.length() - 1);
        b.append(b.length() > len ? " exp=" : "exp=");
        if (expire == NEVER) b.append("never");
        else b.append(expire - now >= 0 ? "+" : "").append(expire - now).append("ms");
        b.append(']');
    }

    public boolean destroyed() {
        return (state & DESTROYED) != 0;
    }

    /**
     * Moves the task to poller p (idle-connection takeover). Call on p's thread while the task is
     * neither queued nor armed (its timer lives in the old owner's heap, which only that thread
     * may touch); re-arm it afterwards.
     */
    public void moveTo(Poller p) {
        if (Poller.current() != p) throw new IllegalStateException("moveTo must run on the target poller thread");
        if ((state & QUEUED) != 0) throw new IllegalStateException("task is queued");
        if (heapIndex >= 0) throw new IllegalStateException("task has an armed timer; disarm it on its owner first");
        owner = p;
    }

    /** Called by the owner's timer phase. */
    void fire() {
        expire = NEVER;
        if ((state & DESTROYED) != 0) return;
        for (;;) {
            int s = state;
            if ((s & QUEUED) != 0) {
                expired = true; // already queued: the coming run serves the timer too
                return;
            }
            if (STATE.compareAndSet(this, s, s | QUEUED)) break;
        }
        expired = true;
        owner.enqueueLocal(runner);
    }

    private void runFromQueue() {
        Poller p = owner;
        if (p != Poller.current()) { // moved after the wakeup picked the old owner
            p.enqueue(runner);
            return;
        }
        int s = (int) STATE.getAndBitwiseAnd(this, ~QUEUED);
        if ((s & DESTROYED) != 0) return;
        try {
            body.run();
        } catch (Throwable e) {
            Poller.report("task body failed on thread {}", p.tid(), e);
            Runnable f = onFailure;
            if (f != null) {
                try {
                    f.run();
                } catch (Throwable e2) {
                    Poller.report("and so did its failure handler on thread {}", p.tid(), e2);
                }
            }
        } finally {
            expired = false;
        }
    }

    private Poller checkOwnerThread() {
        Poller p = owner;
        if (Poller.current() != p) throw new IllegalStateException("timer of a task changed outside its owner thread");
        return p;
    }
}
