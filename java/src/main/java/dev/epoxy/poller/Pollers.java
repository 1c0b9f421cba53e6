package dev.epoxy.poller;

import dev.epoxy.fd.FdTable;
import dev.epoxy.fd.FdThreadCtx;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The set of poller threads sharing one {@link FdTable} (one thread group). Thread i of the table
 * is {@code get(i)}. Construction creates every epoll fd and eventfd, so {@code get(i).execute()}
 * may be used before {@link #start()}; {@link #close()} stops and joins the threads.
 */
public final class Pollers implements AutoCloseable {
    private final FdTable fds;
    private final Poller[] pollers;
    private volatile boolean started, closed;

    public Pollers(FdTable fds, int nbThreads, boolean edgeTriggered) {
        if (nbThreads < 1 || nbThreads > 64) throw new IllegalArgumentException("nbthread must be 1..64: " + nbThreads);
        this.fds = fds;
        this.pollers = new Poller[nbThreads];
        FdThreadCtx[] ctxs = new FdThreadCtx[nbThreads];
        try {
            for (int i = 0; i < nbThreads; i++) {
                pollers[i] = new Poller(fds, i);
                ctxs[i] = pollers[i].fdCtx();
            }
        } catch (IOException e) {
            for (Poller p : pollers) if (p != null) p.closeFds();
            throw new UncheckedIOException(e);
        }
        fds.bindThreads(ctxs, edgeTriggered);
    }

    public synchronized void start() {
        if (started) throw new IllegalStateException("already started");
        started = true;
        for (Poller p : pollers) p.start();
    }

    /** {@code tune.stall-report}: call before {@link #start()}; 0 turns the stall watchdogs off. */
    public synchronized void configureStallReport(long thresholdMs) {
        if (started) throw new IllegalStateException("configure the stall watchdog before start");
        for (Poller p : pollers) p.watchdog().configure(thresholdMs);
    }

    /**
     * {@code busy-polling}: the threads poll without ever sleeping. From any thread: before
     * {@link #start()} from the configuration, and off again at soft stop (an old process must
     * not eat the CPU its successor needs, as HAProxy does on reload).
     */
    public void busyPolling(boolean on) {
        for (Poller p : pollers) p.busyPolling(on);
    }

    public boolean busyPolling() {
        return pollers[0].busyPolling();
    }

    /** {@code tune.poll-nap} for every poller, in microseconds; before {@link #start}. */
    public void pollNap(long us) {
        for (Poller p : pollers) p.pollNap(us);
    }

    /** Every stall report line is also given to {@code l} (tests, runtime API); null removes it. */
    public void onStallReport(java.util.function.Consumer<String> l) {
        for (Poller p : pollers) p.watchdog().listener(l);
    }

    public Poller get(int tid) {
        return pollers[tid];
    }

    public int size() {
        return pollers.length;
    }

    public FdTable fdTable() {
        return fds;
    }

    /** Stops every thread after its current loop and waits for it (5 s each at most). */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (Poller p : pollers) p.stop();
        boolean interrupted = false;
        for (Poller p : pollers) {
            try {
                if (started) p.join(5000);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (Poller p : pollers) {
            if (!started || !p.thread.isAlive()) p.closeFds();
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
