package dev.epoxy.stream;

import dev.epoxy.config.RetryOn;
import dev.epoxy.http.ConnectionMode;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Task;
import dev.epoxy.conn.Connection;
import dev.epoxy.stream.StreamConnector.State;
import dev.epoxy.metrics.Counters;

/**
 * One request/response exchange, run as a task on the thread of its client connection.
 *
 * <p>Threading: every field is touched only by the owner poller thread: the task body, and the
 * I/O callbacks of the stream's connections, which the fd table runs on that same thread. The
 * only cross-thread entry is {@link #wakeup()}, which goes through {@link Task#wakeup()}.
 *
 * <p>The body ({@link #run}) is a loop of analysers over the two channels: receive the request
 * from the front endpoint, route it (redirect or backend), drive the backend connector through
 * its states (connect, retries after a turn-around delay, confirmation), forward the request,
 * receive the response, forward it to the client, then log and release both endpoints.
 */
public final class Stream extends dev.epoxy.poller.Watched implements Runnable {
    /** Where a stream comes from: the client connection's side (H1 connection or H2 stream). */
    public interface Origin {
        FrontendModel frontend();
        String clientAddr();
        int clientPort();
        /** This is the first request of the client connection (HAProxy's not TX_NOT_FIRST). */
        boolean firstRequest();
        /**
         * The client can be told that a request was refused before processing and may be retried
         * ({@link Endpoint#refuse()}; HTTP/2's REFUSED_STREAM). HTTP/1 has no such answer.
         */
        default boolean canRefuse() {
            return false;
        }
        /** A server connection this client session already owns and may reuse, or null. */
        BackendConn takeOwnedServerConn(ServerModel srv);
        /** Offers a server connection back to the session after a successful exchange. */
        void keepServerConn(BackendConn conn);
    }

    public final Task task;
    public final Poller poller;
    /** Per-thread sequence number; with the thread id it names the stream ({@code show sess}). */
    public final long id;
    public final Origin origin;
    public final FrontendModel fe;
    public BackendModel be;
    public ServerModel srv;
    public final HttpChannel req, res;
    public final StreamConnector scf, scb;
    private final ServerConnector connector = new ServerConnector(this);

    private boolean routed, localReply, closeClient, finished;
    /** The client's request body had invalid framing; the stream is answering 400 or has aborted. */
    private boolean requestInvalid;
    /** Ended without a response or a log line (HAProxy's silent abort of a not-first request). */
    private boolean silent;
    /** The request as first sent, kept for L7 retries; null when it could not be kept. */
    private RequestReplay replay;
    private boolean replayDecided;
    /** The server whose maxconn slot this stream holds, or null; and when queueing for one ends. */
    private ServerModel slotServer;
    private long queueExp = -1;
    /** The next connect must not reuse an idle connection (set by a retry after a stale one). */
    boolean freshConnection;
    private int retriesLeft;
    private long connExp, tarExp;
    /** The last connect attempt timed out rather than failed (no turn-around delay then). */
    private boolean connTimedOut;
    /** Timings for the log, HAProxy's %TR/%Tw/%Tc/%Tr/%Ta, as absolute ms (-1 = not reached). */
    public final long tAccept;
    public long tRequest = -1, tConnStart = -1, tConnect = -1, tResponse = -1;
    /** Termination state, HAProxy's two characters (who ended it, in which phase). */
    public char termCause = '-', termPhase = '-';
    /** The status the log shows when no response head exists (HAProxy's txn->status), else 0. */
    public int abortStatus;
    public int attempts;
    /** The last retry went to another server ({@code option redispatch}): HAProxy's "+" before %rc. */
    public boolean redispatched;
    /** When a server slot was obtained (end of the queue wait, HAProxy's t_queue); -1 before. */
    public long tQueue = -1;
    /** Requests that left the server's queue ahead of this one while it waited (%sq). */
    public long srvQueue;
    private long queueMark;
    /** This stream is counted in {@code be.beconn} (HAProxy's SF_BE_ASSIGNED). */
    private boolean beCounted;

