package dev.epoxy.h2;

import dev.epoxy.conn.BufferPool;
import dev.epoxy.conn.Connection;
import dev.epoxy.http.HttpMethod;
import dev.epoxy.poller.Poller;
import dev.epoxy.stream.BackendConn;
import dev.epoxy.stream.ServerModel;
import dev.epoxy.stream.Endpoint;
import dev.epoxy.stream.HttpChannel;
import dev.epoxy.stream.StreamConnector;

/**
 * The server side of an HTTP/2 connection ({@code server ... proto h2}, clear text, prior
 * knowledge). One connection carries one stream (id 1) and is closed after it: no multiplexing
 * of several proxy streams on one server connection yet.
 *
 * <p>Threading: the owner poller thread of the proxy stream. As for HTTP/1, the connect is
 * confirmed only here, in the connection's own I/O path (CON to RDY or CER, which wakes the
 * stream); the client preface and our SETTINGS wait in the output buffer meanwhile, because
 * {@link Connection#flush} sends nothing before the poller confirmed the connect.
 *
 * <p>The window we grant the server per stream is the size of the response channel (the
 * global buffer size), announced in our first SETTINGS, which the server processes before our
 * HEADERS: its DATA therefore always fits the channel.
 */
public final class H2BackMux extends H2Conn implements BackendConn {
    private final ServerModel srv;
    private StreamConnector sc;
    private H2Stream stream;
    private boolean closed;

    private H2BackMux(Connection c, ServerModel srv, int window) {
        super(c, false, window);
        this.srv = srv;
    }

    /** Opens a connection to {@code srv} from the calling poller thread, or returns null. */
    public static H2BackMux open(Poller p, ServerModel srv, BufferPool pool, int bufSize) {
        int[] err = new int[1];
        Connection c = Connection.connect(p, srv.addr, pool, null, err);
        if (c == null)
            return null;
        c.stats = srv.counters;
        srv.counters.add(p.tid(), dev.epoxy.metrics.Counters.CONN_TOT, 1);
        H2BackMux m = new H2BackMux(c, srv, Math.min(bufSize, H2Frame.DEFAULT_INITIAL_WINDOW_SIZE));
        c.setHandler(m);
        FrameWriter.writePreface(c.out());
        m.writeInitialSettings();
        return m;
    }

    @Override
    public void onIo(Connection c) {
        if (closed)
            return;
        if (sc != null && sc.connectIo(c))
            return; // the connect's outcome (seed-2: only this path confirms it)
        if (c.connecting())
            return;
        super.onIo(c);
    }

    @Override
    protected int maxConcurrentStreams() {
        return -1; // not announced: we accept no pushed streams anyway (ENABLE_PUSH 0)
    }

    @Override
    protected int lastPeerStreamId() {
        return 0; // the server opens no stream
    }

    @Override
    protected boolean isIdle(int id) {
        return (id & 1) == 0 || id > maxStreamId;
    }

    @Override
    protected void onDead() {
    }

    @Override
    protected void onGoAwayReceived(int lastStreamId) {
        if (stream != null && stream.id > lastStreamId) {
            stream.unprocessed = true;
            stream.fail();
            toWake(stream);
        }
    }

    @Override
    protected void onHeaderBlock(int id, boolean endStream, boolean tooLarge) throws H2Exception {
        H2Stream s = streams.get(id);
        if (s == null && isIdle(id))
            throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "HEADERS on idle stream " + id);
        if (s == null || !s.remoteOpen()) {
            frameOnGoneStream(s, id, true, endStream, 0);
            return;
        }
        if (tooLarge)
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "response header list too large");
        HttpChannel res = s.rx;
        if (s.headReceived) {
            trailersReceived(s, endStream);
            return;
        }
        if (s.detached || s.failed)
            return;
        boolean interimPending = res.headIn && res.interim;
        if (interimPending && fields.size() > 0 && isInterim())
            return; // the previous 1xx is not forwarded yet: drop this one (1xx are informational)
        String err = H2Headers.toResponse(fields, res.head);
        if (err != null)
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, err);
        int status = res.head.status();
        if (status < 200) {
            if (endStream)
                throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "1xx response ends the stream");
            res.interimIn();
            toWake(s);
            return;
        }
        res.interim = false;
        s.headReceived = true;
        HttpMethod m = sc != null ? sc.stream().req.head.method() : HttpMethod.GET;
        res.bodyless = m == HttpMethod.HEAD || status == 204 || status == 304;
        res.contentLength = res.head.contentLength();
        s.expectedLength = res.bodyless ? -1 : res.contentLength;
        if (endStream && s.expectedLength > 0)
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "content-length but no DATA");
        res.headIn = true;
        if (endStream || res.bodyless && endStream)
            s.endOfMessage();
        toWake(s);
    }

    /** Whether the list in {@link #fields} is a 1xx response (peek before translating). */
    private boolean isInterim() {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.nameEquals(i, ":status"))
                return fields.valueLength(i) == 3 && fields.array()[fields.valueOffset(i)] == '1';
        }
        return false;
    }

    @Override
    boolean writeHead(H2Stream s, HttpChannel ch, boolean endStream) {
        H2Headers.fromRequest(this, ch.head);
        return writeHeaderBlock(s.id, endStream);
    }

    @Override
    void streamReceive(H2Stream s) {
        if (!dead && !conn.connecting())
            pumpInput();
    }

    @Override
    void streamDetached(H2Stream s) {
        if (!dead && s.state != H2Stream.State.IDLE && s.state != H2Stream.State.CLOSED)
            resetStream(s.id, H2Error.CANCEL);
        remove(s);
        s.sc = null;
        sc = null;
        requestFlush();
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
    public boolean mayRefuse() {
        return true;
    }

    /** Never reused, so never "safe" in HAProxy's http-reuse sense. */
    @Override
    public boolean safe() {
        return false;
    }

    private long idleSince;

    @Override
    public long idleSince() {
        return idleSince;
    }

    @Override
    public void idleSince(long ms) {
        idleSince = ms;
    }

    /** One stream per connection for now: never handed to another stream. */
    @Override
    public boolean reusable() {
        return false;
    }

    @Override
    public Endpoint attach(StreamConnector sc) {
        this.sc = sc;
        int id = maxStreamId + 2 - (maxStreamId == 0 ? 1 : 0);
        maxStreamId = id;
        H2Stream s = new H2Stream(this, id, sc.stream().res, peer.initialWindowSize());
        s.sc = sc;
        s.tx = sc.stream().req;
        streams.put(id, s);
        stream = s;
        return s;
    }

    @Override
    public void close(boolean abort) {
        if (closed)
            return;
        closed = true;
        if (stream != null)
            stream.sc = null;
        sc = null;
        if (!dead) {
            dead = true;
            if (abort) {
                conn.abort();
            } else {
                conn.flush();
                conn.close();
            }
        }
        streams.clear();
    }
}
