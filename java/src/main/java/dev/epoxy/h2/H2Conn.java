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
 * connection switched to HTTP/2 keeps its smaller buffers). Decoding stops, and reading is
 * disabled, while the output buffer has less than {@link #CTRL_RESERVE} bytes free: every
 * answer a peer can provoke (SETTINGS ACK, PING ACK, RST_STREAM, WINDOW_UPDATE) then always fits,
 * and a peer that does not read cannot make us buffer without bound.
 *
 * <p>Receive flow control: a stream's window is never larger than the free room of the channel
 * its DATA goes to, and WINDOW_UPDATE credits only bytes the other side of the proxy has taken
 * out of that channel (plus padding). So DATA always fits and nothing is buffered unbounded.
 * The connection window is opened to 2^31-1 once and topped up as DATA arrives: the stream
 * windows alone bound memory (max concurrent streams x window).
 */
public abstract class H2Conn implements Connection.Handler, FrameListener {
    /** Output room kept for control frames; decoding pauses below it. */
    static final int CTRL_RESERVE = 1024;
    /** What we accept per stream before a WINDOW_UPDATE: the RFC default, so no SETTINGS change is ever pending. */
    static final int RECV_WINDOW = H2Frame.DEFAULT_INITIAL_WINDOW_SIZE;
    static final int MAX_HEADER_LIST = 64 * 1024;
    static final int MAX_HEADER_BLOCK = 64 * 1024;
    /** CONTINUATION frames allowed in one header block (floods of tiny fragments). */
    static final int MAX_CONTINUATIONS = 32;
    /** Protocol misbehaviours tolerated per connection before GOAWAY(ENHANCE_YOUR_CALM). */
    static int glitchLimit = 100;

    protected final Connection conn;
    protected final FrameDecoder decoder;
    protected final HpackDecoder hdec = new HpackDecoder(H2Frame.DEFAULT_HEADER_TABLE_SIZE, MAX_HEADER_LIST);
    protected final HpackEncoder henc = new HpackEncoder(H2Frame.DEFAULT_HEADER_TABLE_SIZE);
    protected final Settings peer = new Settings();
    protected final FlowWindow sendWindow = new FlowWindow(0, H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
    private final FlowWindow recvWindow = new FlowWindow(0, H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
    private int recvUnacked;
    protected final Map<Integer, H2Stream> streams = new HashMap<>();
    /** Ids of the last streams closed here, so late frames for them are not mistaken for errors. */
    private final int[] recentlyClosed = new int[64];
    private int recentPos;
    private final ByteBuffer rx;
    private final ByteBuffer block = ByteBuffer.allocate(MAX_HEADER_BLOCK);
    private int blockStream, continuations;
    private boolean blockEndStream;
    protected final HeaderList fields = new HeaderList();
    private final ByteBuffer hpackOut;
    private final byte[] lowerName = new byte[256];
    /** Highest stream id the peer opened (front) or we opened (back). */
    protected int maxStreamId;
    protected boolean goAwaySent, goAwayReceived;
    protected int goAwayLastId = Integer.MAX_VALUE;
    protected boolean dead;
    protected int glitches;
    private boolean readPaused;
    private final ArrayList<H2Stream> wake = new ArrayList<>();
    /**
     * Flushes the output once per run-queue pass instead of once per stream: streams only append
     * frames and ask for it ({@link #requestFlush}), so the responses of all the streams that ran
     * in one pass leave in a single write (HAProxy's mux I/O tasklet).
     */
    private final Task flusher;

    /** Window we grant each stream (fits the channel its DATA goes to). */
    final int recvInitial;

    static final java.util.List<H2Conn> DEBUG = Boolean.getBoolean("h2debug") ? java.util.Collections.synchronizedList(new ArrayList<>()) : null;

    public String debugState() {
        StringBuilder b = new StringBuilder(getClass().getSimpleName() + " dead=" + dead + " readPaused=" + readPaused
                + " in=" + conn.in + " out=" + conn.out + " sendWin=" + sendWindow.size() + " recvWin=" + recvWindow.size());
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
        conn.in.order(java.nio.ByteOrder.BIG_ENDIAN);
        conn.out.order(java.nio.ByteOrder.BIG_ENDIAN);
        this.decoder = new FrameDecoder(server);
        decoder.setMaxHeaderBlockSize(MAX_HEADER_BLOCK);
        int need = H2Frame.HEADER_LENGTH + H2Frame.DEFAULT_MAX_FRAME_SIZE;
        this.rx = conn.in.capacity() >= need ? null : Sys.allocate(need + 4096).order(java.nio.ByteOrder.BIG_ENDIAN).limit(0);
        this.hpackOut = ByteBuffer.allocate(Math.max(conn.out.capacity(), 16384));
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
        FrameWriter.writeSettings(conn.out, s);
        // One increment opens the connection window wide; stream windows bound memory.
        FrameWriter.writeWindowUpdate(conn.out, 0, H2Frame.MAX_WINDOW_SIZE - H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
        try {
            recvWindow.credit(H2Frame.MAX_WINDOW_SIZE - H2Frame.DEFAULT_INITIAL_WINDOW_SIZE);
        } catch (H2Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected abstract int maxConcurrentStreams();

    /** A complete header block arrived (already HPACK-decoded into {@link #fields}). */
    protected abstract void onHeaderBlock(int streamId, boolean endStream, boolean tooLarge) throws H2Exception;

    /** Called when the connection is gone: every stream has been failed and woken. */
    protected abstract void onDead();

    /** Called after input was processed, for the subclass to close an idle connection. */
    protected void afterIo() {
    }

    // ------------------------------------------------------------------ input

    /** Reads and decodes what the socket has, unless the output is too full to answer. */
    protected void pumpInput() {
        while (!dead) {
            if (!outputRoom(CTRL_RESERVE)) {
                readPaused = true;
                conn.stopRecv();
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
        wakeStreams();
    }

    /** Brings more input: into conn.in, then (when decoding from rx) moved into rx. */
    private int fill() {
        if (rx == null)
            return conn.recv();
        if (!conn.in.hasRemaining()) {
            int n = conn.recv();
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

    private void peerGone() {
        kill();
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
        if (rstBacklog != null && !conn.has(Connection.ERROR) && conn.out.remaining() >= rstBacklog.position()) {
            rstBacklog.flip();
            conn.out.put(rstBacklog);
            rstBacklog = null;
            conn.flush();
        }
        if (conn.has(Connection.ERROR)) {
            kill();
            return;
        }
        if (conn.out.remaining() >= conn.out.capacity() / 2) {
            for (H2Stream s : streams.values()) {
                if (s.wantOut) {
                    s.wantOut = false;
                    wake.add(s);
                }
            }
            if (readPaused) {
                readPaused = false;
                conn.wantRecv();
                pumpInput();
            }
            wakeStreams();
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
        if (conn.out.remaining() >= n)
            return true;
        if (!conn.connecting())
            conn.flush();
        return conn.out.remaining() >= n;
    }

    // ------------------------------------------------------------------ errors and closing

    /** Answers an error: RST_STREAM for a stream error, GOAWAY then close for a connection error. */
    protected void error(H2Exception e) {
        if (e.isStreamError()) {
            glitch();
            resetStream(e.streamId(), e.error());
            H2Stream s = streams.get(e.streamId());
            if (s != null)
                s.fail();
            return;
        }
        goAway(e.error(), e.getMessage());
    }

    /** Sends RST_STREAM (control frames always have room, see the class comment). */
    protected void resetStream(int id, H2Error code) {
        if (dead)
            return;
        if (outputRoom(H2Frame.HEADER_LENGTH + 4)) {
            FrameWriter.writeRstStream(conn.out, id, code);
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
            s.rstSent = true;
        rememberClosed(id);
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
                FrameWriter.writeGoAway(conn.out, lastPeerStreamId(), code, debug);
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
        failStreams();
        drainTimer = new Task(conn.poller(), this::drainExpired);
        drainTimer.expireAt(conn.poller().nowMs() + drainTimeoutMs());
        conn.setHandler(c -> drain());
        conn.wantRecv();
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
        if (pendingGoAway != null && conn.out.remaining() >= pendingGoAway.position()) {
            pendingGoAway.flip();
            conn.out.put(pendingGoAway);
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
                    conn.stopRecv(); // the peer half-closed but may still read: keep flushing
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

    /** The connection is unusable: fail and wake every stream, close the socket. */
    protected void kill() {
        if (dead)
            return;
        dead = true;
        flusher.destroy();
        failStreams();
        conn.close();
        onDead();
    }

    private void failStreams() {
        for (H2Stream s : new ArrayList<>(streams.values())) {
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

    protected void rememberClosed(int id) {
        recentlyClosed[recentPos] = id;
        recentPos = (recentPos + 1) % recentlyClosed.length;
    }

    protected boolean recentlyClosed(int id) {
        for (int v : recentlyClosed)
            if (v == id)
                return true;
        return false;
    }

    /** Removes a stream that both the peer and the proxy are done with. */
    protected void remove(H2Stream s) {
        if (streams.remove(s.id) != null)
            rememberClosed(s.id);
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
            FrameWriter.writeWindowUpdate(conn.out, 0, recvUnacked);
            recvWindow.credit(recvUnacked);
            recvUnacked = 0;
            checkReserve();
        }
        H2Stream s = streams.get(id);
        if (s == null) {
            if (isIdle(id))
                throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "DATA on idle stream " + id);
            if (recentlyClosed(id))
                return; // in flight when we reset or finished it
            throw H2Exception.stream(id, H2Error.STREAM_CLOSED, "DATA on closed stream " + id);
        }
        if (s.rstSent || s.rstReceived)
            return; // in flight when the stream was reset
        if (s.esReceived)
            throw H2Exception.stream(id, H2Error.STREAM_CLOSED, "DATA after END_STREAM on stream " + id);
        if (!s.headersReceived)
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "DATA before HEADERS on stream " + id);
        s.recvWindow.consume(flowLength);
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
        block.clear();
        block.put(fragment);
        blockStream = id;
        blockEndStream = endStream;
        continuations = 0;
        if (endHeaders)
            headerBlockDone();
    }

    @Override
    public void onContinuation(int id, ByteBuffer fragment, boolean endHeaders) throws H2Exception {
        if (++continuations > MAX_CONTINUATIONS)
            throw H2Exception.connection(H2Error.ENHANCE_YOUR_CALM, "more than " + MAX_CONTINUATIONS + " CONTINUATION frames");
        block.put(fragment); // the decoder bounds the whole block to MAX_HEADER_BLOCK
        if (endHeaders)
            headerBlockDone();
    }

    private void headerBlockDone() throws H2Exception {
        block.flip();
        fields.clear();
        // Always decoded, even for a stream we will refuse: the HPACK state is per connection.
        boolean complete = hdec.decode(block, fields);
        onHeaderBlock(blockStream, blockEndStream, !complete);
    }

    @Override
    public void onRstStream(int id, long code) throws H2Exception {
        H2Stream s = streams.get(id);
        if (s == null) {
            if (isIdle(id))
                throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "RST_STREAM on idle stream " + id);
            return;
        }
        s.rstReceived = true;
        onStreamReset(s);
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
                    st.sendWindow.applyInitialWindowDelta(delta);
                    if (delta > 0 && st.sendWindow.size() > 0)
                        toWake(st);
                }
            }
        }
        if (s.isSet(Settings.HEADER_TABLE_SIZE))
            henc.setMaxTableSize((int) Math.min(s.headerTableSize(), H2Frame.DEFAULT_HEADER_TABLE_SIZE));
        peer.applyFrom(s);
        FrameWriter.writeSettingsAck(conn.out);
        checkReserve();
    }

    @Override
    public void onPing(boolean ack, long data) {
        if (!ack) {
            FrameWriter.writePing(conn.out, true, data);
            checkReserve();
        }
    }

    /** Pauses decoding once the output dips into the control-frame reserve. */
    protected void checkReserve() {
        if (conn.out.remaining() < CTRL_RESERVE)
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
        s.sendWindow.credit(increment);
        if (s.blockedOnWindow)
            toWake(s);
    }

    /** Translates the head of {@code ch} into {@link #fields} and writes it; false when out of room. */
    abstract boolean writeHead(H2Stream s, HttpChannel ch, boolean endStream);

    /** The proxy stream looks at its endpoint: a chance to read (server side). */
    void streamReceive(H2Stream s) {
    }

    /** The proxy stream is done with {@code s}. */
    abstract void streamDetached(H2Stream s);

    /** Whether {@code id} names a stream never opened (above the highest one). */
    protected abstract boolean isIdle(int id);

    // ------------------------------------------------------------------ output helpers for streams

    /** Frees the connection window from data the proxy took out of a stream's channel. */
    void sendStreamCredit(H2Stream s, int n) {
        if (dead || s.rstSent || s.esReceived || n <= 0)
            return;
        if (outputRoom(H2Frame.HEADER_LENGTH + 4)) {
            FrameWriter.writeWindowUpdate(conn.out, s.id, n);
            try {
                s.recvWindow.credit(n);
            } catch (H2Exception e) {
                throw new IllegalStateException(e); // we never credit beyond what was consumed
            }
        } else {
            // No room now: keep it, and have the stream woken when room comes back, or the credit
            // would wait for a drain that may never come (the peer is blocked on this window).
            s.pendingCredit += n;
            s.wantOut = true;
        }
    }

    /**
     * Encodes {@link #fields} as a header block and writes it as HEADERS (+ CONTINUATION).
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

    boolean writeHeaderBlock(int id, boolean endStream) {
        int maxFrame = peer.maxFrameSize();
        long bound = 12; // dynamic table size updates
        for (int i = 0; i < fields.size(); i++)
            bound += HpackEncoder.maxFieldLength(fields.nameLength(i), fields.valueLength(i));
        boolean indexed = bound <= hpackOut.capacity()
                && FrameWriter.headersLength((int) bound, maxFrame) + CTRL_RESERVE <= conn.out.capacity();
        if (indexed && !outputRoom(FrameWriter.headersLength((int) bound, maxFrame) + CTRL_RESERVE))
            return false;
        henc.setDynamicIndexing(indexed);
        hpackOut.clear();
        try {
            henc.encode(hpackOut, fields);
        } catch (java.nio.BufferOverflowException e) {
            throw new IllegalArgumentException("header block larger than " + hpackOut.capacity() + " bytes");
        }
        hpackOut.flip();
        int need = FrameWriter.headersLength(hpackOut.remaining(), maxFrame);
        if (need + CTRL_RESERVE > conn.out.capacity())
            throw new IllegalArgumentException("header block of " + need + " bytes does not fit the output buffer");
        if (!outputRoom(need + CTRL_RESERVE))
            return false; // only when !indexed: nothing was inserted
        FrameWriter.writeHeaders(conn.out, id, hpackOut, endStream, maxFrame);
        lastHeadBytes = need;
        return true;
    }

    /** Lower-cases a header name into a scratch array (H2 field names must be lowercase). */
    protected void addLowercase(byte[] a, int nOff, int nLen, int vOff, int vLen) {
        byte[] n = nLen <= lowerName.length ? lowerName : new byte[nLen];
        for (int i = 0; i < nLen; i++) {
            int b = a[nOff + i];
            n[i] = (byte) (b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        fields.header(n, 0, nLen, a, vOff, vLen, false);
    }

}
