package dev.epoxy.proxy;

import dev.epoxy.stream.Stream;
import dev.epoxy.sys.SockAddr;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** A server of a backend at run time: its address and counters. */
public final class Server {
    public final String name;
    public final SockAddr addr;
    public final boolean h2;
    public final Backend backend;
    /** Activity counters, one lane per poller thread; connections count their bytes here. */
    public final dev.epoxy.metrics.Counters counters;
    /** Streams in {@link #queue} (ConcurrentLinkedQueue.size() is a walk); for the longest-queue figure. */
    private final AtomicInteger queueLen = new AtomicInteger();

    /**
     * The one state model: UP/DOWN from checks, MAINT/DRAIN from the runtime API, the user weight,
     * and the volatile usable flag load balancing reads; see {@link ServerState} for its threading
     * protocol. Set once when the runtime is built, before the pollers start.
     */
    public ServerState state = new ServerState(false, 2, 3);
    /** 1-based position in the backend (HAProxy's srv_id / sid). */
    public int id;

    /** Idle connections to this server, per thread. */
    public final IdlePools pools;
    /** {@code maxconn}: concurrent requests this server takes (0: no limit); more wait in {@link #queue}. */
    public int maxconn;
    private final AtomicInteger served = new AtomicInteger();
    /** Streams that got a slot after waiting in the queue, over the server's life (for %sq). */
    public final java.util.concurrent.atomic.AtomicLong leftQueue = new java.util.concurrent.atomic.AtomicLong();
    /** Streams waiting for a slot (any thread); each is woken in turn as slots free up. */
    private final ConcurrentLinkedQueue<Stream> queue = new ConcurrentLinkedQueue<>();

    public Server(Backend backend, String name, SockAddr addr, boolean h2) {
        this(backend, name, addr, h2, new IdlePools(1, -1, 5000));
    }

    public Server(Backend backend, String name, SockAddr addr, boolean h2, IdlePools pools) {
        this.pools = pools;
        this.backend = backend;
        this.name = name;
        this.addr = addr;
        this.h2 = h2;
        this.counters = new dev.epoxy.metrics.Counters(backend.counters.threads());
    }

    /** Requests being served now (slots taken). */
    public int served() {
        return served.get();
    }

    /** Takes a request slot; false when the server is at its {@code maxconn}. */
    public boolean tryAcquire() {
        while (true) {
            int n = served.get();
            if (maxconn > 0 && n >= maxconn)
                return false;
            if (served.compareAndSet(n, n + 1))
                return true;
        }
    }

    /** Gives a slot back and wakes the first waiting stream, which then tries again. */
    public void release() {
        served.decrementAndGet();
        Stream next = queue.poll();
        if (next != null) {
            queueLen.decrementAndGet();
            next.wakeup();
        }
    }

    /** Waits for a slot: {@code s} is woken when one is released. */
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

    public void dequeue(Stream s) {
        if (queue.remove(s))
            queueLen.decrementAndGet();
    }

    public boolean isQueued(Stream s) {
        return queue.contains(s);
    }

    /** Streams waiting for a slot now. */
    public int queued() {
        return Math.max(0, queueLen.get());
    }

    /** Opens a new connection from the calling poller thread; null when no socket could be made. */
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
