package dev.epoxy.proxy;

import dev.epoxy.config.CheckConfig;
import dev.epoxy.config.HttpCheck;
import dev.epoxy.conn.BufferPool;
import dev.epoxy.conn.Connection;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Task;
import dev.epoxy.sys.SockAddr;
import dev.epoxy.sys.Sys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health check of one server ({@code check} on its {@code server} line): a TCP connect, or
 * with {@code option httpchk} an HTTP request whose response is matched against
 * {@code http-check expect} (by default a 2xx or 3xx status passes).
 *
 * <p>Threading protocol: a check is a {@link Task} of one poller, chosen round-robin when the
 * runtime starts, and its connection is inserted in that poller's fd table, so the task body and
 * the connection's I/O callback both run on that thread only; every field here belongs to it (no
 * locks, no extra thread). The only shared state it writes is the server's {@link ServerState},
 * through that class's own protocol, and the log, through {@link LogWriter}'s rings.
 *
 * <p>Timing follows HAProxy: the first check of the n-th of N checked servers (all backends
 * together) runs after {@code max(inter) * n / N}, which spreads them over one interval; then
 * each check runs {@code inter} after the previous one ended ({@code fastinter} while the server
 * is changing state, {@code downinter} while it is fully down). A check's connect must complete
 * within {@code inter}, or min({@code inter}, {@code timeout connect}) when {@code timeout check}
 * is set; the response must then arrive within {@code timeout check} if set, else within what is
 * left of {@code inter}.
 */
