package dev.epoxy.proxy;

import dev.epoxy.conn.Connection;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Task;
import java.nio.ByteBuffer;

/**
 * A {@code mode tcp} proxy session: one client connection, one server connection, bytes copied
 * both ways until both sides have closed, with half-closes passed through. The same relay
 * carries an HTTP/1.1 connection after a protocol switch (101, e.g. WebSocket): see
 * {@link #tunnel}.
 *
 * <p>Threading: everything runs on the client connection's poller thread (both connections'
 * I/O callbacks and the timer task). The server connection is confirmed only by its own I/O
 * callback, as in HTTP mode. Connection failures are retried within {@code retries} after
 * HAProxy's turn-around delay; {@code timeout connect}, {@code timeout client} and
 * {@code timeout server} (or {@code timeout tunnel} once connected, when set) apply.
 */
public final class TcpSession extends dev.epoxy.poller.Watched implements Connection.Handler {
    private final Poller poller;
    private final Frontend fe;
    private final Backend be;
    private final Connection front;
    private final Runnable onClose;
    private final Task task;
    private Connection back;
    private Server srv;
    private int retriesLeft;
    private long connExp, tarExp;
    private boolean connTimedOut, established, done;
    /** A tcp-mode session writes a tcplog line; a tunnel after a 101 does not. */
    private boolean logged = true;
    private final String clientAddr;
    private final int clientPort;
    private final long tAccept;
    private long tConnect = -1, toClient;
    private int retries;
    /** HAProxy's termination state: who ended the session and in which phase. */
    private char cause = '-', phase = '-';
    /** Per-thread sequence number, shared with streams ({@code show sess} names it thread.id). */
    private final long id;

    private TcpSession(Poller p, Frontend fe, Backend be, Connection front, String addr, int port, Runnable onClose) {
        this.poller = p;
        this.clientAddr = addr;
        this.clientPort = port;
        this.tAccept = p.nowMs();
        this.fe = fe;
        this.be = be;
        this.onClose = onClose;
        this.front = front;
        front.setHandler(this);
        this.task = new Task(p, this::run);
        this.retriesLeft = be == null ? 0 : be.retries;
        this.id = p.nextStreamId();
        watch(p);
    }

    /** Sets up an accepted client connection on the calling (owner) thread. */
    public static void start(Poller p, int fd, Frontend fe, String addr, int port, Runnable onClose) {
        Connection front = Connection.accepted(p, fd, fe.buffers, null);
        front.stats = fe.counters;
        TcpSession s = new TcpSession(p, fe, fe.tcpBackend(), front, addr, port, onClose);
        if (s.be == null || s.be.servers.isEmpty()) {
            s.close(true);
            return;
        }
        s.srv = s.be.pick(p.tid());
        if (s.srv == null) { // no usable server (DOWN, maintenance, drain, weight 0)
            s.cause = 'S';
            s.phase = 'C';
            s.close(true);
            return;
        }
        int t = p.tid();
        // A tcp session is one request for CumReq (req_tot is shown for HTTP proxies only).
        fe.counters.add(t, dev.epoxy.metrics.Counters.REQ_TOT, 1);
        s.be.counters.add(t, dev.epoxy.metrics.Counters.SESS_TOT, 1);
        s.be.counters.max(t, dev.epoxy.metrics.Counters.LAST_SESS, p.nowMs());
        s.srv.counters.add(t, dev.epoxy.metrics.Counters.SESS_TOT, 1);
        s.srv.counters.max(t, dev.epoxy.metrics.Counters.LAST_SESS, p.nowMs());
        s.connect();
        s.task.wakeup();
    }

    /**
     * Relays bytes between two connections an HTTP exchange handed over after a protocol switch
     * (101). Bytes already buffered on either side are delivered first. No log line: the HTTP
     * log line of the 101 stands for the tunnel, as in HAProxy.
     */
    public static void tunnel(Poller p, Frontend fe, Backend be, Server srv, Connection front, Connection back,
            Runnable onClose) {
        TcpSession s = new TcpSession(p, fe, be, front, null, 0, onClose);
        s.srv = srv;
        s.back = back;
        back.setHandler(s);
        s.established = true;
        s.tConnect = p.nowMs();
        s.logged = false;
        front.resumeInput();
        back.resumeInput();
        s.task.wakeup();
    }

