package dev.epoxy.proxy;

import dev.epoxy.conn.BufferPool;
import dev.epoxy.metrics.Counters;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The process's figures as HAProxy shows them: Prometheus text exposition (HAProxy's exporter
 * names, plus Epoxy's own {@code epoxy_*} poller figures), the {@code show stat} CSV and the HTML
 * statistics page. Built on whichever poller thread serves the request, from counters summed over
 * every thread's lane (see {@link Counters}) and from the shared gauges (connection limits,
 * beconn, server slots and queues); figures are each read once, so a page is consistent per
 * figure, not across figures.
 */
public final class Stats implements dev.epoxy.stream.StatsPages {
    private final Collection<Frontend> frontends;
    private final Collection<Backend> backends;
    private final Pollers pollers;
    private final BufferPool buffers;
    private final ConnLimit global;
    private final int globalMaxconn;
    private final java.util.function.LongSupplier droppedLogs;
    private final long startMs = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();

    Stats(Collection<Frontend> frontends, Collection<Backend> backends, Pollers pollers, BufferPool buffers,
            ConnLimit global, int globalMaxconn, java.util.function.LongSupplier droppedLogs) {
        this.frontends = frontends;
        this.backends = backends;
        this.pollers = pollers;
        this.buffers = buffers;
        this.global = global;
        this.globalMaxconn = globalMaxconn;
        this.droppedLogs = droppedLogs;
    }

    // ------------------------------------------------------------------ rows

    enum Type { FRONTEND, BACKEND, SERVER }

    /**
     * One line of {@code show stat}: a frontend, a backend or a server, every figure read once.
     * The single source of the CSV (runtime API and stats page), the HTML page and the Prometheus
     * families; -1 means "not kept" (an empty CSV field, no Prometheus sample).
     */
    static final class Row {
        final Type type;
        final String px, sv;
        final boolean http;
        /** HAProxy's proxy id (iid, from the configuration) and server id (sid, 0 for frontend and backend rows). */
        final int iid, sid;
        long qcur = -1, qmax = -1, scur, smax, slim = -1, stot, bin, bout, ereq = -1, econ = -1, eresp = -1,
                wretr = -1, wredis = -1, weight = -1, act = -1, bck = -1, lbtot = -1, reqTot, cliAbrt = -1,
                srvAbrt = -1, lastSessMs = -1, connTot = -1, intercepted = -1, connect = -1, reuse = -1,
                idleCur = -1, idleLim = -1;
        /** Wall-clock ms of the last state change (servers; the latest of its servers' for a backend), -1 if none. */
        long lastChangeMs = -1;
        final long[] hrsp = new long[6];
        /** The status column: OPEN, UP/DOWN for a backend, {@link #status(ServerState.Snapshot)} for a server. */
        String status;
        /** A server's state, read once (one snapshot gives status, weight and check columns); null for other rows. */
        ServerState.Snapshot state;
        /** A server's address, a backend's balance algorithm; null otherwise. */
        String addr, algo;

        Row(Type type, String px, String sv, boolean http, int iid, int sid) {
            this.type = type;
            this.px = px;
            this.sv = sv;
            this.http = http;
            this.iid = iid;
            this.sid = sid;
        }

        /** Seconds since the last session, -1 if none yet. */
        long lastSess(long nowMs) {
            return lastSessMs <= 0 ? -1 : Math.max(0, (nowMs - lastSessMs) / 1000);
        }

        /** The state label of {@code haproxy_server_status}: UP (also "no check" and "UP n/fall"), DOWN (also "DOWN n/rise"), MAINT or DRAIN. */
        String promState() {
            if (status.startsWith("DOWN"))
                return "DOWN";
            if (status.equals("MAINT") || status.equals("DRAIN"))
                return status;
            return "UP";
        }
    }

    /**
     * HAProxy's server status column: MAINT, then DRAIN, then "no check" for an unchecked server,
     * else UP/DOWN from the checks, with "UP n/fall" while failing and "DOWN n/rise" while rising.
     */
    static String status(ServerState.Snapshot st) {
        if (st.maint())
            return "MAINT";
        if (st.drain() && st.op() == ServerState.Op.UP)
            return "DRAIN";
        if (!st.checked())
            return "no check";
        int max = st.rise() + st.fall() - 1;
        if (st.op() == ServerState.Op.UP)
            return st.health() < max ? "UP " + (st.health() - st.rise() + 1) + "/" + st.fall() : "UP";
        return st.health() > 0 ? "DOWN " + st.health() + "/" + st.rise() : "DOWN";
    }

    private static long sumHrsp(Counters c, int i) {
        return c.sum(Counters.HRSP_1XX + i);
    }

