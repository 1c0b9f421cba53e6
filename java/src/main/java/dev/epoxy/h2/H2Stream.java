package dev.epoxy.h2;

import dev.epoxy.conn.Connection;
import dev.epoxy.stream.Endpoint;
import dev.epoxy.stream.HttpChannel;
import dev.epoxy.stream.Stream;
import dev.epoxy.stream.StreamConnector;

/**
 * One HTTP/2 stream as the proxy's {@link Stream} sees it: an {@link Endpoint} whose received
 * message ({@link #rx}) is filled by the connection's frame listener and whose sent message is
 * written as HEADERS and DATA frames within both send windows.
 *
 * <p>The stream's state is RFC 9113 section 5.1's {@link State}, with {@link #closure} saying why
 * a CLOSED stream closed. Both are changed only by the connection's transition methods
 * ({@link H2Conn#headersReceived} and the like, one per event), never set directly. Owner thread
 * only, like its {@link H2Conn}.
 */
final class H2Stream implements Endpoint {
    /** RFC 9113 section 5.1 stream states (RESERVED_* unused: push is never enabled). */
    enum State { IDLE, RESERVED_LOCAL, RESERVED_REMOTE, OPEN, HALF_CLOSED_LOCAL, HALF_CLOSED_REMOTE, CLOSED }

    /** Why a stream is CLOSED: what a late frame on it means depends on it (RFC 9113 section 5.1). */
    enum Closure { NONE, END_STREAM, RESET_SENT, RESET_RECEIVED }

    final H2Conn mux;
    /**
     * Its stream id. The server side numbers a stream only when its HEADERS go out, since ids
     * must rise in the order streams open on the wire (RFC 9113 §5.1.1); until then it holds a
     * negative key of the stream table.
     */
    int id;
    /** The channel our DATA goes to (the request on the client side, the response on the server side). */
    final HttpChannel rx;
    /** The channel we send from (kept by the client side to recycle it). */
    HttpChannel tx;
    /** Both windows and the credit we owe the peer; settled when the proxy is done with the stream. */
    final StreamFlow flow;
    /** The proxy stream to wake (client side) or its backend connector (server side). */
    Stream owner;
    StreamConnector sc;

    /** Written only by the owning connection's transition methods. */
    State state = State.IDLE;
    Closure closure = Closure.NONE;
    boolean failed, detached;
    /** Ended by {@link #refuse()}: reset with REFUSED_STREAM rather than CANCEL. */
    boolean refused;
    /** The server side's peer refused the stream unprocessed ({@link #unprocessed()}). */
    boolean unprocessed;
    /** Waits for output buffer room / for a window. */
    boolean wantOut, blockedOnWindow;
    /** Something arrived since the stream last looked ({@link #receive}). */
    private boolean fresh;
    /** content-length announced by the peer, -1 if none; DATA received so far. */
    long expectedLength = -1, received;
    /** The message head was received (the request; on the server side the final, non-1xx response). */
    boolean headReceived;

    H2Stream(H2Conn mux, int id, HttpChannel rx, int sendInitial) {
        this.mux = mux;
        this.id = id;
        this.rx = rx;
        this.flow = new StreamFlow(Math.max(id, 0), mux.recvInitial, sendInitial, mux.sendWindow()); // 0: not numbered yet
    }

    void wake() {
        if (owner != null)
            owner.wakeup();
        else if (sc != null)
            sc.notifyIo();
    }

    void fail() {
        failed = true;
    }