    private void connect() {
        int[] err = new int[1];
        back = Connection.connect(poller, srv.addr, be.buffers, this, err);
        srv.counters.add(poller.tid(), dev.epoxy.metrics.Counters.CONN_TOT, 1);
        if (back != null)
            back.stats = srv.counters;
        connTimedOut = false;
        connExp = be.timeoutConnect > 0 ? poller.nowMs() + be.timeoutConnect : Task.NEVER;
        tarExp = 0;
    }

    @Override
    public void onIo(Connection c) {
        task.wakeup();
    }

    private void run() {
        ran();
        if (done)
            return;
        long now = poller.nowMs();
        if (tarExp > 0) {
            if (now < tarExp) {
                task.expireAt(tarExp);
                return;
            }
            connect();
        }
        if (back == null) {
            connectFailed(now);
            return;
        }
        if (!established) {
            if (back.connecting()) {
                if (now < connExp) {
                    task.expireAt(connExp);
                    return;
                }
                connTimedOut = true;
                connectFailed(now);
                return;
            }
            if (back.has(Connection.ERROR)) {
                connectFailed(now);
                return;
            }
            established = true;
            tConnect = now;
        }
        // Established: copy both ways until nothing moves.
        boolean moved;
        do {
            moved = copy(front, back) | copy(back, front);
        } while (moved);
        if (front.has(Connection.ERROR) || back.has(Connection.ERROR)) {
            cause = front.has(Connection.ERROR) ? 'C' : 'S';
            phase = 'D';
            close(true);
            return;
        }
        boolean frontDone = front.has(Connection.READ_CLOSED) && back.has(Connection.WRITE_SHUT);
        boolean backDone = back.has(Connection.READ_CLOSED) && front.has(Connection.WRITE_SHUT);
        if (frontDone && backDone) {
            close(false);
            return;
        }
        long tunnel = be.timeoutTunnel;
        long cto = tunnel > 0 ? tunnel : fe.timeoutClient, sto = tunnel > 0 ? tunnel : be.timeoutServer;
        // Once a side has closed its half, its "fin" timeout applies instead, as in HAProxy.
        if (front.has(Connection.READ_CLOSED) && fe.timeoutClientFin > 0)
            cto = fe.timeoutClientFin;
        if (back.has(Connection.READ_CLOSED) && be.timeoutServerFin > 0)
            sto = be.timeoutServerFin;
        long exp = Task.NEVER;
        if (cto > 0)
            exp = Math.min(exp, front.lastActivity + cto);
        if (sto > 0)
            exp = Math.min(exp, back.lastActivity + sto);
        if (now >= exp) {
            cause = cto > 0 && now >= front.lastActivity + cto ? 'c' : 's';
            phase = 'D';
            close(true);
            return;
        }
        task.expireAt(exp);
    }

    // ---- stall watchdog and show sess (owner thread only) ----

    @Override
    protected long progressMark() {
        long m = front.bytesIn * 31 + front.bytesOut;
        Connection b = back;
        if (b != null)
            m = (m * 31 + b.bytesIn) * 31 + b.bytesOut;
        return m * 31 + (established ? 1 : 0) + 2L * retries;
    }

    @Override
    protected boolean holdsWork() {
        Connection b = back;
        if (done || b == null)
            return false;
        // As for HTTP streams: output the kernel would take now is work; input is work unless
        // the side it goes to holds it back by not reading (output waits, the kernel takes no more).
        if (front.outputMovable() || b.outputMovable())
            return true;
        boolean clientBlocks = front.pendingOut() > 0, serverBlocks = b.pendingOut() > 0;
        if (front.pendingIn() > 0 && !serverBlocks || b.pendingIn() > 0 && !clientBlocks)
            return true;
        return !serverBlocks && !front.has(Connection.READ_CLOSED) && front.unreadInKernel() > 0
                || !clientBlocks && !b.has(Connection.READ_CLOSED) && !b.connecting() && b.unreadInKernel() > 0;
    }

    @Override
    protected void logStall(String line) {
        fe.logStall(line);
    }

    @Override
    public String cliId() {
        return poller.tid() + "." + id;
    }

    @Override
    public Object server() {
        return srv;
    }

    /** {@code shutdown sessions server}: both connections aborted, logged with K (killed). */
    @Override
    public void kill() {
        if (done)
            return;
        cause = 'K';
        phase = established ? 'D' : 'C';
        close(true);
    }

