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
 * knowledge), carrying the streams of several proxy streams of its thread at once, as HAProxy's
 * backend connections do.
 *
 * <p>Threading: the owner poller thread, which is that of every proxy stream using it: a new
 * stream joins only a connection of its own thread ({@link dev.epoxy.stream.IdlePools#takeAvail}), and an idle one
 * is never taken over by another thread ({@link #movable()}), since its tasks belong to its
 * poller. As for HTTP/1, the connect is confirmed only here, in the connection's own I/O path
 * (CON to RDY or CER, which wakes the first stream); the client preface, our SETTINGS and that
 * stream's request wait in the output buffer meanwhile, because {@link Connection#flush} sends
 * nothing before the poller confirmed the connect.
 *
 * <p>Life: opened for a stream; once connected, listed in this thread's available list while it
 * can take another stream (fewer than the server's MAX_CONCURRENT_STREAMS, capped at
 * {@link #MAX_STREAMS}); when its last stream leaves, pooled idle like an HTTP/1 connection
 * ({@link IdlePools}) if still usable, else closed. It is no longer usable once either side sent
 * GOAWAY, the connection failed, or stream ids run out. A stream that fails or is aborted is
 * reset alone; the others go on. A GOAWAY fails the streams above its last id as unprocessed,
 * which the proxy sends again (RFC 9113 §8.7). While idle, the server's control frames are
 * processed; a GOAWAY or a close takes it out of the pool.
 *
 * <p>The window we grant the server per stream is the size of the response channel (the
 * global buffer size), announced in our first SETTINGS, which the server processes before our
 * first HEADERS: its DATA therefore always fits the channel.
 */
public final class H2BackMux extends H2Conn implements BackendConn {
    /** Streams at once when the server announces more (or nothing): HAProxy's default is 100 too. */
    static final int MAX_STREAMS = 100;

    private final ServerModel srv;
    /** The stream waiting for the connect's outcome, until the poller reported it. */
    private StreamConnector connecting;
    private boolean established, closed, listed;
    /** Streams carried over its life. */
    private int served;
    /** The last key given to a stream not numbered yet (negative, see {@link H2Stream#id}). */
    private int unnumbered;
    private long idleSince;

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
        if (!established) {
            if (c.connecting())
                return;
            established = true;
            StreamConnector first = connecting;
            connecting = null;
            if (first != null && first.connectIo(c)) {
                offer();
                return; // the connect's outcome (seed-2: only this path confirms it)
            }
        }
        super.onIo(c);
        if (streams.isEmpty() && !reusable())
            dropIdle();
    }

    /** Lists it as available when it can take one more stream and is not listed yet. */
    private void offer() {
        if (!listed && acceptsStream()) {
            listed = true;
            srv.pools.addAvail(conn.poller(), this);
        }
    }

    private void withdraw() {
        if (listed) {
            listed = false;
            srv.pools.removeAvail(conn.poller(), this);
        }
    }

    /** Without streams and no longer usable: out of the idle pool (if there) and closed. */
    private void dropIdle() {
        srv.pools.removeIfListed(conn.poller(), this);
        close(false);
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
        withdraw();
    }

    @Override
    protected void onGoAwayReceived(int lastStreamId) {
        withdraw();
        for (H2Stream s : streams.values()) {
            if (s.id <= 0 || s.id > lastStreamId) {
                s.unprocessed = true;
                s.fail();
                toWake(s);
            }
        }
    }

    @Override
    protected void onHeaderBlock(HeaderList fields, int id, boolean endStream, boolean tooLarge) throws H2Exception {
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
            trailersReceived(fields, s, endStream);
            return;
        }
        if (s.detached || s.failed)
            return;
        boolean interimPending = res.headIn && res.interim;
        if (interimPending && fields.size() > 0 && isInterim(fields))
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
        HttpMethod m = s.sc != null ? s.sc.stream().req.head.method() : HttpMethod.GET;
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

    /** Whether {@code fields} is a 1xx response (peek before translating). */
    private static boolean isInterim(HeaderList fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.nameEquals(i, ":status"))
                return fields.valueLength(i) == 3 && fields.array()[fields.valueOffset(i)] == '1';
        }
        return false;
    }

    @Override
    boolean writeHead(H2Stream s, HttpChannel ch, boolean endStream) {
        int id = maxStreamId == 0 ? 1 : maxStreamId + 2;
        HeaderList fields = fields();
        H2Headers.fromRequest(fields, ch.head);
        if (!writeHeaderBlock(fields, id, endStream))
            return false;
        streams.remove(s.id);
        s.id = id;
        s.flow.renumber(id);
        streams.put(id, s);
        maxStreamId = id;
        return true;
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
        if (s.sc == connecting)
            connecting = null;
        s.sc = null;
        requestFlush();
        if (streams.isEmpty())
            withdraw(); // the connector pools or closes it
        else if (established)
            offer();
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

    @Override
    public boolean multiplexed() {
        return true;
    }

    @Override
    public boolean busy() {
        return !streams.isEmpty();
    }

    @Override
    public boolean movable() {
        return false;
    }

    /** Has carried more than one stream: the server is known to keep it (HAProxy's "safe"). */
    @Override
    public boolean safe() {
        return served > 1;
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
        return established && !closed && !dead && !goAwayReceived && !goAwaySent && !shutdownAnnounced
                && maxStreamId < Integer.MAX_VALUE - 2
                && !conn.has(Connection.ERROR | Connection.READ_CLOSED | Connection.CLOSED);
    }

    @Override
    public boolean acceptsStream() {
        return reusable() && streams.size() < Math.min(MAX_STREAMS, peer.maxConcurrentStreams());
    }

    @Override
    public Endpoint attach(StreamConnector sc) {
        served++;
        H2Stream s = new H2Stream(this, --unnumbered, sc.stream().res, peer.initialWindowSize());
        s.sc = sc;
        s.tx = sc.stream().req;
        streams.put(s.id, s);
        if (!established)
            connecting = sc;
        else if (acceptsStream())
            offer();
        else
            withdraw();
        return s;
    }

    /**
     * Closes it; streams still on it (none, normally) fail and are woken. A graceful close says
     * GOAWAY(NO_ERROR) first, as HAProxy does, so that the server knows the close is deliberate.
     */
    @Override
    public void close(boolean abort) {
        if (closed)
            return;
        closed = true;
        withdraw();
        connecting = null;
        if (!dead) {
            dead = true;
            if (abort) {
                conn.abort();
            } else {
                if (established && !goAwaySent && !conn.has(Connection.ERROR) && conn.outRoom() >= CTRL_RESERVE)
                    FrameWriter.writeGoAway(conn.out(), 0, H2Error.NO_ERROR, null); // we accept no pushed streams: last id 0
                conn.flush();
                conn.close();
            }
        }
        failStreams();
        streams.clear();
    }
}
