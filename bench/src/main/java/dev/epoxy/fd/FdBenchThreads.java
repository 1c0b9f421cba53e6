package dev.epoxy.fd;

import dev.epoxy.poller.Pollers;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lets JMH run benchmark code on a thread that takes part in the fd protocol, so that FdTable sees
 * the caller as the fd's owning poller thread (private update list) exactly as in production.
 *
 * <p>JMH creates its worker threads through {@code -Djmh.executor=CUSTOM
 * -Djmh.executor.class=dev.epoxy.fd.FdBenchThreads} (see FdTableBench's @Fork): every worker is
 * an {@link FdThreadBase} bound to thread 0 of {@link #TABLE}. One benchmark thread only.
 *
 * <p>The table's thread 0 belongs to a {@link Pollers} set that is never started: its wake-up is
 * the real one (an atomic OR, no eventfd write since the poller never sleeps).
 */
public final class FdBenchThreads extends ThreadPoolExecutor {
    public static final FdTable TABLE = new FdTable(4096);
    public static final Pollers POLLERS = new Pollers(TABLE, 1, false);
    public static final FdThreadCtx CTX = POLLERS.get(0).fdCtx();

    /** The constructor JMH's CUSTOM executor type calls. */
    public FdBenchThreads(int maxThreads, String prefix) {
        super(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), r -> new Worker(r, prefix));
        if (maxThreads != 1) throw new IllegalArgumentException("FdBenchThreads supports one benchmark thread");
    }

    static final class Worker extends FdThreadBase {
        Worker(Runnable body, String prefix) {
            super(CTX, body, prefix + "-fd0");
            setDaemon(true);
        }
    }

    /** True if the calling thread is the table's thread 0 (the private, owner-thread path). */
    public static boolean onOwnerThread() {
        return TABLE.currentCtx() == CTX;
    }
}
