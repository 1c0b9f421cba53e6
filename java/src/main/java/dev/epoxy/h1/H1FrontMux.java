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
 * stream all run there. Between requests the idle task enforces {@code timeout http-request}
 * (408 once a request has started) and {@code timeout http-keep-alive} (silent close).
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
    /** Close once the output is flushed. */
    private boolean closing;
    private boolean keepAliveDecided;
    /** The first bytes were checked for the HTTP/2 preface (hook for h2c prior knowledge). */
    private boolean h2Checked;
    /** What the client asked for, read before the request head is rewritten for the server. */
    private boolean clientWantsKeepAlive;
    private int clientVersion;
    private long idleSince, requestStart = -1, acceptTime;

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
        this.conn = Connection.accepted(p, fd, fe.buffers, this);
        this.session = new ClientSession(fe, addr, port, false, () -> conn.has(Connection.CLOSED));
        conn.stats = fe.counters;
        conn.idle(true);
        this.acceptTime = idleSince = p.nowMs();
    }

    /** Sets up an accepted client connection on the calling (owner) thread. */
    public static void start(Poller p, int fd, FrontendModel fe, String addr, int port, Runnable onClose) {
        H1FrontMux m = new H1FrontMux(p, fd, fe, addr, port, onClose);
        m.idle.wakeup();
    }

    @Override
    public void onIo(Connection c) {
        if (stream != null) {
            if (!req.eom) {
                receive(req);
                if (!reqBody.invalid())
                    stream.scb.chkSnd();
            } else if (stream.abortOnClose() && !res.headOut && !conn.in.hasRemaining()) {
                conn.recv(); // only to see the client close (option abortonclose)
            }
            stream.wakeup();
        } else {
            process();
        }
    }

    /** Runs while no stream is attached: flush, wait for and parse the next request. */
    private void process() {
        if (stream != null || conn.has(Connection.CLOSED))
            return;
        Poller p = conn.poller();
        long now = p.nowMs();
        if (!conn.flush()) {
            if (conn.has(Connection.ERROR)) {
                shutdown();
                return;
            }
            idle.expireAt(fe.timeoutClient > 0 ? conn.lastActivity + fe.timeoutClient : 0);
            if (fe.timeoutClient > 0 && now >= conn.lastActivity + fe.timeoutClient)
                shutdown();
            return;
        }
        if (closing) {
            shutdown();
            return;
        }
        while (true) {
            if (conn.in.hasRemaining()) {
                if (requestStart < 0)
                    requestStart = now;
                if (session.requests() == 0 && !h2Checked) {
                    // h2c with prior knowledge: the HTTP/2 client preface instead of a request.
                    int pm = dev.epoxy.h2.H2FrontMux.detectPreface(conn.in);
                    if (pm > 0) {
                        idle.destroy();
                        releaseChannels();
                        dev.epoxy.h2.H2FrontMux.takeOver(conn, fe, session.clientAddr(), session.clientPort(), onClose);
                        return;
                    }
                    h2Checked = pm < 0;
                }
                int r = h2Checked ? parser.parseRequest(conn.in, req.head) : 0;
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
                // request abandoned half-way, or a first request never sent, is logged (CR, 400).
                if (requestStart >= 0 || session.requests() == 0)
                    fe.logBadRequest(session, 400, requestStart >= 0 ? requestStart : acceptTime, now, 0, 'C',
                            requestStart < 0);
                shutdown();
                return;
            }
            break;
        }
        // Waiting for bytes: arm the timer that applies.
        long exp;
        if (requestStart >= 0 || session.requests() == 0) {
            long t = fe.timeoutHttpRequest > 0 ? fe.timeoutHttpRequest : fe.timeoutClient;
            long from = requestStart >= 0 ? requestStart : idleSince;
            exp = t > 0 ? from + t : 0;
            if (exp > 0 && now >= exp) {
                // HAProxy answers 408 even on a connection that sent nothing (its
                // "option http-ignore-probes", not supported here, would close silently).
                badRequest(408);
                return;
            }
        } else {
            long t = fe.timeoutKeepAlive > 0 ? fe.timeoutKeepAlive
                    : fe.timeoutHttpRequest > 0 ? fe.timeoutHttpRequest : fe.timeoutClient;
            exp = t > 0 ? idleSince + t : 0;
            if (exp > 0 && now >= exp) {
                shutdown();
                return;
            }
        }
        idle.expireAt(exp > 0 ? exp : Task.NEVER);
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
        idle.expireAt(Task.NEVER);
        keepAliveDecided = false;
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
        res.reset();
        res.attach(fe.buffers, conn.poller());
        LocalReply.error(status, res);
        closing = true;
        conn.stopRecv();
        send(res);
        fe.logBadRequest(session, status, requestStart >= 0 ? requestStart : acceptTime, conn.poller().nowMs(),
                res.wireOut, status == 408 ? 'c' : 'P', requestStart < 0);
        process();
    }

    private void shutdown() {
        idle.destroy();
        session.close();
        if (!conn.has(Connection.CLOSED)) {
            Poller p = conn.poller();
            conn.close();
            releaseChannels();
            onClose.run();
        }
    }

    /** Gives the channels' buffers back: between exchanges a connection holds none. */
    private void releaseChannels() {
        Poller p = conn.poller();
        req.release(fe.buffers, p);
        res.release(fe.buffers, p);
    }

    // ---- Endpoint (the stream's front side) ----

    @Override
    public boolean receive(HttpChannel ch) {
        boolean progress = reqBody.read(conn, ch);
        if (ch.eom && !(stream != null && stream.abortOnClose()) || reqBody.invalid())
            conn.stopRecv(); // after invalid framing nothing more is read (no busy wake-ups in LT)
        return progress;
    }

    @Override
    public boolean send(HttpChannel ch) {
        boolean progress = false;
        while (ch.headIn && !ch.headOut) {
            if (!ch.interim)
                prepareResponse(ch);
            int w = H1Output.writeHead(conn, ch);
            if (w == H1Output.TOO_LARGE) {
                // A head larger than the whole buffer: nothing sensible can be sent.
                closing = true;
                ch.eomOut = true;
                return true;
            }
            if (w == H1Output.NO_ROOM)
                return progress;
            progress = true;
            ch.headWritten();
        }
        if (ch.headOut && !ch.eomOut)
            progress |= H1Output.writeBody(conn, resBody, ch);
        conn.flush();
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
            keepAliveDecided = true;
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
        boolean ka = !closing && !fe.softStop.stopping() && clientWantsKeepAlive && selfDelimited && req.eom
                && stream.connMode() != ConnectionMode.HTTP_CLOSE;
        if (!ka)
            closing = true;
        keepAliveDecided = true;
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
        stream = null;
        if (!reusable || !keepAliveDecided)
            closing = true;
        req.reset();
        res.reset();
        releaseChannels();
        conn.idle(true);
        conn.releaseIdleBuffers();
        parser.reset();
        idleSince = conn.poller().nowMs();
        if (closing)
            conn.stopRecv();
        idle.wakeup();
    }

    @Override
    public Connection conn() {
        return conn;
    }

    @Override
    public void describe(StringBuilder b) {
        b.append("h1f{requests=").append(session.requests()).append(closing ? " CLOSING" : "")
                .append(keepAliveDecided ? " KA_DECIDED" : "").append(' ');
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
        stream = null;
        idle.destroy();
        session.close();
        releaseChannels();
        return conn;
    }
}
