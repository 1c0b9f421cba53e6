package dev.epoxy.stream;

import dev.epoxy.config.RetryOn;
import dev.epoxy.config.ReuseMode;
import dev.epoxy.config.StatsConfig;
import dev.epoxy.http.ConnectionMode;
import dev.epoxy.metrics.Counters;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend as streams and muxes see it: the server-side settings a stream applies, its counters,
 * and the choice of a server (load balancing, redispatch). The runtime's {@code proxy.Backend}
 * implements it; settings are set before the pollers start and only read afterwards.
 */
public abstract class BackendModel {
    public final String name;
    /** Streams assigned to this backend now (HAProxy's beconn, %bc). */
    public final AtomicInteger beconn = new AtomicInteger();
    /** HAProxy's proxy id (iid): position among all proxies in the configuration, from 1 (set at build). */
    public int id;
    /** The last response refused as invalid ({@code show errors}), or null. */
    public volatile ErrorSnapshot lastResponseError;
    /** Activity counters, one lane per poller thread (replaced by the runtime before servers are added). */
    public Counters counters = new Counters(64);
    /** {@code stats enable} and friends of this section, or null. */
    public StatsConfig stats;
    public long timeoutConnect, timeoutServer, timeoutQueue, timeoutTunnel, timeoutServerFin;
    public int retries = 3;
    public ConnectionMode connMode = ConnectionMode.KEEP_ALIVE;
    /** tune.bufsize: channel size and the largest HTTP/1 head. */
    public int bufSize = 16384;
    public ReuseMode reuse = ReuseMode.SAFE;
    /** {@code option forwardfor}, {@code option http-buffer-request}, {@code option abortonclose}, {@code option splice-request}, {@code option splice-response}. */
    public boolean forwardFor, bufferRequest, abortOnClose, spliceRequest, spliceResponse;
    protected BackendModel(String name) {
        this.name = name;
    }

    public abstract boolean retryOn(RetryOn r);

    /** Retries beyond connection failures need the request kept for replay. */
    public abstract boolean l7Retries();

    /**
     * HAProxy's "retry_safe": with conn-failure, empty-response and response-timeout all retried,
     * a first request may use any idle connection since a stale one costs only a retry.
     */
    public abstract boolean retrySafe();

    /** The backend has servers at all (usable or not). */
    public abstract boolean hasServers();

    /** Servers that may take new requests now (HAProxy's srv_act). */
    public abstract int usableCount();

    /**
     * The server for a new request, counted as load-balanced in lane {@code tid} (the calling
     * poller thread's); null when none is usable.
     */
    public abstract ServerModel pick(int tid);

    /**
     * The server for a connection or L7 retry from {@code srv}, one of this backend's, with
     * {@code retriesLeft} retries left after this one: another one with {@code option
     * redispatch} when HAProxy would choose another, else {@code srv}.
     */
    public abstract ServerModel redispatchTarget(ServerModel srv, int retriesLeft, int tid);
}