    public Stream(Poller poller, Origin origin, Endpoint front, HttpChannel req, HttpChannel res, long acceptMs) {
        this.poller = poller;
        this.origin = origin;
        this.fe = origin.frontend();
        this.req = req;
        this.res = res;
        this.scf = new StreamConnector(this, res);
        this.scb = new StreamConnector(this, req);
        scf.ep = front;
        scf.setState(State.EST);
        this.tAccept = acceptMs;
        this.task = new Task(poller, this);
        this.id = poller.nextStreamId();
        watch(poller);
    }

    public void wakeup() {
        if (!finished)
            task.wakeup();
    }

    public boolean finished() {
        return finished;
    }

    @Override
    public void run() {
        if (finished)
            return;
        long now = poller.nowMs();
        boolean progress;
        int rounds = 0;
        do {
            progress = false;
            if (!req.eom)
                progress |= scf.ep.receive(req);
            if (req.headIn && tRequest < 0)
                tRequest = now;
            if (!requestInvalid && scf.ep.invalid()) {
                refuseInvalidRequest();
                if (finished)
                    return;
                progress = true;
            }
            if (scf.ep.failed() && !res.eomOut) {
                if (!requestInvalid) {
                    char phase = clientPhase();
                    if (phase == 'H' && !res.headIn)
                        abortStatus = 400; // HAProxy logs a client abort awaiting the response as 400 (http_abortonclose.vtc)
                    abort('C', phase);
                    return;
                }
                if (scf.ep.conn().has(Connection.ERROR)) {
                    abort(termCause, termPhase); // the 400 cannot be delivered
                    return;
                }
            }
            if (!routed && req.headIn) {
                route(now);
                progress = true;
            }
            if (routed && !localReply)
                progress |= driveBackend(now);
            if (finished)
                return;
            if (localReply && !res.eom)
                progress |= res.refill();
            if (res.headIn && !res.eomOut)
                progress |= scf.ep.send(res);
        } while (progress && ++rounds < 64);
        if (res.eomOut) {
            finish();
            return;
        }
        if (rounds >= 64) {
            task.wakeup(); // yield to other tasks, come back soon
            return;
        }
        checkTimeouts(now);
    }

    /** Picks a redirect or a backend for the request. */
    private void route(long now) {
        routed = true;
        if (LocalReply.redirect(fe, req.head, res) || LocalReply.stats(fe, fe.stats, req.head, res)) {
            intercepted();
            return;
        }
        be = fe.selectBackend(req.head);
        if (be != null) {
            int t = poller.tid();
            be.counters.max(t, Counters.MAX_SESS, be.beconn.incrementAndGet());
            be.counters.add(t, Counters.SESS_TOT, 1);
            be.counters.max(t, Counters.LAST_SESS, now);
            beCounted = true;
            if (be.stats != null && LocalReply.stats(fe, be.stats, req.head, res)) {
                intercepted();
                return;
            }
        }
        if (be == null || !be.hasServers()) {
            localError(503, 'S', 'C'); // HAProxy 2.6 logs SC for a backend without servers
            return;
        }
        retriesLeft = be.retries;
        if (fe.forwardFor || be.forwardFor)
            req.head.add("X-Forwarded-For", origin.clientAddr());
        if (be.abortOnClose && scf.ep.conn() != null)
            scf.ep.conn().resumeInput(); // keep watching the client to see it close
        scb.setState(State.REQ);
    }

    /** The response is produced locally (redirect, return, service, stats page): HAProxy's LR. */
    private void intercepted() {
        localReply = true;
        termCause = 'L'; // HAProxy: LR, a reply produced locally while processing the request
        termPhase = 'R';
        fe.counters.add(poller.tid(), Counters.INTERCEPTED, 1);
    }

    /** Counts an event on the backend and, when one is chosen, on the server. */
    private void countBackend(int field) {
        int t = poller.tid();
        if (be != null)
            be.counters.add(t, field, 1);
        if (srv != null)
            srv.counters.add(t, field, 1);
    }

