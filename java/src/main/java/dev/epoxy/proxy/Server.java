package dev.epoxy.proxy;

import dev.epoxy.stream.BackendConn;
import dev.epoxy.stream.IdlePools;
import dev.epoxy.stream.ServerModel;
import dev.epoxy.stream.Stream;
import dev.epoxy.sys.SockAddr;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server of a backend at run time: its state, slots and queue, and the mux that opens its
 * connections (what streams read is in {@link ServerModel}).
 */
public final class Server extends ServerModel {
    public final boolean h2;
    public final Backend backend;
    /** Streams in {@link #queue} (ConcurrentLinkedQueue.size() is a walk); for the longest-queue figure. */
    private final AtomicInteger queueLen = new AtomicInteger();

    /**
     * The one state model: UP/DOWN from checks, MAINT/DRAIN from the runtime API, the user weight,
     * and the volatile usable flag load balancing reads; see {@link ServerState} for its threading
     * protocol. Set once when the runtime is built, before the pollers start.
     */
    public ServerState state = new ServerState(false, 2, 3);

    /** {@code maxconn}: concurrent requests this server takes (0: no limit); more wait in {@link #queue}. */
    public int maxconn;
    private final dev.epoxy.conn.BoundedCounter served = new dev.epoxy.conn.BoundedCounter();
    /** Streams waiting for a slot (any thread); each is woken in turn as slots free up. */
    private final ConcurrentLinkedQueue<Stream> queue = new ConcurrentLinkedQueue<>();

    public Server(Backend backend, String name, SockAddr addr, boolean h2) {
        this(backend, name, addr, h2, new IdlePools(1, -1, 5000));
    }

    public Server(Backend backend, String name, SockAddr addr, boolean h2, IdlePools pools) {
        super(backend, name, addr, pools);
        this.backend = backend;
        this.h2 = h2;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    /** Requests being served now (slots taken). */
    @Override
    public int served() {
        return served.get();
    }

    /** Takes a request slot; false when the server is at its {@code maxconn}. */
    @Override
    public boolean tryAcquire() {
        return served.tryIncrement(maxconn);
    }

    /** Gives a slot back and wakes the first waiting stream, which then tries again. */
    @Override
    public void release() {
        served.decrement();
        Stream next = queue.poll();
        if (next != null) {
            queueLen.decrementAndGet();
            next.wakeup();
        }
    }

    /** Waits for a slot: {@code s} is woken when one is released. */
    @Override
    public void enqueue(Stream s) {
        queue.add(s);
        counters.max(s.poller.tid(), dev.epoxy.metrics.Counters.MAX_QUEUE, queueLen.incrementAndGet());
        // A slot may have been released between the failed acquire and the add.
        if (maxconn <= 0 || served.get() < maxconn) {
            Stream next = queue.poll();
            if (next != null) {
                queueLen.decrementAndGet();
                next.wakeup();
            }
        }
    }

    @Override
    public void dequeue(Stream s) {
        if (queue.remove(s))
            queueLen.decrementAndGet();
    }

    @Override
    public boolean isQueued(Stream s) {
        return queue.contains(s);
    }

    /** Streams waiting for a slot now. */
    public int queued() {
        return Math.max(0, queueLen.get());
    }

    /** Opens a new connection from the calling poller thread; null when no socket could be made. */
    @Override
    public BackendConn open(dev.epoxy.poller.Poller p) {
        if (h2)
            return dev.epoxy.h2.H2BackMux.open(p, this, backend.buffers, backend.bufSize);
        return dev.epoxy.h1.H1BackMux.open(p, this, backend.buffers, backend.bufSize, backend.maxHdr);
    }

    @Override
    public String toString() {
        return backend.name + "/" + name;
    }
}
