package dev.epoxy.h1;

import dev.epoxy.conn.Connection;
import dev.epoxy.http.BodyFraming;
import dev.epoxy.http.BodyKind;
import dev.epoxy.http.ConnectionMode;
import dev.epoxy.http.ConnectionPolicy;
import dev.epoxy.http.HttpHead;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Task;
import dev.epoxy.stream.ClientSession;
import dev.epoxy.stream.FrontendModel;
import dev.epoxy.stream.LocalReply;
import dev.epoxy.stream.Endpoint;
import dev.epoxy.stream.HttpChannel;
import dev.epoxy.stream.Stream;

/**
 * The client side of an HTTP/1.1 connection: parses requests, starts one {@link Stream} per
 * request (pipelined requests wait in the input buffer until the previous one is answered),
 * and writes responses.
 *
 * <p>Threading: one owner poller thread; the connection's I/O callback, the idle task and the
 * stream all run there.
 *
 * <p>States ({@link State}), each with the one deadline it owns, armed on the idle task:
 * <pre>
 *   IDLE     → RUNNING   a request head was parsed
 *            → UPGRADED  the HTTP/2 client preface came instead of a first request
 *            → CLOSING   a bad request or the http-request timeout (an error page goes out)
 *            → CLOSED    the client closed or failed, the keep-alive timeout
 *   RUNNING  → IDLE      the stream detached and the response let the connection persist
 *            → CLOSING   the stream detached otherwise
 *            → UPGRADED  handed over to a tunnel after a 101
 *   CLOSING  → CLOSED    the output was flushed, or timeout client, or an error
 * </pre>
 * IDLE flushes what the last response left (deadline {@code timeout client} since the last
 * progress), then waits for the next request: {@code timeout http-request} from accept for the
 * first one or from its first byte once one began (then 408), {@code timeout http-keep-alive}
 * between requests (then a silent close). While no request was parsed yet the bytes are
 * checked for the HTTP/2 client preface (h2c prior knowledge). RUNNING leaves the timeouts to
 * the stream; its response head decides whether the connection persists
 * ({@link AfterResponse}). CLOSING drains the output, deadline {@code timeout client} since the
 * last progress, then lingers if the request's body was not all read ({@link #lingerAfterOutput}).
 * The channels' buffers are given back in one place, {@link #setState}: a
 * connection outside RUNNING holds none (CLOSING holds the error page's until it closes).
 *
 * <p>When a stream is attached, an I/O event first pulls request body bytes into the request
 * channel and asks the backend connector for a lazy forward ({@code chkSnd}), which by the
 * seed-2 rule does nothing until that connector is RDY or EST, then wakes the stream.
 */
public final class H1FrontMux implements Connection.Handler, Endpoint {
    private final Connection conn;
    private final FrontendModel fe;
    private final H1Parser parser;
    private final HttpChannel req, res;
    private final Task idle;
    private final H1BodyReader reqBody = new H1BodyReader();
    private final H1BodyWriter resBody = new H1BodyWriter();
    private Stream stream;
    /** What the streams see of this connection (Stream.Origin); counts the requests. */
    private final ClientSession session;

    /** Where the connection is (see the class comment). */
    enum State {
        /** Between requests: flushing the last response, then waiting for the next request head. */
        IDLE,
        /** A stream is attached and owns the timeouts. */
        RUNNING,
        /** Draining output, then closing. */
        CLOSING,
        /** Handed to HTTP/2 or a tunnel: this mux no longer touches the connection. */
        UPGRADED,
        /** Closed, the maxconn slots freed. */
        CLOSED
    }

    /** What happens to the connection once the current response is out (decided by its head). */
    private enum AfterResponse {
        UNDECIDED, PERSIST, CLOSE
    }

    private State state;
    /** RUNNING: the keep-alive decision, made when the final response head is prepared. */
    private AfterResponse afterResponse = AfterResponse.UNDECIDED;
    /** IDLE: when waiting for the next request ends (408 or a silent close, see requestDue), or 0. */
    private long deadline;
    /** What the client asked for, read before the request head is rewritten for the server. */
    private boolean clientWantsKeepAlive;
    private int clientVersion;
    private long requestStart = -1, acceptTime;
    /**
     * CLOSING after a response sent before the request's body was all read: once the output is
     * out, the write side is shut and the rest of the input read and dropped (lingering) until
     * the client closes, {@link #LINGER_MS} pass without input, or {@link #LINGER_MAX_MS} in all
     * (nginx's lingering_timeout and lingering_time). Closed with unread input, the socket would
     * send a reset, and a reset makes many client stacks drop a response they have received but
     * not read yet (a 413 or 401 for an upload); HAProxy and nginx avoid it the same way.
     * {@code lingerUntil} is 0 until lingering starts.
     */
    private boolean lingerAfterOutput;
    private long lingerUntil, lingerEnd;
    private static final long LINGER_MS = 2000, LINGER_MAX_MS = 30_000;
    /**
     * CLOSING after a response cut short (the server failed mid-body) whose body went to the
     * client close-delimited: only a reset tells the client that it did not get it all (a FIN
     * would end the body as if whole), so the connection is closed with one once the output is out.
     */
    private boolean resetAfterOutput;