    private Row frontend(Frontend fe) {
        Counters c = fe.counters;
        Row r = new Row(Type.FRONTEND, fe.name, "FRONTEND", fe.http, fe.id, 0);
        r.scur = fe.feconn();
        r.smax = c.maxOf(Counters.MAX_SESS);
        // The limits as they are now: the runtime API may have changed them (set maxconn).
        ConnLimit own = fe.limit();
        int lim = own != null && own.max() > 0 ? own.max() : fe.maxconn > 0 ? fe.maxconn : global.max();
        r.slim = lim > 0 ? lim : -1;
        r.stot = c.sum(Counters.SESS_TOT);
        r.bin = c.sum(Counters.BYTES_IN);
        r.bout = c.sum(Counters.BYTES_OUT);
        r.ereq = c.sum(Counters.REQ_ERR);
        r.status = "OPEN";
        r.reqTot = c.sum(Counters.REQ_TOT);
        for (int i = 0; i < 6; i++)
            r.hrsp[i] = sumHrsp(c, i);
        r.connTot = c.sum(Counters.CONN_TOT);
        r.intercepted = c.sum(Counters.INTERCEPTED);
        return r;
    }

    private Row server(Backend be, Server s) {
        Counters c = s.counters;
        Row r = new Row(Type.SERVER, be.name, s.name, be.http, be.id, s.id);
        r.qcur = s.queued();
        r.qmax = c.maxOf(Counters.MAX_QUEUE);
        r.scur = s.served();
        r.smax = c.maxOf(Counters.MAX_SESS);
        r.slim = s.maxconn > 0 ? s.maxconn : -1;
        fillBackendSide(r, c);
        r.connect = c.sum(Counters.CONN_TOT);
        ServerState.Snapshot st = s.state.snapshot();
        r.state = st;
        r.status = status(st);
        r.weight = st.weight();
        r.act = 1; // an active (not backup) server, whatever its state, as HAProxy shows it
        r.bck = 0;
        r.lastChangeMs = st.lastChangeMs();
        r.addr = s.addr.toString();
        r.idleCur = s.pools.size();
        r.idleLim = s.pools.maxConn();
        return r;
    }

    private static void fillBackendSide(Row r, Counters c) {
        r.stot = c.sum(Counters.SESS_TOT);
        // Request bytes are those written to the server, response bytes those read from it.
        r.bin = c.sum(Counters.BYTES_OUT);
        r.bout = c.sum(Counters.BYTES_IN);
        r.econ = c.sum(Counters.CONN_ERR);
        r.eresp = c.sum(Counters.RESP_ERR);
        r.wretr = c.sum(Counters.RETRIES);
        r.wredis = c.sum(Counters.REDISPATCH);
        r.lbtot = c.sum(Counters.LBTOT);
        r.reqTot = c.sum(Counters.REQ_TOT);
        for (int i = 0; i < 6; i++)
            r.hrsp[i] = sumHrsp(c, i);
        r.cliAbrt = c.sum(Counters.CLI_ABRT);
        r.srvAbrt = c.sum(Counters.SRV_ABRT);
        r.lastSessMs = c.maxOf(Counters.LAST_SESS);
        r.reuse = c.sum(Counters.REUSE);
    }

    /**
     * The backend row, from the server rows just read: weight and act count the usable servers
     * (UP, not draining, weight above 0), status is UP while one is usable, or when there is no
     * server at all (HAProxy's {@code tot_weight > 0 || !px->srv}).
     */
    private Row backend(Backend be, List<Row> servers) {
        Counters c = be.counters;
        Row r = new Row(Type.BACKEND, be.name, "BACKEND", be.http, be.id, 0);
        fillBackendSide(r, c);
        r.qcur = 0;
        r.qmax = 0;
        r.bin = 0;
        r.bout = 0;
        r.connect = 0;
        long weight = 0, act = 0;
        for (int i = 0; i < servers.size(); i++) {
            Row s = servers.get(i);
            r.qcur += s.qcur;
            r.qmax = Math.max(r.qmax, s.qmax);
            r.bin += s.bin;
            r.bout += s.bout;
            r.connect += s.connect;
            r.lastChangeMs = Math.max(r.lastChangeMs, s.lastChangeMs);
            if (s.state.state() == ServerState.Effective.UP && s.state.weight() > 0) {
                weight += s.state.weight();
                act++;
            }
        }
        r.scur = be.beconn.get();
        r.smax = c.maxOf(Counters.MAX_SESS);
        r.status = act > 0 || servers.isEmpty() ? "UP" : "DOWN";
        r.weight = weight;
        r.act = act;
        r.bck = 0;
        r.algo = be.balance.name().toLowerCase(java.util.Locale.ROOT);
        return r;
    }

