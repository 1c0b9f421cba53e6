package dev.epoxy.stream;

/**
 * Where a {@link Stream} is, in the spirit of HAProxy's analysers: each phase has one transition
 * method in {@code Stream} and at most one deadline, set when the phase is entered.
 *
 * <p>The normal path is ROUTE, WAIT_BODY, CONNECT, WAIT_RES, FORWARD_RES, DONE. QUEUE waits for a
 * server slot before CONNECT; TURN_AROUND waits between two connect attempts; an L7 retry goes
 * from WAIT_RES (or FORWARD_RES before the head is sent) back to CONNECT. Any phase may end in
 * LOCAL_REPLY (an error page, redirect, return or stats page, sent before DONE) or go straight to
 * DONE (an abort). The backend {@link StreamConnector}'s state refines CONNECT (ASS, CON, CER,
 * RDY), as HAProxy's stream connector states refine its connect analyser.
 */
public enum Phase {
    /** The request head is in: the stream routes it on its first pass (redirect, return, stats, backend). */
    ROUTE,
    /** A backend is chosen; the server is picked once the request allows ({@code option http-buffer-request}). */
    WAIT_BODY,
    /** Waiting in the server's queue for one of its {@code maxconn} slots. Deadline: {@code timeout queue}. */
    QUEUE,
    /** Taking or opening a server connection and waiting for its confirmation. Deadline: {@code timeout connect}. */
    CONNECT,
    /** The pause after a failed connect before the next attempt. Deadline: the turn-around delay. */
    TURN_AROUND,
    /** Connected: the request goes out and the response head is awaited. Deadline: {@code timeout server}. */
    WAIT_RES,
    /** The final response head is in: the response (and what is left of the request) is forwarded. Deadline: {@code timeout server}. */
    FORWARD_RES,
    /** The response is produced by the proxy (error page, redirect, return, stats); no server side. */
    LOCAL_REPLY,
    /** Logged; both endpoints released, or handed to a tunnel. */
    DONE
}
