package dev.epoxy.h1;

import dev.epoxy.conn.BufferPool;
import dev.epoxy.conn.Connection;
import dev.epoxy.http.BodyFraming;
import dev.epoxy.http.BodyKind;
import dev.epoxy.http.ConnectionMode;
import dev.epoxy.http.ConnectionPolicy;
import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpMethod;
import dev.epoxy.poller.Poller;
import dev.epoxy.stream.BackendConn;
import dev.epoxy.stream.ServerModel;
import dev.epoxy.stream.Endpoint;
import dev.epoxy.stream.HttpChannel;
import dev.epoxy.stream.StreamConnector;

/**
 * The server side of an HTTP/1.1 connection: writes one request at a time, parses the response.
 *
 * <p>Threading: one owner poller thread (the stream's). The connect is confirmed only here, in
 * the connection's own I/O path, which reports it to the stream connector (CON to RDY or CER)
 * and so wakes the stream: this is the only path besides the stream's own connect timeout.
 *
 * <p>States ({@link State}): IDLE (opened, or between exchanges in a pool) → ATTACHED (a stream
 * uses it) → IDLE again when the stream detaches and the exchange left it reusable; DEAD is final
 * (closed, handed to a tunnel, or spoiled). While IDLE any input or a close from the server makes
 * the connection DEAD; it is closed at once so that it is never handed to a new request. The
 * state owns no deadline: the stream owns the timeouts while ATTACHED, the pool's purge task
 * (IdlePools) while IDLE. The rest ({@code failed}, {@code junk}, the keep-alive decision) are
 * facts of the current exchange, reset at attach.
 */
public final class H1BackMux implements Connection.Handler, Endpoint, BackendConn {
    private final Connection conn;
    private final ServerModel srv;
    private final H1Parser parser;
    private final H1BodyReader resBody = new H1BodyReader();
    private final H1BodyWriter reqBody = new H1BodyWriter();
    /** Where the connection is (see the class comment). */
    private enum State {
        /** No stream: just opened, or pooled between exchanges. */
        IDLE,
        /** A stream uses it ({@link #sc}). */
        ATTACHED,
        /** Closed, handed to a tunnel, or spoiled while idle: never used again. */
        DEAD
    }

    private State state = State.IDLE;
    /** The stream's connector while ATTACHED, else null. */
    private StreamConnector sc;
    private HttpMethod reqMethod = HttpMethod.GET;
    private boolean failed, junk;
    /** The response head did not parse: the proxy refused it (HAProxy logs PH), unlike a close. */
    private boolean badHead;
    /** The current response lets the connection persist, decided from its head as parsed. */
    private boolean serverKeepAlive;
    /** The last exchange ended complete on a connection that persists. */
    private boolean keepAlive;
    private long idleSince;
    private ConnectionMode mode = ConnectionMode.KEEP_ALIVE;
    /** Requests sent on this connection over its life. */
    public int exchanges;

    private H1BackMux(Connection conn, ServerModel srv, int maxHead, int maxHdr) {
        this.conn = conn;
        this.srv = srv;
        this.parser = new H1Parser(maxHead, maxHdr);
    }

    /** Opens a connection to {@code srv} from the calling poller thread, or returns null. */
    public static H1BackMux open(Poller p, ServerModel srv, BufferPool pool, int maxHead, int maxHdr) {
        int[] err = new int[1];
        Connection c = Connection.connect(p, srv.addr, pool, null, err);
        if (c == null)
            return null;
        c.stats = srv.counters;
        srv.counters.add(p.tid(), dev.epoxy.metrics.Counters.CONN_TOT, 1);
        H1BackMux m = new H1BackMux(c, srv, maxHead, maxHdr);
        c.setHandler(m);
        return m;
    }

    @Override
    public void onIo(Connection c) {
        if (state != State.ATTACHED) {
            // Idle: the server may only close; anything else makes the connection unusable.
            if (c.has(Connection.ERROR) || c.recv() != 0 || c.in.hasRemaining()) {
                srv.pools.removeIfListed(c.poller(), this);
                state = State.DEAD;
                c.close();
            }
            return;
        }
        if (sc.connectIo(c))
            return; // the connect's outcome (seed-2: only this path confirms it)
        // The connection's own write path: output a send left behind (a partial write) goes out
        // now, even when the stream has sent the whole message and will not call send again.
        if (c.pendingOut() > 0)
            c.flush();
        sc.notifyIo();
    }

    // ---- BackendConn ----

    @Override
    public ServerModel server() {
        return srv;
    }

    @Override
    public Connection connection() {
        return conn;
    }

    @Override
    public boolean safe() {
        return exchanges > 1;
    }

    @Override
    public long idleSince() {
        return idleSince;
    }

    @Override
    public void idleSince(long ms) {
        idleSince = ms;
    }

    @Override
    public boolean reusable() {
        return state != State.DEAD && keepAlive && !conn.has(Connection.ERROR | Connection.READ_CLOSED | Connection.CLOSED)
                && !conn.in.hasRemaining();
    }

    @Override
    public Endpoint attach(StreamConnector sc) {
        this.sc = sc;
        state = State.ATTACHED;
        this.mode = sc.stream().connMode();
        failed = junk = badHead = keepAlive = serverKeepAlive = false;
        parser.reset();
        return this;
    }

    @Override
    public void close(boolean abort) {
        sc = null;
        state = State.DEAD;
        if (abort)
            conn.abort();
        else
            conn.close();
    }

