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
import dev.epoxy.stream.IdlePools;
import dev.epoxy.stream.SoftStop;
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
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger(ProxyRuntime.class);
    }
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
    /** Health checks to start, in configuration order (their position spreads their first run). */
    private final List<CheckSpec> checkSpecs = new ArrayList<>();
    private final List<HealthCheck> checks = new ArrayList<>();

    private record CheckSpec(Server srv, ServerConfig cfg, ProxyConfig proxy, SockAddr addr, HealthCheck.BackendLog log) {
    }

    /** Backends with their own log targets: where server state changes are logged. */
    private final Map<String, AccessLog> adminLogs = new HashMap<>();
    /** Every connection and HTTP/1 channel buffer of the process (the budget). */
    public final BufferPool buffers;
    /** The pipes bodies are spliced through (tune.maxpipes). */
    public final dev.epoxy.conn.Pipe.Pool pipes;
    private final List<Listener> statsListeners = new ArrayList<>();
    private final Stats stats;
    private final SoftStop softStop;
    /** Listening sockets received from the previous process (reload), not yet matched to a bind. */
    private final List<Integer> inherited = new ArrayList<>();
    /** Counts down once the soft stop has closed the listeners and every client connection ended. */
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicInteger listenersOpen = new java.util.concurrent.atomic.AtomicInteger();
    private boolean stopBegun;

    public ProxyRuntime(Config cfg) {
        this.cfg = cfg;
        // Like HAProxy, raise the soft open-file limit to the hard one; the fd table covers it.
        long nofile = dev.epoxy.sys.Sys.epoxy_raise_nofile();
        int limit = (int) Math.min(MAX_FDS, Math.max(4096, nofile > 0 ? nofile : 65536));
        this.fds = new FdTable(limit);
        this.pollers = new Pollers(fds, cfg.global().threads(), cfg.global().edgeTriggered());
        this.softStop = new SoftStop(pollers.size());
        pollers.configureStallReport(cfg.global().stallReportMs());
        pollers.busyPolling(cfg.global().busyPolling());
        pollers.pollNap(cfg.global().pollNapUs());
        int bufSize = cfg.global().bufsize();
        // One pool for all connection buffers and H1 channels, sized for a whole HTTP/2 frame:
        // an H1 listener may turn into HTTP/2 when a client sends the preface.
        // The budget (tune.buffers.limit / reserve): derived from maxconn, or from what the fd
        // limit allows (two fds per client connection), as HAProxy sizes its memory.
        int bufLimit = cfg.global().buffersLimit(Math.max(1, (limit - 100) / 2), pollers.size());
        this.buffers = new BufferPool(pollers.size(), H2Conn.bufferSizeFor(bufSize), bufLimit,
                cfg.global().buffersReserve(bufLimit, pollers.size()));
        this.pipes = new dev.epoxy.conn.Pipe.Pool(cfg.global().maxpipes(Math.max(1, (limit - 100) / 2)));
        // HAProxy's proxy ids (iid): in configuration order from 2, after its internal GLOBAL proxy
        // (the CLI's); a listen section is one proxy with one id.
        Map<String, Integer> ids = new HashMap<>();
        for (ProxyConfig p : cfg.proxies())
            ids.putIfAbsent(p.kind() + ":" + p.name(), ids.size() + 2);
        for (ProxyConfig p : cfg.proxies()) {
            if (p.kind() == ProxyKind.FRONTEND)
                continue;
            Backend be = new Backend(p.name());
            be.id = ids.get(p.kind() + ":" + p.name());
            if (!p.logs().isEmpty()) {
                List<AccessLog.Target> targets = new ArrayList<>();
                for (LogTarget t : p.logs())
                    targets.add(AccessLog.Target.of(t, logOutputs.computeIfAbsent(t, this::output)));
                adminLogs.put(p.name(), new AccessLog(logWriter, targets, false, System.nanoTime() / 1_000_000));
            }
            be.counters = new dev.epoxy.metrics.Counters(pollers.size());
            be.stats = p.stats();
            be.http = p.isHttp();
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
            be.spliceRequest = p.hasOption(ProxyOption.SPLICE_REQUEST);
            be.spliceResponse = p.hasOption(ProxyOption.SPLICE_RESPONSE);
            be.balance = p.balance();
            // Server state changes (checks and runtime API alike) go to the backend's log targets.
            AccessLog events = adminLogs.get(p.name());
            HealthCheck.BackendLog beLog = events == null ? null : events::event;
            for (ServerConfig s : p.servers()) {
                Server srv = new Server(be, s.name(), resolve(s.host(), s.port(), s.where()), s.h2(),
                        new IdlePools(pollers.size(), s.poolMaxConn(), s.poolPurgeDelayMs(), cfg.global().idlePoolShared()));
                srv.maxconn = s.maxconn();
                srv.state = new ServerState(s.check().enabled(), s.check().rise(), s.check().fall());
                srv.id = be.servers.size() + 1;
                be.servers.add(srv);
                if (s.check().enabled()) {
                    SockAddr ca = resolve(s.check().addr() != null ? s.check().addr() : s.host(),
                            s.check().port() > 0 ? s.check().port() : s.port(), s.where());
                    checkSpecs.add(new CheckSpec(srv, s, p, ca, beLog));
                }
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
            fe.id = ids.get(p.kind() + ":" + p.name());
            fe.maxHdr = cfg.global().maxhdr();
            fe.global = globalConns;
            fe.local = new ConnLimit(p.maxconn());
            fe.counters = new dev.epoxy.metrics.Counters(pollers.size());
            fe.softStop = softStop;
            frontends.put(p.name(), fe);
        }
        stats = new Stats(frontends.values(), backends.values(), pollers, buffers, globalConns, cfg.global().maxconn(),
                logWriter::dropped);
        for (Frontend fe : frontends.values()) {
            fe.statsSource = stats;
            fe.pipes = pipes;
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
        for (int i = 0; i < checkSpecs.size(); i++) {
            CheckSpec c = checkSpecs.get(i);
            checks.add(new HealthCheck(pollers.get(i % pollers.size()), c.srv(), c.cfg().check(), c.proxy().httpCheck(),
                    c.addr(), c.proxy().timeouts().check(), c.proxy().timeouts().connect(), c.log()));
        }
        HealthCheck.startAll(checks);
        ConnLimit global = globalConns;
        for (ProxyConfig p : cfg.proxies()) {
            if (p.kind() == ProxyKind.BACKEND)
                continue;
            Frontend fe = frontends.get(p.name());
            ConnLimit local = fe.local;
            frontendConns.put(p.name(), local);
            List<Listener> ls = new ArrayList<>();
            for (BindConfig b : p.binds()) {
                Listener.Acceptor inner = p.mode() == Mode.TCP
                        ? (poller, fd, addr, port, onClose) -> TcpSession.start(poller, fd, fe, addr, port, onClose)
                        : b.h2()
                        ? (poller, fd, addr, port, onClose) -> dev.epoxy.h2.H2FrontMux.start(poller, fd, fe, addr, port, onClose)
                        : (poller, fd, addr, port, onClose) -> H1FrontMux.start(poller, fd, fe, addr, port, onClose);
                Listener.Acceptor acceptor = (poller, fd, addr, port, onClose) -> {
                    // On the connection's owner thread: its lane of the frontend's counters.
                    int t = poller.tid();
                    fe.counters.add(t, dev.epoxy.metrics.Counters.CONN_TOT, 1);
                    fe.counters.add(t, dev.epoxy.metrics.Counters.SESS_TOT, 1);
                    fe.counters.max(t, dev.epoxy.metrics.Counters.MAX_SESS, fe.feconn());
                    inner.accepted(poller, fd, addr, port, onClose);
                };
                SockAddr sa = resolve(b.host(), b.port(), b.where());
                int inheritedFd = takeInherited(sa);
                Listener l = inheritedFd >= 0 ? Listener.inherited(inheritedFd, sa, pollers, acceptor, global, local)
                        : new Listener(sa, pollers, acceptor, global, local);
                boolean smart = p.hasOption(ProxyOption.SMART_ACCEPT);
                if (!l.smartAccept(smart))
                    log().warn("{} '{}': could not turn option smart-accept {} on {}",
                            p.kind().keyword(), p.name(), smart ? "on" : "off", l.name);
                l.start();
                listenersOpen.incrementAndGet();
                ls.add(l);
            }
            listeners.put(p.name(), ls);
        }
        for (ProxyConfig p : cfg.proxies()) { // logged once every listener is open (log() starts SLF4J)
            List<Listener> ls = listeners.getOrDefault(p.name(), List.of());
            for (int i = 0; i < ls.size(); i++)
                log().debug("{} '{}' listening on {}:{}", p.kind().keyword(), p.name(), p.binds().get(i).host(), ls.get(i).port());
        }
        startStatsSockets();
        for (int fd : inherited) {
            log().info("listening socket fd {} from the previous process matches no bind: closed", fd);
            dev.epoxy.sys.Sys.epoxy_close(fd);
        }
        inherited.clear();
        log().info("epoxy started: {} thread(s), {} poller, {} frontend(s), {} backend(s)", pollers.size(),
                cfg.global().edgeTriggered() ? "epoll (edge-triggered)" : "epoll (level-triggered)",
                frontends.size(), backends.size());
    }

    /** The runtime API's sockets ({@code stats socket}), served on the pollers by {@link CliSession}. */
    private void startStatsSockets() throws IOException {
        if (cfg.global().statsSockets().isEmpty())
            return;
        Cli cli = new Cli(this, pollers, buffers);
        long timeout = cfg.global().statsTimeoutMs();
        for (dev.epoxy.config.StatsSocket ss : cfg.global().statsSockets()) {
            dev.epoxy.config.StatsSocket.Level level = ss.level();
            Listener.Acceptor acceptor = (poller, fd, addr, port, onClose) -> CliSession.start(cli, poller, fd, level, timeout, onClose);
            Listener l;
            if (ss.unix()) {
                int fd = dev.epoxy.sys.Net.listenUnix(ss.path(), 16, ss.mode());
                l = new Listener(fd, null, "unix@" + ss.path(), pollers, acceptor);
            } else {
                l = new Listener(resolve(ss.host(), ss.port(), ss.where()), pollers, acceptor);
            }
            l.start();
            statsListeners.add(l);
            log().debug("stats socket listening on {} (level {})", l.name, level.keyword());
        }
    }

    /** The port of the n-th TCP stats socket (for configs binding port 0 in tests), or -1. */
    public int statsPort(int n) throws IOException {
        int i = 0;
        for (Listener l : statsListeners)
            if (l.addr != null && i++ == n)
                return l.port();
        return -1;
    }

    Map<String, Frontend> frontends() {
        return frontends;
    }

    Map<String, Backend> backends() {
        return backends;
    }

    Map<String, List<Listener>> listeners() {
        return listeners;
    }

    int statsListenerCount() {
        return statsListeners.size();
    }

    ConnLimit globalLimit() {
        return globalConns;
    }

    /** A server state change from the runtime API: to the backend's log targets at a syslog severity, as HAProxy sends it. */
    void logAdmin(Backend be, String msg, int severity) {
        AccessLog l = adminLogs.get(be.name);
        if (l != null)
            l.event(msg, severity);
    }

    /**
     * Listening sockets received from the previous process (see {@code cli.Handover}); each one
     * bound to the same address and port as a {@code bind} line is used instead of a new socket.
     * Call before {@link #start}.
     */
    public void inherit(List<Integer> fds) {
        inherited.addAll(fds);
    }

    private int takeInherited(SockAddr sa) {
        if (sa.port == 0)
            return -1;
        for (int i = 0; i < inherited.size(); i++) {
            int fd = inherited.get(i);
            if (dev.epoxy.sys.Sys.epoxy_listens_on(fd, sa.address, sa.length) == 1) {
                inherited.remove(i);
                // Accepted sockets inherit TCP_NODELAY from it; a listener from an older
                // process may not have it yet.
                dev.epoxy.sys.Sys.epoxy_set_nodelay(fd, 1);
                log().debug("{}: using the listening socket of the previous process", sa);
                return fd;
            }
        }
        return -1;
    }

    /**
     * The listening sockets now open, for a new process taking over (reload). The caller sends
     * them while holding this runtime's monitor, which {@link #softStop} also takes before it
     * closes any, so a number is never sent after it was closed (and perhaps reused).
     */
    public synchronized List<Integer> listenerFds() {
        List<Integer> r = new ArrayList<>();
        if (stopBegun)
            return r;
        for (List<Listener> ls : listeners.values())
            for (Listener l : ls)
                r.add(l.fd);
        return r;
    }

    /** Runs {@code r} with the listeners guaranteed open (see {@link #listenerFds}). */
    public synchronized void withListeners(java.util.function.Consumer<List<Integer>> r) {
        r.accept(listenerFds());
    }

    /**
     * Soft stop (HAProxy's SIGUSR1): close the listeners (the sockets themselves stay open in a
     * process they were handed to), let every exchange in progress finish, answer HTTP/1
     * requests with {@code Connection: close}, send GOAWAY on HTTP/2 connections. {@link
     * #awaitStopped} returns once the last client connection ended. From any thread, idempotent.
     */
    public void softStop() {
        synchronized (this) {
            if (stopBegun)
                return;
            stopBegun = true;
        }
        log().info("soft stop: closing {} listener(s), waiting for {} client connection(s)", listenersOpen.get(),
                globalConns.current());
        pollers.busyPolling(false); // HAProxy too: an old process leaves the CPU to its successor
        softStop.begin(pollers);
        Runnable check = () -> {
            if (listenersOpen.get() == 0 && globalConns.current() == 0)
                stopped.countDown();
        };
        globalConns.onZero = check;
        List<Listener> all = new ArrayList<>();
        for (List<Listener> ls : listeners.values())
            all.addAll(ls);
        if (all.isEmpty())
            check.run();
        for (Listener l : all)
            l.unbind(() -> {
                listenersOpen.decrementAndGet();
                check.run();
            });
    }

    /** Waits for the end of a soft stop; false if {@code ms} (0: forever) passed first. */
    public boolean awaitStopped(long ms) throws InterruptedException {
        if (ms <= 0) {
            stopped.await();
            return true;
        }
        return stopped.await(ms, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    public boolean stopping() {
        return softStop.stopping();
    }

    /** Client connections of the whole process open now. */
    public int connections() {
        return globalConns.current();
    }

    /** A frontend's n-th listener (tests). */
    Listener listener(String frontend, int bind) {
        return listeners.get(frontend).get(bind);
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

    /** The figures of the metrics exporter and the statistics page. */
    public Stats stats() {
        return stats;
    }

    public Pollers pollers() {
        return pollers;
    }

    @Override
    public void close() {
        for (HealthCheck c : checks)
            c.stop();
        for (List<Listener> ls : listeners.values())
            for (Listener l : ls)
                l.close();
        for (Listener l : statsListeners)
            l.close();
        pollers.close();
        pipes.close();
        logWriter.close();
    }

    /** Log lines dropped so far because a log target did not keep up. */
    public long logDrops() {
        return logWriter.dropped();
    }
}