    /** Body bytes of one DATA frame (padding already removed and credited by the caller). */
    void onData(java.nio.ByteBuffer data, boolean endStream) throws H2Exception {
        int len = data.remaining();
        received += len;
        if (expectedLength >= 0 && received > expectedLength)
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "DATA beyond content-length " + expectedLength);
        if (endStream && expectedLength >= 0 && received != expectedLength)
            throw H2Exception.stream(id, H2Error.PROTOCOL_ERROR, "DATA shorter than content-length " + expectedLength);
        if (detached || failed)
            return;
        if (len > 0 && !rx.attached())
            mux.attachRx(this); // the request body's buffer, taken with its first byte
        if (rx.put(data, len) != len)
            throw H2Exception.stream(id, H2Error.FLOW_CONTROL_ERROR, "DATA beyond the room we granted");
        if (endStream) {
            mux.endStreamReceived(this);
            rx.eom = true;
        }
        fresh = true;
    }

    /** The peer's END_STREAM without DATA (trailers, or HEADERS with END_STREAM). */
    void endOfMessage() {
        mux.endStreamReceived(this);
        rx.eom = true;
        fresh = true;
    }

    /** Credit padding or drained bytes to the peer. */
    void credit(int n) {
        mux.sendStreamCredit(this, n);
    }

    // ---- Endpoint ----

    @Override
    public boolean receive(HttpChannel ch) {
        mux.streamReceive(this);
        boolean progress = fresh;
        fresh = false;
        int n = remoteOpen() ? flow.creditDue(ch.bytesOut, ch.pending()) : 0;
        if (n > 0) {
            credit(n); // deferred again if the output is still full
            mux.requestFlush();
        }
        return progress;
    }

    @Override
    public boolean send(HttpChannel ch) {
        if (mux.dead || failed || detached || isReset())
            return false;
        boolean progress = false;
        while (ch.headIn && !ch.headOut) {
            boolean end = ch.bodyless || !ch.interim && ch.eom && ch.pending() == 0;
            boolean written;
            try {
                written = mux.writeHead(this, ch, end);
            } catch (IllegalArgumentException e) {
                // A head we cannot express in HTTP/2 (or too large): the stream cannot go on.
                if (id > 0)
                    mux.resetStream(id, H2Error.INTERNAL_ERROR);
                failed = true;
                mux.requestFlush();
                return true;
            }
            if (!written) {
                mux.waitOut(this);
                mux.flushOut();
                return progress;
            }
            progress = true;
            mux.headersSent(this, end);
            ch.wireOut += mux.lastHeadBytes;
            if (ch.headWritten() && end) {
                ch.eomOut = true;
                ch.data.clear();
            }
        }
        if (ch.headOut && !ch.eomOut)
            progress |= writeData(ch);
        mux.requestFlush();
        return progress;
    }

    private boolean writeData(HttpChannel ch) {
        boolean progress = false;
        Connection c = mux.conn;
        while (!ch.eomOut) {
            int pending = ch.pending();
            if (pending == 0) {
                if (ch.eom) {
                    if (!mux.outputRoom(H2Frame.HEADER_LENGTH + H2Conn.CTRL_RESERVE)) {
                        mux.waitOut(this);
                        break;
                    }
                    FrameWriter.writeDataHeader(c.out(), id, 0, true);
                    ch.wireOut += H2Frame.HEADER_LENGTH;
                    ch.eomOut = true;
                    mux.endStreamSent(this);
                    progress = true;
                }
                break;
            }
            int win = flow.sendable();
            if (win <= 0) {
                blockedOnWindow = true;
                break;
            }
            blockedOnWindow = false;
            int room = c.outRoom() - H2Conn.CTRL_RESERVE - H2Frame.HEADER_LENGTH;
            if (room < 1024 && room < pending) {
                c.flush();
                room = c.outRoom() - H2Conn.CTRL_RESERVE - H2Frame.HEADER_LENGTH;
                if (room <= 0) {
                    mux.waitOut(this);
                    break;
                }
            }
            int n = Math.min(Math.min(pending, win), Math.min(room, mux.peer.maxFrameSize()));
            boolean es = ch.eom && n == pending;
            FrameWriter.writeDataHeader(c.out(), id, n, es);
            ch.take(c.out(), n);
            ch.wireOut += H2Frame.HEADER_LENGTH + n;
            flow.sent(n);
            progress = true;
            if (es) {
                ch.eomOut = true;
                mux.endStreamSent(this);
            }
        }
        return progress;
    }

    @Override
    public boolean failed() {
        return failed || closure == Closure.RESET_RECEIVED
                || mux.dead && closure != Closure.END_STREAM && !mux.outlivesConnection(this);
    }

    @Override
    public boolean unprocessed() {
        return unprocessed;
    }

    @Override
    public void detach(boolean reusable) {
        if (detached)
            return;
        detached = true;
        flow.settle();
        mux.streamDetached(this);
    }

    @Override
    public void refuse() {
        refused = true;
        detach(false);
    }

    @Override
    public Connection conn() {
        return mux.conn;
    }

    // ---- stall watchdog / show sess ----

    @Override
    public long progressMark() {
        // DATA received for this stream; the channels' counters (kept by the proxy stream) cover the rest.
        return received * 16 + state.ordinal() * 4 + closure.ordinal();
    }

    @Override
    public boolean holdsWork(boolean expectInput) {
        // Not the connection's output: the streams share it, and a stream's own bytes to send
        // are its channel's (Stream.holdsWork). Deferred credit is owed only while the peer may
        // still send DATA on the stream, and waits for output room, as everything else does
        // while the peer reads nothing.
        if (remoteOpen() && flow.deferred() > 0 && !Endpoint.super.peerBlocksOutput())
            return true;
        // The connection's undecoded input, shared by its streams: work, unless decoding waits
        // on purpose (H2Conn.inputWaits).
        Connection c = mux.conn;
        return expectInput && (c.pendingIn() > 0 || c.unreadInKernel() > 0) && !mux.inputWaits();
    }

    @Override
    public boolean peerBlocksOutput() {
        return flow.sendable() <= 0 || Endpoint.super.peerBlocksOutput();
    }

    @Override
    public void describe(StringBuilder b) {
        b.append("h2s{id=").append(id).append(" st=").append(state);
        if (closure != Closure.NONE) b.append('(').append(closure).append(')');
        b.append(" flags=[");
        int len = b.length();
        if (headReceived) b.append("HEAD_RCVD,");
        if (failed) b.append("FAILED,");
        if (detached) b.append("DETACHED,");
        if (wantOut) b.append("WANT_OUT,");
        if (blockedOnWindow) b.append("BLOCKED_ON_WINDOW,");
        if (b.length() > len) b.setLength(b.length() - 1);
        b.append("] win.send=").append(flow.sendWindow()).append(" win.recv=").append(flow.recvWindow())
                .append(" conn.win.send=").append(flow.connSendWindow())
                .append(" credit.pending=").append(flow.deferred())
                .append(" credited=").append(flow.creditedOut()).append(" data.rcvd=").append(received)
                .append(" conn.dead=").append(mux.dead).append(" conn.streams=").append(mux.activeStreams())
                .append("} ");
        mux.conn.describe(b);
    }

    String debugState() {
        return this + " rx[in=" + rx.bytesIn + " out=" + rx.bytesOut + " pend=" + rx.pending() + " eom=" + rx.eom + "] credited="
                + flow.creditedOut() + " pc=" + flow.deferred() + " rw=" + flow.recvWindow() + " sw=" + flow.sendWindow()
                + (owner != null ? " scb=" + owner.scb.state() + " back=" + owner.scb.endpoint() : "");
    }

    @Override
    public String toString() {
        return "h2s(" + id + "," + state + (closure != Closure.NONE ? "(" + closure + ")" : "") + (failed ? ",failed" : "") + ")";
    }

    /** The peer may still send on this stream (OPEN or HALF_CLOSED_LOCAL). */
    boolean remoteOpen() {
        return state == State.OPEN || state == State.HALF_CLOSED_LOCAL;
    }

    /** We may still send on this stream (OPEN or HALF_CLOSED_REMOTE). */
    boolean localOpen() {
        return state == State.OPEN || state == State.HALF_CLOSED_REMOTE;
    }

    /** Closed by a RST_STREAM, either way. */
    boolean isReset() {
        return closure == Closure.RESET_SENT || closure == Closure.RESET_RECEIVED;
    }
}