    /** Frees the maxconn slots of this connection; runs once, at close. */
    private final Runnable onClose;

    private H1FrontMux(Poller p, int fd, FrontendModel fe, String addr, int port, Runnable onClose) {
        this.fe = fe;
        this.onClose = onClose;
        this.parser = new H1Parser(fe.bufSize, fe.maxHdr);
        // The channels take buffers for an exchange only (startStream, badRequest).
        this.req = new HttpChannel();
        this.res = new HttpChannel();
        this.idle = new Task(p, this::process);
        idle.onFailure(this::internalError);
        this.conn = Connection.accepted(p, fd, fe.buffers, this);
        this.session = new ClientSession(fe, addr, port, false, () -> conn.has(Connection.CLOSED));
        conn.stats = fe.counters;
        conn.idle(true);
        this.acceptTime = p.nowMs();
        enterIdle(acceptTime);
    }

    /** Sets up an accepted client connection on the calling (owner) thread. */
    public static void start(Poller p, int fd, FrontendModel fe, String addr, int port, Runnable onClose) {
        H1FrontMux m = new H1FrontMux(p, fd, fe, addr, port, onClose);
        m.idle.wakeup();
    }

    @Override
    public void onIo(Connection c) {
        if (state == State.RUNNING) {
            if (!req.eom) {
                receive(req);
                if (!reqBody.invalid())
                    stream.scb.chkSnd();
            } else {
                readAhead();
            }
            stream.wakeup();
        } else {
            process();
        }
    }

    @Override
    public void onFailure(Connection c, Throwable e) {
        try {
            org.slf4j.LoggerFactory.getLogger(H1FrontMux.class).error("fd {}: client connection's handler failed", c.fd, e);
        } catch (Throwable ignored) {
            // no heap to say it with (see Connection.Handler#onFailure)
        }
        internalError();
    }

    /**
     * Our own code failed (a bug, logged): an exchange in progress ends as its stream decides
     * (closed at once, logged with I), else the connection is reset. Never left open with
     * nothing to move it: a request path that threw on every attempt held its client until the
     * client gave up.
     */
    private void internalError() {
        if (state == State.RUNNING && stream != null && stream.phase() != dev.epoxy.stream.Phase.DONE) {
            stream.internalError();
        } else if (state != State.UPGRADED && state != State.CLOSED) {
            conn.abort();
            shutdown();
        }
    }

    /**
     * RUNNING with the request whole: input is still read, into the input buffer while it has
     * room, as HAProxy's H1 mux does. A pipelined request waits there for its turn ({@link
     * Connection#recv()} stops polling once the buffer is full), and a reset or a close is seen
     * at once (a reset aborts the exchange; a close only with {@code option abortonclose}, see
     * {@link #failed()}). Left unread, input is reported again at once, level-triggered: a client
     * that pipelined in front of a slow server kept the thread looping for the whole wait
     * (PipelinedWhileWaitingTest). After a close polling stops, for the same reason.
     */
    private void readAhead() {
        conn.recv();
        if (conn.has(Connection.READ_CLOSED))
            conn.pauseInput();
    }

    /** The idle task and every I/O event outside RUNNING: the current state's step. */
    private void process() {
        switch (state) {
            case IDLE -> stepIdle(conn.poller().nowMs());
            case CLOSING -> stepClosing(conn.poller().nowMs());
            default -> { } // RUNNING: the stream runs; UPGRADED, CLOSED: not ours any more
        }
    }