    private boolean driveBackend(long now) {
        switch (scb.state()) {
            case INI:
                return false;
            case REQ:
                // option http-buffer-request: wait for the whole body (or a full buffer) first,
                // which also lets a slowly sent request be kept for L7 retries.
                if ((fe.bufferRequest || be.bufferRequest) && !req.eom && req.room() > 0)
                    return false;
                srv = be.pick(poller.tid()); // counts lbtot
                if (srv == null) {
                    // Every server is DOWN, in maintenance, draining or at weight 0: HAProxy's 503, SC.
                    localError(503, 'S', 'C');
                    return true;
                }
                scb.setState(State.ASS);
                // fall through
            case QUE:
            case ASS:
                if (!haveSlot(now))
                    return localReply; // queued (no progress), or gave up with 503 (progress)
                scb.setState(State.ASS);
                attempts++;
                if (tConnStart < 0)
                    tConnStart = now;
                connTimedOut = false;
                if (!connector.connect(srv)) {
                    scb.setState(State.CER);
                    return true;
                }
                if (connector.reused)
                    countBackend(Counters.REUSE);
                if (scb.state() == State.ASS) {
                    // A fresh connection: wait for the poller to confirm it.
                    scb.setState(State.CON);
                    connExp = now + be.timeoutConnect;
                }
                return true;
            case CON:
                if (be.timeoutConnect > 0 && now >= connExp) {
                    connTimedOut = true;
                    scb.setState(State.CER);
                    return true;
                }
                return false;
            case CER:
                return connectionError(now);
            case TAR:
                if (now >= tarExp) {
                    scb.setState(State.ASS); // the server was chosen when the retry was decided

                    return true;
                }
                return false;
            case RDY:
                // The stream, not a lazy forward, turns a confirmed connection into an established one.
                scb.setState(State.EST);
                tConnect = now;
                // fall through
            case EST:
                return established(now);
            default:
                return false;
        }
    }

    /**
     * Holds one of {@code srv}'s {@code maxconn} slots for this stream, waiting in the server's
     * queue (state QUE) while it is full, and answering 503 after {@code timeout queue} (or
     * {@code timeout connect} when unset), as HAProxy does. False while no slot is held.
     */
    private boolean haveSlot(long now) {
        if (slotServer == srv)
            return true;
        if (slotServer != null) {
            slotServer.release();
            slotServer = null;
        }
        if (srv.tryAcquire()) {
            slotServer = srv;
            int t = poller.tid();
            srv.counters.max(t, Counters.MAX_SESS, srv.served());
            srv.counters.add(t, Counters.SESS_TOT, 1);
            srv.counters.max(t, Counters.LAST_SESS, now);
            if (queueExp >= 0) {
                srv.dequeue(this);
                srvQueue = srv.leftQueue.getAndIncrement() - queueMark;
            }
            if (tQueue < 0)
                tQueue = now;
            return true;
        }
        if (queueExp < 0) {
            queueMark = srv.leftQueue.get();
            long t = be.timeoutQueue > 0 ? be.timeoutQueue : be.timeoutConnect;
            queueExp = t > 0 ? now + t : Task.NEVER;
            srv.enqueue(this);
        } else if (now >= queueExp) {
            srv.dequeue(this);
            localError(503, 's', 'Q');
            return false;
        } else if (!srv.isQueued(this)) {
            srv.enqueue(this); // woken for a slot another stream took first: wait again
        }
        scb.setState(State.QUE);
        return false;
    }

    /**
     * The phase letter of a client abort or client timeout, as HAProxy's sess_set_term_flags
     * derives it from the backend connector: R while the request is still being received (no
     * server chosen yet), Q queued, C while connecting (including retries and turn-around), H
     * while a complete request waits for the response head, D once data flows.
     */
    private char clientPhase() {
        switch (scb.state()) {
            case INI:
            case REQ:
                return 'R';
            case QUE:
                return 'Q';
            case ASS:
            case CON:
            case CER:
            case TAR:
            case RDY:
                return 'C';
            default: {
                // A client connection gone altogether (an HTTP/2 client that left after its
                // request) is HAProxy's write error to the client: phase D, as 2.6 logs it.
                boolean gone = scf.ep.conn() != null && scf.ep.conn().has(Connection.CLOSED);
                return req.eom && !res.headIn && !gone ? 'H' : 'D';
            }
        }
    }

