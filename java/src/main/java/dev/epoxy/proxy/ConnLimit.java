package dev.epoxy.proxy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.epoxy.conn.BoundedCounter;

/**
 * A cap on concurrent client connections ({@code maxconn} of the global section or of a
 * frontend). When it is reached the listeners stop accepting, leaving new connections in the
 * kernel's backlog as HAProxy does, and resume when a connection ends.
 *
 * <p>Protocol: {@code count} grows only within the limit ({@link BoundedCounter}) and shrinks on release. A
 * listener that fails to acquire pauses its fd, then checks again, so a release that ran in
 * between cannot leave it paused with room available; {@link #release} resumes paused
 * listeners from whichever thread closes a connection (a listener resumes from any
 * thread).
 */
public final class ConnLimit {
    /** Set at start; the runtime API may change it ({@code set maxconn frontend}) from any thread. */
    private volatile int max;
    private final BoundedCounter count = new BoundedCounter();
    /** Connections accepted over the limit's life (CumConns, stot). */
    private final java.util.concurrent.atomic.LongAdder total = new java.util.concurrent.atomic.LongAdder();
    private final List<Listener> paused = new CopyOnWriteArrayList<>();

    /** {@code max <= 0}: no limit. */
    public ConnLimit(int max) {
        this.max = max;
    }

    public boolean tryAcquire() {
        if (!count.tryIncrement(max))
            return false;
        total.increment();
        return true;
    }

    /** Runs (on the releasing thread) each time the count drops to zero; set during a soft stop. */
    volatile Runnable onZero;

    public void release() {
        if (count.decrement() == 0) {
            Runnable z = onZero;
            if (z != null)
                z.run();
        }
        if (!paused.isEmpty())
            for (Listener l : paused)
                if (paused.remove(l))
                    l.resume();
    }

    /** Called by a listener that could not acquire: pause it unless room appeared meanwhile. */
    void pause(Listener l) {
        paused.add(l);
        l.pauseFd();
        if ((max <= 0 || count.get() < max) && paused.remove(l))
            l.resume();
    }

    /** The limit (0 or less: none). */
    public int max() {
        return max;
    }

    /**
     * Changes the limit. Listeners paused at the old limit are resumed when the new one leaves
     * room (a listener still over it pauses again at its next accept).
     */
    public void setMax(int n) {
        max = n;
        if (!paused.isEmpty() && (n <= 0 || count.get() < n))
            for (Listener l : paused)
                if (paused.remove(l))
                    l.resume();
    }

    /** Slots taken over the limit's life (connections accepted). */
    public long total() {
        return total.sum();
    }

    public int current() {
        return count.get();
    }
}
