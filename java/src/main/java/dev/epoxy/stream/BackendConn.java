package dev.epoxy.stream;

import dev.epoxy.conn.Connection;

/** A connection to a server, as seen by the code that picks, reuses and pools them. */
public interface BackendConn {
    ServerModel server();

    Connection connection();

    /** Still usable: open, no error, no unexpected input while idle, server agreed to keep it. */
    boolean reusable();

    /** Has served more than one request: the server is known to keep it alive (HAProxy's "safe"). */
    boolean safe();

    /**
     * The server may refuse a request unprocessed (HTTP/2's REFUSED_STREAM or GOAWAY,
     * {@link Endpoint#unprocessed()}): a copy of the request is kept to send it again.
     */
    default boolean mayRefuse() {
        return false;
    }

    /**
     * Carries several streams at once (HTTP/2): a failed or aborted stream leaves the connection
     * to the others, and it is pooled or closed once the last one left ({@link #busy()}).
     */
    default boolean multiplexed() {
        return false;
    }

    /** Multiplexed: streams other than the one just detached still use it. */
    default boolean busy() {
        return false;
    }

    /** Multiplexed: in use, and may take one more stream now. */
    default boolean acceptsStream() {
        return false;
    }

    /**
     * May be taken over by another thread while idle ({@link IdlePools}); false for a connection
     * whose timers and tasks belong to its poller (HTTP/2).
     */
    default boolean movable() {
        return true;
    }

    /** Binds the connection to a stream's backend connector and returns its endpoint. */
    Endpoint attach(StreamConnector sc);

    /** Closes it (abortively when {@code abort}). Owner thread only. */
    void close(boolean abort);

    /** When it became idle, in the poller clock (for the purge). */
    long idleSince();

    void idleSince(long ms);
}