    @Override
    public void summary(StringBuilder b) {
        long now = poller.nowMs();
        b.append(cliId()).append(": proto=tcpv4 src=").append(clientAddr != null ? clientAddr + ":" + clientPort : "-")
                .append(" fe=").append(fe.name).append(" be=").append(be != null ? be.name : "<NONE>")
                .append(" srv=").append(srv != null ? srv.name : "<none>")
                .append(" age=").append((now - tAccept) / 1000).append("s thr=").append(poller.tid())
                .append(" phase=").append(done ? "DONE" : tarExp > 0 ? "TURN_AROUND" : !established ? "CONNECT" : logged ? "RELAY" : "TUNNEL")
                .append(" to.client=").append(toClient)
                .append(" fd=").append(front.fd).append('/').append(back != null ? back.fd : -1);
    }

    /** The session's whole state on one line (stall report; a future {@code show sess}). */
    @Override
    public void describe(StringBuilder b) {
        long now = poller.nowMs();
        b.append("tcp{id=").append(cliId()).append(" fe=").append(fe.name).append(" be=").append(be != null ? be.name : "-")
                .append(" srv=").append(srv != null ? srv.name : "-");
        if (clientAddr != null)
            b.append(" client=").append(clientAddr).append(':').append(clientPort);
        b.append(" age=").append(now - tAccept).append("ms phase=")
                .append(done ? "DONE" : tarExp > 0 ? "TURN_AROUND" : !established ? "CONNECT" : logged ? "RELAY" : "TUNNEL")
                .append(" retries=").append(retries).append(" to.client=").append(toClient).append(' ');
        task.describe(b, now);
        b.append(" timers{connect=").append(!established && back != null && connExp != Task.NEVER ? (connExp - now) + "ms" : "-")
                .append(" turn-around=").append(tarExp > 0 ? (tarExp - now) + "ms" : "-").append("} front=");
        front.describe(b);
        b.append(" back=");
        if (back != null)
            back.describe(b);
        else
            b.append("none");
        b.append('}');
    }

    /** Moves what {@code from} received to {@code to}; passes a half-close on when drained. */
    private boolean copy(Connection from, Connection to) {
        boolean moved = false;
        while (true) {
            ByteBuffer in = from.in;
            if (in.hasRemaining()) {
                ByteBuffer out = to.out();
                int n = Math.min(in.remaining(), out.remaining());
                if (n > 0) {
                    int lim = in.limit();
                    in.limit(in.position() + n);
                    out.put(in);
                    in.limit(lim);
                    moved = true;
                    if (to == front)
                        toClient += n;
                }
                if (!to.flush() && to.outRoom() == 0) {
                    // The receiver is slow: no reading until it drains, nor read events (input
                    // left unread is reported again at once, level-triggered: a busy loop for as
                    // long as the receiver reads nothing). The next recv, once it drained,
                    // reads or polls again.
                    from.pauseInput();
                    break;
                }
                if (in.hasRemaining())
                    continue;
            }
            int r = from.recv();
            if (r > 0)
                continue;
            if (r < 0 && !from.has(Connection.ERROR) && to.pendingOut() == 0 && !to.has(Connection.WRITE_SHUT)) {
                to.shutWrite();
                moved = true;
            }
            break;
        }
        if (to.pendingOut() > 0)
            to.flush();
        return moved;
    }

    private void connectFailed(long now) {
        if (back != null) {
            back.abort();
            back = null;
        }
        if (retriesLeft > 0 && be.retryOn(dev.epoxy.config.RetryOn.CONN_FAILURE)) {
            retriesLeft--;
            retries++;
            Server next = be.redispatchTarget(srv, retriesLeft, poller.tid());
            boolean same = next == null || next == srv;
            if (!same)
                srv = next;
            // HAProxy waits the turn-around delay only when retrying the same server (or the only one).
            long delay = connTimedOut || !(same || be.usableCount() <= 1) ? 0
                    : Math.min(1000, be.timeoutConnect > 0 ? be.timeoutConnect : 1000);
            tarExp = now + Math.max(1, delay);
            task.expireAt(tarExp);
            return;
        }
        cause = connTimedOut ? 's' : 'S';
        phase = 'C';
        close(true);
    }

    private void close(boolean abort) {
        if (done)
            return;
        done = true;
        task.destroy();
        unwatch();
        if (back != null) {
            if (abort)
                back.abort();
            else
                back.close();
        }
        front.close();
        onClose.run();
        AccessLog log = fe.accessLog();
        if (log != null && logged)
            log.tcp(fe, be, srv, clientAddr, clientPort, tAccept, tConnect, poller.nowMs(), toClient, cause, phase, retries);
    }
}
