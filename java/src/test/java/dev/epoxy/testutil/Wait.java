package dev.epoxy.testutil;

import java.util.function.BooleanSupplier;

/**
 * Waiting on a condition instead of sleeping: tests order events by what the proxy, a server or
 * a client visibly did, each wait bounded by a deadline far above the expected time.
 */
public final class Wait {
    private Wait() {}

    /** Polls {@code cond} until it holds; fails with {@code what} after {@code millis}. */
    public static void until(String what, long millis, BooleanSupplier cond) throws InterruptedException {
        if (!holds(millis, cond))
            throw new AssertionError("not within " + millis + " ms: " + what);
    }

    /** Polls {@code cond} until it holds or {@code millis} pass; returns whether it held. */
    public static boolean holds(long millis, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - end > 0)
                return cond.getAsBoolean();
            Thread.sleep(2); // the poll interval of a bounded wait, not an ordering
        }
        return true;
    }
}