    /** Retry after a failed connect, or give up with 503. */
    private boolean connectionError(long now) {
        connector.abort();
        countBackend(Counters.CONN_ERR);
        if (retriesLeft > 0 && be.retryOn(RetryOn.CONN_FAILURE)) {
            retriesLeft--;
            countBackend(Counters.RETRIES);
            // Same server again, unless option redispatch chooses another (Backend.redispatchTarget).
            ServerModel next = be.redispatchTarget(srv, retriesLeft, poller.tid());
            boolean same = next == srv;
            if (!same)
                countBackend(Counters.REDISPATCH);
            redispatched |= !same;
            srv = next;
            // HAProxy's turn-around: wait min(1s, timeout connect) after an error, not after a
            // timeout, and only when retrying the same server (or the only usable one).
            long delay = connTimedOut || !(same || be.usableCount() <= 1) ? 0
                    : Math.min(1000, be.timeoutConnect > 0 ? be.timeoutConnect : 1000);
            tarExp = now + delay;
            scb.setState(State.TAR);
            return true;
        }
        // HAProxy's termination flags: 'S' the server refused or failed, 's' it timed out.
        localError(503, connTimedOut ? 's' : 'S', 'C');
        return true;
    }

    private boolean established(long now) {
        boolean progress = false;
        Endpoint back = scb.ep;
        if (replay == null && !replayDecided) {
            replayDecided = true;
            // Kept for the retry-on events, and on a reused connection, which the server may
            // have closed while it was idle (see staleRetry).
            if (be.l7Retries() || connector.reused)
                replay = RequestReplay.capture(req, be.requestCodec);
        }
        if (!req.eomOut)
            progress |= back.send(req);
        if (!res.eom) {
            progress |= back.receive(res);
            if (res.headIn && tResponse < 0)
                tResponse = now;
        }
        if (back.failed() && !res.eom) {
            if (!res.headIn) {
                RetryOn why = back.junk() ? RetryOn.JUNK_RESPONSE : RetryOn.EMPTY_RESPONSE;
                if (l7Retry(why, staleRetry(why)))
                    return true;
                if (why == RetryOn.EMPTY_RESPONSE && connector.reused) {
                    if (origin.canRefuse()) {
                        // HTTP/2: REFUSED_STREAM lets the client retry it (RFC 9113 §8.7);
                        // unlike HTTP/1's silent close, the exchange is logged.
                        termCause = 'S';
                        termPhase = 'H';
                        end();
                        connector.abort();
                        scf.ep.refuse();
                        return true;
                    }
                    if (!origin.firstRequest()) {
                        // HAProxy's abort_keep_alive: an HTTP/1 keep-alive client may safely
                        // retry a not-first request when its connection closes silently.
                        silent = true;
                        abort('S', 'H');
                        return true;
                    }
                }
            }
            if (!res.headOut) {
                // An invalid head or body framing is blocked by the proxy (HAProxy logs PH); a
                // close or an error is the server's (SH).
                char cause = back.invalid() ? 'P' : 'S';
                connector.abort();
                countBackend(Counters.RESP_ERR);
                localError(502, cause, 'H');
            } else {
                abort('S', 'D');
            }
            return true;
        }
        if (res.headIn && !res.interim && !res.headOut && replay != null) {
            RetryOn st = RetryOn.forStatus(res.head.status());
            if (st != null && l7Retry(st))
                return true;
        }
        return progress;
    }

    /**
     * HAProxy's do_l7_retry: if {@code why} is retried, the request was kept and the budget
     * allows, drop the server connection and send the same request again (same server, or
     * another on the last retry with option redispatch). Otherwise the caller goes on with what
     * it has, which forwards the server's last real response.
     */
    private boolean l7Retry(RetryOn why) {
        return l7Retry(why, false);
    }

    /**
     * Rule for a reused server connection that closes with not one byte of response: it was most
     * likely closed by the server while idle, racing with our request, so the request is sent
     * again on a fresh connection, even without {@code retry-on empty-response}, when it can be
     * replayed (complete and kept, see {@link RequestReplay}) and either it is idempotent or the
     * client is HTTP/2 (which would otherwise get REFUSED_STREAM and retry it itself). The
     * {@code retries} budget still applies. When no retry is possible: REFUSED_STREAM on HTTP/2,
     * a silent close for a not-first HTTP/1 request, else 502.
     */
    private boolean staleRetry(RetryOn why) {
        return why == RetryOn.EMPTY_RESPONSE && connector.reused
                && (origin.canRefuse() || req.head.method().idempotent());
    }

