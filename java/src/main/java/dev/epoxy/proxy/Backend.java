package dev.epoxy.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend at run time: its servers, load balancing and server-side settings. */
public final class Backend {
    public final String name;
    public final List<Server> servers = new ArrayList<>();
    /** Streams assigned to this backend now (HAProxy's beconn, %bc). */
    public final AtomicInteger beconn = new AtomicInteger();
    /** HAProxy's proxy id (iid): position among all proxies in the configuration, from 1 (set at build). */
    public int id;
    /** Streams that were assigned to this backend, over its life (stot). */
    public final java.util.concurrent.atomic.LongAdder cumSessions = new java.util.concurrent.atomic.LongAdder();
    /** The last response refused as invalid ({@code show errors}), or null. */
    public volatile ErrorSnapshot lastResponseError;
    /** Activity counters, one lane per poller thread (replaced by the runtime before servers are added). */
    public dev.epoxy.metrics.Counters counters = new dev.epoxy.metrics.Counters(64);
    /** {@code stats enable} and friends of this section, or null. */
    public dev.epoxy.config.StatsConfig stats;
    public boolean http = true;
    public long timeoutConnect, timeoutServer, timeoutQueue, timeoutTunnel, timeoutServerFin;
    public int retries = 3;
    public dev.epoxy.http.ConnectionMode connMode = dev.epoxy.http.ConnectionMode.KEEP_ALIVE;
    /** tune.bufsize: channel size and the largest HTTP/1 head. */
    public int bufSize = 16384;
    /** tune.http.maxhdr: a response head must carry fewer header fields. */
    public int maxHdr = dev.epoxy.config.GlobalSettings.DEFAULT_MAXHDR;
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

    /** The next usable server after {@code s} in round-robin order (redispatch); {@code s} itself when there is none. */
    public Server other(Server s) {
        int n = servers.size();
        int at = servers.indexOf(s);
        for (int i = 1; i < n; i++) {
            Server o = servers.get((at + i) % n);
            if (o.usable())
                return o;
        }
        return s;
    }

    /** Servers taking new traffic now (ready, weight above 0). */
    public int usableServers() {
        int n = 0;
        for (Server s : servers)
            if (s.usable())
                n++;
        return n;
    }
    private final AtomicInteger rr = new AtomicInteger();

    public Backend(String name) {
        this.name = name;
    }

    public dev.epoxy.config.Balance balance = dev.epoxy.config.Balance.ROUNDROBIN;

    /**
     * The server for a new request, among the usable ones ({@link Server#usable}: servers in
     * maintenance or drain, or with weight 0, get no new traffic), or null when none is usable:
     * {@code roundrobin} in turn, each server as often as its weight; {@code first} the first
     * server with a free slot (the first usable one when all are full, to queue there);
     * {@code leastconn} the one serving the fewest requests relative to its weight.
     */
    public Server pick() {
        Server s = choose();
        if (s != null)
            s.lbTotal.increment();
        return s;
    }

    private Server choose() {
        int n = servers.size();
        switch (balance) {
            case FIRST: {
                Server firstUsable = null;
                for (Server s : servers) {
                    if (!s.usable())
                        continue;
                    if (firstUsable == null)
                        firstUsable = s;
                    if (s.maxconn <= 0 || s.served() < s.maxconn)
                        return s;
                }
                return firstUsable;
            }
            case LEASTCONN: {
                Server best = null;
                int start = Math.floorMod(rr.getAndIncrement(), n); // rotate among equals
                for (int i = 0; i < n; i++) {
                    Server s = servers.get((start + i) % n);
                    if (s.usable() && (best == null || (long) s.served() * best.weight < (long) best.served() * s.weight))
                        best = s;
                }
                return best;
            }
            default: {
                // Weighted round-robin: position k of the cycle (sum of the weights) belongs to
                // the server whose cumulative weight range holds k. Changes to weights or states
                // take effect at the next pick.
                long total = 0;
                for (Server s : servers)
                    if (s.usable())
                        total += s.weight;
                if (total == 0)
                    return null;
                long k = Math.floorMod(rr.getAndIncrement(), total);
                Server last = null;
                for (Server s : servers) {
                    if (!s.usable())
                        continue;
                    last = s;
                    k -= s.weight;
                    if (k < 0)
                        return s;
                }
                return last; // the weights changed under us
            }
        }
    }
}