    /**
     * Every row in HAProxy's order, by proxy id (configuration order): a proxy's frontend row,
     * then its servers, then its backend row (a listen section is one proxy with both).
     */
    List<Row> rows() {
        List<Object> proxies = new ArrayList<>(frontends);
        proxies.addAll(backends);
        // Stable: a listen section's frontend stays before its backend.
        proxies.sort(java.util.Comparator.comparingInt(p -> p instanceof Frontend ? ((Frontend) p).id : ((Backend) p).id));
        List<Row> rows = new ArrayList<>();
        for (Object p : proxies) {
            if (p instanceof Frontend)
                rows.add(frontend((Frontend) p));
            else
                addBackend(rows, (Backend) p);
        }
        return rows;
    }

    private void addBackend(List<Row> rows, Backend be) {
        List<Row> srv = new ArrayList<>();
        for (Server s : be.servers)
            srv.add(server(be, s));
        rows.addAll(srv);
        rows.add(backend(be, srv));
    }

    long nowMs() {
        return Poller.current() != null ? Poller.current().nowMs() : System.nanoTime() / 1_000_000;
    }

    // ------------------------------------------------------------------ Prometheus

    /** A metric family: name, type, help, and the samples it takes from the rows. */
    private interface Samples {
        void emit(StringBuilder b, String name, List<Row> rows, long now);
    }

