package dev.epoxy.stream;

import dev.epoxy.conn.Connection;

/**
 * One side of a stream as a mux presents it: an H1 connection, or one H2 stream of an H2
 * connection. All calls come from the stream's thread.
 */
public interface Endpoint {
    /** Moves what this side received into {@code ch} (head, body bytes, end of message). True on progress. */
    boolean receive(HttpChannel ch);

    /** Moves what {@code ch} holds out to this side. True on progress. */
    boolean send(HttpChannel ch);

    /** The peer failed or closed before the message was complete. */
    boolean failed();

    /** The peer sent something that is not a valid response (HAProxy's junk-response). */
    default boolean junk() {
        return false;
    }

    /**
     * The peer sent a message body with invalid framing (a bad chunk size, a missing CRLF...):
     * the peer is at fault and the connection cannot carry anything more. {@link #failed()} is
     * true as well.
     */
    default boolean invalid() {
        return false;
    }

    /**
     * The server said it did not process the request: HTTP/2's REFUSED_STREAM, or a GOAWAY whose
     * last stream id is below this stream's. The request may be sent again, whatever its method
     * (RFC 9113 §8.7).
     */
    default boolean unprocessed() {
        return false;
    }

    /** The stream is done with this endpoint; {@code reusable} says its connection may serve another stream. */
    void detach(boolean reusable);

    /**
     * Ends the exchange telling the client its request was not processed and may be retried
     * (HTTP/2 RST_STREAM REFUSED_STREAM). Only called when {@link Stream.Origin#canRefuse()}.
     */
    default void refuse() {
        detach(false);
    }

    /** The transport of this endpoint (for H2, the shared connection). */
    Connection conn();

    /**
     * Progress of this endpoint beyond the channels' body counters (e.g. head bytes): byte counters
     * the I/O path keeps anyway. The default, for endpoints that own their connection, is the
     * connection's socket byte counters; a multiplexed endpoint returns its own.
     */
    default long progressMark() {
        Connection c = conn();
        return c == null ? 0 : c.bytesIn + c.bytesOut;
    }

    /**
     * This endpoint holds data to move (stall watchdog, cold path): output queued in its buffer
     * that the kernel would take now (one poll()), or, when {@code expectInput}, received bytes not
     * yet parsed or bytes the kernel holds unread (one FIONREAD ioctl). Output a peer holds back
     * by not reading is not work: nothing can move it (timeout client bounds that wait).
     */
    default boolean holdsWork(boolean expectInput) {
        Connection c = conn();
        if (c == null)
            return false;
        if (c.outputMovable())
            return true;
        return expectInput && (c.pendingIn() > 0 || c.unreadInKernel() > 0);
    }

    /**
     * The peer forbids sending now (stall watchdog, cold path): its flow control (a closed HTTP/2
     * window), or it does not read: output waits and the kernel takes no more.
     */
    default boolean peerBlocksOutput() {
        Connection c = conn();
        return c != null && c.pendingOut() > 0 && !c.outputMovable();
    }

    /** This endpoint's state on one line (mux state, then its connection and fd). Owner thread only. */
    default void describe(StringBuilder b) {
        Connection c = conn();
        if (c == null)
            b.append("none");
        else
            c.describe(b);
    }

    /**
     * Gives the connection up for a tunnel after a protocol switch (101): the endpoint stops
     * handling it and will never close it. Null when this side cannot (HTTP/2).
     */
    default Connection handOver() {
        return null;
    }

    /** What must run when a tunnel built on the handed-over connection ends (maxconn slots). */
    default Runnable onTunnelClose() {
        return () -> {};
    }
}
