package dev.epoxy.stream;

import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The process-wide soft-stop state (SIGUSR1, or a reload by {@code -sf}). Once stopping, HTTP/1
 * responses carry {@code Connection: close} and connections that registered here (HTTP/2
 * client connections) are told to wind down on their own thread (GOAWAY).
 *
 * <p>Threading: {@link #stopping()} is a volatile read from any thread. Each poller thread has
 * its own registry, touched only by that thread; {@link #begin} walks each one on its thread.
 */
public final class SoftStop {
    /** A connection that has something to do when the process starts stopping. */
    public interface Stoppable {
        /** Runs on the connection's owner thread, once. */
        void softStop();
    }

    private volatile boolean stopping;
    private final Set<Stoppable>[] perThread;

    @SuppressWarnings("unchecked")
    public SoftStop(int threads) {
        perThread = new Set[threads];
        for (int i = 0; i < threads; i++)
            perThread[i] = new LinkedHashSet<>();
    }

    public boolean stopping() {
        return stopping;
    }

    /** On p's thread. A connection that registers after the stop began is stopped at once. */
    public void add(Poller p, Stoppable s) {
        if (stopping) {
            p.execute(s::softStop);
            return;
        }
        perThread[p.tid()].add(s);
    }

    /** On p's thread. */
    public void remove(Poller p, Stoppable s) {
        perThread[p.tid()].remove(s);
    }

    /** From any thread (the runtime's): sets the flag, then has each poller stop its registered connections. */
    public void begin(Pollers pollers) {
        stopping = true;
        for (int i = 0; i < pollers.size(); i++) {
            Poller p = pollers.get(i);
            Set<Stoppable> set = perThread[i];
            p.execute(() -> {
                for (Stoppable s : new ArrayList<>(set))
                    s.softStop();
                set.clear();
            });
        }
    }
}