    // ---- Endpoint ----

    @Override
    public boolean send(HttpChannel ch) {
        boolean progress = false;
        if (ch.headIn && !ch.headOut) {
            HttpHead h = ch.head;
            reqMethod = h.method();
            ConnectionPolicy.prepareRequest(h, mode);
            if (ch.upgrade != null) {
                // A protocol switch (WebSocket...): the server must see the hop-by-hop pair again.
                h.set("Connection", "upgrade");
                h.set("Upgrade", ch.upgrade);
            }
            boolean chunked;
            if (ch.bodyless || h.bodyKind() == BodyKind.NONE && ch.eom && ch.pending() == 0) {
                chunked = false;
            } else if (h.bodyKind() == BodyKind.LENGTH) {
                chunked = false;
            } else {
                // Chunked from the client, or a body of unknown length from H2.
                h.remove("Content-Length");
                h.set("Transfer-Encoding", "chunked");
                h.setBody(BodyKind.CHUNKED, -1);
                chunked = true;
            }
            h.setVersion(11);
            if (H1Output.writeHead(conn, ch) != H1Output.WRITTEN)
                return false;
            reqBody.start(chunked);
            ch.headOut = true;
            // The rest of a raw body may come spliced from the client's socket.
            ch.rawOut = !chunked;
            ch.pipes = sc.stream().splicePipes(true);
            exchanges++;
            progress = true;
        }
        if (ch.headOut && !ch.eomOut)
            progress |= H1Output.writeBody(conn, reqBody, ch);
        progress |= H1Output.endPass(conn, reqBody, ch);
        return progress;
    }

    @Override
    public boolean receive(HttpChannel ch) {
        boolean progress = false;
        while (!ch.headIn) {
            if (conn.in.hasRemaining()) {
                int r = parser.parseResponse(conn.in, ch.head, reqMethod);
                if (r < 0) {
                    dev.epoxy.stream.Stream st = sc.stream();
                    dev.epoxy.stream.ErrorSnapshot.response(st.fe, srv, st.origin.clientAddr(), st.origin.clientPort(),
                            conn.in, parser.errorOffset());
                    failed = junk = badHead = true;
                    return true;
                }
                if (r > 0) {
                    progress = true;
                    int status = ch.head.status();
                    if (status < 200 && status != 101) {
                        ch.interimIn();
                        return true;
                    }
                    // A switch of protocols nobody asked for (RFC 9110 §15.2.2) is refused, as
                    // HAProxy does (502, PH): forwarded, it would leave the client parsing HTTP.
                    if (BodyFraming.response(ch.head, reqMethod) != null
                            || status == 101 && sc.stream().req.upgrade == null) {
                        failed = junk = badHead = true;
                        return true;
                    }
                    BodyKind kind = ch.head.bodyKind();
                    // Before the client side rewrites the head's framing and hop-by-hop fields.
                    serverKeepAlive = ConnectionPolicy.serverKeepAlive(ch.head, mode);
                    ch.headIn = true;
                    ch.tunnel = status == 101 && sc.stream().req.upgrade != null;
                    ch.bodyless = kind == BodyKind.NONE;
                    ch.contentLength = kind == BodyKind.LENGTH ? ch.head.contentLength() : -1;
                    resBody.start(kind, ch.head.contentLength());
                    ch.pipes = sc.stream().splicePipes(false);
                    if (ch.bodyless)
                        ch.eom = true;
                    break;
                }
            }
            int n = conn.recvOrRemains();
            if (n > 0)
                continue;
            if (n < 0) {
                failed = true;
                junk = conn.in.hasRemaining(); // closed in the middle of a head
            }
            return progress;
        }
        if (!ch.eom)
            progress |= resBody.read(conn, ch);
        if (ch.eom && !failed)
            keepAlive = serverKeepAlive;
        return progress;
    }

    @Override
    public boolean junk() {
        return junk;
    }

    @Override
    public boolean invalid() {
        return badHead || resBody.invalid();
    }

    @Override
    public boolean failed() {
        return failed || resBody.failed() || conn.has(Connection.ERROR);
    }

    @Override
    public void detach(boolean reusable) {
        sc = null;
        if (state == State.ATTACHED)
            state = State.IDLE;
        if (!reusable || conn.has(Connection.CLOSED))
            return; // the connector closes it
        conn.releaseIdleBuffers(); // an idle server connection holds no buffer
        if (conn.edgeTriggered()) {
            // The server's close may already have been reported while the stream was attached;
            // that edge will not come again, so look now (recv re-arms polling on EAGAIN).
            if (conn.recv() != 0 || conn.in.hasRemaining())
                state = State.DEAD;
        } else {
            conn.resumeInput();
        }
    }

    @Override
    public Connection conn() {
        return conn;
    }

    @Override
    public void describe(StringBuilder b) {
        b.append("h1b{srv=").append(srv.name).append(" exchanges=").append(exchanges).append(" mode=").append(mode);
        b.append(' ').append(state);
        if (failed) b.append(" FAILED");
        if (junk) b.append(" JUNK");
        if (serverKeepAlive) b.append(" SRV_KA");
        b.append("} ");
        conn.describe(b);
    }

    @Override
    public Connection handOver() {
        sc = null;
        state = State.DEAD; // never pooled: it now belongs to the tunnel
        return conn;
    }
}