    /** IDLE: flush what the last response left, then wait for and parse the next request. */
    private void stepIdle(long now) {
        if (!flushed(now))
            return;
        while (true) {
            if (conn.in.hasRemaining()) {
                if (requestStart < 0)
                    requestBegins(now);
                int r = 0;
                // h2c with prior knowledge: the HTTP/2 client preface instead of a first request.
                // The check is repeated on each call until it decides (the parser consumes nothing
                // before a whole head), so no flag records it.
                int pm = session.requests() == 0 ? dev.epoxy.h2.H2FrontMux.detectPreface(conn.in) : -1;
                if (pm > 0) {
                    idle.destroy();
                    setState(State.UPGRADED);
                    dev.epoxy.h2.H2FrontMux.takeOver(conn, fe, session.clientAddr(), session.clientPort(), onClose);
                    return;
                }
                if (pm < 0)
                    r = parser.parseRequest(conn.in, req.head);
                if (r > 0) {
                    startStream(now);
                    return;
                }
                if (r < 0) {
                    dev.epoxy.stream.ErrorSnapshot.request(fe, session.clientAddr(), session.clientPort(), conn.in, parser.errorOffset());
                    badRequest(-r);
                    return;
                }
            }
            int n = conn.recv();
            if (n > 0)
                continue;
            if (n < 0) {
                // Closed or failed between requests: nothing to answer. As HAProxy does, a
                // request abandoned half-way, or a first request never sent, is a 400 (CR): sent
                // to a client that only shut its side (it may still read), logged either way.
                if (requestDue() && !conn.has(Connection.ERROR)) {
                    badRequest(400, 'C');
                    return;
                }
                if (requestDue())
                    fe.logBadRequest(session, 400, requestStart >= 0 ? requestStart : acceptTime, now, 0, 'C',
                            requestStart < 0);
                shutdown();
                return;
            }
            break;
        }
        // Waiting for bytes, until the state's deadline.
        if (deadline > 0 && now >= deadline) {
            if (requestDue()) {
                // HAProxy answers 408 even on a connection that sent nothing (its
                // "option http-ignore-probes", not supported here, would close silently).
                badRequest(408);
            } else {
                shutdown();
            }
            return;
        }
        idle.expireAt(deadline > 0 ? deadline : Task.NEVER);
    }

    /** CLOSING: the output goes out first (a response or error page is never cut short), then close. */
    private void stepClosing(long now) {
        if (!flushed(now))
            return;
        if (resetAfterOutput)
            conn.abort();
        if (lingerAfterOutput && !conn.has(Connection.READ_CLOSED | Connection.ERROR))
            linger(now);
        else
            shutdown();
    }

    /** Lingering (see {@link #lingerAfterOutput}): input read and dropped until the client closes or a deadline. */
    private void linger(long now) {
        if (lingerUntil == 0) {
            conn.shutWrite();
            lingerEnd = now + LINGER_MAX_MS;
            lingerUntil = now + LINGER_MS;
        }
        int n;
        while ((n = conn.recv()) > 0) {
            conn.in.position(conn.in.limit()); // dropped
            lingerUntil = Math.min(now + LINGER_MS, lingerEnd);
        }
        if (n < 0 || now >= lingerUntil) {
            shutdown();
            return;
        }
        idle.expireAt(lingerUntil);
    }

    /**
     * Flushes the output; true once it is all sent. Until then the deadline is {@code timeout
     * client} since the last progress, and the connection is closed when it passes or on error.
     */
    private boolean flushed(long now) {
        if (conn.flush())
            return true;
        if (conn.has(Connection.ERROR)) {
            shutdown();
            return false;
        }
        long exp = fe.timeoutClient > 0 ? conn.lastActivity + fe.timeoutClient : 0;
        idle.expireAt(exp);
        if (exp > 0 && now >= exp)
            shutdown();
        return false;
    }

    /** IDLE: a request is awaited in earnest (the first one, or one begun): its timeout ends in 408. */
    private boolean requestDue() {
        return requestStart >= 0 || session.requests() == 0;
    }

    /** {@code timeout http-request}, or {@code timeout client} when unset. */
    private long requestTimeout() {
        return fe.timeoutHttpRequest > 0 ? fe.timeoutHttpRequest : fe.timeoutClient;
    }

    /** Enters IDLE (at accept, or after a response that lets the connection persist). */
    private void enterIdle(long now) {
        setState(State.IDLE);
        long t = session.requests() == 0 ? requestTimeout()
                : fe.timeoutKeepAlive > 0 ? fe.timeoutKeepAlive : requestTimeout();
        deadline = t > 0 ? now + t : 0;
    }

    /** IDLE: the first byte of a request arrived; from now on {@code timeout http-request} applies. */
    private void requestBegins(long now) {
        requestStart = now;
        long t = requestTimeout();
        deadline = t > 0 ? now + t : 0;
    }

