package dev.epoxy.proxy;

import dev.epoxy.config.BindConfig;
import dev.epoxy.config.Config;
import dev.epoxy.config.LogTarget;
import dev.epoxy.config.Mode;
import dev.epoxy.config.ProxyConfig;
import dev.epoxy.config.ProxyKind;
import dev.epoxy.config.ProxyOption;
import dev.epoxy.config.ServerConfig;
import dev.epoxy.conn.BufferPool;
import dev.epoxy.fd.FdTable;
import dev.epoxy.h2.H2Conn;
import dev.epoxy.h1.H1FrontMux;
import dev.epoxy.poller.Pollers;
import dev.epoxy.sys.SockAddr;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy: the pollers (one per thread), the backends and frontends built from the
 * configuration, and the listeners. Built and started from the main thread; afterwards all
 * traffic runs on the poller threads.
 */
public final class ProxyRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyRuntime.class);
    private static final int MAX_FDS = 1 << 20;

    private final Config cfg;
    private final FdTable fds;
    private final Pollers pollers;
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private final Map<String, Frontend> frontends = new LinkedHashMap<>();
    private final Map<String, List<Listener>> listeners = new HashMap<>();
    /** Each frontend's own {@code maxconn} counter: its client connections open now. */
    private final Map<String, ConnLimit> frontendConns = new HashMap<>();
    private final LogWriter logWriter = new LogWriter();
    /** One output per distinct log target, shared by the frontends that log there. */
    private final Map<LogTarget, LogWriter.Output> logOutputs = new HashMap<>();
    private final ConnLimit globalConns;
    /** Every connection and HTTP/1 channel buffer of the process (the budget). */
    public final BufferPool buffers;

    public ProxyRuntime(Config cfg) {
        this.cfg = cfg;
        // Like HAProxy, raise the soft open-file limit to the hard one; the fd table covers it.
        long nofile = dev.epoxy.sys.Sys.epoxy_raise_nofile();
        int limit = (int) Math.min(MAX_FDS, Math.max(4096, nofile > 0 ? nofile : 65536));
        this.fds = new FdTable(limit);
        this.pollers = new Pollers(fds, cfg.global().threads(), cfg.global().edgeTriggered());
        pollers.configureStallReport(cfg.global().stallReportMs());
        int bufSize = cfg.global().bufsize();
        // One pool for all connection buffers and H1 channels, sized for a whole HTTP/2 frame:
        // an H1 listener may turn into HTTP/2 when a client sends the preface.
        // The budget (tune.buffers.limit / reserve): derived from maxconn, or from what the fd
        // limit allows (two fds per client connection), as HAProxy sizes its memory.
        int bufLimit = cfg.global().buffersLimit(Math.max(1, (limit - 100) / 2), pollers.size());
        this.buffers = new BufferPool(pollers.size(), H2Conn.bufferSizeFor(bufSize), bufLimit,
                cfg.global().buffersReserve(bufLimit, pollers.size()));
        for (ProxyConfig p : cfg.proxies()) {
            if (p.kind() == ProxyKind.FRONTEND)
                continue;
            Backend be = new Backend(p.name());
            be.timeoutConnect = p.timeouts().connect();
            be.timeoutServer = p.timeouts().server();
            be.timeoutQueue = p.timeouts().queue();
            be.timeoutTunnel = p.timeouts().tunnel();
            be.timeoutServerFin = p.timeouts().serverFin();
            be.retries = p.retries();
            be.connMode = Frontend.modeOf(p);
            be.buffers = buffers;
            be.bufSize = bufSize;
            be.maxHdr = cfg.global().maxhdr();
            be.reuse = p.reuse();
            be.setRetryOn(p.retryOn());
            be.redispatch = p.hasOption(ProxyOption.REDISPATCH);
            be.forwardFor = p.hasOption(ProxyOption.FORWARDFOR);
            be.bufferRequest = p.hasOption(ProxyOption.HTTP_BUFFER_REQUEST);
            be.abortOnClose = p.hasOption(ProxyOption.ABORTONCLOSE);
            be.balance = p.balance();
            for (ServerConfig s : p.servers()) {
                Server srv = new Server(be, s.name(), resolve(s.host(), s.port(), s.where()), s.h2(),
                        new IdlePools(pollers.size(), s.poolMaxConn(), s.poolPurgeDelayMs()));
                srv.maxconn = s.maxconn();
                be.servers.add(srv);
            }
            backends.put(p.name(), be);
        }
        long now = System.nanoTime() / 1_000_000;
        globalConns = new ConnLimit(cfg.global().maxconn());
        for (ProxyConfig p : cfg.proxies()) {
            if (p.kind() == ProxyKind.BACKEND)
                continue;
            AccessLog log = null;
            if (!p.logs().isEmpty()) {
                List<AccessLog.Target> targets = new ArrayList<>();
                for (LogTarget t : p.logs())
                    targets.add(AccessLog.Target.of(t, logOutputs.computeIfAbsent(t, this::output)));
                log = new AccessLog(logWriter, targets, p.hasOption(ProxyOption.HTTPLOG), now);
            }
            Frontend fe = new Frontend(p, bufSize, buffers, backends, log);
            fe.maxHdr = cfg.global().maxhdr();
            fe.global = globalConns;
            fe.local = new ConnLimit(p.maxconn());
            frontends.put(p.name(), fe);
        }
    }

    private LogWriter.Output output(LogTarget t) {
        switch (t.stream()) {
            case STDOUT:
                return logWriter.std(false);
            case STDERR:
                return logWriter.std(true);
            case UNIX:
                return logWriter.datagram(dev.epoxy.sys.Datagram.unix(t.address()));
            default:
                SockAddr a = resolve(t.address(), t.port(), "log " + t.address());
                return logWriter.datagram(dev.epoxy.sys.Datagram.udp(a.host, a.port));
        }
    }

    /** Numeric addresses as they are; host names resolved once, at start, like HAProxy's libc resolution. */
    private static SockAddr resolve(String host, int port, String where) {
        try {
            return SockAddr.of(host, port);
        } catch (IllegalArgumentException notNumeric) {
            try {
                return SockAddr.of(java.net.InetAddress.getByName(host).getHostAddress(), port);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(where + ": could not resolve address '" + host + "'");
            }
        }
    }

    public void start() throws IOException {
        pollers.start();
        ConnLimit global = globalConns;
        for (ProxyConfig p : cfg.proxies()) {
            if (p.kind() == ProxyKind.BACKEND)
                continue;
            Frontend fe = frontends.get(p.name());
            ConnLimit local = fe.local;
            frontendConns.put(p.name(), local);
            List<Listener> ls = new ArrayList<>();
            for (BindConfig b : p.binds()) {
                Listener.Acceptor acceptor = p.mode() == Mode.TCP
                        ? (poller, fd, addr, port, onClose) -> TcpSession.start(poller, fd, fe, addr, port, onClose)
                        : b.h2()
                        ? (poller, fd, addr, port, onClose) -> dev.epoxy.h2.H2FrontMux.start(poller, fd, fe, addr, port, onClose)
                        : (poller, fd, addr, port, onClose) -> H1FrontMux.start(poller, fd, fe, addr, port, onClose);
                Listener l = new Listener(resolve(b.host(), b.port(), b.where()), pollers, acceptor, global, local);
                l.start();
                ls.add(l);
                LOG.debug("{} '{}' listening on {}:{}", p.kind().keyword(), p.name(), b.host(), l.port());
            }
            listeners.put(p.name(), ls);
        }
        LOG.info("epoxy started: {} thread(s), {} poller, {} frontend(s), {} backend(s)", pollers.size(),
                cfg.global().edgeTriggered() ? "epoll (edge-triggered)" : "epoll (level-triggered)",
                frontends.size(), backends.size());
    }

    /** The port a frontend's n-th bind listens on (for configs binding port 0 in tests). */
    public int port(String frontend, int bind) throws IOException {
        return listeners.get(frontend).get(bind).port();
    }

    /**
     * Client connections of a frontend open now. A connection counts until its session is torn
     * down, server connections it owned closed or pooled (for tests waiting on that).
     */
    public int connections(String frontend) {
        return frontendConns.get(frontend).current();
    }

    public Backend backend(String name) {
        return backends.get(name);
    }

    public Pollers pollers() {
        return pollers;
    }

    @Override
    public void close() {
        for (List<Listener> ls : listeners.values())
            for (Listener l : ls)
                l.close();
        pollers.close();
        logWriter.close();
    }

    /** Log lines dropped so far because a log target did not keep up. */
    public long logDrops() {
        return logWriter.dropped();
    }
}
