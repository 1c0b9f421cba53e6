package dev.epoxy.stream;

import dev.epoxy.metrics.Counters;
import dev.epoxy.poller.Poller;
import dev.epoxy.sys.SockAddr;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A server as streams and muxes see it: its address, counters and idle connections, its request
 * slots and queue, and how to open a connection to it. The runtime's {@code proxy.Server}
 * implements it; this layer never sees the runtime (health checks, states, the runtime API).
 */
public abstract class ServerModel {
    public final String name;
    public final SockAddr addr;
    /** Activity counters, one lane per poller thread; connections count their bytes here. */
    public final Counters counters;
    /** Idle connections to this server, per thread. */
    public final IdlePools pools;
    /** 1-based position in the backend (HAProxy's srv_id / sid). */
    public int id;
    /** Streams that got a slot after waiting in the queue, over the server's life (for %sq). */
    public final AtomicLong leftQueue = new AtomicLong();

    protected ServerModel(BackendModel backend, String name, SockAddr addr, IdlePools pools) {
        this.name = name;
        this.addr = addr;
        this.pools = pools;
        this.counters = new Counters(backend.counters.threads());
    }

    /** The backend this server belongs to. */
    public abstract BackendModel backend();

    /** Requests being served now (slots taken). */
    public abstract int served();

    /** Takes a request slot; false when the server is at its {@code maxconn}. */
    public abstract boolean tryAcquire();

    /** Gives a slot back and wakes the first waiting stream, which then tries again. */
    public abstract void release();

    /** Waits for a slot: {@code s} is woken when one is released. */
    public abstract void enqueue(Stream s);

    public abstract void dequeue(Stream s);

    public abstract boolean isQueued(Stream s);

    /** Opens a new connection from the calling poller thread; null when no socket could be made. */
    public abstract BackendConn open(Poller p);
}