    /** Enters CLOSING: no more input is consumed; the output drains, then the connection closes. */
    private void enterClosing() {
        setState(State.CLOSING);
        conn.pauseInput();
    }

    /**
     * The one place a state changes, and the one place the channels' buffers go back to the
     * pool: only RUNNING (and CLOSING, for an error page) uses them.
     */
    private void setState(State next) {
        if (next != State.RUNNING)
            releaseChannels();
        state = next;
    }

    private void startStream(long now) {
        BodyFraming.Error err = BodyFraming.request(req.head);
        if (err != null) {
            fe.logError(session.clientAddr(), session.clientPort(), err.message);
            badRequest(err.requestStatus);
            return;
        }
        reqBody.start(req.head.bodyKind(), req.head.contentLength());
        if (reqBody.invalidAhead(conn.in)) {
            // The body bytes that came with the head are already invalid: refuse the request
            // before a server is chosen, so nothing reaches one (HAProxy: 400, PR--, <BADREQ>).
            badRequest(400);
            return;
        }
        session.requestStarted();
        clientWantsKeepAlive = ConnectionPolicy.wantsKeepAlive(req.head);
        if (req.head.hasToken("Connection", "upgrade") && req.head.contains("Upgrade") && req.head.version() == 11)
            req.upgrade = req.head.get("Upgrade");
        clientVersion = req.head.version();
        req.headIn = true;
        if (req.head.bodyKind() == BodyKind.NONE)
            req.eom = true;
        // Enters RUNNING: the stream owns the timeouts from here.
        setState(State.RUNNING);
        afterResponse = AfterResponse.UNDECIDED;
        idle.expireAt(Task.NEVER);
        conn.idle(false);
        req.attach(fe.buffers, conn.poller());
        res.attach(fe.buffers, conn.poller());
        stream = new Stream(conn.poller(), session, this, req, res, requestStart >= 0 ? requestStart : now);
        requestStart = -1;
        stream.wakeup();
    }

    /**
     * Answers a request we could not parse or accept (PR, 400 and the like) or that did not
     * arrive in time (cR, 408), logs it with the bytes sent, then closes.
     */
    private void badRequest(int status) {
        badRequest(status, status == 408 ? 'c' : 'P');
    }

    /**
     * Answers HAProxy's error page and logs it with termination cause {@code cause} (stage R).
     * After the client closed ('C') the bytes are logged as 0, as HAProxy does: whether a client
     * that closed only its side reads the page, or one that closed altogether never will, is
     * not known when the line is written.
     */
    private void badRequest(int status, char cause) {
        enterClosing(); // first: entering a state gives the channels' buffers back
        res.reset();
        res.attach(fe.buffers, conn.poller());
        LocalReply.error(status, res);
        send(res);
        fe.logBadRequest(session, status, requestStart >= 0 ? requestStart : acceptTime, conn.poller().nowMs(),
                cause == 'C' ? 0 : res.wireOut, cause, requestStart < 0);
        process();
    }

    /** Any state but UPGRADED to CLOSED. */
    private void shutdown() {
        idle.destroy();
        session.close();
        if (state != State.CLOSED) {
            conn.close();
            setState(State.CLOSED);
            onClose.run();
        }
    }

    /** Gives the channels' buffers back (only {@link #setState} calls it). */
    private void releaseChannels() {
        Poller p = conn.poller();
        req.release(fe.buffers, p);
        res.release(fe.buffers, p);
    }

    // ---- Endpoint (the stream's front side) ----

    @Override
    public boolean receive(HttpChannel ch) {
        boolean progress = reqBody.read(conn, ch);
        if (reqBody.invalid())
            conn.pauseInput(); // after invalid framing nothing more is read (no busy wake-ups in LT)
        return progress;
    }

    @Override
    public boolean send(HttpChannel ch) {
        boolean progress = false;
        while (ch.headIn && !ch.headOut) {
            if (ch.interim && clientVersion != 11) {
                // HTTP/1.0 has no 1xx: a server must not send one to such a client (RFC 9110 15.2)
                ch.headWritten();
                progress = true;
                continue;
            }
            if (!ch.interim)
                prepareResponse(ch);
            int w = H1Output.writeHead(conn, ch);
            if (w == H1Output.TOO_LARGE) {
                // A head larger than the whole buffer: nothing sensible can be sent.
                afterResponse = AfterResponse.CLOSE;
                ch.eomOut = true;
                return true;
            }
            if (w == H1Output.NO_ROOM)
                return progress;
            progress = true;
            if (ch.headWritten())
                ch.rawOut = resBody.raw() && !ch.tunnel; // the body may come spliced
        }
        if (ch.headOut && !ch.eomOut)
            progress |= H1Output.writeBody(conn, resBody, ch);
        progress |= H1Output.endPass(conn, resBody, ch);
        return progress;
    }

