package dev.epoxy.h2;

/**
 * The flow control of one HTTP/2 stream, both directions (RFC 9113 section 6.9), so that the
 * stream and its connection ask it instead of doing window arithmetic on their own fields.
 *
 * <p>Send side: the peer's credit to us, the stream's {@link FlowWindow} together with the
 * connection's send window (shared by every stream of the connection, passed in): what may be
 * sent is the smaller of the two, and what is sent is taken from both.
 *
 * <p>Receive side: the window we granted the peer, and the credit we give back. We credit only
 * bytes the consumer drained from the channel the stream's DATA goes to (plus padding), so the
 * window never exceeds that channel's free room (the backpressure). Drained bytes are credited
 * once {@link #CREDIT_THRESHOLD} of them gathered or the channel is empty; credit that found no
 * output room for its WINDOW_UPDATE is {@link #defer deferred} and due again at the next look.
 *
 * <p>{@link #settle} ends the flow when the proxy is done with the stream (detach, reset,
 * close): deferred credit is dropped, because the stream is then reset or needs no more DATA,
 * and nothing is credited after it. The connection's receive window needs nothing back from a
 * stream: {@link H2Conn#onData} counts every DATA frame towards the connection's credit as it
 * arrives, before the stream is even looked up, so a stream that ends early never holds
 * connection-level credit (H2NoLossTest, H2RapidResetTest).
 *
 * <p>Not thread-safe: owned by the connection's mux thread, like the stream.
 */
final class StreamFlow {
    /** Credit the peer once this many bytes left the channel (or when it is empty). */
    static final int CREDIT_THRESHOLD = 16384;

    private final FlowWindow send;
    private final FlowWindow connSend;
    private final FlowWindow recv;
    /** Drained bytes of the channel already credited (or deferred), compared with its bytesOut. */
    private long creditedOut;
    /** Credit due whose WINDOW_UPDATE found no output room. */
    private int deferred;
    private boolean settled;

    /**
     * @param id          the stream
     * @param recvInitial the window we grant the peer (fits the channel the DATA goes to)
     * @param sendInitial the peer's SETTINGS_INITIAL_WINDOW_SIZE
     * @param connSend    the connection's send window, shared by its streams
     */
    StreamFlow(int id, int recvInitial, int sendInitial, FlowWindow connSend) {
        this.send = new FlowWindow(id, sendInitial);
        this.recv = new FlowWindow(id, recvInitial);
        this.connSend = connSend;
    }

    void renumber(int id) {
        send.renumber(id);
        recv.renumber(id);
    }

    // ---- send side

    /** Bytes of DATA that may be sent now: within both the stream's and the connection's window. */
    int sendable() {
        return Math.min(send.available(), connSend.available());
    }

    /** {@code n} bytes of DATA went out: taken from both windows ({@code n <= sendable()}). */
    void sent(int n) {
        try {
            send.consume(n);
            connSend.consume(n);
        } catch (H2Exception e) {
            throw new IllegalStateException(e); // n was within both windows
        }
    }

    /** The peer's WINDOW_UPDATE on this stream. */
    void peerCredit(int increment) throws H2Exception {
        send.credit(increment);
    }

    /**
     * The peer changed SETTINGS_INITIAL_WINDOW_SIZE by {@code delta}.
     *
     * @return whether the stream's send window is now open (positive)
     */
    boolean peerInitialWindowChanged(long delta) throws H2Exception {
        send.applyInitialWindowDelta(delta);
        return send.size() > 0;
    }

    // ---- receive side

    /** A DATA frame of {@code flowLength} bytes (padding included) arrived on the stream. */
    void received(int flowLength) throws H2Exception {
        recv.consume(flowLength);
    }

    /**
     * What to credit the peer now, given how many bytes the consumer has drained from the
     * channel in all ({@code drainedTotal}) and how many it still holds: the deferred credit,
     * plus the drained bytes once {@link #CREDIT_THRESHOLD} of them gathered or the channel is
     * empty. Returns 0 when nothing is due; otherwise the caller owes a WINDOW_UPDATE and reports
     * it with {@link #granted} or {@link #defer}.
     */
    int creditDue(long drainedTotal, int stillHeld) {
        if (settled)
            return 0;
        long drained = drainedTotal - creditedOut;
        if (deferred > 0 || drained > 0 && (drained >= CREDIT_THRESHOLD || stillHeld == 0)) {
            creditedOut = drainedTotal;
            int n = (int) drained + deferred;
            deferred = 0;
            return n;
        }
        return 0;
    }

    /** A WINDOW_UPDATE of {@code n} went out: the peer may send that much more. */
    void granted(int n) {
        try {
            recv.credit(n);
        } catch (H2Exception e) {
            throw new IllegalStateException(e); // we never credit beyond what was consumed
        }
    }

    /** Credit of {@code n} found no output room: due again at the next {@link #creditDue}. */
    void defer(int n) {
        if (!settled)
            deferred += n;
    }

    /** Credit owed to the peer and waiting for output room. */
    int deferred() {
        return deferred;
    }

    /**
     * The proxy is done with the stream (detached; it is reset, or needs no more DATA): drops
     * the deferred credit and credits nothing more. The connection window is owed nothing (see
     * the class comment). Idempotent.
     */
    void settle() {
        settled = true;
        deferred = 0;
    }

    boolean settled() {
        return settled;
    }

    // ---- show sess / debug

    long sendWindow() {
        return send.size();
    }

    long connSendWindow() {
        return connSend.size();
    }

    long recvWindow() {
        return recv.size();
    }

    long creditedOut() {
        return creditedOut;
    }

    @Override
    public String toString() {
        return "StreamFlow[send=" + send.size() + " conn.send=" + connSend.size() + " recv=" + recv.size()
                + " credited=" + creditedOut + " deferred=" + deferred + (settled ? " settled" : "") + "]";
    }
}
