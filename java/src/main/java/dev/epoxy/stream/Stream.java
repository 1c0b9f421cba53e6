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
 * <p>The body ({@link #run}) is a loop over the two channels: the client side (receive the
 * request, refuse an invalid body, see the client go), then the transition method of the current
 * {@link Phase} (route, wait for the body, queue, connect with retries after a turn-around delay,
 * forward the request and the response, or send a local reply), then the response to the client;
 * at the end it logs and releases both endpoints. The phase and its one deadline change only in
 * {@link #enter}; why the stream ended is a {@link Termination}, which the log prints.
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

    /** Where the exchange is, and the one deadline of that phase; both changed only by {@link #enter}. */
    private Phase phase = Phase.ROUTE;
    private long phaseExp = Task.NEVER;
    // The mutable fields below outlive a single phase; each says why.
    /** The request as first sent, kept across retries for L7 retries; null when it could not be kept. */
    private RequestReplay replay;
    /** The server whose maxconn slot this stream holds, or null: a resource held from CONNECT to DONE. */
    private ServerModel slotServer;
    /** The {@code retries} budget, shared by connect retries (CONNECT) and L7 retries (WAIT_RES). */
    private int retriesLeft;
    /**
     * Why the connector is in CER, carried from where CER is entered (the connect timeout, or the
     * connection's own I/O path) to the next pass, which handles it: a timeout gets no turn-around
     * delay and logs {@code sC} rather than {@code SC} (HAProxy's connection error type).
     */
    private boolean connTimedOut;
    /** Timings for the log, HAProxy's %TR/%Tw/%Tc/%Tr/%Ta, as absolute ms (-1 = not reached). */
    public final long tAccept;
    public long tRequest = -1, tConnStart = -1, tConnect = -1, tResponse = -1;
    /**
     * The request line as the log shows it (HAProxy's %r, as received): the version the client
     * spoke (10, 11, 20; forwarding rewrites the head's), taken with the head; the target when
     * it differs from the head's (an HTTP/2 request with :authority), else null.
     */
    public int clientVersion = 11;
    public String logUri;
    /** WAIT_RES: when the request last moved to the server (see {@link #deadline}). */
    private long requestMoved;
    /** Why the stream ended (NONE while it runs, and after a normal end); the log's termination state. */
    private Termination termination = Termination.NONE;
    /** The status the log shows when no response head exists (HAProxy's txn->status), else 0. */
    public int abortStatus;
    public int attempts;
    /** The last retry went to another server ({@code option redispatch}): HAProxy's "+" before %rc. */
    public boolean redispatched;
    /** When a server slot was obtained (end of the queue wait, HAProxy's t_queue); -1 before. */
    public long tQueue = -1;
    /** Requests that left the server's queue ahead of this one while it waited (%sq). */
    public long srvQueue;
    /** QUEUE only: the server's leftQueue count when the stream entered QUEUE (for %sq). */
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
        task.onFailure(this::internalError);
        this.id = poller.nextStreamId();
        watch(poller);
    }

    public void wakeup() {
        if (phase != Phase.DONE)
            task.wakeup();
    }

    public boolean finished() {
        return phase == Phase.DONE;
    }

    /**
     * One pass: the client side first (receive the request, refuse an invalid body, see the
     * client go), then the current phase's transition method, then the response towards the
     * client; again while anything moved (at most 64 rounds, then yield), then the timers.
     */
    @Override
    public void run() {
        ran();
        if (phase == Phase.DONE)
            return;
        long now = poller.nowMs();
        boolean progress;
        int rounds = 0;
        do {
            progress = false;
            if (!req.eom)
                progress |= scf.ep.receive(req);
            if (req.headIn && tRequest < 0) {
                tRequest = now;
                clientVersion = req.head.version();
            }
            if (!termination.badRequestBody() && scf.ep.invalid()) {
                refuseInvalidRequest();
                if (phase == Phase.DONE)
                    return;
                progress = true;
            }
            if (scf.ep.failed() && !res.eomOut) {
                if (!termination.badRequestBody()) {
                    // A whole request head goes through the switching rules before the abort
                    // is seen, as in HAProxy: its log names the backend (be/<NOSRV> CR--).
                    if (phase == Phase.ROUTE && req.headIn && be == null)
                        chooseBackend(now);
                    char stage = clientStage();
                    if (stage == 'H' && !res.headIn)
                        abortStatus = 400; // HAProxy logs a client abort awaiting the response as 400 (http_abortonclose.vtc)
                    abort(Termination.clientAbort(stage));
                    return;
                }
                if (scf.ep.conn().has(Connection.ERROR)) {
                    abort(termination); // the 400 cannot be delivered
                    return;
                }
            }
            progress |= advance(now);
            if (phase == Phase.DONE)
                return;
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

    /**
     * Runs the current phase's transition method; true if anything moved. A method that enters
     * another phase may run that phase's method at once, where the exchange can go on at once.
     */
    private boolean advance(long now) {
        switch (phase) {
            case ROUTE:
                return route(now);
            case WAIT_BODY:
                return waitBody(now);
            case QUEUE:
                return attempt(now);
            case CONNECT:
                return connect(now);
            case TURN_AROUND:
                return turnAround(now);
            case WAIT_RES:
                return waitResponse(now);
            case FORWARD_RES:
                return forwardResponse(now);
            case LOCAL_REPLY:
                return !res.eom && res.refill();
            default:
                return false;
        }
    }

    /** ROUTE: picks a redirect, return or stats page (LOCAL_REPLY) or a backend (WAIT_BODY). */
    private boolean route(long now) {
        if (!req.headIn)
            return false;
        if (LocalReply.redirect(fe, req.head, res) || LocalReply.stats(fe, fe.stats, req.head, res)) {
            intercepted();
            return true;
        }
        chooseBackend(now);
        if (be != null) {
            if (be.stats != null && LocalReply.stats(fe, be.stats, req.head, res)) {
                intercepted();
                return true;
            }
        }
        if (be == null || !be.hasServers()) {
            localError(503, Termination.NO_SERVER); // HAProxy 2.6 logs SC for a backend without servers
            return true;
        }
        retriesLeft = be.retries;
        if (fe.forwardFor || be.forwardFor)
            req.head.add("X-Forwarded-For", origin.clientAddr());
        if (be.abortOnClose && scf.ep.conn() != null)
            scf.ep.conn().resumeInput(); // keep watching the client to see it close
        scb.setState(State.REQ);
        enter(Phase.WAIT_BODY);
        waitBody(now);
        return true;
    }

    /** The switching rules' backend, counted as one of its sessions (HAProxy's process_switching_rules). */
    private void chooseBackend(long now) {
        be = fe.selectBackend(req.head);
        if (be != null) {
            int t = poller.tid();
            be.counters.max(t, Counters.MAX_SESS, be.beconn.incrementAndGet());
            be.counters.add(t, Counters.SESS_TOT, 1);
            be.counters.max(t, Counters.LAST_SESS, now);
            beCounted = true;
        }
    }

    /** The response is produced locally (redirect, return, service, stats page): HAProxy's LR. */
    private void intercepted() {
        enter(Phase.LOCAL_REPLY);
        termination = Termination.INTERCEPTED;
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

    /**
     * WAIT_BODY: with {@code option http-buffer-request}, waits for the whole body (or a full
     * buffer), which also lets a slowly sent request be kept for L7 retries; then picks a server
     * and makes the first attempt.
     */
    private boolean waitBody(long now) {
        if ((fe.bufferRequest || be.bufferRequest) && !req.eom && req.room() > 0)
            return false;
        srv = be.pick(poller.tid()); // counts lbtot
        if (srv == null) {
            // Every server is DOWN, in maintenance, draining or at weight 0: HAProxy's 503, SC.
            localError(503, Termination.NO_SERVER);
            return true;
        }
        scb.setState(State.ASS);
        return attempt(now);
    }

    /**
     * The server is assigned (connector ASS; also QUEUE's transition method, run when a slot may
     * have come free): takes a slot of {@code srv}, else waits in QUEUE, then starts a connect
     * attempt, which enters CONNECT.
     */
    private boolean attempt(long now) {
        if (!haveSlot(now))
            return phase == Phase.LOCAL_REPLY; // queued (no progress), or gave up with 503 (progress)
        scb.setState(State.ASS);
        // Each attempt enters CONNECT afresh: timeout connect counts from here.
        enter(Phase.CONNECT, be.timeoutConnect > 0 ? now + be.timeoutConnect : Task.NEVER);
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
        }
        return true;
    }

    /**
     * CONNECT, refined by the connector's state: ASS an attempt to make (after a retry), CON
     * waiting for the connection's own I/O path or {@code timeout connect}, CER a failed attempt
     * to retry or answer, RDY a confirmed connection, which only the stream makes EST (seed 2).
     */
    private boolean connect(long now) {
        switch (scb.state()) {
            case ASS:
                return attempt(now);
            case CON:
                if (now >= phaseExp) {
                    connTimedOut = true;
                    scb.setState(State.CER);
                    return true;
                }
                return false;
            case CER:
                return connectionError(now);
            case RDY:
                scb.setState(State.EST);
                tConnect = now;
                // Kept for the retry-on events, on a reused connection, which the server may
                // have closed while it was idle (see staleRetry), and for a server that may
                // refuse it unprocessed (HTTP/2). Decided once: a later establishment follows an
                // L7 retry, which needs the copy already.
                if (replay == null && (be.l7Retries() || connector.reused || connector.mayRefuse()))
                    replay = RequestReplay.capture(req);
                enter(Phase.WAIT_RES);
                requestMoved = now;
                return waitResponse(now);
            default:
                return false;
        }
    }

    /** TURN_AROUND: once its delay has passed, the retry's server (chosen already) gets the next attempt. */
    private boolean turnAround(long now) {
        if (now < phaseExp)
            return false;
        scb.setState(State.ASS);
        enter(Phase.CONNECT);
        return true;
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
            if (phase == Phase.QUEUE)
                srvQueue = srv.leftQueue.getAndIncrement() - queueMark; // the caller's enter(CONNECT) dequeues
            if (tQueue < 0)
                tQueue = now;
            return true;
        }
        if (phase != Phase.QUEUE) {
            queueMark = srv.leftQueue.get();
            long t = be.timeoutQueue > 0 ? be.timeoutQueue : be.timeoutConnect;
            enter(Phase.QUEUE, t > 0 ? now + t : Task.NEVER);
            srv.enqueue(this);
        } else if (now >= phaseExp) {
            localError(503, Termination.QUEUE_TIMEOUT); // leaving QUEUE dequeues
            return false;
        } else if (!srv.isQueued(this)) {
            srv.enqueue(this); // woken for a slot another stream took first: wait again
        }
        scb.setState(State.QUE);
        return false;
    }

    /**
     * The stage letter of a client abort or client timeout, as HAProxy's sess_set_term_flags
     * derives it from the backend connector: R while the request is still being received (no
     * server chosen yet), Q queued, C while connecting (including retries and turn-around), H
     * while a complete request waits for the response head, D once data flows.
     */
    private char clientStage() {
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
                // request) is HAProxy's write error to the client: stage D, as 2.6 logs it.
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
            scb.setState(State.TAR);
            enter(Phase.TURN_AROUND, now + delay);
            return true;
        }
        localError(503, connTimedOut ? Termination.CONNECT_TIMEOUT : Termination.CONNECT_FAILED);
        return true;
    }

    /**
     * WAIT_RES: the request goes out and the response head is awaited. The final head moves on
     * to FORWARD_RES, or back to CONNECT when its status is retried (HAProxy's retry-on).
     */
    private boolean waitResponse(long now) {
        boolean progress = exchange(now);
        boolean finalHead = res.headIn && !res.interim;
        // A valid final head that came before the server failed still goes to the client, with
        // what came of its body, and only then is the response cut (forwardResponse), as HAProxy
        // does: whether one event reported the bytes and the reset together must not turn the
        // server's status into a 502 (ResetAfterHeadTest).
        if (scb.ep.failed() && !res.eom && !(finalHead && !scb.ep.invalid()))
            return serverFailed();
        if (finalHead) {
            enter(Phase.FORWARD_RES);
            if (!res.headOut) {
                RetryOn st = RetryOn.forStatus(res.head.status());
                if (st != null && l7Retry(st, stale408(st)))
                    return true;
                if (stale408(st) && origin.canRefuse())
                    return refuseStale(); // not sent again here (too large, or no retry left)
            }
        }
        return progress;
    }

    /** FORWARD_RES: the final response head is in; its body (and what is left of the request) flows. */
    private boolean forwardResponse(long now) {
        boolean progress = exchange(now);
        if (scb.ep.failed() && !res.eom) {
            // What the server sent before it went goes to the client first (as HAProxy does):
            // only then is the response cut, with its connection.
            Connection client = scf.ep.conn();
            if (res.headOut && (res.pending() > 0 || res.piped() > 0) && client != null
                    && !client.has(Connection.ERROR | Connection.CLOSED))
                return progress;
            return serverFailed();
        }
        return progress;
    }

    /** The connected phases' I/O with the server: request bytes out, response bytes in. */
    private boolean exchange(long now) {
        boolean progress = false;
        Endpoint back = scb.ep;
        if (!req.eomOut && back.send(req)) {
            progress = true;
            requestMoved = now;
        }
        if (!res.eom)
            progress |= back.receive(res);
        // Outside the test above: an HTTP/2 server's whole response may be in the channel
        // before the stream's first look (its mux decodes on the connection's I/O), and was
        // then logged with Tr -1.
        if (res.headIn && tResponse < 0)
            tResponse = now;
        return progress;
    }

    /**
     * The server connection failed or closed before the end of the response: an L7 retry (or
     * a retry of a request that met a stale reused connection), else REFUSED_STREAM or a silent
     * close for a stale connection, 502 before the response head went out, an abort after.
     */
    private boolean serverFailed() {
        Endpoint back = scb.ep;
        if (!res.headIn) {
            RetryOn why = back.junk() ? RetryOn.JUNK_RESPONSE : RetryOn.EMPTY_RESPONSE;
            // A request the server refused unprocessed (HTTP/2) is sent again like one that
            // met a stale connection, whatever retry-on says, or refused in turn to an HTTP/2
            // client; an HTTP/1 one gets the 502.
            if (l7Retry(why, staleRetry(why) || back.unprocessed()))
                return true;
            if (back.unprocessed() && origin.canRefuse())
                return refuseStale();
            if (why == RetryOn.EMPTY_RESPONSE && connector.reused) {
                if (origin.canRefuse())
                    return refuseStale();
                if (!origin.firstRequest()) {
                    // HAProxy's abort_keep_alive: an HTTP/1 keep-alive client may safely
                    // retry a not-first request when its connection closes silently.
                    abort(Termination.STALE_SILENT);
                    return true;
                }
            }
        }
        if (!res.headOut) {
            // An invalid head or body framing is blocked by the proxy (HAProxy logs PH); a
            // close or an error is the server's (SH).
            Termination why = back.invalid() ? Termination.BAD_RESPONSE : Termination.SERVER_CLOSED;
            connector.abort();
            countBackend(Counters.RESP_ERR);
            localError(502, why);
        } else {
            abort(Termination.SERVER_ABORT);
        }
        return true;
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
     * HTTP/2 client: the server did not take the request (a reused connection it had closed, or
     * announced closing with a 408, or an HTTP/2 server's refusal) and it is not sent again here;
     * REFUSED_STREAM lets the client send it again (RFC 9113 §8.7). Unlike HTTP/1's silent
     * close, the exchange is logged, with status -1: a head the server sent (a 408) never went
     * to the client.
     */
    private boolean refuseStale() {
        res.reset();
        termination = Termination.STALE_REFUSED;
        end();
        connector.abort();
        scf.ep.refuse();
        return true;
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

    /**
     * A 408 on a reused connection: a server that closes idle connections announced it (as some
     * do when their idle timeout strikes) just as the request went out on it. It did not take
     * the request, which may be sent again (RFC 9110 §15.5.9: the client "MAY repeat that
     * request"); forwarded, it told the client its own request had been too slow. Browsers
     * resend in this case too. Retried on a fresh connection, whatever {@code retry-on} says;
     * a request that cannot be sent again is refused to an HTTP/2 client (REFUSED_STREAM), and
     * the 408 goes to an HTTP/1 one, which may repeat the request itself.
     */
    private boolean stale408(RetryOn why) {
        return why == RetryOn.STATUS_408 && connector.reused;
    }

    /** {@code force}: retried even when {@code retry-on} does not list {@code why}. */
    private boolean l7Retry(RetryOn why, boolean force) {
        if (!(force || be.retryOn(why)) || replay == null || retriesLeft == 0)
            return false;
        retriesLeft--;
        // A reused connection that failed was most likely closed by the server while idle; the
        // other idle ones may be too, so the retry opens a fresh connection. So does a request
        // an HTTP/2 server refused: that connection, still pooled, is at its limit or leaving.
        connector.fresh = connector.reused && why != RetryOn.RESPONSE_TIMEOUT && (why.status() == 0 || stale408(why))
                || scb.ep != null && scb.ep.unprocessed();
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
        enter(Phase.CONNECT);
        return true;
    }

    /**
     * Arms the task's timer for the current phase's deadline and the client's inactivity, the
     * one timer that spans phases (HAProxy's channel timeouts beside the analysers' own). QUEUE,
     * CONNECT and TURN_AROUND act on their deadline in their transition method, which has just
     * run; the connected phases' deadline is the server's inactivity, acted on here.
     */
    private void checkTimeouts(long now) {
        long exp = deadline();
        if (now >= exp && (phase == Phase.WAIT_RES || phase == Phase.FORWARD_RES)) {
            serverTimeout();
            return;
        }
        boolean waitClient = !req.eom || (res.headIn && !res.eomOut);
        if (waitClient && fe.timeoutClient > 0 && scf.ep.conn() != null) {
            long t = scf.ep.conn().lastActivity + fe.timeoutClient;
            if (now >= t) {
                abort(Termination.clientTimeout(clientStage()));
                return;
            }
            exp = Math.min(exp, t);
        }
        task.expireAt(exp);
    }

    /**
     * The current phase's deadline, Task.NEVER when it has none. In the connected phases it is
     * the server connection's inactivity ({@code timeout server} after its last I/O), which the
     * connection's I/O moves without the stream, so it is read from there; until the response
     * head is whole, only the request's own moves count.
     */
    private long deadline() {
        if (phase != Phase.WAIT_RES && phase != Phase.FORWARD_RES)
            return phaseExp;
        if (scb.ep == null || res.eom || be.timeoutServer <= 0)
            return Task.NEVER;
        // Bytes of a response head still incomplete are no progress, as in HAProxy, whose
        // stream sees nothing of a head until it is whole: a server dribbling its head gets 504
        // after timeout server from the request's last move, not a new timeout per byte.
        if (phase == Phase.WAIT_RES && !res.headIn)
            return requestMoved + be.timeoutServer;
        return scb.ep.conn().lastActivity + be.timeoutServer;
    }

    /** {@code timeout server} while connected: an L7 retry, else 504 before the response head and an abort after. */
    private void serverTimeout() {
        if (!res.headIn && l7Retry(RetryOn.RESPONSE_TIMEOUT)) {
            task.wakeup();
            return;
        }
        countBackend(Counters.RESP_ERR);
        if (!res.headOut) {
            connector.abort();
            localError(504, Termination.SERVER_TIMEOUT);
            scf.ep.send(res);
            if (res.eomOut)
                finish();
        } else {
            abort(Termination.SERVER_TIMEOUT_DATA);
        }
    }

    /**
     * The client sent a request body with invalid framing. The server connection, if any, is
     * closed at once and never pooled; the client gets 400 (termination PR before the request
     * head went to the server, PH after, as HAProxy 2.6 logs it) or, if the response has already
     * started, both sides are aborted (PD).
     */
    private void refuseInvalidRequest() {
        if (res.headOut) {
            abort(Termination.BAD_REQUEST_BODY_ANSWERED);
            return;
        }
        connector.abort();
        fe.counters.add(poller.tid(), Counters.REQ_ERR, 1);
        localError(400, req.headOut ? Termination.BAD_REQUEST_BODY_SENT : Termination.BAD_REQUEST_BODY);
    }

    /** Replaces the response with one of HAProxy's error pages; the stream finishes once it is sent. */
    private void localError(int status, Termination why) {
        enter(Phase.LOCAL_REPLY);
        termination = why;
        res.reset();
        LocalReply.error(status, res);
    }

    /** Ends the stream without a response: both connections are closed. */
    private void abort(Termination why) {
        termination = why;
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
        scf.ep.detach(reqDone && !termination.badRequestBody()); // the client is closed after a 400
    }

    /** Marks the stream done and logs it, while both channels still hold the exchange. */
    private void end() {
        enter(Phase.DONE); // leaving QUEUE dequeues
        if (replay != null) {
            replay.release();
            replay = null;
        }
        if (slotServer != null) {
            slotServer.release();
            slotServer = null;
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
        if (termination.logged)
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
        if (termination.byClient())
            countBackend(Counters.CLI_ABRT);
        else if (termination.serverAbortInData())
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

    /**
     * Where the request or the response body may take a pipe: {@code option splice-request} or
     * {@code splice-response} on the frontend or the backend (HAProxy takes either); null when
     * neither has it.
     */
    public dev.epoxy.conn.Pipe.Pool splicePipes(boolean request) {
        boolean on = request ? fe.spliceRequest || be != null && be.spliceRequest
                : fe.spliceResponse || be != null && be.spliceResponse;
        return on ? fe.pipes : null;
    }

    /** Why the stream ended; NONE while it runs and after a normal end. */
    public Termination termination() {
        return termination;
    }

    public ServerConnector connector() {
        return connector;
    }

    // ---- stall watchdog and show sess (owner thread only) ----

    /** Where the exchange is (stall reports, {@code show sess}). */
    public Phase phase() {
        return phase;
    }

    /** Enters a phase without a deadline of its own. */
    private void enter(Phase p) {
        enter(p, Task.NEVER);
    }

    /**
     * Enters phase {@code p} with its deadline (absolute poller ms, or Task.NEVER). Leaving QUEUE
     * takes the stream out of the server's queue, whatever ends the wait.
     */
    private void enter(Phase p, long exp) {
        if (phase == Phase.QUEUE && p != Phase.QUEUE)
            srv.dequeue(this);
        phase = p;
        phaseExp = exp;
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

    /**
     * Spliced bytes wait in {@code c}'s pipe, not in an output buffer ({@link
     * Endpoint#peerBlocksOutput} cannot see them), and the socket of {@code to} would take them now.
     */
    private static boolean pipeMovable(HttpChannel c, Endpoint to) {
        Connection conn = c.piped() > 0 && to != null ? to.conn() : null;
        return conn != null && conn.writable();
    }

    private static int flags(HttpChannel c) {
        return (c.headIn ? 1 : 0) | (c.headOut ? 2 : 0) | (c.eom ? 4 : 0) | (c.eomOut ? 8 : 0);
    }

    @Override
    protected boolean holdsWork() {
        if (phase == Phase.DONE)
            return false;
        State st = scb.state();
        if (st == State.QUE || st == State.TAR)
            return false; // waiting by design, bounded by timeout queue / the turn-around delay
        Endpoint back = scb.ep;
        // Towards the client: a head to emit, or body bytes, unless the client holds the output
        // back (it does not read, or its window is closed).
        if ((res.headIn && !res.headOut || res.pending() > 0) && !scf.ep.peerBlocksOutput())
            return true;
        if (pipeMovable(res, scf.ep))
            return true;
        // Towards the server.
        if (req.headIn && !req.headOut && st != State.INI && st != State.REQ && (back == null || !back.peerBlocksOutput()))
            return true;
        if (req.pending() > 0 && st == State.EST && back != null && !back.peerBlocksOutput())
            return true;
        if (st == State.EST && pipeMovable(req, back))
            return true;
        // Input is work unless the channel it goes to is full: that waits for its reader (a
        // client that does not read holds the server's bytes back, by design).
        if (scf.ep.holdsWork(!req.eom && !req.full()))
            return true;
        return back != null && st == State.EST && back.holdsWork(!res.eom && !res.full());
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
        if (phase != Phase.DONE)
            abort(Termination.killed(stage()));
    }

    /**
     * Our own code failed during this exchange (a bug, logged where it was caught): both
     * connections closed at once, logged with I, rather than the exchange left hanging.
     */
    public void internalError() {
        if (phase != Phase.DONE)
            abort(Termination.internal(stage()));
    }

    /** The stage of a stream ended from outside: D once the response head went out, H once connected, else C. */
    private char stage() {
        return res.headOut ? 'D' : scb.state() == State.EST || scb.state() == State.RDY ? 'H' : 'C';
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
        deadline(b, "connect", phase == Phase.CONNECT ? phaseExp : -1, now);
        deadline(b, " turn-around", phase == Phase.TURN_AROUND ? phaseExp : -1, now);
        deadline(b, " queue", phase == Phase.QUEUE ? phaseExp : -1, now);
        deadline(b, " server", phase == Phase.WAIT_RES || phase == Phase.FORWARD_RES ? deadline() : -1, now);
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
        b.append("] fill=").append(c.pending()).append('/').append(c.data.capacity());
        if (c.pipe != null)
            b.append(" piped=").append(c.piped()).append(c.pipe.full() ? " (full)" : "");
        b
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