    /** {@code force}: retried even when {@code retry-on} does not list {@code why}. */
    private boolean l7Retry(RetryOn why, boolean force) {
        if (!(force || be.retryOn(why)) || replay == null || retriesLeft == 0)
            return false;
        retriesLeft--;
        // A reused connection that failed was most likely closed by the server while idle; the
        // other idle ones may be too, so the retry opens a fresh connection.
        freshConnection = connector.reused && why != RetryOn.RESPONSE_TIMEOUT && why.status() == 0;
        connector.abort();
        replay.restore(req);
        res.reset();
        tResponse = -1;
        countBackend(Counters.RETRIES);
        ServerModel next = be.redispatchTarget(srv, retriesLeft, poller.tid());
        if (next != srv)
            countBackend(Counters.REDISPATCH);
        redispatched |= next != srv;
        srv = next;
        scb.setState(State.ASS);
        return true;
    }

    private void checkTimeouts(long now) {
        long exp = Task.NEVER;
        State s = scb.state();
        if (s == State.CON && be.timeoutConnect > 0)
            exp = Math.min(exp, connExp);
        if (s == State.TAR)
            exp = Math.min(exp, tarExp);
        if (s == State.QUE)
            exp = Math.min(exp, queueExp);
        if (s == State.EST && scb.ep != null && !res.eom && be.timeoutServer > 0) {
            long t = scb.ep.conn().lastActivity + be.timeoutServer;
            if (now >= t) {
                if (!res.headIn && l7Retry(RetryOn.RESPONSE_TIMEOUT)) {
                    task.wakeup();
                    return;
                }
                countBackend(Counters.RESP_ERR);
                if (!res.headOut) {
                    connector.abort();
                    localError(504, 's', 'H');
                    scf.ep.send(res);
                    if (res.eomOut)
                        finish();
                } else {
                    abort('s', 'D');
                }
                return;
            }
            exp = Math.min(exp, t);
        }
        boolean waitClient = !req.eom || (res.headIn && !res.eomOut);
        if (waitClient && fe.timeoutClient > 0 && scf.ep.conn() != null) {
            long t = scf.ep.conn().lastActivity + fe.timeoutClient;
            if (now >= t) {
                abort('c', clientPhase());
                return;
            }
            exp = Math.min(exp, t);
        }
        task.expireAt(exp);
    }

    /**
     * The client sent a request body with invalid framing. The server connection, if any, is
     * closed at once and never pooled; the client gets 400 (termination PR before the request
     * head went to the server, PH after, as HAProxy 2.6 logs it) or, if the response has already
     * started, both sides are aborted (PD).
     */
    private void refuseInvalidRequest() {
        requestInvalid = true;
        if (res.headOut) {
            abort('P', 'D');
            return;
        }
        char phase = req.headOut ? 'H' : 'R';
        connector.abort();
        fe.counters.add(poller.tid(), Counters.REQ_ERR, 1);
        localError(400, 'P', phase);
    }

    /** Replaces the response with one of HAProxy's error pages; the stream finishes once it is sent. */
    private void localError(int status, char cause, char phase) {
        localReply = true;
        closeClient = status == 400 || status == 408;
        termCause = cause;
        termPhase = phase;
        res.reset();
        LocalReply.error(status, res);
    }

    /** Ends the stream without a response: both connections are closed. */
    private void abort(char cause, char phase) {
        termCause = cause;
        termPhase = phase;
        end();
        connector.abort();
        scf.ep.detach(false);
    }

    private void finish() {
        end();
        if (res.tunnel && scb.ep != null) {
            // 101 sent: from now on the two connections only relay bytes (WebSocket and the like).
            Connection back = connector.handOver();
            Connection front = scf.ep.handOver();
            if (front != null && back != null) {
                fe.tunnel(poller, be, srv, front, back, scf.ep.onTunnelClose());
                return;
            }
            if (back != null)
                back.abort();
            scf.ep.detach(false);
            return;
        }
        boolean reqDone = req.eom;
        if (scb.ep != null)
            connector.release(reqDone && res.eom);
        scf.ep.detach(reqDone && !closeClient);
    }

    /** Marks the stream done and logs it, while both channels still hold the exchange. */
    private void end() {
        finished = true;
        if (slotServer != null) {
            slotServer.release();
            slotServer = null;
        } else if (queueExp >= 0 && srv != null) {
            srv.dequeue(this);
        }
        // HAProxy decrements beconn and the server's count before the stream's log line, so
        // the line shows the other streams (and its own client connection in %ac/%fc).
        if (beCounted) {
            beCounted = false;
            be.beconn.decrementAndGet();
        }
        task.destroy();
        unwatch();
        count();
        if (!silent)
            fe.log(this);
    }

