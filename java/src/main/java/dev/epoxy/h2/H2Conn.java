package dev.epoxy.h2;

import dev.epoxy.conn.Connection;
import dev.epoxy.poller.Task;
import dev.epoxy.stream.HttpChannel;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * What the client-side and server-side HTTP/2 muxes share: the frame demultiplexer, SETTINGS,
 * PING, GOAWAY, both flow-control directions, the stream table and the output buffer.
 *
 * <p>Threading: one owner poller thread, like the {@link Connection}. The connection's I/O
 * callback and every {@link H2Stream} endpoint call (from the streams' tasks, which run on the
 * same thread) touch this object; nothing is shared with other threads, so there is no locking.
 *
 * <p>Input: frames are decoded from the connection's input buffer when it can hold a whole
 * maximum-size frame (9 + 16384 bytes), otherwise from a private copy {@link #rx} (an H1
 * connection switched to HTTP/2 keeps its smaller buffers). The output keeps
 * {@link #CTRL_RESERVE} bytes that DATA and HEADERS never take, for control frames, and its
 * last {@link #DECODE_ROOM} bytes only for the answers decoding provokes (SETTINGS ACK, PING
 * ACK, RST_STREAM, the connection's WINDOW_UPDATE): decoding stops, and reading is disabled,
 * while less than that is free, so every such answer fits and a peer that does not read cannot
 * make us buffer without bound. Stream credit (WINDOW_UPDATE) uses the reserve above that floor
 * and is deferred when it finds none: credit alone never stops decoding, so DATA the peer sent
 * within its window is still taken while its download waits (BlockedPeerStallTest).
 *
 * <p>Receive flow control: a stream's window is never larger than the free room of the channel
 * its DATA goes to, and WINDOW_UPDATE credits only bytes the other side of the proxy has taken
 * out of that channel (plus padding). So DATA always fits and nothing is buffered unbounded.
 * The connection window is opened to 2^31-1 once and topped up as DATA arrives: the stream
 * windows alone bound memory (max concurrent streams x window). Each stream's windows and the
 * credit it owes are its {@link StreamFlow}; this class keeps only the connection's own windows.
 */
public abstract class H2Conn implements Connection.Handler, FrameListener {
    /** Output room DATA and HEADERS leave for control frames. */
    static final int CTRL_RESERVE = 1024;
    /** Output room a frame needs to be decoded: the largest answer one frame provokes, with slack;
     *  decoding pauses below it, and stream credit never takes it. */
    static final int DECODE_ROOM = 256;
    /** What we accept per stream before a WINDOW_UPDATE: the RFC default, so no SETTINGS change is ever pending. */
    static final int RECV_WINDOW = H2Frame.DEFAULT_INITIAL_WINDOW_SIZE;
    static final int MAX_HEADER_LIST = 64 * 1024;
    static final int MAX_HEADER_BLOCK = 64 * 1024;
    /** CONTINUATION frames allowed in one header block (floods of tiny fragments). */
    static final int MAX_CONTINUATIONS = 32;
    /** Protocol misbehaviours tolerated per connection before GOAWAY(ENHANCE_YOUR_CALM). */
    static int glitchLimit = 100;
    /**
     * Streams one decoding pass may open before it lets them run. A new stream holds its channel
     * buffers until its own task has run, even when the peer reset it at once (rapid reset); so
     * decoding stops here, the new streams run (and reset ones finish and give their channels
     * back), and {@link #resumer} goes on. Bounds a flood's memory per connection to this many
     * streams instead of the whole input buffer's worth (up to {@code MAX_STREAMS}).
     */
    static int openPerPass = 16;
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static org.slf4j.Logger log() {
        return org.slf4j.LoggerFactory.getLogger(H2Conn.class);
    }

    protected final Connection conn;
    protected final FrameDecoder decoder;
    protected final HpackDecoder hdec = new HpackDecoder(H2Frame.DEFAULT_HEADER_TABLE_SIZE, MAX_HEADER_LIST);
    protected final HpackEncoder henc = new HpackEncoder(H2Frame.DEFAULT_HEADER_TABLE_SIZE);
    protected final Settings peer = new Settings();
    /** The peer's credit for the whole connection; DATA takes from it through the streams' {@link StreamFlow}. */
    private final FlowWindow sendWindow = new FlowWindow(0, H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
    private final FlowWindow recvWindow = new FlowWindow(0, H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
    private int recvUnacked;
    protected final Map<Integer, H2Stream> streams = new HashMap<>();
    /**
     * Streams no longer in {@link #streams} (the proxy is done with them), most recent last:
     * {@code id << 8 | Gone}, so a late frame on one is answered as its state requires. Any id at
     * or below the highest one used that is neither in {@link #streams} nor here is closed for an
     * unknown reason (long ago, or skipped); see {@link #frameOnGoneStream}. It grows as streams
     * end, up to {@link #GONE_MEMORY}, then is a ring: a connection that carried a few streams
     * keeps a few entries (a whole memory from the start was 4 KiB of an idle client connection's
     * 11.6 KiB).
     */
    private long[] gone = new long[2];
    private int gonePos, goneCount;
    /** How many gone streams are remembered; older ones are forgotten (bounded memory). */
    static final int GONE_MEMORY = 512;

    /** What is remembered of a stream that left the table. */
    enum Gone {
        /** END_STREAM both ways: any later DATA or HEADERS is a connection error STREAM_CLOSED. */
        END_STREAM,
        /** Reset (either way): later DATA or HEADERS is a stream error STREAM_CLOSED. */
        RESET_SENT, RESET_RECEIVED,
        /** We sent END_STREAM and need nothing more; the peer's END_STREAM (empty DATA or trailers) is still due. */
        HALF_CLOSED_LOCAL
    }
    private final ByteBuffer rx;
    /**
     * A header block split over CONTINUATION frames, collected until its last fragment; null
     * otherwise (a block in one HEADERS frame is decoded in place, from the input buffer). Grows
     * as fragments come, up to {@link #MAX_HEADER_BLOCK}, and is dropped once decoded.
     */
    private ByteBuffer block;
    private int blockStream, continuations;
    private boolean blockEndStream;
    /**
     * The header list being decoded or encoded, one per thread: it is filled and consumed within
     * one call ({@link #decodeBlock} to {@link #onHeaderBlock}, {@link #writeHead} to
     * {@link #writeHeaderBlock}) and never held across calls, so no idle connection keeps one.
     */
    private static final ThreadLocal<HeaderList> FIELDS = ThreadLocal.withInitial(HeaderList::new);
    /**
     * Encoder output, one per thread (used only within {@link #writeHeaderBlock}, which is not
     * re-entered): no idle connection keeps one.
     */
    private static final ThreadLocal<ByteBuffer> HPACK_OUT = new ThreadLocal<>();
    /** Highest stream id the peer opened (front) or we opened (back). */
    protected int maxStreamId;
    protected boolean goAwaySent, goAwayReceived;
    protected int goAwayLastId = Integer.MAX_VALUE;
    protected boolean dead;
    protected int glitches;
    private boolean readPaused;
    /** Streams opened in the current decoding pass ({@link #openPerPass}). */
    private int openedThisPass;
    /**
     * Decoding yielded to the streams it opened: input is stopped and {@link #resumer} owns
     * resuming it (it is queued after those streams, so they run first).
     */
    private boolean yielded;
    private Task resumer; // made the first time decoding yields
    private final ArrayList<H2Stream> wake = new ArrayList<>();
    /**
     * Flushes the output once per run-queue pass instead of once per stream: streams only append
     * frames and ask for it ({@link #requestFlush}), so the responses of all the streams that ran
     * in one pass leave in a single write (HAProxy's mux I/O tasklet).
     */
    private final Task flusher;

    /** The connection's send window, shared by the streams' {@link StreamFlow}s. */
    FlowWindow sendWindow() {
        return sendWindow;
    }

    /** Window we grant each stream (fits the channel its DATA goes to). */
    final int recvInitial;

    static final java.util.List<H2Conn> DEBUG = Boolean.getBoolean("h2debug") ? java.util.Collections.synchronizedList(new ArrayList<>()) : null;

    public String debugState() {
        StringBuilder b = new StringBuilder(getClass().getSimpleName() + " dead=" + dead + " readPaused=" + readPaused
                + " in=" + conn.in + " out=" + conn.pendingOut() + " sendWin=" + sendWindow.size() + " recvWin=" + recvWindow.size());
        for (H2Stream s : streams.values())
            b.append("\n  ").append(s.debugState());
        return b.toString();
    }

    protected H2Conn(Connection conn, boolean server, int recvInitial) {
        if (DEBUG != null)
            DEBUG.add(this);
        this.conn = conn;
        this.recvInitial = recvInitial;
        // HTTP/2 is big-endian; the connection's buffers come in native order.
        conn.order(java.nio.ByteOrder.BIG_ENDIAN);
        this.decoder = new FrameDecoder(server);
        decoder.setMaxHeaderBlockSize(MAX_HEADER_BLOCK);
        int need = H2Frame.HEADER_LENGTH + H2Frame.DEFAULT_MAX_FRAME_SIZE;
        this.rx = conn.bufferSize() >= need ? null : Sys.allocate(need + 4096).order(java.nio.ByteOrder.BIG_ENDIAN).limit(0);
        this.flusher = new Task(conn.poller(), this::flushOut);
    }

    /**
     * Asks for the output to be flushed after the tasks already queued on this thread have run
     * (their frames join the same write). Whoever needs room now calls {@link #outputRoom}.
     */
    void requestFlush() {
        if (!dead)
            flusher.wakeup();
    }

    /** Bytes of input a connection needs to decode maximum-size frames in place. */
    public static int bufferSizeFor(int bufSize) {
        return Math.max(bufSize, H2Frame.HEADER_LENGTH + H2Frame.DEFAULT_MAX_FRAME_SIZE + 1024);
    }

    /** Our SETTINGS, the first frame we send (after the client preface on the backend side). */
    protected void writeInitialSettings() {
        Settings s = new Settings();
        s.with(Settings.ENABLE_PUSH, 0);
        if (maxConcurrentStreams() >= 0)
            s.with(Settings.MAX_CONCURRENT_STREAMS, maxConcurrentStreams());
        if (recvInitial != H2Frame.DEFAULT_INITIAL_WINDOW_SIZE)
            s.with(Settings.INITIAL_WINDOW_SIZE, recvInitial);
        s.with(Settings.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST);
        FrameWriter.writeSettings(conn.out(), s);
    }

    /** The connection window was opened wide (after the acknowledgement of the peer's first SETTINGS). */
    private boolean connWindowOpened;

    /**
     * One increment opens the connection window wide; stream windows bound memory. Sent right
     * after our acknowledgement of the peer's first SETTINGS rather than after our own SETTINGS:
     * both orders are valid, but peers that script the preface exchange (HAProxy's reg-tests
     * through VTest) expect the acknowledgement to be the next frame after our SETTINGS.
     */
    private void openConnectionWindow() {
        if (connWindowOpened)
            return;
        connWindowOpened = true;
        FrameWriter.writeWindowUpdate(conn.out(), 0, H2Frame.MAX_WINDOW_SIZE - H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
        try {
            recvWindow.credit(H2Frame.MAX_WINDOW_SIZE - H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
        } catch (H2Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected abstract int maxConcurrentStreams();

    /** A complete header block arrived, HPACK-decoded into {@code fields} (valid during the call). */
    protected abstract void onHeaderBlock(HeaderList fields, int streamId, boolean endStream, boolean tooLarge) throws H2Exception;

    /** Called when the connection is gone: every stream has been failed and woken. */
    protected abstract void onDead();

    /** Called after input was processed, for the subclass to close an idle connection. */
    protected void afterIo() {
    }

    // ------------------------------------------------------------------ input

    /**
     * Reads and decodes what the socket has, unless the output is too full to answer or this
     * pass opened {@link #openPerPass} streams. Whatever happens, the streams woken so far are
     * woken: an exception must not leave a stream that nobody runs (see {@link #internalError}).
     */
    protected void pumpInput() {
        if (yielded)
            return; // the resumer owns the input
        openedThisPass = 0;
        try {
            while (!dead) {
                if (!outputRoom(DECODE_ROOM)) {
                    readPaused = true;
                    conn.pauseInput();
                    break;
                }
                if (openedThisPass >= openPerPass) {
                    yielded = true;
                    conn.pauseInput();
                    break;
                }
                ByteBuffer src = rx != null ? rx : conn.in;
                if (src.hasRemaining()) {
                    try {
                        int before = src.remaining();
                        decoder.decode(src, this);
                        if (src.remaining() != before && !dead)
                            continue; // consumed something: look again (maybe paused for room)
                    } catch (H2Exception e) {
                        error(e);
                        continue;
                    }
                }
                int n = fill();
                if (n > 0)
                    continue;
                if (n < 0) {
                    peerGone();
                    return;
                }
                break;
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            internalError(e);
        } finally {
            wakeStreams();
        }
        if (yielded && !dead) {
            if (resumer == null)
                resumer = new Task(conn.poller(), this::resumeInput);
            resumer.wakeup(); // after the streams just woken: they run first
        }
    }

    /** A new stream was opened by the peer: counts it against {@link #openPerPass}. */
    protected void streamOpened() {
        if (++openedThisPass >= openPerPass)
            decoder.pause();
    }

    /** The resumer: decoding goes on once the streams the last pass opened have run. */
    private void resumeInput() {
        if (dead || !yielded)
            return;
        yielded = false;
        beforeResume();
        try {
            flushOut();
            pumpInput();
            flushOut();
            afterIo();
        } catch (RuntimeException | OutOfMemoryError e) {
            internalError(e);
        }
    }

    /**
     * Input is left undecoded on purpose (stall watchdog, owner thread): decoding is paused for
     * output room while the peer reads nothing (its doing, bounded by its timeout), or it yielded
     * to the streams of the last pass and the resumer is queued behind them. Undecoded input in
     * any other case is work that nobody is doing.
     */
    boolean inputWaits() {
        return yielded && resumer != null && resumer.queued() || readPaused && conn.pendingOut() > 0 && !conn.outputMovable();
    }

    /** Called when decoding resumes after a yield (the front side pools finished streams' channels). */
    protected void beforeResume() {
    }

    /** An I/O callback threw: {@link #internalError}. */
    @Override
    public void onFailure(Connection c, Throwable e) {
        internalError(e);
    }

    /**
     * A failure inside the connection's own processing (a bug, or no memory left for a new
     * stream's buffers): the connection is closed with GOAWAY(INTERNAL_ERROR), which fails and
     * wakes every stream it has, so that none is left half-built without an owner (before this,
     * an OutOfMemoryError during decoding left the streams opened so far unwoken in phase ROUTE,
     * holding their buffers, and the connection with unread input and nothing polled).
     */
    protected void internalError(Throwable e) {
        try {
            log().error("HTTP/2 connection on fd {}: internal error, closing it", conn.fd, e);
        } catch (Throwable ignored) {
            // no heap to say it with: the connection still ends (see Connection.Handler#onFailure)
        }
        if (!dead)
            goAway(H2Error.INTERNAL_ERROR, "internal error");
        wakeStreams();
    }

    private boolean salvaging;

    /**
     * Before a lost connection fails its streams: decodes the frames that arrived before the
     * loss (a client that sends its request and closes at once, so that our next write meets a
     * reset), so that complete requests among them still go on ({@link #outlivesConnection}).
     * Bounded: at most 64 reads.
     */
    private void salvageInput() {
        salvaging = true;
        try {
            for (int i = 0; i < 64; i++) {
                ByteBuffer src = rx != null ? rx : conn.in;
                if (src.hasRemaining())
                    decoder.decode(src, this);
                if (fill(true) <= 0)
                    break;
            }
        } catch (H2Exception | RuntimeException | OutOfMemoryError e) {
            // nothing more to salvage (the streams opened so far are failed and woken by kill)
        } finally {
            salvaging = false;
        }
    }

    private int fill() {
        return fill(false);
    }

    /** Brings more input: into conn.in, then (when decoding from rx) moved into rx. */
    private int fill(boolean remains) {
        if (rx == null)
            return remains ? conn.recvRemains() : conn.recv();
        if (!conn.in.hasRemaining()) {
            int n = remains ? conn.recvRemains() : conn.recv();
            if (n <= 0)
                return n;
        }
        rx.compact();
        int moved = Math.min(rx.remaining(), conn.in.remaining());
        int lim = conn.in.limit();
        conn.in.limit(conn.in.position() + moved);
        rx.put(conn.in);
        conn.in.limit(lim);
        rx.flip();
        return moved;
    }

    /** The peer closed the connection (read returned end of stream). */
    protected void peerGone() {
        kill();
    }

    /**
     * Whether {@code s} goes on although the connection is dead: the subclass's rule for a peer
     * that left after a complete request ({@link H2FrontMux}).
     */
    protected boolean outlivesConnection(H2Stream s) {
        return false;
    }

    @Override
    public void onIo(Connection c) {
        if (dead)
            return;
        if (conn.has(Connection.ERROR)) {
            kill();
            return;
        }
        flushOut();
        pumpInput();
        flushOut();
        afterIo();
    }

    /** RST_STREAM frames that found no output room; sent first once room comes back. */
    private ByteBuffer rstBacklog;

    /** Flushes the output; when room came back, resumes reading and wakes streams that waited for it. */
    protected void flushOut() {
        if (dead)
            return;
        conn.flush();
        if (rstBacklog != null && !conn.has(Connection.ERROR) && conn.outRoom() >= rstBacklog.position()) {
            rstBacklog.flip();
            conn.out().put(rstBacklog);
            rstBacklog = null;
            conn.flush();
        }
        if (conn.has(Connection.ERROR)) {
            kill();
            return;
        }
        if (conn.outRoom() >= conn.bufferSize() / 2) {
            for (int i = 0; i < outWaiters.size(); i++) {
                H2Stream s = outWaiters.get(i);
                if (s.wantOut && streams.get(s.id) == s) {
                    s.wantOut = false;
                    wake.add(s);
                }
            }
            outWaiters.clear();
            if (readPaused) {
                readPaused = false;
                conn.resumeInput();
                pumpInput();
            }
            wakeStreams();
        }
    }

    /**
     * The streams waiting for output room, woken once half the buffer is free: a list, so that a
     * flush does not look at every stream of a connection carrying many.
     */
    private final ArrayList<H2Stream> outWaiters = new ArrayList<>();

    /** {@code s} waits for output room ({@link H2Stream#wantOut}). */
    void waitOut(H2Stream s) {
        if (!s.wantOut) {
            s.wantOut = true;
            outWaiters.add(s);
        }
    }

    protected void wakeStreams() {
        for (int i = 0; i < wake.size(); i++)
            wake.get(i).wake();
        wake.clear();
    }

    protected void toWake(H2Stream s) {
        wake.add(s);
    }

    /** Room for {@code n} bytes in the output, flushing once if needed. */
    protected boolean outputRoom(int n) {
        if (conn.outRoom() >= n)
            return true;
        if (!conn.connecting())
            conn.flush();
        return conn.outRoom() >= n;
    }

    // ------------------------------------------------------------------ errors and closing

    /** Answers an error: RST_STREAM for a stream error, GOAWAY then close for a connection error. */
    protected void error(H2Exception e) {
        if (e.isStreamError()) {
            glitch();
            resetStream(e.streamId(), e.error());
            H2Stream s = streams.get(e.streamId());
            if (s != null) {
                s.fail();
                // Its owner must see it: a frame alone in its read (an END_STREAM short of the
                // content-length) woke no one else, and the exchange waited for timeout server.
                toWake(s);
            }
            return;
        }
        goAway(e.error(), e.getMessage());
    }

    /** Sends RST_STREAM (control frames always have room, see the class comment). */
    protected void resetStream(int id, H2Error code) {
        if (dead)
            return;
        if (outputRoom(H2Frame.HEADER_LENGTH + 4)) {
            FrameWriter.writeRstStream(conn.out(), id, code);
        } else {
            // Never dropped: a stream we stop reading must be reset, or a peer still sending on
            // it waits for stream credit forever (its deferred credit dies with the stream).
            if (rstBacklog == null)
                rstBacklog = ByteBuffer.allocate(1024).order(java.nio.ByteOrder.BIG_ENDIAN);
            if (rstBacklog.remaining() < H2Frame.HEADER_LENGTH + 4) {
                ByteBuffer b = ByteBuffer.allocate(rstBacklog.capacity() * 2).order(java.nio.ByteOrder.BIG_ENDIAN);
                rstBacklog.flip();
                rstBacklog = b.put(rstBacklog);
            }
            FrameWriter.writeRstStream(rstBacklog, id, code);
            requestFlush();
        }
        checkReserve();
        H2Stream s = streams.get(id);
        if (s != null)
            resetSent(s);
        else if (gone(id) != Gone.RESET_RECEIVED)
            rememberGone(id, Gone.RESET_SENT);
    }

    /**
     * Sends GOAWAY and, for an error or when no stream is left, closes the connection, failing
     * every stream still open.
     *
     * <p>Rule: a GOAWAY is only worth sending if it reaches the peer, and it reaches the peer
     * only after every byte queued before it (RFC 9113 §6.8: the peer learns from it which
     * streams were processed, and the frames before it are part of those answers). So closing
     * after a GOAWAY never drops queued output: the connection stops producing frames, keeps
     * flushing what is queued (the GOAWAY last), shuts its write side once the buffer is empty,
     * and reads and discards input until the peer closes (closing with unread input would
     * make the kernel answer with a RST, which can destroy the data still in flight). All of
     * this is bounded by {@link #drainTimeoutMs()}; only then is the connection cut.
     */
    protected void goAway(H2Error code, String why) {
        if (dead)
            return;
        if (!goAwaySent) {
            goAwaySent = true;
            byte[] debug = why == null ? null : why.substring(0, Math.min(why.length(), 200)).getBytes(StandardCharsets.ISO_8859_1);
            int need = H2Frame.HEADER_LENGTH + 8 + (debug == null ? 0 : debug.length);
            if (outputRoom(need))
                FrameWriter.writeGoAway(conn.out(), lastPeerStreamId(), code, debug);
            else
                pendingGoAway = ByteBuffer.allocate(need).order(java.nio.ByteOrder.BIG_ENDIAN);
            if (pendingGoAway != null)
                FrameWriter.writeGoAway(pendingGoAway, lastPeerStreamId(), code, debug);
            conn.flush();
        }
        if (code != H2Error.NO_ERROR || streams.isEmpty())
            closeAfterFlush();
    }

    /** A GOAWAY that did not fit the output yet: appended as soon as there is room. */
    private ByteBuffer pendingGoAway;
    private Task drainTimer;

    /** How long a closing connection may take to deliver its queued output and see the peer close. */
    protected long drainTimeoutMs() {
        return 5000;
    }

    /**
     * Ends the connection as {@link #goAway} describes: streams are failed now, the socket is
     * closed once the queued output is delivered and the peer closed, or at the drain deadline.
     */
    private void closeAfterFlush() {
        if (dead)
            return;
        dead = true;
        flusher.destroy();
        if (resumer != null)
            resumer.destroy();
        failStreams();
        drainTimer = new Task(conn.poller(), this::drainExpired);
        drainTimer.expireAt(conn.poller().nowMs() + drainTimeoutMs());
        conn.setHandler(c -> drain());
        conn.resumeInput();
        drain();
    }

    /** The closing connection's I/O: flush what is queued, then shut writes and discard input. */
    private void drain() {
        if (conn.has(Connection.CLOSED))
            return;
        if (conn.has(Connection.ERROR)) {
            finishClose();
            return;
        }
        if (pendingGoAway != null && conn.outRoom() >= pendingGoAway.position()) {
            pendingGoAway.flip();
            conn.out().put(pendingGoAway);
            pendingGoAway = null;
        }
        boolean empty = conn.flush();
        if (conn.has(Connection.ERROR)) {
            finishClose();
            return;
        }
        if (empty && pendingGoAway == null)
            conn.shutWrite();
        while (true) {
            conn.in.position(conn.in.limit()); // input is no longer decoded
            int n = conn.recv();
            if (n < 0) {
                if (conn.has(Connection.WRITE_SHUT) || conn.has(Connection.ERROR))
                    finishClose();
                else
                    conn.pauseInput(); // the peer half-closed but may still read: keep flushing
                return;
            }
            if (n == 0)
                return;
        }
    }

    private void drainExpired() {
        if (!conn.has(Connection.CLOSED))
            conn.abort();
        finishClose();
    }

    private void finishClose() {
        if (drainTimer != null)
            drainTimer.destroy();
        conn.close();
        onDead();
    }

    /** The last stream id of the peer we processed, for GOAWAY. */
    protected abstract int lastPeerStreamId();

    /**
     * The connection was lost (peer closed or reset it, or a socket error), as opposed to closed
     * by us after a GOAWAY: streams may outlive it ({@link #outlivesConnection}).
     */
    protected boolean lost;

    /** The connection is unusable: fail and wake every stream, close the socket. */
    protected void kill() {
        if (dead || salvaging)
            return;
        salvageInput();
        dead = true;
        lost = true;
        flusher.destroy();
        if (resumer != null)
            resumer.destroy();
        failStreams();
        conn.close();
        onDead();
    }

    /** Fails and wakes every stream, but those that outlive the connection ({@link #outlivesConnection}). */
    protected void failStreams() {
        for (H2Stream s : new ArrayList<>(streams.values())) {
            if (!outlivesConnection(s))
                s.fail();
            s.wake();
        }
    }

    /** Counts a protocol misbehaviour; too many end the connection. */
    protected void glitch() {
        if (++glitches > glitchLimit && !dead)
            goAway(H2Error.ENHANCE_YOUR_CALM, "too many protocol glitches");
    }

    public int glitches() {
        return glitches;
    }

    // ------------------------------------------------------------------ stream states (RFC 9113 section 5.1)

    /** HEADERS received opening the stream (idle to open or half-closed remote); later ones change nothing. */
    protected void headersReceived(H2Stream s, boolean endStream) {
        if (s.state == H2Stream.State.IDLE)
            s.state = H2Stream.State.OPEN;
        else if (s.state == H2Stream.State.RESERVED_REMOTE)
            s.state = H2Stream.State.HALF_CLOSED_LOCAL;
        if (endStream)
            endStreamReceived(s);
    }

    /** HEADERS sent (1xx, final or trailers): opens an idle stream; END_STREAM half-closes it. */
    void headersSent(H2Stream s, boolean endStream) {
        if (s.state == H2Stream.State.IDLE)
            s.state = H2Stream.State.OPEN;
        else if (s.state == H2Stream.State.RESERVED_LOCAL)
            s.state = H2Stream.State.HALF_CLOSED_REMOTE;
        if (endStream)
            endStreamSent(s);
    }

    /** The peer's END_STREAM (on DATA or HEADERS). */
    void endStreamReceived(H2Stream s) {
        switch (s.state) {
            case OPEN -> s.state = H2Stream.State.HALF_CLOSED_REMOTE;
            case HALF_CLOSED_LOCAL -> close(s, H2Stream.Closure.END_STREAM);
            default -> { } // callers reject frames on streams not open for the peer
        }
    }

    /** Our END_STREAM went into the output. */
    void endStreamSent(H2Stream s) {
        switch (s.state) {
            case OPEN -> s.state = H2Stream.State.HALF_CLOSED_LOCAL;
            case HALF_CLOSED_REMOTE -> close(s, H2Stream.Closure.END_STREAM);
            default -> { }
        }
    }

    /** We sent RST_STREAM. */
    void resetSent(H2Stream s) {
        if (s.state != H2Stream.State.CLOSED)
            close(s, H2Stream.Closure.RESET_SENT);
    }

    /** The peer sent RST_STREAM. */
    void resetReceived(H2Stream s) {
        if (s.state != H2Stream.State.CLOSED)
            close(s, H2Stream.Closure.RESET_RECEIVED);
    }

    private static void close(H2Stream s, H2Stream.Closure why) {
        s.state = H2Stream.State.CLOSED;
        s.closure = why;
    }

    /** Records (or updates) what is known of a stream that is not in the table. */
    private void rememberGone(int id, Gone what) {
        for (int i = 0; i < goneCount; i++) {
            if (gone[i] >>> 8 == id) {
                gone[i] = (long) id << 8 | what.ordinal();
                return;
            }
        }
        rememberLeft(id, what);
    }

    /**
     * Records a stream that just left the table, which no entry names yet (a stream in the table
     * is never remembered): no search, which on a connection with many streams would read the
     * whole memory at every stream's end.
     */
    private void rememberLeft(int id, Gone what) {
        long v = (long) id << 8 | what.ordinal();
        if (goneCount == gone.length && gone.length < GONE_MEMORY) {
            // Full but never wrapped: entries 0..goneCount-1, oldest first.
            gone = java.util.Arrays.copyOf(gone, Math.min(GONE_MEMORY, gone.length * 2));
            gonePos = goneCount;
        }
        gone[gonePos] = v;
        gonePos = (gonePos + 1) % gone.length;
        if (goneCount < gone.length)
            goneCount++;
    }

    /** What is remembered of a stream that left the table, or null (forgotten, or never opened). */
    protected Gone gone(int id) {
        for (int i = 0; i < goneCount; i++)
            if (gone[i] >>> 8 == id)
                return Gone.values()[(int) (gone[i] & 0xff)];
        return null;
    }

    /** Removes a stream that the proxy is done with, remembering the state it leaves in. */
    protected void remove(H2Stream s) {
        if (streams.remove(s.id) == null)
            return;
        Gone what = switch (s.state) {
            case CLOSED -> s.closure == H2Stream.Closure.END_STREAM ? Gone.END_STREAM
                    : s.closure == H2Stream.Closure.RESET_RECEIVED ? Gone.RESET_RECEIVED : Gone.RESET_SENT;
            case HALF_CLOSED_LOCAL -> Gone.HALF_CLOSED_LOCAL;
            default -> null; // never opened (IDLE) or the connection is dead: nothing to answer later
        };
        if (what != null)
            rememberLeft(s.id, what);
    }

    /**
     * A second header block on a stream still open for the peer: trailers (RFC 9113 section
     * 8.1). They must end the stream and be valid fields without pseudo-headers, and the body
     * must have had its announced length; then they are dropped (the internal message has no
     * trailers) and the message is complete. Anything else is a stream error.
     */
    protected void trailersReceived(HeaderList fields, H2Stream s, boolean endStream) throws H2Exception {
        if (!endStream)
            throw H2Exception.stream(s.id, H2Error.PROTOCOL_ERROR, "trailers without END_STREAM");
        checkTrailers(fields, s.id);
        if (s.expectedLength >= 0 && s.received != s.expectedLength)
            throw H2Exception.stream(s.id, H2Error.PROTOCOL_ERROR, "body shorter than content-length");
        s.endOfMessage();
        toWake(s);
    }

    /** The fields of trailers: a stream error unless {@link H2Headers#checkTrailers} accepts them. */
    protected void checkTrailers(HeaderList fields, int id) throws H2Exception {
        String err = H2Headers.checkTrailers(fields);
        if (err != null)
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, err);
    }

    /**
     * DATA or HEADERS (already HPACK-decoded) on a stream that is not open for the peer: a stream
     * that is CLOSED or HALF_CLOSED_REMOTE while still in the table ({@code s}), or one that left
     * it ({@code s == null}, id not idle). RFC 9113 section 5.1: after a RST_STREAM, either way,
     * a stream error STREAM_CLOSED (answered without counting a glitch when we reset it: such
     * frames may have been in flight); after END_STREAM both ways a connection error
     * STREAM_CLOSED; in half-closed (remote) a stream error STREAM_CLOSED. A stream we left in
     * half-closed (local) still takes the peer's END_STREAM (returns true: the caller accepts the
     * frame). Forgotten ids are treated as closed: DATA is a connection error STREAM_CLOSED,
     * HEADERS a connection error PROTOCOL_ERROR (RFC 9113 section 5.1.1: an id not above the
     * last one cannot open a stream).
     *
     * @return true when the frame is to be accepted as the end of a half-closed (local) stream
     */
    protected boolean frameOnGoneStream(H2Stream s, int id, boolean headers, boolean endStream, int dataLength) throws H2Exception {
        String what = headers ? "HEADERS" : "DATA";
        if (s != null && s.state == H2Stream.State.IDLE)
            throw H2Exception.connection(H2Error.PROTOCOL_ERROR, what + " on idle stream " + id);
        if (s != null) {
            if (s.state == H2Stream.State.HALF_CLOSED_REMOTE)
                throw H2Exception.stream(id, H2Error.STREAM_CLOSED, what + " after END_STREAM on stream " + id);
            if (s.closure == H2Stream.Closure.RESET_SENT) {
                resetQuietly(id);
                return false;
            }
            if (s.isReset())
                throw H2Exception.stream(id, H2Error.STREAM_CLOSED, what + " on reset stream " + id);
            throw H2Exception.connection(H2Error.STREAM_CLOSED, what + " on closed stream " + id);
        }
        Gone g = gone(id);
        if (g == null) {
            if (headers)
                throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "HEADERS on stream " + id + ", not above the last one");
            throw H2Exception.connection(H2Error.STREAM_CLOSED, "DATA on closed stream " + id);
        }
        switch (g) {
            case RESET_SENT:
                resetQuietly(id);
                return false;
            case RESET_RECEIVED:
                throw H2Exception.stream(id, H2Error.STREAM_CLOSED, what + " on reset stream " + id);
            case END_STREAM:
                throw H2Exception.connection(H2Error.STREAM_CLOSED, what + " on closed stream " + id);
            default: // HALF_CLOSED_LOCAL: every byte the request announced came; only END_STREAM is due
                if (dataLength > 0) {
                    rememberGone(id, Gone.RESET_SENT);
                    throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "DATA beyond content-length on stream " + id);
                }
                if (headers && !endStream) {
                    rememberGone(id, Gone.RESET_SENT);
                    throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "trailers without END_STREAM on stream " + id);
                }
                if (endStream)
                    rememberGone(id, Gone.END_STREAM);
                return true;
        }
    }

    /** RST_STREAM(STREAM_CLOSED) for a frame on a stream we reset: it may have been in flight, not a glitch. */
    private void resetQuietly(int id) {
        resetStream(id, H2Error.STREAM_CLOSED); // error() would count a glitch
    }

    public boolean dead() {
        return dead;
    }

    public Connection connection() {
        return conn;
    }

    public int activeStreams() {
        return streams.size();
    }

    // ------------------------------------------------------------------ frame listener

    @Override
    public void onData(int id, ByteBuffer data, boolean endStream, int flowLength) throws H2Exception {
        recvWindow.consume(flowLength);
        recvUnacked += flowLength;
        if (recvUnacked >= 1 << 20) {
            // Keep the connection window wide open; stream windows do the real limiting.
            FrameWriter.writeWindowUpdate(conn.out(), 0, recvUnacked);
            recvWindow.credit(recvUnacked);
            recvUnacked = 0;
            checkReserve();
        }
        H2Stream s = streams.get(id);
        if (s == null && isIdle(id))
            throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "DATA on idle stream " + id);
        if (s == null || !s.remoteOpen()) {
            frameOnGoneStream(s, id, false, endStream, data.remaining());
            return;
        }
        if (!s.headReceived)
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "DATA before HEADERS on stream " + id);
        s.flow.received(flowLength);
        int len = data.remaining();
        int padding = flowLength - len;
        if (len == 0 && !endStream)
            glitch(); // empty DATA frames cost work and carry nothing
        s.onData(data, endStream);
        if (padding > 0)
            s.credit(padding);
        toWake(s);
    }

    @Override
    public void onHeaders(int id, ByteBuffer fragment, boolean endStream, boolean endHeaders) throws H2Exception {
        blockStream = id;
        blockEndStream = endStream;
        continuations = 0;
        block = null;
        if (endHeaders) {
            decodeBlock(fragment);
            return;
        }
        appendFragment(fragment);
    }

    /** Adds a fragment of a split header block to {@link #block}, growing it as needed. */
    private void appendFragment(ByteBuffer fragment) {
        int need = (block == null ? 0 : block.position()) + fragment.remaining();
        if (block == null || need > block.capacity()) {
            // the decoder bounds the whole block to MAX_HEADER_BLOCK
            int cap = Math.min(MAX_HEADER_BLOCK, Math.max(Math.max(4096, need), block == null ? 0 : 2 * block.capacity()));
            ByteBuffer b = ByteBuffer.allocate(Math.max(cap, need));
            if (block != null)
                b.put(block.flip());
            block = b;
        }
        block.put(fragment);
    }

    @Override
    public void onContinuation(int id, ByteBuffer fragment, boolean endHeaders) throws H2Exception {
        if (++continuations > MAX_CONTINUATIONS)
            throw H2Exception.connection(H2Error.ENHANCE_YOUR_CALM, "more than " + MAX_CONTINUATIONS + " CONTINUATION frames");
        appendFragment(fragment);
        if (endHeaders) {
            ByteBuffer b = block.flip();
            block = null;
            decodeBlock(b);
        }
    }

    private void decodeBlock(ByteBuffer block) throws H2Exception {
        HeaderList fields = fields();
        // Always decoded, even for a stream we will refuse: the HPACK state is per connection.
        boolean complete = hdec.decode(block, fields);
        onHeaderBlock(fields, blockStream, blockEndStream, !complete);
    }

    @Override
    public void onRstStream(int id, long code) throws H2Exception {
        H2Stream s = streams.get(id);
        if (s == null) {
            if (isIdle(id))
                throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "RST_STREAM on idle stream " + id);
            return; // closed: RST_STREAM is always allowed there
        }
        resetReceived(s);
        onStreamReset(s);
        s.unprocessed = code == H2Error.REFUSED_STREAM.code();
        s.fail();
        toWake(s);
    }

    /** Hook for rapid-reset accounting. */
    protected void onStreamReset(H2Stream s) {
    }

    @Override
    public void onSettings(boolean ack, Settings s) throws H2Exception {
        if (ack)
            return;
        if (s.isSet(Settings.ENABLE_PUSH) && s.enablePush() && !(this instanceof H2FrontMux))
            throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "server enabled push");
        if (s.isSet(Settings.INITIAL_WINDOW_SIZE)) {
            long delta = (long) s.initialWindowSize() - peer.initialWindowSize();
            if (delta != 0) {
                for (H2Stream st : streams.values()) {
                    if (st.flow.peerInitialWindowChanged(delta) && delta > 0)
                        toWake(st);
                }
            }
        }
        if (s.isSet(Settings.HEADER_TABLE_SIZE))
            henc.setMaxTableSize((int) Math.min(s.headerTableSize(), H2Frame.DEFAULT_HEADER_TABLE_SIZE));
        peer.applyFrom(s);
        FrameWriter.writeSettingsAck(conn.out());
        openConnectionWindow();
        checkReserve();
    }

    /** Opaque data of the PING that follows a shutdown notice ("epoxy" in ASCII). */
    private static final long SHUTDOWN_PING = 0x65706f7879L;
    /** A shutdown notice (GOAWAY with the largest id) was sent; the final GOAWAY waits for its PING's ACK. */
    protected boolean shutdownAnnounced;

    /**
     * Graceful shutdown as RFC 9113 §6.8 recommends: a GOAWAY with the largest stream id (no new
     * streams, please) and a PING; the final GOAWAY, naming the last stream really processed,
     * goes out when the PING's ACK comes back, one round trip later, so that requests the peer
     * sent before it saw the notice are still served instead of being refused.
     */
    protected void gracefulGoAway() {
        if (dead || goAwaySent || shutdownAnnounced)
            return;
        if (!outputRoom(2 * (H2Frame.HEADER_LENGTH + 8))) {
            goAway(H2Error.NO_ERROR, null);
            return;
        }
        shutdownAnnounced = true;
        FrameWriter.writeGoAway(conn.out(), 0x7fffffff, H2Error.NO_ERROR, null);
        FrameWriter.writePing(conn.out(), false, SHUTDOWN_PING);
        conn.flush();
    }

    @Override
    public void onPing(boolean ack, long data) {
        if (ack && shutdownAnnounced && data == SHUTDOWN_PING) {
            goAway(H2Error.NO_ERROR, null);
            return;
        }
        if (!ack) {
            FrameWriter.writePing(conn.out(), true, data);
            checkReserve();
        }
    }

    /** Pauses decoding once an answer left less than {@link #DECODE_ROOM} of output room. */
    protected void checkReserve() {
        if (conn.outRoom() < DECODE_ROOM)
            decoder.pause();
    }

    @Override
    public void onGoAway(int lastStreamId, long code, ByteBuffer debug) throws H2Exception {
        goAwayReceived = true;
        goAwayLastId = Math.min(goAwayLastId, lastStreamId);
        onGoAwayReceived(lastStreamId);
    }

    protected void onGoAwayReceived(int lastStreamId) {
    }

    @Override
    public void onWindowUpdate(int id, int increment) throws H2Exception {
        if (id == 0) {
            sendWindow.credit(increment);
            for (H2Stream s : streams.values())
                if (s.blockedOnWindow)
                    toWake(s);
            return;
        }
        H2Stream s = streams.get(id);
        if (s == null) {
            if (isIdle(id))
                throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream " + id);
            return;
        }
        s.flow.peerCredit(increment);
        if (s.blockedOnWindow)
            toWake(s);
    }

    /** Translates the head of {@code ch} into a header list and writes it; false when out of room. */
    abstract boolean writeHead(H2Stream s, HttpChannel ch, boolean endStream);

    /** The proxy stream looks at its endpoint: a chance to read (server side). */
    void streamReceive(H2Stream s) {
    }

    /** The proxy stream is done with {@code s}. */
    abstract void streamDetached(H2Stream s);

    /**
     * A stream's first DATA byte found its channel without a buffer: attach one that holds the
     * whole window granted. The client side's requests take theirs here; on the server side the
     * channel (the proxy stream's response) is attached by its client side, so nothing to do.
     */
    void attachRx(H2Stream s) {
    }

    /** Whether {@code id} names a stream never opened (above the highest one). */
    protected abstract boolean isIdle(int id);

    // ------------------------------------------------------------------ output helpers for streams

    /** Frees the connection window from data the proxy took out of a stream's channel. */
    void sendStreamCredit(H2Stream s, int n) {
        if (dead || !s.remoteOpen() || n <= 0)
            return;
        if (outputRoom(DECODE_ROOM + H2Frame.HEADER_LENGTH + 4)) {
            FrameWriter.writeWindowUpdate(conn.out(), s.id, n);
            s.flow.granted(n);
        } else {
            // No room now: keep it, and have the stream woken when room comes back, or the credit
            // would wait for a drain that may never come (the peer is blocked on this window).
            s.flow.defer(n);
            waitOut(s);
        }
    }

    /**
     * Encodes {@code fields} as a header block and writes it as HEADERS (+ CONTINUATION).
     * Returns false without writing (and without touching the HPACK table) when the output lacks
     * room; throws IllegalArgumentException when the block can never fit.
     *
     * <p>The encoder indexes literals in its dynamic table, so repeated fields (server,
     * content-type, date within a second) cost one byte and no Huffman coding. Since that changes
     * the table, a block is encoded only once the output is known to have room for its worst-case
     * size; a block whose worst case cannot fit is encoded statelessly (no insertion, so it can be
     * re-encoded later), as everything was before.
     */
    /** Bytes of HEADERS and CONTINUATION frames the last {@link #writeHeaderBlock} wrote (for the log). */
    int lastHeadBytes;

    boolean writeHeaderBlock(HeaderList fields, int id, boolean endStream) {
        int maxFrame = peer.maxFrameSize();
        long bound = 12; // dynamic table size updates
        for (int i = 0; i < fields.size(); i++)
            bound += HpackEncoder.maxFieldLength(fields.nameLength(i), fields.valueLength(i));
        int cap = Math.max(conn.bufferSize(), 16384);
        ByteBuffer hpackOut = HPACK_OUT.get();
        if (hpackOut == null || hpackOut.capacity() < cap) {
            hpackOut = ByteBuffer.allocate(cap);
            HPACK_OUT.set(hpackOut);
        }
        boolean indexed = bound <= cap
                && FrameWriter.headersLength((int) bound, maxFrame) + CTRL_RESERVE <= conn.bufferSize();
        if (indexed && !outputRoom(FrameWriter.headersLength((int) bound, maxFrame) + CTRL_RESERVE))
            return false;
        henc.setDynamicIndexing(indexed);
        hpackOut.clear().limit(cap);
        try {
            henc.encode(hpackOut, fields);
        } catch (java.nio.BufferOverflowException e) {
            throw new IllegalArgumentException("header block larger than " + cap + " bytes");
        }
        hpackOut.flip();
        int need = FrameWriter.headersLength(hpackOut.remaining(), maxFrame);
        if (need + CTRL_RESERVE > conn.bufferSize())
            throw new IllegalArgumentException("header block of " + need + " bytes does not fit the output buffer");
        if (!outputRoom(need + CTRL_RESERVE))
            return false; // only when !indexed: nothing was inserted
        FrameWriter.writeHeaders(conn.out(), id, hpackOut, endStream, maxFrame);
        lastHeadBytes = need;
        return true;
    }

    /** The calling thread's header list, cleared: see {@link #FIELDS}. */
    static HeaderList fields() {
        return FIELDS.get().clear();
    }

}