    /** Prometheus text exposition format 0.0.4. */
    @Override
    public byte[] prometheus() {
        StringBuilder b = new StringBuilder(16384);
        List<Row> rows = rows();
        long now = nowMs();
        process(b);
        // frontend
        perRow(b, rows, Type.FRONTEND, "frontend_current_sessions", "gauge", "Number of current sessions on the frontend, backend or server", r -> r.scur, now);
        perRow(b, rows, Type.FRONTEND, "frontend_max_sessions", "gauge", "Highest value of current sessions encountered since process started", r -> r.smax, now);
        perRow(b, rows, Type.FRONTEND, "frontend_limit_sessions", "gauge", "Frontend/listener/server's maxconn, backend's fullconn", r -> r.slim, now);
        perRow(b, rows, Type.FRONTEND, "frontend_sessions_total", "counter", "Total number of sessions since process started", r -> r.stot, now);
        perRow(b, rows, Type.FRONTEND, "frontend_bytes_in_total", "counter", "Total number of request bytes since process started", r -> r.bin, now);
        perRow(b, rows, Type.FRONTEND, "frontend_bytes_out_total", "counter", "Total number of response bytes since process started", r -> r.bout, now);
        perRow(b, rows, Type.FRONTEND, "frontend_request_errors_total", "counter", "Total number of invalid requests since process started", r -> r.ereq, now);
        status(b, rows, Type.FRONTEND, "frontend_status", new String[] {"DOWN", "UP"}, r -> "UP");
        responses(b, rows, Type.FRONTEND, "frontend_http_responses_total");
        perRow(b, rows, Type.FRONTEND, "frontend_http_requests_total", "counter", "Total number of HTTP requests processed by this object since the worker process started", r -> r.http ? r.reqTot : -1, now);
        perRow(b, rows, Type.FRONTEND, "frontend_connections_total", "counter", "Total number of new connections accepted on this frontend since the worker process started", r -> r.connTot, now);
        perRow(b, rows, Type.FRONTEND, "frontend_intercepted_requests_total", "counter", "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started", r -> r.http ? r.intercepted : -1, now);
        // backend and server share most families
        for (Type t : new Type[] {Type.BACKEND, Type.SERVER}) {
            String p = t == Type.BACKEND ? "backend_" : "server_";
            perRow(b, rows, t, p + "current_queue", "gauge", "Number of current queued connections", r -> r.qcur, now);
            perRow(b, rows, t, p + "max_queue", "gauge", "Highest value of queued connections encountered since process started", r -> r.qmax, now);
            perRow(b, rows, t, p + "current_sessions", "gauge", "Number of current sessions on the frontend, backend or server", r -> r.scur, now);
            perRow(b, rows, t, p + "max_sessions", "gauge", "Highest value of current sessions encountered since process started", r -> r.smax, now);
            if (t == Type.SERVER)
                perRow(b, rows, t, p + "limit_sessions", "gauge", "Frontend/listener/server's maxconn, backend's fullconn", r -> r.slim, now);
            perRow(b, rows, t, p + "sessions_total", "counter", "Total number of sessions since process started", r -> r.stot, now);
            perRow(b, rows, t, p + "bytes_in_total", "counter", "Total number of request bytes since process started", r -> r.bin, now);
            perRow(b, rows, t, p + "bytes_out_total", "counter", "Total number of response bytes since process started", r -> r.bout, now);
            perRow(b, rows, t, p + "connection_errors_total", "counter", "Total number of failed connections to server since the worker process started", r -> r.econ, now);
            perRow(b, rows, t, p + "response_errors_total", "counter", "Total number of invalid responses since the worker process started", r -> r.eresp, now);
            perRow(b, rows, t, p + "retry_warnings_total", "counter", "Total number of server connection retries since the worker process started", r -> r.wretr, now);
            perRow(b, rows, t, p + "redispatch_warnings_total", "counter", "Total number of server redispatches due to connection failures since the worker process started", r -> r.wredis, now);
            if (t == Type.BACKEND) {
                status(b, rows, t, p + "status", new String[] {"DOWN", "UP"}, r -> r.status);
                perRow(b, rows, t, p + "active_servers", "gauge", "Total number of active UP servers with a non-zero weight", r -> r.act, now);
            } else {
                status(b, rows, t, p + "status", new String[] {"DOWN", "UP", "MAINT", "DRAIN", "NOLB"}, Row::promState);
                perRow(b, rows, t, p + "weight", "gauge", "Server's effective weight, or sum of active servers' effective weights for a backend", r -> r.weight, now);
                perRow(b, rows, t, p + "active", "gauge", "Total number of active UP servers with a non-zero weight", r -> r.act, now);
                perRow(b, rows, t, p + "backup", "gauge", "Total number of backup UP servers with a non-zero weight", r -> r.bck, now);
            }
            perRow(b, rows, t, p + "loadbalanced_total", "counter", "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)", r -> r.lbtot, now);
            responses(b, rows, t, p + "http_responses_total");
            perRow(b, rows, t, p + "http_requests_total", "counter", "Total number of HTTP requests processed by this object since the worker process started", r -> r.http ? r.reqTot : -1, now);
            perRow(b, rows, t, p + "client_aborts_total", "counter", "Total number of requests or connections aborted by the client since the worker process started", r -> r.cliAbrt, now);
            perRow(b, rows, t, p + "server_aborts_total", "counter", "Total number of requests or connections aborted by the server since the worker process started", r -> r.srvAbrt, now);
            perRow(b, rows, t, p + "last_session_seconds", "gauge", "How long ago some traffic was seen on this object on this worker process, in seconds", r -> r.lastSess(now), now);
            perRow(b, rows, t, p + "connection_attempts_total", "counter", "Total number of outgoing connection attempts on this backend/server since the worker process started", r -> r.connect, now);
            perRow(b, rows, t, p + "connection_reuses_total", "counter", "Total number of reused connection on this backend/server since the worker process started", r -> r.reuse, now);
            if (t == Type.SERVER) {
                perRow(b, rows, t, p + "idle_connections_current", "gauge", "Current number of idle connections available for reuse on this server", r -> r.idleCur, now);
                perRow(b, rows, t, p + "idle_connections_limit", "gauge", "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)", r -> r.idleLim, now);
            }
        }
        epoxy(b);
        return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void head(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void labels(StringBuilder b, Row r) {
        b.append("{proxy=\"");
        escape(b, r.px);
        b.append('"');
        if (r.type == Type.SERVER) {
            b.append(",server=\"");
            escape(b, r.sv);
            b.append('"');
        }
    }

    /** Label values: backslash, double quote and line feed are escaped (exposition format). */
    static void escape(StringBuilder b, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' || c == '"')
                b.append('\\').append(c);
            else if (c == '\n')
                b.append("\\n");
            else
                b.append(c);
        }
    }

    /** One sample per row of type {@code t}; a value of -1 means "not applicable" and is left out. */
    private static void perRow(StringBuilder b, List<Row> rows, Type t, String family, String type, String help,
            ToLongFunction<Row> f, long now) {
        String name = "haproxy_" + family;
        boolean any = false;
        for (Row r : rows) {
            if (r.type != t)
                continue;
            long v = f.applyAsLong(r);
            if (v == -1 && !family.endsWith("last_session_seconds"))
                continue;
            if (!any) {
                head(b, name, type, help);
                any = true;
            }
            b.append(name);
            labels(b, r);
            b.append("} ").append(v).append('\n');
        }
    }

    private static void status(StringBuilder b, List<Row> rows, Type t, String family, String[] states,
            java.util.function.Function<Row, String> state) {
        String name = "haproxy_" + family;
        boolean any = false;
        for (Row r : rows) {
            if (r.type != t)
                continue;
            if (!any) {
                head(b, name, "gauge", "Current status of the service, per state label value.");
                any = true;
            }
            String s = state.apply(r);
            for (String st : states) {
                b.append(name);
                labels(b, r);
                b.append(",state=\"").append(st).append("\"} ").append(st.equals(s) ? 1 : 0).append('\n');
            }
        }
    }

    private static final String[] CODES = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

    private static void responses(StringBuilder b, List<Row> rows, Type t, String family) {
        String name = "haproxy_" + family;
        boolean any = false;
        for (Row r : rows) {
            if (r.type != t || !r.http)
                continue;
            if (!any) {
                head(b, name, "counter", "Total number of HTTP responses with status 100-199 returned by this object since the worker process started");
                any = true;
            }
            for (int i = 0; i < 6; i++) {
                b.append(name);
                labels(b, r);
                b.append(",code=\"").append(CODES[i]).append("\"} ").append(r.hrsp[i]).append('\n');
            }
        }
    }

    private static void gauge(StringBuilder b, String name, String type, String help, String value) {
        head(b, name, type, help);
        b.append(name).append(' ').append(value).append('\n');
    }

    private void process(StringBuilder b) {
        long conns = 0, reqs = 0;
        for (Frontend fe : frontends) {
            conns += fe.counters.sum(Counters.CONN_TOT);
            reqs += fe.counters.sum(Counters.REQ_TOT);
        }
        long runq = 0;
        for (int i = 0; i < pollers.size(); i++)
            runq += pollers.get(i).runQueueLength();
        gauge(b, "haproxy_process_nbthread", "gauge", "Number of started threads (global.nbthread)", Integer.toString(pollers.size()));
        gauge(b, "haproxy_process_busy_polling_enabled", "gauge",
                "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)",
                pollers.busyPolling() ? "1" : "0");
        gauge(b, "haproxy_process_uptime_seconds", "gauge", "How long ago this worker process was started (seconds)",
                Long.toString((System.nanoTime() - startNanos) / 1_000_000_000L));
        gauge(b, "haproxy_process_start_time_seconds", "gauge", "Start time in seconds", Long.toString(startMs / 1000));
        gauge(b, "haproxy_process_max_fds", "gauge", "Hard limit on the number of per-process file descriptors",
                Integer.toString(pollers.fdTable().maxFds()));
        gauge(b, "haproxy_process_max_connections", "gauge",
                "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)", Integer.toString(globalMaxconn));
        gauge(b, "haproxy_process_current_connections", "gauge", "Current number of connections on this worker process",
                Integer.toString(global.current()));
        gauge(b, "haproxy_process_connections_total", "counter", "Total number of connections on this worker process since started", Long.toString(conns));
        gauge(b, "haproxy_process_requests_total", "counter", "Total number of requests on this worker process since started", Long.toString(reqs));
        gauge(b, "haproxy_process_current_run_queue", "gauge", "Total number of active tasks+tasklets in the current worker process", Long.toString(runq));
        gauge(b, "haproxy_process_dropped_logs_total", "counter", "Total number of dropped logs for current worker process since started",
                Long.toString(droppedLogs.getAsLong()));
        head(b, "haproxy_process_build_info", "gauge", "Build info");
        b.append("haproxy_process_build_info{version=\"");
        escape(b, dev.epoxy.cli.Version.VERSION);
        b.append("\"} 1\n");
    }

    /** Epoxy's own families: per poller thread, then the buffer pool. */
    private void epoxy(StringBuilder b) {
        int n = pollers.size();
        perThread(b, n, "epoxy_thread_loop_iterations_total", "counter", "Poller loop iterations (one epoll_wait each)", Poller::loops);
        perThread(b, n, "epoxy_thread_events_total", "counter", "fd events dispatched by the poller", p -> p.fdCtx().events());
        perThread(b, n, "epoxy_thread_epoll_ctl_total", "counter", "epoll_ctl calls made by the poller", p -> p.fdCtx().epollCtl());
        perThread(b, n, "epoxy_thread_stale_events_total", "counter", "Events dropped because they belonged to an earlier life of the fd", p -> p.fdCtx().staleGen());
        perThread(b, n, "epoxy_thread_wakeups_total", "counter", "Eventfd writes done to wake the poller from another thread", Poller::wakeWrites);
        perThread(b, n, "epoxy_thread_run_queue", "gauge", "Tasks queued on the poller after its last loop", Poller::runQueueLength);
        perThread(b, n, "epoxy_thread_takeovers_total", "counter", "Idle server connections this thread took over from another thread", Poller::takeovers);
        if (buffers != null) {
            perThread(b, n, "epoxy_thread_buffers_allocated_total", "counter", "Buffers the thread committed memory for: carved fresh from the buffer region, reused after their pages went back to the kernel, or allocated outside the region", p -> buffers.allocated(p.tid()));
            perThread(b, n, "epoxy_thread_buffers_free", "gauge", "Buffers in the thread's cache of free buffers", p -> buffers.free(p.tid()));
            gauge(b, "epoxy_buffers_in_use", "gauge", "Buffers handed out and not given back, all threads", Long.toString(buffers.inUse()));
            gauge(b, "epoxy_buffer_size_bytes", "gauge", "Size of one connection or channel buffer", Integer.toString(buffers.size()));
        }
    }

    private void perThread(StringBuilder b, int n, String name, String type, String help, ToLongFunction<Poller> f) {
        head(b, name, type, help);
        for (int i = 0; i < n; i++)
            b.append(name).append("{thread=\"").append(i).append("\"} ").append(f.applyAsLong(pollers.get(i))).append('\n');
    }

    // ------------------------------------------------------------------ CSV

    /**
     * HAProxy 2.6's {@code show stat} columns, in its order (the stats page's {@code ;csv} export is
     * the same format); Epoxy fills those it keeps and leaves the others empty.
     */
    static final String[] CSV_COLUMNS = ("pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,"
            + "wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,"
            + "type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,"
            + "hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,"
            + "comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,"
            + "check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,"
            + "mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,"
            + "cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,"
            + "used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,"
            + "ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,"
            + "h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,"
            + "h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,"
            + "h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,"
            + "h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out").split(",");

    /** The header line, as HAProxy prints it ("# " and a comma after every column). */
    static final String CSV_HEADER = "# " + String.join(",", CSV_COLUMNS) + ",";

    private static final java.util.Map<String, Integer> CSV_INDEX = new java.util.HashMap<>();
    static {
        for (int i = 0; i < CSV_COLUMNS.length; i++)
            CSV_INDEX.putIfAbsent(CSV_COLUMNS[i], i);
    }

    /** The stats page's {@code ;csv} export: {@link #csv(boolean)} without server addresses (HAProxy shows them on the CLI only). */
    @Override
    public String csv() {
        return csv(false);
    }

    /** The CSV of {@code show stat} (with {@code addresses}) and of the stats page: a header line, then a line per row. */
    public String csv(boolean addresses) {
        StringBuilder b = new StringBuilder(8192).append(CSV_HEADER).append('\n');
        long now = nowMs();
        long wallNow = System.currentTimeMillis();
        Object[] v = new Object[CSV_COLUMNS.length];
        for (Row r : rows()) {
            java.util.Arrays.fill(v, null);
            put(v, "pxname", r.px);
            put(v, "svname", r.sv);
            put(v, "qcur", opt(r.qcur));
            put(v, "qmax", opt(r.qmax));
            put(v, "scur", r.scur);
            put(v, "smax", r.smax);
            put(v, "slim", opt(r.slim));
            put(v, "stot", r.stot);
            put(v, "bin", r.bin);
            put(v, "bout", r.bout);
            put(v, "dreq", r.type == Type.SERVER ? "" : "0");
            put(v, "dresp", "0");
            put(v, "ereq", opt(r.ereq));
            put(v, "econ", opt(r.econ));
            put(v, "eresp", opt(r.eresp));
            put(v, "wretr", opt(r.wretr));
            put(v, "wredis", opt(r.wredis));
            put(v, "status", r.status);
            put(v, "weight", opt(r.weight));
            put(v, "act", opt(r.act));
            put(v, "bck", opt(r.bck));
            if (r.type != Type.FRONTEND)
                put(v, "lastchg", r.lastChangeMs > 0 ? Math.max(0, wallNow - r.lastChangeMs) / 1000 : 0);
            put(v, "pid", 1);
            put(v, "iid", r.iid);
            put(v, "sid", r.sid);
            put(v, "lbtot", opt(r.lbtot));
            put(v, "type", r.type == Type.FRONTEND ? 0 : r.type == Type.BACKEND ? 1 : 2);
            if (r.state != null && r.state.checked())
                checkColumns(v, r.state);
            if (r.http)
                for (int i = 0; i < 6; i++)
                    v[CSV_INDEX.get("hrsp_1xx") + i] = r.hrsp[i];
            put(v, "req_tot", r.http ? r.reqTot : "");
            put(v, "cli_abrt", opt(r.cliAbrt));
            put(v, "srv_abrt", opt(r.srvAbrt));
            put(v, "lastsess", r.type == Type.FRONTEND ? "" : r.lastSess(now));
            if (addresses && r.addr != null)
                put(v, "addr", r.addr);
            put(v, "mode", r.http ? "http" : "tcp");
            put(v, "algo", r.algo);
            put(v, "conn_tot", opt(r.connTot));
            put(v, "intercepted", opt(r.intercepted));
            put(v, "connect", opt(r.connect));
            put(v, "reuse", opt(r.reuse));
            put(v, "srv_icur", opt(r.idleCur));
            put(v, "src_ilim", opt(r.idleLim));
            if (r.type != Type.FRONTEND)
                put(v, "uweight", opt(r.weight));
            for (Object o : v) {
                if (o != null)
                    b.append(o);
                b.append(',');
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void put(Object[] v, String column, Object value) {
        v[CSV_INDEX.get(column)] = value;
    }

    /** The health-check columns of a checked server's row, as HAProxy fills them. */
    private static void checkColumns(Object[] v, ServerState.Snapshot st) {
        put(v, "chkfail", st.failedChecks());
        put(v, "chkdown", st.downTransitions());
        put(v, "check_rise", st.rise());
        put(v, "check_fall", st.fall());
        put(v, "check_health", st.health());
        ServerState.CheckResult last = st.last();
        if (last == null || st.maint()) // HAProxy pauses checks in maintenance and shows none
            return;
        put(v, "check_status", last.status().name());
        if (last.code() > 0)
            put(v, "check_code", last.code());
        put(v, "check_duration", last.durationMs());
        put(v, "check_desc", last.status().reason);
        if (last.info() != null && !last.info().isEmpty())
            put(v, "last_chk", last.info());
    }

    private static Object opt(long v) {
        return v < 0 ? "" : v;
    }

    // ------------------------------------------------------------------ HTML

    @Override
    public String html(dev.epoxy.config.StatsConfig cfg, String uri, boolean refresh) {
        StringBuilder b = new StringBuilder(16384);
        long now = nowMs();
        long up = (System.nanoTime() - startNanos) / 1_000_000_000L;
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><title>Statistics Report for Epoxy</title>\n")
                .append("<meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\">\n");
        if (refresh && cfg.refreshSeconds() > 0)
            b.append("<meta http-equiv=\"refresh\" content=\"").append(cfg.refreshSeconds()).append("\">\n");
        b.append("<style type=\"text/css\"><!--\n")
                .append("body { font-family: arial, helvetica, sans-serif; font-size: 12px; font-weight: normal; color: black; background: white;}\n")
                .append("th,td { font-size: 10px;}\n")
                .append("h1 { font-size: x-large; margin-bottom: 0.5em;}\n")
                .append("h2 { font-family: helvetica, arial; font-size: x-large; font-weight: bold; font-style: italic; color: #6020a0; margin-top: 0em; margin-bottom: 0em;}\n")
                .append(".titre\t{background: #20D0D0;color: #000000; font-weight: bold; text-align: center;}\n")
                .append(".frontend\t{background: #e8e8d0;}\n.backend\t{background: #e8e8d0;}\n")
                .append(".active_no_check\t{background: #e0e0e0;}\n.active_down\t{background: #ff9090;}\n")
                .append(".active_up\t{background: #c0ffc0;}\n.active_going_down\t{background: #ffffa0;}\n")
                .append(".active_going_up\t{background: #ffd020;}\n.active_draining\t{background: #20a0ff;}\n")
                .append(".maintain\t{background: #c07820;}\n")
                .append("table.tbl { border-collapse: collapse; border-style: none;}\n")
                .append("table.tbl td { text-align: right; border-width: 1px 1px 1px 1px; border-style: solid solid solid solid; padding: 2px 3px; border-color: gray; white-space: nowrap;}\n")
                .append("table.tbl td.ac { text-align: center;}\n")
                .append("table.tbl th { border-width: 1px; border-style: solid solid solid solid; border-color: gray;}\n")
                .append("table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; border-style: solid solid none solid; padding: 2px 3px; white-space: nowrap;}\n")
                .append("table.tbl th.empty { border-style: none; empty-cells: hide; background: white;}\n")
                .append("--></style></head>\n<body><h1>Epoxy</h1>\n<h2>Statistics Report for pid ")
                .append(ProcessHandle.current().pid()).append("</h2>\n<hr width=\"100%\" class=\"hr\">\n")
                .append("<h3>&gt; General process information</h3>\n<p id=\"process\">")
                .append("pid = ").append(ProcessHandle.current().pid())
                .append("<br>uptime = ").append(up / 86400).append("d ").append(up / 3600 % 24).append("h")
                .append(up / 60 % 60).append("m").append(up % 60).append("s")
                .append("<br>nbthread = ").append(pollers.size())
                .append("<br>maxconn = ").append(globalMaxconn > 0 ? Integer.toString(globalMaxconn) : "unlimited")
                .append("; current conns = ").append(global.current())
                .append("; running tasks: ");
        long runq = 0;
        for (int i = 0; i < pollers.size(); i++)
            runq += pollers.get(i).runQueueLength();
        b.append(runq).append("</p>\n");
        if (refresh && cfg.refreshSeconds() > 0)
            b.append("<p><a href=\"").append(html(uri)).append(";norefresh\">Disable refresh</a></p>\n");
        b.append("<p><a href=\"").append(html(uri)).append(";csv\">CSV export</a></p>\n");
        List<Row> rows = rows();
        String open = null;
        for (Row r : rows) {
            if (!r.px.equals(open)) {
                if (open != null)
                    b.append("</table><p>\n");
                open = r.px;
                b.append("<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\"><th class=\"pxname\" width=\"10%\">")
                        .append("<a name=\"").append(html(r.px)).append("\"></a>").append(html(r.px))
                        .append("</th><th class=\"empty\" width=\"90%\"></th></tr>\n</table>\n")
                        .append("<table class=\"tbl\" width=\"100%\" data-proxy=\"").append(html(r.px)).append("\">\n")
                        .append("<tr class=\"titre\"><th rowspan=2></th><th colspan=3>Queue</th><th colspan=6>Sessions</th>")
                        .append("<th colspan=2>Bytes</th><th colspan=3>Errors</th><th colspan=2>Warnings</th>")
                        .append("<th colspan=6>Responses</th><th colspan=4>Server</th></tr>\n<tr class=\"titre\">");
                for (String h : COLUMNS)
                    b.append("<th>").append(h).append("</th>");
                b.append("</tr>\n");
            }
            String cls = r.type == Type.FRONTEND ? "frontend" : r.type == Type.BACKEND ? "backend"
                    : serverClass(r.status);
            String label = r.type == Type.FRONTEND ? "Frontend" : r.type == Type.BACKEND ? "Backend" : r.sv;
            b.append("<tr class=\"").append(cls).append("\" data-row=\"").append(html(r.sv)).append("\"><td class=ac>")
                    .append("<a name=\"").append(html(r.px)).append('/').append(html(label)).append("\"></a>")
                    .append(html(label)).append("</td>");
            cell(b, r.qcur); cell(b, r.qmax); cell(b, -1);
            cell(b, r.scur); cell(b, r.smax); cell(b, r.slim); cell(b, r.stot); cell(b, r.lbtot);
            b.append("<td>").append(r.type == Type.FRONTEND ? "" : lastSess(r.lastSess(now))).append("</td>");
            cell(b, r.bin); cell(b, r.bout);
            cell(b, r.ereq); cell(b, r.econ); cell(b, r.eresp);
            cell(b, r.wretr); cell(b, r.wredis);
            for (int i = 0; i < 6; i++)
                cell(b, r.http ? r.hrsp[i] : -1);
            b.append("<td class=ac>").append(r.status.equals("no check") ? "<i>no check</i>" : html(r.status)).append("</td>");
            cell(b, r.weight); cell(b, r.act); cell(b, r.bck);
            b.append("</tr>\n");
        }
        if (open != null)
            b.append("</table><p>\n");
        b.append("</body></html>\n");
        return b.toString();
    }

    /** HAProxy's row class (and colour) for a server status. */
    static String serverClass(String status) {
        if (status.equals("no check"))
            return "active_no_check";
        if (status.equals("MAINT"))
            return "maintain";
        if (status.equals("DRAIN"))
            return "active_draining";
        if (status.equals("UP"))
            return "active_up";
        if (status.startsWith("UP "))
            return "active_going_down";
        return status.equals("DOWN") ? "active_down" : "active_going_up";
    }

    /** The second header row: one per data cell. */
    static final String[] COLUMNS = {"Cur", "Max", "Limit", "Cur", "Max", "Limit", "Total", "LbTot", "Last", "In", "Out",
        "Req", "Conn", "Resp", "Retr", "Redis", "1xx", "2xx", "3xx", "4xx", "5xx", "other", "Status", "Wght", "Act", "Bck"};

    private static void cell(StringBuilder b, long v) {
        b.append("<td>");
        if (v >= 0)
            b.append(v);
        b.append("</td>");
    }

    private static String lastSess(long s) {
        if (s < 0)
            return "?";
        if (s < 60)
            return s + "s";
        if (s < 3600)
            return s / 60 + "m" + s % 60 + "s";
        return s / 3600 + "h" + s / 60 % 60 + "m";
    }

    static String html(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '&': b.append("&amp;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }
}
