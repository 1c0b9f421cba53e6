package dev.epoxy.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend at run time: its servers, load balancing and server-side settings. */
public final class Backend {
    public final String name;
    public final List<Server> servers = new ArrayList<>();
    public long timeoutConnect, timeoutServer, timeoutQueue, timeoutTunnel;
    public int retries = 3;
    public dev.epoxy.http.ConnectionMode connMode = dev.epoxy.http.ConnectionMode.KEEP_ALIVE;
    /** tune.bufsize: channel size and the largest HTTP/1 head. */
    public int bufSize = 16384;
    /** Connection buffers, large enough for a whole HTTP/2 frame (tests that build a backend by hand get a private pool). */
    public dev.epoxy.conn.BufferPool buffers = new dev.epoxy.conn.BufferPool(64, dev.epoxy.h2.H2Conn.bufferSizeFor(16384));
    public dev.epoxy.config.ReuseMode reuse = dev.epoxy.config.ReuseMode.SAFE;
    private java.util.Set<dev.epoxy.config.RetryOn> retryOn = dev.epoxy.config.RetryOn.DEFAULT;
    private boolean l7Retries, retrySafe;
    /** {@code option redispatch}: the last retry goes to another server. */
    public boolean redispatch;
    /** {@code option forwardfor}, {@code option http-buffer-request}, {@code option abortonclose}. */
    public boolean forwardFor, bufferRequest, abortOnClose;

    public boolean retryOn(dev.epoxy.config.RetryOn r) {
        return retryOn.contains(r);
    }

    /** Sets {@code retry-on} and what follows from it (read per request, so computed once). */
    public void setRetryOn(java.util.Set<dev.epoxy.config.RetryOn> events) {
        retryOn = events;
        l7Retries = events.stream().anyMatch(r -> r != dev.epoxy.config.RetryOn.CONN_FAILURE);
        retrySafe = events.contains(dev.epoxy.config.RetryOn.CONN_FAILURE)
                && events.contains(dev.epoxy.config.RetryOn.EMPTY_RESPONSE)
                && events.contains(dev.epoxy.config.RetryOn.RESPONSE_TIMEOUT);
    }

    /** Retries beyond connection failures need the request kept for replay. */
    public boolean l7Retries() {
        return l7Retries;
    }

    /**
     * HAProxy's "retry_safe": with conn-failure, empty-response and response-timeout all retried,
     * a first request may use any idle connection since a stale one costs only a retry.
     */
    public boolean retrySafe() {
        return retrySafe;
    }

    /** The server after {@code s} in round-robin order (redispatch). */
    public Server other(Server s) {
        int n = servers.size();
        if (n == 1)
            return s;
        return servers.get((servers.indexOf(s) + 1) % n);
    }
    private final AtomicInteger rr = new AtomicInteger();

    public Backend(String name) {
        this.name = name;
    }

    /** Round-robin over the servers. */
    public Server pick() {
        int n = servers.size();
        return servers.get(n == 1 ? 0 : Math.floorMod(rr.getAndIncrement(), n));
    }
}
