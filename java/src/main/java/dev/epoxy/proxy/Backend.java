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
    /** How requests are kept for L7 retries (HTTP/1 bytes). */
    public final dev.epoxy.stream.RequestCodec requestCodec = dev.epoxy.h1.H1RequestCodec.INSTANCE;
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

    /** Servers that may take new requests now (HAProxy's srv_act, no backup servers in Epoxy): UP, not in maintenance or drain, weight above 0. */
    public int usableCount() {
        int n = 0;
        for (int i = 0; i < servers.size(); i++)
            if (servers.get(i).state.usable())
                n++;
        return n;
    }

    /**
     * HAProxy's stream_choose_redispatch, for a connection or L7 retry from {@code srv} with
     * {@code retriesLeft} retries left after this one: with {@code option redispatch}, the retry
     * goes to another server when {@code srv} is no longer usable (DOWN, MAINT, DRAIN, weight 0),
     * on the last retry, or at once with {@code balance roundrobin} and more than one usable
     * server. Returns the server to use (another one, or {@code srv} when no other is usable), or
     * {@code srv} when there is no redispatch. A new choice counts as load-balanced (see
     * {@link #pick(int)}), as HAProxy counts a redispatch in lbtot.
     */
    public Server redispatchTarget(Server srv, int retriesLeft, int tid) {
        if (!redispatch)
            return srv;
        boolean go = !srv.state.usable() || retriesLeft == 0
                || (balance == dev.epoxy.config.Balance.ROUNDROBIN && usableCount() > 1);
        if (!go)
            return srv;
        Server next = pick(srv, tid);
        return next == null ? srv : next;
    }

    private final AtomicInteger rr = new AtomicInteger();

    public Backend(String name) {
        this.name = name;
    }

    public dev.epoxy.config.Balance balance = dev.epoxy.config.Balance.ROUNDROBIN;

    /**
     * The server for a new request, among those that are {@link ServerState#usable() usable}
     * (not DOWN, MAINT or DRAIN, weight above 0); null when there is none (the caller answers
     * 503). {@code roundrobin} in turn, each server as often as its weight; {@code first} the
     * first server with a free slot (the first usable one when all are full, to queue there);
     * {@code leastconn} the one serving the fewest requests relative to its weight.
     *
     * <p>Every choice counts as one load-balanced request (lbtot) of the backend and of the
     * server, in lane {@code tid} of their {@link dev.epoxy.metrics.Counters}: {@code tid} must
     * be the calling poller thread's id (the lanes' single-writer protocol).
     */
    public Server pick(int tid) {
        return pick(null, tid);
    }

    /**
     * As {@link #pick(int)}, avoiding {@code avoid} when another server is usable (a redispatch,
     * like HAProxy's "srvtoavoid"); {@code avoid} itself when it is the only usable one.
     */
    public Server pick(Server avoid, int tid) {
        Server s = choose(avoid);
        if (s != null) {
            counters.add(tid, dev.epoxy.metrics.Counters.LBTOT, 1);
            s.counters.add(tid, dev.epoxy.metrics.Counters.LBTOT, 1);
        }
        return s;
    }

    private Server choose(Server avoid) {
        int n = servers.size();
        if (n == 1) {
            Server s = servers.get(0);
            return s.state.usable() ? s : null;
        }
        Server fallback = null;
        switch (balance) {
            case FIRST: {
                Server firstUsable = null;
                for (Server s : servers) {
                    if (!s.state.usable())
                        continue;
                    if (s == avoid) {
                        fallback = s;
                        continue;
                    }
                    if (firstUsable == null)
                        firstUsable = s;
                    if (s.maxconn <= 0 || s.served() < s.maxconn)
                        return s;
                }
                return firstUsable != null ? firstUsable : fallback;
            }
            case LEASTCONN: {
                Server best = null;
                long bestWeight = 0;
                int start = Math.floorMod(rr.getAndIncrement(), n); // rotate among equals
                for (int i = 0; i < n; i++) {
                    Server s = servers.get((start + i) % n);
                    if (!s.state.usable())
                        continue;
                    if (s == avoid) {
                        fallback = s;
                        continue;
                    }
                    long w = s.state.weight();
                    if (w <= 0)
                        continue; // set to 0 since the usable read
                    // fewest requests per unit of weight: served/w < best.served/bestWeight
                    if (best == null || s.served() * bestWeight < best.served() * w) {
                        best = s;
                        bestWeight = w;
                    }
                }
                return best != null ? best : fallback;
            }
            default: {
                // Weighted round-robin: position k of the cycle (sum of the usable servers'
                // weights, the one to avoid left out) belongs to the server whose cumulative
                // weight range holds k. Changes to weights or states take effect at the next pick.
                long total = 0;
                for (Server s : servers) {
                    if (!s.state.usable())
                        continue;
                    if (s == avoid)
                        fallback = s;
                    else
                        total += s.state.weight();
                }
                if (total == 0)
                    return fallback;
                long k = Math.floorMod(rr.getAndIncrement(), total);
                Server last = null;
                for (Server s : servers) {
                    if (s == avoid || !s.state.usable())
                        continue;
                    last = s;
                    k -= s.state.weight();
                    if (k < 0)
                        return s;
                }
                return last != null ? last : fallback; // the weights or states changed under us
            }
        }
    }
}