    /** The exchange's figures for the frontend, backend and server counters (owner thread's lane). */
    private void count() {
        int t = poller.tid();
        fe.counters.add(t, Counters.REQ_TOT, 1);
        int st = res.headOut ? Counters.statusField(res.head.status()) : -1;
        if (st >= 0)
            fe.counters.add(t, st, 1);
        if (be == null)
            return;
        be.counters.add(t, Counters.REQ_TOT, 1);
        if (st >= 0)
            be.counters.add(t, st, 1);
        if (srv != null) {
            srv.counters.add(t, Counters.REQ_TOT, 1);
            if (st >= 0 && tResponse >= 0)
                srv.counters.add(t, st, 1);
        }
        if (termCause == 'C' || termCause == 'c')
            countBackend(Counters.CLI_ABRT);
        else if ((termCause == 'S' || termCause == 's') && termPhase == 'D')
            countBackend(Counters.SRV_ABRT);
    }

    /** The HTTP connection mode of this exchange: the stricter of the frontend's and backend's. */
    public ConnectionMode connMode() {
        return fe.connMode(be);
    }

    /** {@code option abortonclose}: a client that closes before its response aborts the exchange. */
    public boolean abortOnClose() {
        return be != null && be.abortOnClose;
    }

    public boolean isLocalReply() {
        return localReply;
    }

    public ServerConnector connector() {
        return connector;
    }

    // ---- stall watchdog and show sess (owner thread only) ----

    /** Where the exchange is, derived from the analysers' state. */
    public String phase() {
        if (finished)
            return "DONE";
        if (!routed)
            return "ROUTE";
        if (localReply)
            return "LOCAL_REPLY";
        switch (scb.state()) {
            case INI:
            case REQ:
                return "WAIT_BODY";
            case QUE:
                return "QUEUED";
            case ASS:
            case CON:
            case RDY:
                return "CONNECT";
            case TAR:
                return "TURN_AROUND";
            case CER:
                return "CONNECT_ERROR";
            case EST:
                if (!req.eomOut)
                    return res.headIn ? "FORWARD_BOTH" : "FORWARD_REQ";
                return res.headIn ? "FORWARD_RES" : "WAIT_RES";
            default:
                return scb.state().name();
        }
    }

    @Override
    protected long progressMark() {
        long m = req.bytesIn;
        m = m * 31 + req.bytesOut;
        m = m * 31 + res.bytesIn;
        m = m * 31 + res.bytesOut;
        m = m * 31 + flags(req) * 16 + flags(res);
        m = m * 31 + scb.state().ordinal();
        m = m * 31 + attempts;
        m = m * 31 + scf.ep.progressMark();
        Endpoint back = scb.ep;
        if (back != null)
            m = m * 31 + back.progressMark();
        return m;
    }

    private static int flags(HttpChannel c) {
        return (c.headIn ? 1 : 0) | (c.headOut ? 2 : 0) | (c.eom ? 4 : 0) | (c.eomOut ? 8 : 0);
    }

