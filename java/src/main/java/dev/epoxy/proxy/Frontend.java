package dev.epoxy.proxy;

import dev.epoxy.config.ProxyConfig;
import dev.epoxy.config.ProxyOption;
import dev.epoxy.config.ReplyRule;
import dev.epoxy.config.UseBackendRule;
import dev.epoxy.conn.BufferPool;
import dev.epoxy.http.ConnectionMode;
import dev.epoxy.http.HttpHead;
import dev.epoxy.stream.BackendModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A frontend at run time (a {@code frontend} section or the front half of a {@code listen}):
 * client-side timeouts, redirect and backend-switching rules, logging. Immutable after start.
 */
public final class Frontend {
    public final String name;
    /** tune.bufsize: channel size and the largest HTTP/1 head. */
    public final int bufSize;
    /** tune.http.maxhdr: a request head must carry fewer header fields. */
    public int maxHdr = dev.epoxy.config.GlobalSettings.DEFAULT_MAXHDR;
    /** Connection buffers, large enough for a whole HTTP/2 frame. */
    public final BufferPool buffers;
    public final long timeoutClient, timeoutHttpRequest, timeoutKeepAlive, timeoutClientFin;
    private final ConnectionMode mode;
    /** {@code option forwardfor}, {@code option http-buffer-request}, {@code option dontlognull}. */
    public final boolean forwardFor, bufferRequest, dontLogNull;
    private final List<ReplyRule> redirects;
    private final List<UseBackendRule> useBackends;
    private final List<Backend> useBackendTargets = new ArrayList<>();
    private final Backend defaultBackend;
    private final AccessLog log;
    /** Client connections of the whole process (%ac) and of this frontend (%fc); set before the listeners start. */
    ConnLimit global, local;
    /** HAProxy's proxy id (iid): position among all proxies in the configuration, from 1 (set at build). */
    public int id;
    /** The last request refused by the parser ({@code show errors}), or null. */
    public volatile ErrorSnapshot lastRequestError;
    /** Activity counters, one lane per poller thread (replaced by the runtime before start). */
    public dev.epoxy.metrics.Counters counters = new dev.epoxy.metrics.Counters(64);
    /** {@code maxconn} of this frontend (0: none). */
    public final int maxconn;
    public final boolean http;
    /** {@code stats enable} and friends of this section, or null. */
    public final dev.epoxy.config.StatsConfig stats;
    /** Answers {@code use-service} and stats requests; set by the runtime. */
    public Stats statsSource;
    /** The process's soft-stop state; set before the listeners start. */
    public SoftStop softStop = new SoftStop(1);

    public Frontend(ProxyConfig cfg, int bufSize, BufferPool buffers, Map<String, Backend> backends, AccessLog log) {
        this.name = cfg.name();
        this.buffers = buffers;
        this.bufSize = Math.min(bufSize, buffers.size());
        this.timeoutClient = cfg.timeouts().client();
        this.timeoutHttpRequest = cfg.timeouts().httpRequest();
        this.timeoutKeepAlive = cfg.timeouts().httpKeepAlive();
        this.timeoutClientFin = cfg.timeouts().clientFin();
        this.mode = modeOf(cfg);
        this.forwardFor = cfg.hasOption(ProxyOption.FORWARDFOR);
        this.bufferRequest = cfg.hasOption(ProxyOption.HTTP_BUFFER_REQUEST);
        this.dontLogNull = cfg.hasOption(ProxyOption.DONTLOGNULL);
        this.redirects = cfg.redirects();
        this.useBackends = cfg.useBackends();
        for (UseBackendRule r : useBackends)
            useBackendTargets.add(backends.get(r.backend()));
        this.defaultBackend = cfg.defaultBackend() != null ? backends.get(cfg.defaultBackend()) : backends.get(cfg.name());
        this.log = log;
        this.maxconn = cfg.maxconn();
        this.http = cfg.isHttp();
        this.stats = cfg.stats();
    }

    static ConnectionMode modeOf(ProxyConfig cfg) {
        if (cfg.hasOption(ProxyOption.HTTPCLOSE))
            return ConnectionMode.HTTP_CLOSE;
        if (cfg.hasOption(ProxyOption.HTTP_SERVER_CLOSE))
            return ConnectionMode.HTTP_SERVER_CLOSE;
        return ConnectionMode.KEEP_ALIVE;
    }

    /** HAProxy combines both sides' modes; the one that closes more wins. */
    public ConnectionMode connMode(BackendModel be) {
        if (be == null)
            return mode;
        return mode.ordinal() >= be.connMode.ordinal() ? mode : be.connMode;
    }

    /** The first matching redirect rule, or null. */
    public ReplyRule redirect(HttpHead h) {
        for (ReplyRule r : redirects) {
            if (r.condition() == null || r.condition().matches(h.path(), h::get))
                return r;
        }
        return null;
    }

    /** mode tcp: the first use_backend without a condition, else the default backend. */
    public Backend tcpBackend() {
        for (int i = 0; i < useBackends.size(); i++) {
            UseBackendRule r = useBackends.get(i);
            if (r.condition() == null || r.condition() == dev.epoxy.config.Condition.ALWAYS)
                return useBackendTargets.get(i);
        }
        return defaultBackend;
    }

    /** The first matching use_backend, else the default backend, else null. */
    public Backend selectBackend(HttpHead h) {
        for (int i = 0; i < useBackends.size(); i++) {
            UseBackendRule r = useBackends.get(i);
            if (r.condition() == null || r.condition().matches(h.path(), h::get))
                return useBackendTargets.get(i);
        }
        return defaultBackend;
    }

    public void log(dev.epoxy.stream.Stream s) {
        if (log != null)
            log.stream(s);
    }

    /** A stall report of one of this frontend's streams, for its log target (if any). */
    public void logStall(String line) {
        if (log != null)
            log.warning(name, line);
    }

    public AccessLog accessLog() {
        return log;
    }

    /**
     * A request that never became a stream ({@code cause} P, c or C; see {@link AccessLog#badRequest}).
     * {@code empty}: nothing at all was received, which {@code option dontlognull} keeps out of the log.
     */
    public void logBadRequest(dev.epoxy.stream.Stream.Origin o, int status, long start, long end, long bytes,
            char cause, boolean empty) {
        dev.epoxy.poller.Poller p = dev.epoxy.poller.Poller.current();
        if (p != null && !empty) {
            int t = p.tid();
            counters.add(t, dev.epoxy.metrics.Counters.REQ_TOT, 1);
            counters.add(t, dev.epoxy.metrics.Counters.REQ_ERR, 1);
            counters.add(t, dev.epoxy.metrics.Counters.statusField(status), 1);
        }
        if (log != null && !(empty && dontLogNull))
            log.badRequest(this, o, status, start, end, bytes, cause);
    }

    /** Client connections open in the process now (HAProxy's actconn). */
    public int actconn() {
        return global != null ? global.current() : 0;
    }

    /** This frontend's own {@code maxconn} counter (for the runtime API). */
    public ConnLimit limit() {
        return local;
    }

    /** Client connections open on this frontend now (HAProxy's feconn). */
    public int feconn() {
        return local != null ? local.current() : 0;
    }

    public void logError(String addr, int port, String message) {
        if (log != null)
            log.error(this, addr, port, message);
    }
}