    /** Framing and connection headers of a final response towards an HTTP/1.x client. */
    private void prepareResponse(HttpChannel ch) {
        HttpHead h = ch.head;
        if (ch.tunnel) {
            // 101: pass the switch on; the connection becomes a tunnel once the head is sent.
            String up = h.get("Upgrade");
            ConnectionPolicy.stripHopByHop(h);
            h.set("Connection", "upgrade");
            if (up != null)
                h.set("Upgrade", up);
            resBody.start(false);
            afterResponse = AfterResponse.PERSIST; // as a tunnel, once handed over
            return;
        }
        if (ch.bodyless) {
            resBody.start(false);
        } else if (h.bodyKind() == BodyKind.LENGTH && ch.contentLength >= 0) {
            resBody.start(false);
        } else if (clientVersion == 11) {
            // Close-delimited or H2-sourced bodies are re-framed as chunked so the connection can persist.
            h.remove("Content-Length");
            h.set("Transfer-Encoding", "chunked");
            h.setBody(BodyKind.CHUNKED, -1);
            resBody.start(true);
        } else {
            h.remove("Transfer-Encoding");
            h.setBody(BodyKind.UNTIL_CLOSE, -1);
            resBody.start(false);
        }
        BodyKind kind = h.bodyKind();
        boolean selfDelimited = h.status() != 101 && kind != BodyKind.UNTIL_CLOSE && kind != BodyKind.TUNNEL;
        // An unread request body would be parsed as the next request: close instead.
        // Soft stop: the connection ends after this response (HAProxy: idle-close-on-response).
        // (In CLOSING this head is an error page of ours: Connection: close.)
        boolean ka = state == State.RUNNING && afterResponse != AfterResponse.CLOSE && !fe.softStop.stopping()
                && clientWantsKeepAlive && selfDelimited && req.eom && stream.connMode() != ConnectionMode.HTTP_CLOSE;
        afterResponse = ka ? AfterResponse.PERSIST : AfterResponse.CLOSE;
        ConnectionPolicy.prepareResponse(h, clientVersion, ka);
        h.setVersion(11);
    }

    @Override
    public boolean invalid() {
        return reqBody.invalid();
    }

    @Override
    public boolean failed() {
        return reqBody.invalid() || conn.has(Connection.ERROR) || (conn.has(Connection.READ_CLOSED)
                && (!req.eom || stream != null && stream.abortOnClose() && !res.headOut));
    }

    @Override
    public void detach(boolean reusable) {
        if (state != State.RUNNING)
            return; // handed over already (a tunnel that could not be built): not ours to close
        // RUNNING to IDLE when the response let the connection persist, else to CLOSING.
        stream = null;
        boolean bodyUnread = !req.eom;
        boolean cut = res.headOut && !res.eomOut && res.head.bodyKind() == BodyKind.UNTIL_CLOSE;
        req.reset();
        res.reset();
        boolean persist = reusable && afterResponse == AfterResponse.PERSIST;
        if (persist) {
            enterIdle(conn.poller().nowMs());
        } else {
            enterClosing();
            resetAfterOutput = cut;
            lingerAfterOutput = bodyUnread && !cut;
        }
        conn.idle(true);
        conn.releaseIdleBuffers();
        parser.reset();
        if (state == State.CLOSING)
            process(); // closed in this pass when the output is out, as HAProxy does: the FIN
                       // goes first and the client's close costs it, not us, one more wake-up
        else
            idle.wakeup();
    }

    @Override
    public Connection conn() {
        return conn;
    }

    @Override
    public void describe(StringBuilder b) {
        b.append("h1f{requests=").append(session.requests()).append(' ').append(state);
        if (state == State.RUNNING)
            b.append(" after=").append(afterResponse);
        b.append(' ');
        idle.describe(b, conn.poller().nowMs());
        b.append("} ");
        conn.describe(b);
    }

    @Override
    public Runnable onTunnelClose() {
        return onClose;
    }

    @Override
    public Connection handOver() {
        // RUNNING to UPGRADED: the tunnel owns the connection from now on.
        stream = null;
        idle.destroy();
        session.close();
        setState(State.UPGRADED);
        return conn;
    }
}
