package dev.epoxy.proxy;

import dev.epoxy.stream.BackendModel;
import dev.epoxy.stream.ServerModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend at run time: its servers, load balancing and server-side settings (those a stream
 * reads are in {@link BackendModel}).
 */
public final class Backend extends BackendModel {
    public final List<Server> servers = new ArrayList<>();
    public boolean http = true;
    /** tune.http.maxhdr: a response head must carry fewer header fields. */
    public int maxHdr = dev.epoxy.config.GlobalSettings.DEFAULT_MAXHDR;
    /** Connection buffers, large enough for a whole HTTP/2 frame (tests that build a backend by hand get a private pool). */
    public dev.epoxy.conn.BufferPool buffers = new dev.epoxy.conn.BufferPool(64, dev.epoxy.h2.H2Conn.bufferSizeFor(16384));
    private java.util.Set<dev.epoxy.config.RetryOn> retryOn = dev.epoxy.config.RetryOn.DEFAULT;
    private boolean l7Retries, retrySafe;
    /** {@code option redispatch}: the last retry goes to another server. */
    public boolean redispatch;

    @Override
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
    @Override
    public boolean l7Retries() {
        return l7Retries;
    }

    /**
     * HAProxy's "retry_safe": with conn-failure, empty-response and response-timeout all retried,
     * a first request may use any idle connection since a stale one costs only a retry.
     */
    @Override
    public boolean retrySafe() {
        return retrySafe;
    }

    @Override
    public boolean hasServers() {
        return !servers.isEmpty();
    }

    /** Servers that may take new requests now (HAProxy's srv_act, no backup servers in Epoxy): UP, not in maintenance or drain, weight above 0. */
    @Override
    public int usableCount() {
        int n = 0;
        for (int i = 0; i < servers.size(); i++)
            if (servers.get(i).state.usable())
                n++;
        return n;
    }

    /**
     * HAProxy's stream_choose_redispatch, for a connection or L7 retry from {@code from} with
     * {@code retriesLeft} retries left after this one: with {@code option redispatch}, the retry
     * goes to another server when that server is no longer usable (DOWN, MAINT, DRAIN, weight 0),
     * on the last retry, or at once with {@code balance roundrobin} and more than one usable
     * server. Returns the server to use (another one, or {@code from} when no other is usable), or
     * {@code from} when there is no redispatch. A new choice counts as load-balanced (see
     * {@link #pick(int)}), as HAProxy counts a redispatch in lbtot.
     */
    @Override
    public Server redispatchTarget(ServerModel from, int retriesLeft, int tid) {
        Server srv = (Server) from; // a stream's server is one of its backend's
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
        super(name);
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
    @Override
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