    @Override
    protected boolean holdsWork() {
        if (finished)
            return false;
        State st = scb.state();
        if (st == State.QUE || st == State.TAR)
            return false; // waiting by design, bounded by timeout queue / the turn-around delay
        Endpoint back = scb.ep;
        // Towards the client: a head to emit, or body bytes the client's window allows.
        if (res.headIn && !res.headOut)
            return true;
        if (res.pending() > 0 && !scf.ep.peerBlocksOutput())
            return true;
        // Towards the server.
        if (req.headIn && !req.headOut && st != State.INI && st != State.REQ)
            return true;
        if (req.pending() > 0 && st == State.EST && back != null && !back.peerBlocksOutput())
            return true;
        if (scf.ep.holdsWork(!req.eom))
            return true;
        return back != null && st == State.EST && back.holdsWork(!res.eom);
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

    /** {@code shutdown sessions server}: both connections closed at once, logged with K (killed). */
    @Override
    public void kill() {
        if (!finished)
            abort('K', res.headOut ? 'D' : scb.state() == State.EST || scb.state() == State.RDY ? 'H' : 'C');
    }

    /** {@code show sess}: one line in the spirit of HAProxy's. Owner thread only. */
    @Override
    public void summary(StringBuilder b) {
        long now = poller.nowMs();
        Connection fc = scf.ep.conn();
        b.append(cliId()).append(": proto=").append(fc != null ? "tcpv4" : "h2")
                .append(" src=").append(origin.clientAddr()).append(':').append(origin.clientPort())
                .append(" fe=").append(fe.name).append(" be=").append(be != null ? be.name : "<NONE>")
                .append(" srv=").append(srv != null ? srv.name : "<none>")
                .append(" age=").append((now - tAccept) / 1000).append("s thr=").append(poller.tid())
                .append(" phase=").append(phase()).append(" scf=").append(scf.state()).append(" scb=").append(scb.state())
                .append(" rq[in=").append(req.bytesIn).append(",out=").append(req.bytesOut).append(']')
                .append(" rp[in=").append(res.bytesIn).append(",out=").append(res.bytesOut).append(']')
                .append(" fd=").append(fc != null ? fc.fd : -1);
        Connection bc = scb.ep != null ? scb.ep.conn() : null;
        b.append('/').append(bc != null ? bc.fd : -1);
    }

    /**
     * The whole state on one line: identity, phase, both connectors, both channels, task and
     * timers, then each endpoint (mux, connection, fd table entry). Owner thread only.
     */
    @Override
    public void describe(StringBuilder b) {
        long now = poller.nowMs();
        b.append("stream{id=").append(poller.tid()).append('.').append(id)
                .append(" fe=").append(fe.name).append(" be=").append(be != null ? be.name : "-")
                .append(" srv=").append(srv != null ? srv.name : "-")
                .append(" client=").append(origin.clientAddr()).append(':').append(origin.clientPort())
                .append(" age=").append(now - tAccept).append("ms phase=").append(phase())
                .append(" scf=").append(scf.state()).append(" scb=").append(scb.state())
                .append(" attempts=").append(attempts).append(" retries.left=").append(retriesLeft);
        channel(b, " req", req);
        channel(b, " res", res);
        b.append(' ');
        task.describe(b, now);
        b.append(" timers{");
        deadline(b, "connect", scb.state() == State.CON && be != null && be.timeoutConnect > 0 ? connExp : -1, now);
        deadline(b, " turn-around", scb.state() == State.TAR ? tarExp : -1, now);
        deadline(b, " queue", queueExp >= 0 ? queueExp : -1, now);
        Connection bc = scb.ep != null ? scb.ep.conn() : null;
        deadline(b, " server", be != null && be.timeoutServer > 0 && bc != null ? bc.lastActivity + be.timeoutServer : -1, now);
        Connection fc = scf.ep.conn();
        deadline(b, " client", fe.timeoutClient > 0 && fc != null ? fc.lastActivity + fe.timeoutClient : -1, now);
        b.append("} front=");
        scf.ep.describe(b);
        b.append(" back=");
        if (scb.ep != null)
            scb.ep.describe(b);
        else
            b.append("none");
        b.append('}');
    }

    private static void channel(StringBuilder b, String name, HttpChannel c) {
        b.append(name).append("{flags=[");
        int len = b.length();
        if (c.headIn) b.append("HEAD_IN,");
        if (c.headOut) b.append("HEAD_OUT,");
        if (c.interim) b.append("INTERIM,");
        if (c.eom) b.append("EOM,");
        if (c.eomOut) b.append("EOM_OUT,");
        if (c.bodyless) b.append("BODYLESS,");
        if (c.tunnel) b.append("TUNNEL,");
        if (b.length() > len) b.setLength(b.length() - 1);
        b.append("] fill=").append(c.pending()).append('/').append(c.data.capacity())
                .append(" in=").append(c.bytesIn).append(" out=").append(c.bytesOut)
                .append(" cl=").append(c.contentLength).append('}');
    }

    private static void deadline(StringBuilder b, String name, long at, long now) {
        b.append(name).append('=');
        if (at < 0 || at == Task.NEVER)
            b.append('-');
        else
            b.append(at - now >= 0 ? "+" : "").append(at - now).append("ms");
    }
}
