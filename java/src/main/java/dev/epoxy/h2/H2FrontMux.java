package dev.epoxy.h2;

import dev.epoxy.conn.Connection;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Task;
import dev.epoxy.stream.ClientSession;
import dev.epoxy.stream.FrontendModel;
import dev.epoxy.stream.HttpChannel;
import dev.epoxy.stream.Stream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * The client side of an HTTP/2 connection (clear text, prior knowledge): one proxy
 * {@link Stream} per HTTP/2 stream, each with an {@link H2Stream} as its front endpoint.
 *
 * <p>Threading: one owner poller thread; the connection's I/O callback, the idle task and every
 * stream's task run there. A frame event wakes only the streams it concerns (never all of them,
 * HAProxy's seed-2 entry point), and a lazy forward towards the backend goes through
 * {@code scb.chkSnd()}, which refuses while that connector is still connecting.
 *
 * <p>Started for {@code bind ... proto h2} listeners, and by {@code H1FrontMux} when the first
 * bytes on an HTTP/1 listener are the HTTP/2 client preface ({@link #detectPreface}). An HTTP/1
 * {@code Upgrade: h2c} request is not upgraded: it is forwarded as HTTP/1 (Upgrade is hop-by-hop).
 */
public final class H2FrontMux extends H2Conn implements dev.epoxy.stream.SoftStop.Stoppable {
    /** SETTINGS_MAX_CONCURRENT_STREAMS we announce; more open streams are refused (REFUSED_STREAM). */
    public static final int MAX_STREAMS = 100;
    /** Channel objects (without buffers) kept for reuse per poller thread. */
    private static final int POOL_MAX = 256;

    private final FrontendModel fe;
    private final Task idle;
    /** What the streams see of this connection (Stream.Origin). */
    private final ClientSession session;
    private long streamsStarted;
    /** Streams reset by the client before they got a response (rapid-reset accounting). */
    private int earlyResets;
    /**
     * Channels kept for reuse, without buffers: a stream's channels take theirs from the
     * frontend's {@code BufferPool} (the response's when the stream opens, the request's with its
     * first DATA byte, none for a request that came whole in its HEADERS) and give them back
     * when the stream ends ({@link #recycle}). One pool per poller thread, shared by its
     * connections (each touches it on its own thread only): an idle connection holds none (kept
     * per connection, up to 32 of them stayed with it after a burst of streams).
     */
    private static final ThreadLocal<ArrayDeque<HttpChannel>> CHANNELS = ThreadLocal.withInitial(ArrayDeque::new);
    /**
     * Channels of detached streams: the finishing stream still logs from them, so their buffers
     * go back and they are pooled by {@link #recycler}, which runs after that stream's run.
     */
    private final ArrayList<HttpChannel> retired = new ArrayList<>();
    private final Task recycler;

    /** Frees the listener's maxconn slots; run exactly once, when the connection closes. */
    private Runnable onClose;

    private H2FrontMux(Connection c, FrontendModel fe, String addr, int port, Runnable onClose) {
        super(c, true, H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
        this.onClose = onClose;
        this.fe = fe;
        this.session = new ClientSession(fe, addr, port, true, () -> dead);
        this.idle = new Task(c.poller(), this::idleCheck);
        this.recycler = new Task(c.poller(), this::recycle);
        fe.softStop.add(c.poller(), this);
    }

    /** How long the final GOAWAY waits for the ACK of the shutdown PING. */
    private static final long SHUTDOWN_ACK_WAIT_MS = 2000;

    /** Soft stop: announce the shutdown (GOAWAY + PING), finish open streams, then close. */
    @Override
    public void softStop() {
        if (dead)
            return;
        gracefulGoAway();
        Task t = new Task(conn.poller(), () -> {
            if (!dead) {
                goAway(H2Error.NO_ERROR, null);
                afterIo();
            }
        });
        t.expireAt(conn.poller().nowMs() + SHUTDOWN_ACK_WAIT_MS);
    }

    /** Sets up an accepted client connection of a {@code proto h2} listener, on its owner thread. */
    public static H2FrontMux start(Poller p, int fd, FrontendModel fe, String addr, int port, Runnable onClose) {
        Connection c = Connection.accepted(p, fd, fe.buffers, null);
        c.stats = fe.counters;
        return takeOver(c, fe, addr, port, onClose);
    }

    /**
     * Turns an accepted connection whose input starts with the client preface into an HTTP/2
     * one. Unconsumed input stays in {@code c.in} and is decoded first.
     */
    public static H2FrontMux takeOver(Connection c, FrontendModel fe, String addr, int port, Runnable onClose) {
        H2FrontMux m = new H2FrontMux(c, fe, addr, port, onClose);
        c.setHandler(m);
        m.writeInitialSettings();
        m.onIo(c);
        return m;
    }

    private static final byte[] PREFACE = H2Frame.preface();

    /**
     * Looks at the start of unparsed input: 1 when it is the HTTP/2 client preface, 0 when it is
     * a proper prefix of it (wait for more), -1 when it is something else.
     */
    public static int detectPreface(ByteBuffer in) {
        int n = Math.min(in.remaining(), PREFACE.length);
        for (int i = 0; i < n; i++) {
            if (in.get(in.position() + i) != PREFACE[i])
                return -1;
        }
        return n == PREFACE.length ? 1 : 0;
    }

    @Override
    protected int maxConcurrentStreams() {
        return MAX_STREAMS;
    }

    @Override
    public void onIo(Connection c) {
        recycle();
        super.onIo(c);
    }

    @Override
    protected void afterIo() {
        if (dead)
            return;
        if (streams.isEmpty()) {
            if (goAwayReceived || goAwaySent) {
                goAway(H2Error.NO_ERROR, null);
                return;
            }
            idleCheck();
        }
    }

    /** While no stream is open: close after the keep-alive (or client) timeout with a graceful GOAWAY. */
    private void idleCheck() {
        if (dead)
            return;
        recycle();
        if (!streams.isEmpty()) {
            idle.expireAt(Task.NEVER);
            return;
        }
        long t = fe.timeoutKeepAlive > 0 ? fe.timeoutKeepAlive : fe.timeoutClient;
        if (t <= 0) {
            idle.expireAt(Task.NEVER);
            return;
        }
        long exp = conn.lastActivity + t;
        if (conn.poller().nowMs() >= exp) {
            goAway(H2Error.NO_ERROR, "idle timeout"); // no stream open: closes once it is delivered
            return;
        }
        idle.expireAt(exp);
    }

    @Override
    protected void onDead() {
        idle.destroy();
        fe.softStop.remove(conn.poller(), this);
        if (onClose != null) {
            Runnable r = onClose;
            onClose = null;
            r.run();
        }
        session.close();
    }

    @Override
    protected int lastPeerStreamId() {
        return maxStreamId;
    }

    @Override
    protected boolean isIdle(int id) {
        return (id & 1) == 0 || id > maxStreamId;
    }

    /**
     * A client that sent a complete request and closed its connection at once (with or without
     * a GOAWAY first; our next write may then meet a reset, so any loss of the connection counts) still has its request forwarded, as HAProxy does without {@code option
     * abortonclose}: the stream goes on until the request has reached the server, then ends
     * (the response has nowhere to go; logged CD, like HAProxy's write error to the client).
     * With abortonclose, or when a response (e.g. an error) is already due, it ends at once.
     */
    @Override
    protected boolean outlivesConnection(H2Stream s) {
        return lost && s.state == H2Stream.State.HALF_CLOSED_REMOTE && !s.detached && s.owner != null
                && !s.rx.eomOut && !(s.tx != null && s.tx.headIn) && !s.owner.abortOnClose();
    }

    @Override
    protected void onStreamReset(H2Stream s) {
        if (s.tx != null && !s.tx.headOut) {
            // Reset before any response: the CVE-2023-44487 pattern when repeated.
            earlyResets++;
            glitch();
        }
    }

    @Override
    protected void onGoAwayReceived(int lastStreamId) {
        // The client opens nothing more; close once the open streams are done (afterIo).
    }

    @Override
    protected void onHeaderBlock(HeaderList fields, int id, boolean endStream, boolean tooLarge) throws H2Exception {
        if ((id & 1) == 0)
            throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "client opened even stream " + id);
        H2Stream s = streams.get(id);
        if (s != null || id <= maxStreamId) {
            if (s == null || !s.remoteOpen()) {
                if (frameOnGoneStream(s, id, true, endStream, 0))
                    checkTrailers(fields, id);
                return;
            }
            trailersReceived(fields, s, endStream);
            return;
        }
        maxStreamId = id;
        if (goAwaySent)
            return; // beyond our GOAWAY's last stream id: ignored, the client may retry elsewhere
        if (streams.size() >= MAX_STREAMS) {
            resetStream(id, H2Error.REFUSED_STREAM);
            return;
        }
        if (tooLarge || headerListSize(fields) > fe.bufSize) {
            answerLocally(id, 431, endStream, "header list larger than " + (tooLarge ? MAX_HEADER_LIST : fe.bufSize));
            return;
        }
        HttpChannel req = take();
        HttpChannel res = take();
        String err = H2Headers.toRequest(fields, req.head, endStream);
        if (err != null) {
            retire(req);
            retire(res);
            if (H2Headers.isBadRequest(err)) {
                answerLocally(id, 400, endStream, err);
                return;
            }
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, err);
        }
        // The response's buffer now, as an HTTP/1 exchange takes it (never refused: HTTP/2 streams
        // use the pool's reserve, and once started a stream never waits for a buffer).
        res.attach(fe.buffers, conn.poller());
        req.headIn = true;
        req.contentLength = req.head.contentLength();
        s = new H2Stream(this, id, req, peer.initialWindowSize());
        s.tx = res;
        s.headReceived = true;
        s.expectedLength = req.contentLength;
        headersReceived(s, false);
        if (endStream)
            s.endOfMessage();
        streams.put(id, s);
        streamsStarted++;
        idle.expireAt(Task.NEVER);
        long now = conn.poller().nowMs();
        s.owner = new Stream(conn.poller(), session, s, req, res, now);
        if (fe.logs())
            s.owner.logUri = H2Headers.absoluteUri(fields); // three Strings and a concatenation
        toWake(s);
        streamOpened();
    }

    /** The request's size as an HTTP/1 head would carry it (name, ": ", value, CRLF per field). */
    private static int headerListSize(HeaderList fields) {
        int n = 0;
        for (int i = 0; i < fields.size(); i++)
            n += fields.nameLength(i) + fields.valueLength(i) + 4;
        return n;
    }

    /**
     * Answers a request the proxy refuses before it becomes a stream (HAProxy's error page, a
     * log line like HAProxy's for a bad request: {@code PR--}, {@code "<BADREQ>"}); the
     * connection and its other streams carry on. Whatever the client still sends on the stream
     * is not needed: it is reset with NO_ERROR after the response, as after any complete
     * response. Falls back to RST_STREAM(PROTOCOL_ERROR) when the answer does not fit the output
     * or the client's flow-control windows now.
     */
    private void answerLocally(int id, int status, boolean endStream, String why) throws H2Exception {
        byte[] page = dev.epoxy.http.HttpStatus.errorPageBytes(status, false);
        int start = 0;
        while (start + 3 < page.length && !(page[start] == '\r' && page[start + 1] == '\n' && page[start + 2] == '\r' && page[start + 3] == '\n'))
            start++;
        start += 4;
        int len = page.length - start;
        long now = conn.poller().nowMs();
        H2Stream s = new H2Stream(this, id, null, peer.initialWindowSize());
        headersReceived(s, endStream);
        if (len > s.flow.sendable()
                || !outputRoom(H2Frame.HEADER_LENGTH * 2 + 256 + len + CTRL_RESERVE)) {
            fe.logBadRequest(session, status, now, now, 0, 'P', false);
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, why);
        }
        int before = conn.pendingOut();
        HeaderList fields = fields();
        fields.add(":status", Integer.toString(status));
        fields.add("content-length", Integer.toString(len));
        fields.add("cache-control", "no-cache");
        fields.add("content-type", "text/html");
        if (!writeHeaderBlock(fields, id, false)) {
            fe.logBadRequest(session, status, now, now, 0, 'P', false);
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, why);
        }
        FrameWriter.writeData(conn.out(), id, ByteBuffer.wrap(page, start, len), len, true);
        fe.logBadRequest(session, status, now, now, conn.pendingOut() - before, 'P', false);
        s.flow.sent(len);
        streams.put(id, s);
        headersSent(s, true);
        if (s.remoteOpen())
            resetStream(id, H2Error.NO_ERROR);
        remove(s);
        checkReserve();
        requestFlush();
    }

    @Override
    public void onData(int id, ByteBuffer data, boolean endStream, int flowLength) throws H2Exception {
        super.onData(id, data, endStream, flowLength);
        H2Stream s = streams.get(id);
        if (s != null && s.owner != null && !s.detached)
            s.owner.scb.chkSnd(); // lazy forward: a no-op until the backend connector is RDY/EST
    }

    @Override
    boolean writeHead(H2Stream s, HttpChannel ch, boolean endStream) {
        HeaderList fields = fields();
        H2Headers.fromResponse(fields, ch.head);
        return writeHeaderBlock(fields, s.id, endStream);
    }

    /**
     * Flow-control rule for a stream the proxy is done with: its receive credit, deferred or not
     * yet due, is never sent (its {@link StreamFlow} was settled), because the stream is reset here
     * (CANCEL, REFUSED_STREAM or NO_ERROR after a complete response) and a reset peer stops
     * sending on it; {@link #resetStream} never drops that frame. The only case without a reset
     * is a request whose announced length all arrived, which needs no more credit. The
     * connection window does not depend on streams at all: {@link H2Conn#onData} credits every
     * DATA frame, on open, detached, reset or closed streams alike, before looking the stream up,
     * so what a finished stream still receives never starves the others.
     */
    @Override
    void streamDetached(H2Stream s) {
        if (!dead) {
            if (s.localOpen())
                // Response incomplete. REFUSED_STREAM only when nothing of it was sent and the
                // proxy knows the request may be retried (RFC 9113 §8.7); else CANCEL.
                resetStream(s.id, s.refused && s.tx != null && !s.tx.headOut ? H2Error.REFUSED_STREAM : H2Error.CANCEL);
            else if (s.remoteOpen() && !(s.expectedLength >= 0 && s.received == s.expectedLength))
                // Full response sent; the rest of the request is not needed. Not when every byte
                // the request announced has come: only its END_STREAM is in flight, and a reset
                // then would make the client see an error for a request that completed (its
                // END_STREAM is still accepted once the stream left the table, H2Conn.Gone).
                resetStream(s.id, H2Error.NO_ERROR);
        }
        remove(s);
        retire(s.rx);
        if (s.tx != null)
            retire(s.tx);
        s.owner = null;
        if (dead)
            return;
        requestFlush();
        if (streams.isEmpty()) {
            if (goAwayReceived)
                goAway(H2Error.NO_ERROR, null);
            else
                idle.wakeup();
        }
    }

    private HttpChannel take() {
        HttpChannel c = CHANNELS.get().poll();
        if (c != null)
            return c;
        if (allocHook != null)
            allocHook.run();
        channelsAllocated++;
        return new HttpChannel();
    }

    /**
     * The request's first body byte: a buffer for the whole stream window, unless its
     * content-length is known and fits a buffer of the frontend's pool (DATA beyond it is a
     * stream error before it is stored, {@link H2Stream#onData}).
     */
    @Override
    void attachRx(H2Stream s) {
        dev.epoxy.conn.BufferPool pool = fe.buffers;
        if (s.expectedLength < 0 || s.expectedLength > pool.size())
            pool = pool.bodies(recvInitial + 1);
        s.rx.attach(pool, conn.poller());
    }

    /** Tests: runs before each channel object allocation (may throw, e.g. OutOfMemoryError, to simulate exhausted memory). */
    static volatile Runnable allocHook;
    /** Channels this connection allocated (not taken from its pool). */
    private long channelsAllocated;

    public long channelsAllocated() {
        return channelsAllocated;
    }

    @Override
    protected void beforeResume() {
        recycle();
    }

    private void retire(HttpChannel c) {
        retired.add(c);
        recycler.wakeup(); // runs after the current task (the finishing stream's run)
    }

    /**
     * Gives the buffers of channels retired earlier back and pools the channels (never from
     * inside a stream's own run). Also after the connection died: its streams end later.
     */
    private void recycle() {
        if (retired.isEmpty())
            return;
        Poller p = conn.poller();
        ArrayDeque<HttpChannel> pool = CHANNELS.get();
        for (HttpChannel c : retired) {
            c.release(fe.buffers, p);
            if (pool.size() < POOL_MAX) {
                c.reset();
                pool.add(c);
            }
        }
        retired.clear();
    }

    public long streamsStarted() {
        return streamsStarted;
    }

    public int earlyResets() {
        return earlyResets;
    }
}
