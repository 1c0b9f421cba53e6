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
