package dev.epoxy.conn;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count that only grows while it stays within a bound: the maxconn slots of a frontend, of the
 * process and of a server, the size of a server's idle pool, the buffer budget. Any thread.
 *
 * <p>Protocol: growing is a compare-and-set of the value read, retried while the bound still
 * allows it, so the count never passes the bound through {@link #tryAdd} and no caller is refused
 * because of another's attempt (an add-then-undo would briefly pass the bound and could refuse
 * both of two racing callers when one would fit). Shrinking is a plain atomic add. The bound is
 * an argument, read once per attempt, because every user's bound can change at run time.
 */
public final class BoundedCounter {
    private final AtomicInteger count = new AtomicInteger();

    /** Adds one unless the count has reached {@code max}; {@code max <= 0}: no bound. */
    public boolean tryIncrement(int max) {
        return tryAdd(1, max);
    }

    /** Adds {@code n} (at least 1) unless that would take the count above {@code max}; {@code max <= 0}: no bound. */
    public boolean tryAdd(int n, int max) {
        while (true) {
            int c = count.get();
            if (max > 0 && c > max - n)
                return false;
            if (count.compareAndSet(c, c + n))
                return true;
        }
    }

    /** Adds {@code n} whatever the bound (negative to give back); returns the new count. */
    public int add(int n) {
        return count.addAndGet(n);
    }

    /** Gives one back; returns the new count. */
    public int decrement() {
        return count.decrementAndGet();
    }

    public int get() {
        return count.get();
    }
}
