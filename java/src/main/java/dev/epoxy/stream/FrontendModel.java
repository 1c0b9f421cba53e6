package dev.epoxy.stream;

import dev.epoxy.config.GlobalSettings;
import dev.epoxy.config.ProxyConfig;
import dev.epoxy.config.ProxyOption;
import dev.epoxy.config.ReplyRule;
import dev.epoxy.config.StatsConfig;
import dev.epoxy.conn.BufferPool;
import dev.epoxy.conn.Connection;
import dev.epoxy.http.ConnectionMode;
import dev.epoxy.http.HttpHead;
import dev.epoxy.metrics.Counters;
import dev.epoxy.poller.Poller;

/**
 * A frontend as streams and muxes see it: client-side settings, counters and the soft-stop state,
 * and what the runtime does for them (routing, logging, tunnels). The runtime's
 * {@code proxy.Frontend} implements it; settings are fixed before the listeners start.
 */
public abstract class FrontendModel {
    public final String name;
    /** tune.bufsize: channel size and the largest HTTP/1 head. */
    public final int bufSize;
    /** tune.http.maxhdr: a request head must carry fewer header fields. */
    public int maxHdr = GlobalSettings.DEFAULT_MAXHDR;
    /** Connection buffers, large enough for a whole HTTP/2 frame. */
    public final BufferPool buffers;
    public final long timeoutClient, timeoutHttpRequest, timeoutKeepAlive, timeoutClientFin;
    /** {@code option forwardfor}, {@code option http-buffer-request}, {@code option splice-request}, {@code option splice-response}. */
    public final boolean forwardFor, bufferRequest, spliceRequest, spliceResponse;
    /** HAProxy's proxy id (iid): position among all proxies in the configuration, from 1 (set at build). */
    public int id;
    /** The last request refused by the parser ({@code show errors}), or null. */
    public volatile ErrorSnapshot lastRequestError;
    /** Activity counters, one lane per poller thread (replaced by the runtime before start). */
    public Counters counters = new Counters(64);
    /** {@code stats enable} and friends of this section, or null. */
    public final StatsConfig stats;
    /** The kernel pipes spliced bodies go through; set by the runtime (none: never splice). */
    public dev.epoxy.conn.Pipe.Pool pipes = new dev.epoxy.conn.Pipe.Pool(0);
    /** Answers {@code use-service} and stats requests; set by the runtime. */
    public StatsPages statsSource;
    /** The process's soft-stop state; set before the listeners start. */
    public SoftStop softStop = new SoftStop(1);

    protected FrontendModel(ProxyConfig cfg, int bufSize, BufferPool buffers) {
        this.name = cfg.name();
        this.buffers = buffers;
        this.bufSize = Math.min(bufSize, buffers.size());
        this.timeoutClient = cfg.timeouts().client();
        this.timeoutHttpRequest = cfg.timeouts().httpRequest();
        this.timeoutKeepAlive = cfg.timeouts().httpKeepAlive();
        this.timeoutClientFin = cfg.timeouts().clientFin();
        this.forwardFor = cfg.hasOption(ProxyOption.FORWARDFOR);
        this.bufferRequest = cfg.hasOption(ProxyOption.HTTP_BUFFER_REQUEST);
        this.spliceRequest = cfg.hasOption(ProxyOption.SPLICE_REQUEST);
        this.spliceResponse = cfg.hasOption(ProxyOption.SPLICE_RESPONSE);
        this.stats = cfg.stats();
    }

    /** HAProxy combines both sides' modes; the one that closes more wins. */
    public abstract ConnectionMode connMode(BackendModel be);

    /** The first matching redirect rule, or null. */
    public abstract ReplyRule redirect(HttpHead h);

    /** The first matching use_backend, else the default backend, else null. */
    public abstract BackendModel selectBackend(HttpHead h);

    /** Logs a finished stream. */
    public abstract void log(Stream s);

    /** Whether {@link #log} writes anything: what only a log line needs is not made otherwise. */
    public abstract boolean logs();

    /** A stall report of one of this frontend's streams, for its log target (if any). */
    public abstract void logStall(String line);

    /**
     * A request that never became a stream ({@code cause} P, c or C). {@code empty}: nothing at
     * all was received, which {@code option dontlognull} keeps out of the log.
     */
    public abstract void logBadRequest(Stream.Origin o, int status, long start, long end, long bytes, char cause,
            boolean empty);

    public abstract void logError(String addr, int port, String message);

    /**
     * After a protocol switch (101), relays bytes between the handed-over client and server
     * connections of a stream of {@code be}/{@code srv} until either side ends; {@code onClose}
     * runs when it does. On {@code p}'s thread.
     */
    public abstract void tunnel(Poller p, BackendModel be, ServerModel srv, Connection front, Connection back,
            Runnable onClose);
}
