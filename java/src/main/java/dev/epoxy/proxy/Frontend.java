package dev.epoxy.proxy;

import dev.epoxy.config.ProxyConfig;
import dev.epoxy.config.ProxyOption;
import dev.epoxy.config.ReplyRule;
import dev.epoxy.config.UseBackendRule;
import dev.epoxy.conn.BufferPool;
import dev.epoxy.conn.Connection;
import dev.epoxy.http.ConnectionMode;
import dev.epoxy.http.HttpHead;
import dev.epoxy.poller.Poller;
import dev.epoxy.stream.BackendModel;
import dev.epoxy.stream.FrontendModel;
import dev.epoxy.stream.ServerModel;
import dev.epoxy.stream.Stream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A frontend at run time (a {@code frontend} section or the front half of a {@code listen}):
 * client-side timeouts, redirect and backend-switching rules, logging (what streams and muxes read
 * is in {@link FrontendModel}). Immutable after start.
 */
public final class Frontend extends FrontendModel {
    private final ConnectionMode mode;
    /** {@code option dontlognull}. */
    public final boolean dontLogNull;
    private final List<ReplyRule> redirects;
    private final List<UseBackendRule> useBackends;
    private final List<Backend> useBackendTargets = new ArrayList<>();
    private final Backend defaultBackend;
    private final AccessLog log;
    /** Client connections of the whole process (%ac) and of this frontend (%fc); set before the listeners start. */
    ConnLimit global, local;
    /** {@code maxconn} of this frontend (0: none). */
    public final int maxconn;
    public final boolean http;

    public Frontend(ProxyConfig cfg, int bufSize, BufferPool buffers, Map<String, Backend> backends, AccessLog log) {
        super(cfg, bufSize, buffers);
        this.mode = modeOf(cfg);
        this.dontLogNull = cfg.hasOption(ProxyOption.DONTLOGNULL);
        this.redirects = cfg.redirects();
        this.useBackends = cfg.useBackends();
        for (UseBackendRule r : useBackends)
            useBackendTargets.add(backends.get(r.backend()));
        this.defaultBackend = cfg.defaultBackend() != null ? backends.get(cfg.defaultBackend()) : backends.get(cfg.name());
        this.log = log;
        this.maxconn = cfg.maxconn();
        this.http = cfg.isHttp();
    }

    static ConnectionMode modeOf(ProxyConfig cfg) {
        if (cfg.hasOption(ProxyOption.HTTPCLOSE))
            return ConnectionMode.HTTP_CLOSE;
        if (cfg.hasOption(ProxyOption.HTTP_SERVER_CLOSE))
            return ConnectionMode.HTTP_SERVER_CLOSE;
        return ConnectionMode.KEEP_ALIVE;
    }

    @Override
    public ConnectionMode connMode(BackendModel be) {
        if (be == null)
            return mode;
        return mode.ordinal() >= be.connMode.ordinal() ? mode : be.connMode;
    }

    @Override
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

    @Override
    public Backend selectBackend(HttpHead h) {
        for (int i = 0; i < useBackends.size(); i++) {
            UseBackendRule r = useBackends.get(i);
            if (r.condition() == null || r.condition().matches(h.path(), h::get))
                return useBackendTargets.get(i);
        }
        return defaultBackend;
    }

    @Override
    public void log(Stream s) {
        if (log != null)
            log.stream(s);
    }

    @Override
    public boolean logs() {
        return log != null;
    }

    @Override
    public void logStall(String line) {
        if (log != null)
            log.warning(name, line);
    }

    public AccessLog accessLog() {
        return log;
    }

    /**
     * {@inheritDoc} See {@link AccessLog#badRequest}.
     */
    @Override
    public void logBadRequest(Stream.Origin o, int status, long start, long end, long bytes,
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

    @Override
    public void tunnel(Poller p, BackendModel be, ServerModel srv, Connection front, Connection back,
            Runnable onClose) {
        // A stream's backend and server are the runtime's: it picked them through this frontend.
        TcpSession.tunnel(p, this, (Backend) be, (Server) srv, front, back, onClose);
    }

    @Override
    public void logError(String addr, int port, String message) {
        if (log != null)
            log.error(this, addr, port, message);
    }
}
