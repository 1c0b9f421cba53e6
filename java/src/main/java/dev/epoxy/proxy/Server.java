package dev.epoxy.proxy;

import dev.epoxy.sys.SockAddr;

/** A server of a backend at run time: its address and counters. */
public final class Server {
    public final String name;
    public final SockAddr addr;
    public final boolean h2;
    public final Backend backend;
    /** Connections opened to this server over its life (all threads). */
    public final java.util.concurrent.atomic.AtomicLong connects = new java.util.concurrent.atomic.AtomicLong();

    /** Idle connections to this server, per thread. */
    public final IdlePools pools;

    public Server(Backend backend, String name, SockAddr addr, boolean h2) {
        this(backend, name, addr, h2, new IdlePools(1, -1, 5000));
    }

    public Server(Backend backend, String name, SockAddr addr, boolean h2, IdlePools pools) {
        this.pools = pools;
        this.backend = backend;
        this.name = name;
        this.addr = addr;
        this.h2 = h2;
    }

    /** Opens a new connection from the calling poller thread; null when no socket could be made. */
    public BackendConn open(dev.epoxy.poller.Poller p) {
        if (h2)
            return dev.epoxy.h2.H2BackMux.open(p, this, backend.buffers, backend.bufSize);
        return dev.epoxy.h1.H1BackMux.open(p, this, backend.buffers, backend.bufSize);
    }

    @Override
    public String toString() {
        return backend.name + "/" + name;
    }
}