final class HealthCheck implements Runnable, Connection.Handler {
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger(HealthCheck.class);
    }

    private enum Phase { IDLE, CONNECTING, READING }

    private final Server srv;
    private final Backend be;
    private final CheckConfig cfg;
    private final HttpCheck http;
    private final byte[] request;
    private final SockAddr addr;
    private final BufferPool pool;
    private final long timeoutCheck, timeoutConnect;
    private final BackendLog log;
    final Task task;
    private final Poller poller;

    private Phase phase = Phase.IDLE;
    private Connection conn;
    private long start, deadline;
    /** The response read so far (HTTP checks), at most {@code tune.bufsize} bytes, as HAProxy's check buffer. */
    private byte[] resp;
    private int respLen;

    /** Where a backend's state changes go: its {@code log} targets (may be null) and stderr. */
    interface BackendLog {
        void event(String line, int severity);
    }

    HealthCheck(Poller poller, Server srv, CheckConfig cfg, HttpCheck http, SockAddr addr, long timeoutCheck,
            long timeoutConnect, BackendLog log) {
        this.poller = poller;
        this.srv = srv;
        this.be = srv.backend;
        this.cfg = cfg;
        this.http = http;
        this.addr = addr;
        this.pool = be.buffers;
        this.timeoutCheck = timeoutCheck;
        this.timeoutConnect = timeoutConnect;
        this.log = log;
        this.request = http == null ? null : request(http);
        this.task = new Task(poller, this);
    }

    /** The check request as HAProxy 2.6 sends it: header names in lower case, then connection: close. */
    static byte[] request(HttpCheck h) {
        StringBuilder b = new StringBuilder(128);
        b.append(h.method()).append(' ').append(h.uri()).append(' ').append(h.version()).append("\r\n");
        for (String[] hdr : h.headers())
            b.append(hdr[0].toLowerCase(java.util.Locale.ROOT)).append(": ").append(hdr[1]).append("\r\n");
        b.append("connection: close\r\n\r\n");
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** From any thread: the first check runs {@code delayMs} from now on the check's poller. */
    void start(long delayMs) {
        poller.execute(() -> task.expireAt(poller.nowMs() + Math.max(1, delayMs)));
    }

    void stop() {
        task.destroy();
        poller.execute(this::closeConn);
    }

    @Override
    public void run() {
        long now = poller.nowMs();
        if (phase == Phase.IDLE) {
            if (task.expired())
                begin(now);
            return;
        }
        if (now >= deadline) {
            finish(phase == Phase.CONNECTING ? ServerState.CheckStatus.L4TOUT : ServerState.CheckStatus.L7TOUT, 0, null);
            return;
        }
        task.expireAt(deadline);
    }

    private void begin(long now) {
        start = now;
        respLen = 0;
        int[] err = new int[1];
        Connection c = Connection.connect(poller, addr, pool, this, err);
        if (c == null) {
            finish(ServerState.CheckStatus.L4CON, 0, Sys.strerror(err[0]));
            return;
        }
        conn = c;
        phase = Phase.CONNECTING;
        long t = cfg.inter();
        if (timeoutCheck > 0 && timeoutConnect > 0)
            t = Math.min(t, timeoutConnect);
        deadline = now + t;
        task.expireAt(deadline);
    }

    @Override
    public void onIo(Connection c) {
        if (c != conn)
            return;
        long now = poller.nowMs();
        if (phase == Phase.CONNECTING) {
            if (c.connecting())
                return;
            if (c.has(Connection.ERROR)) {
                finish(ServerState.CheckStatus.L4CON, 0, c.connectErrno != 0 ? Sys.strerror(c.connectErrno) : null);
                return;
            }
            if (http == null) {
                finish(ServerState.CheckStatus.L4OK, 0, null);
                return;
            }
            phase = Phase.READING;
            if (timeoutCheck > 0) {
                deadline = now + timeoutCheck;
                task.expireAt(deadline);
            }
            if (resp == null)
                resp = new byte[be.bufSize];
            if (c.outRoom() < request.length) {
                finish(ServerState.CheckStatus.L7RSP, 0, "check request larger than the buffer");
                return;
            }
            c.out().put(request);
            c.flush();
        } else if (phase == Phase.READING && c.pendingOut() > 0) {
            c.flush();
        }
        if (phase == Phase.READING)
            read(c);
    }

    private void read(Connection c) {
        for (int rounds = 0; rounds < 64; rounds++) {
            int n = c.recv();
            if (n > 0) {
                int take = Math.min(n, resp.length - respLen);
                c.in.get(resp, respLen, take);
                c.in.position(c.in.limit()); // what does not fit is not looked at, as in HAProxy
                respLen += take;
                if (evaluate(false))
                    return;
                continue;
            }
            if (n < 0)
                evaluate(true);
            return; // 0: polling requested
        }
        c.resumeInput();
    }

    /**
     * Decides when enough of the response is there ({@code eof}: the server closed or failed).
     * True when the check finished.
     */
    private boolean evaluate(boolean eof) {
        int headEnd = headEnd();
        boolean full = respLen == resp.length;
        if (headEnd < 0) {
            if (eof || full) {
                finish(ServerState.CheckStatus.L7RSP, 0, null);
                return true;
            }
            return false;
        }
        String head = new String(resp, 0, headEnd, StandardCharsets.ISO_8859_1);
        int lineEnd = head.indexOf('\n');
        String statusLine = (lineEnd < 0 ? head : head.substring(0, lineEnd)).trim();
        int status = -1;
        String reason = "";
        if (statusLine.startsWith("HTTP/") && statusLine.length() >= 12 && statusLine.charAt(8) == ' ') {
            try {
                status = Integer.parseInt(statusLine.substring(9, 12));
            } catch (NumberFormatException e) {
                status = -1;
            }
            reason = statusLine.length() > 13 ? statusLine.substring(13).trim() : "";
        }
        if (status < 100 || status > 999) {
            finish(ServerState.CheckStatus.L7RSP, 0, null);
            return true;
        }
        HttpCheck.Expect e = http.expect();
        if (e == null) {
            boolean ok = status >= 200 && status < 400;
            finish(ok ? ServerState.CheckStatus.L7OK : ServerState.CheckStatus.L7STS, status, ok ? null : reason);
            return true;
        }
        if (!e.needsBody()) {
            boolean ok = e.matches(status, "") != e.negate();
            finish(ok ? ServerState.CheckStatus.L7OK : ServerState.CheckStatus.L7STS, status, ok ? null : reason);
            return true;
        }
        long cl = contentLength(head);
        int bodyStart = headEnd;
        boolean complete = eof || full || (cl >= 0 && respLen - bodyStart >= cl);
        if (!complete)
            return false;
        int bodyLen = respLen - bodyStart;
        if (cl >= 0 && cl < bodyLen)
            bodyLen = (int) cl;
        String body = new String(resp, bodyStart, bodyLen, StandardCharsets.ISO_8859_1);
        boolean ok = e.matches(status, body) != e.negate();
        if (ok)
            finish(ServerState.CheckStatus.L7OK, status, null);
        else
            finish(ServerState.CheckStatus.L7RSP, status, "HTTP content check did not match");
        return true;
    }

    /** The offset just past the blank line ending the head, or -1. */
    private int headEnd() {
        for (int i = 0; i < respLen; i++) {
            if (resp[i] != '\n')
                continue;
            if (i + 1 < respLen && resp[i + 1] == '\n')
                return i + 2;
            if (i + 2 < respLen && resp[i + 1] == '\r' && resp[i + 2] == '\n')
                return i + 3;
        }
        return -1;
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                try {
                    return Long.parseLong(line.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private void closeConn() {
        if (conn != null) {
            conn.close();
            conn = null;
        }
    }

    /** Records the result, logs a state change, and schedules the next check. */
    private void finish(ServerState.CheckStatus status, int code, String info) {
        long now = poller.nowMs();
        closeConn();
        phase = Phase.IDLE;
        ServerState.CheckResult r = new ServerState.CheckResult(status, code, info, Math.max(0, now - start));
        ServerState.Op changed = srv.state.checkResult(r);
        if (changed != null)
            report(srv, changed, r, log);
        if (!task.destroyed())
            task.expireAt(now + srv.state.nextInterval(cfg.inter(), cfg.fastinter(), cfg.downinter()));
    }

    /**
     * The lines HAProxy 2.6 writes when a server changes state: to stderr (as a warning) and to
     * the backend's log targets (DOWN at "alert", UP at "notice"); when the last usable server of
     * a backend goes down, also "backend X has no server available!" ("emerg").
     */
    static void report(Server srv, ServerState.Op now, ServerState.CheckResult r, BackendLog log) {
        Backend be = srv.backend;
        int active = be.usableCount();
        String line;
        if (now == ServerState.Op.DOWN) {
            line = "Server " + srv + " is DOWN, " + r.describe() + ". " + active + " active and 0 backup servers left. "
                    + srv.served() + " sessions active, 0 requeued, " + srv.queued() + " remaining in queue.";
        } else {
            line = "Server " + srv + " is UP, " + r.describe() + ". " + active + " active and 0 backup servers online. "
                    + "0 sessions requeued, " + srv.queued() + " total in queue.";
        }
        log().warn(line);
        if (log != null)
            log.event(line, now == ServerState.Op.DOWN ? 1 : 5);
        if (now == ServerState.Op.DOWN && active == 0) {
            log().error("backend '{}' has no server available!", be.name);
            if (log != null)
                log.event("backend " + be.name + " has no server available!", 0);
        }
    }

    /** Builds and starts the checks of every checked server, spread as HAProxy spreads them. */
    static List<HealthCheck> startAll(List<HealthCheck> checks) {
        long maxInter = 0;
        for (HealthCheck c : checks)
            maxInter = Math.max(maxInter, c.cfg.inter());
        int n = checks.size();
        for (int i = 0; i < n; i++)
            checks.get(i).start(maxInter * i / n);
        return checks;
    }
}
