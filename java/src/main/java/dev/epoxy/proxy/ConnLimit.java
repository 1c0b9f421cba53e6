package dev.epoxy.proxy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cap on concurrent client connections ({@code maxconn} of the global section or of a
 * frontend). When it is reached the listeners stop accepting, leaving new connections in the
 * kernel's backlog as HAProxy does, and resume when a connection ends.
 *
 * <p>Protocol: {@code count} is changed only by CAS (acquire) and decrement (release). A
 * listener that fails to acquire pauses its fd, then checks again, so a release that ran in
 * between cannot leave it paused with room available; {@link #release} resumes paused
 * listeners from whichever thread closes a connection (the fd table accepts wantRecv from any
 * thread).
 */
public final class ConnLimit {
    private final int max;
    private final AtomicInteger count = new AtomicInteger();
    private final List<Listener> paused = new CopyOnWriteArrayList<>();

    /** {@code max <= 0}: no limit. */
    public ConnLimit(int max) {
        this.max = max;
    }

    public boolean tryAcquire() {
        while (true) {
            int c = count.get();
            if (max > 0 && c >= max)
                return false;
            if (count.compareAndSet(c, c + 1))
                return true;
        }
    }

    /** Runs (on the releasing thread) each time the count drops to zero; set during a soft stop. */
    volatile Runnable onZero;

    public void release() {
        if (count.decrementAndGet() == 0) {
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
        if (count.get() < max && paused.remove(l))
            l.resume();
    }

    public int current() {
        return count.get();
    }
}
