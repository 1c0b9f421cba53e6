package dev.epoxy.stream;

/**
 * Why a {@link Stream} ended, with the two characters HAProxy's log shows for it (its
 * termination state: the cause, SF_ERR_*, then the stage the stream was in, SF_FINST_*). Several
 * reasons share their characters; the names say what happened, the characters what HAProxy logs.
 */
public enum Termination {
    /** A normal end: the response went out whole. */
    NONE('-', '-'),
    /** A redirect, {@code http-request return} or stats page answered by the proxy (LR). */
    INTERCEPTED('L', 'R'),
    /** 503: the backend has no server, or none usable (HAProxy 2.6 logs SC). */
    NO_SERVER('S', 'C'),
    /** 503: the last connect attempt failed. */
    CONNECT_FAILED('S', 'C'),
    /** 503: the last connect attempt timed out. */
    CONNECT_TIMEOUT('s', 'C'),
    /** 503: {@code timeout queue} passed before a server slot was free. */
    QUEUE_TIMEOUT('s', 'Q'),
    /** 502: the server closed or reset before a response head. */
    SERVER_CLOSED('S', 'H'),
    /**
     * The server did not take the request (a reused connection closed without a response or
     * with a 408, or an HTTP/2 server's refusal) and it was not sent again: REFUSED_STREAM to
     * the HTTP/2 client, logged.
     */
    STALE_REFUSED('S', 'H'),
    /** The same for a not-first HTTP/1 request: a silent close, not logged (HAProxy's abort_keep_alive). */
    STALE_SILENT('S', 'H', false),
    /** 502: the response head or its body framing was invalid and blocked by the proxy. */
    BAD_RESPONSE('P', 'H'),
    /** The server closed or failed after the response head went out. */
    SERVER_ABORT('S', 'D'),
    /** 504: {@code timeout server} before the response head went out. */
    SERVER_TIMEOUT('s', 'H'),
    /** {@code timeout server} after the response head went out. */
    SERVER_TIMEOUT_DATA('s', 'D'),
    /** 400: invalid request body framing, found before the head went to a server. */
    BAD_REQUEST_BODY('P', 'R'),
    /** 400: invalid request body framing, found after the head went to the server. */
    BAD_REQUEST_BODY_SENT('P', 'H'),
    /** Invalid request body framing once the response had started: both sides aborted. */
    BAD_REQUEST_BODY_ANSWERED('P', 'D'),
    // The client closed (C) or timed out (c), and the administrator killed the stream (K), in
    // the stage given by Stream.clientStage().
    CLIENT_ABORT_REQUEST('C', 'R'),
    CLIENT_ABORT_QUEUE('C', 'Q'),
    CLIENT_ABORT_CONNECT('C', 'C'),
    CLIENT_ABORT_HEADERS('C', 'H'),
    CLIENT_ABORT_DATA('C', 'D'),
    CLIENT_TIMEOUT_REQUEST('c', 'R'),
    CLIENT_TIMEOUT_QUEUE('c', 'Q'),
    CLIENT_TIMEOUT_CONNECT('c', 'C'),
    CLIENT_TIMEOUT_HEADERS('c', 'H'),
    CLIENT_TIMEOUT_DATA('c', 'D'),
    KILLED_CONNECT('K', 'C'),
    KILLED_HEADERS('K', 'H'),
    KILLED_DATA('K', 'D'),
    // HAProxy's I: the proxy's own code failed (a bug, logged with its stack trace), in the stage
    // given as for K.
    INTERNAL_CONNECT('I', 'C'),
    INTERNAL_HEADERS('I', 'H'),
    INTERNAL_DATA('I', 'D');

    private static final Termination[] ALL = values();

    /** HAProxy's termination state: who or what ended the stream, and in which stage. */
    public final char cause, stage;
    /** The stream is logged (all but HAProxy's silent abort of a keep-alive request). */
    public final boolean logged;

    Termination(char cause, char stage) {
        this(cause, stage, true);
    }

    Termination(char cause, char stage, boolean logged) {
        this.cause = cause;
        this.stage = stage;
        this.logged = logged;
    }

    /** The client closed in {@code stage} (R, Q, C, H or D). */
    static Termination clientAbort(char stage) {
        return find('C', stage);
    }

    /** The client's inactivity timeout in {@code stage}. */
    static Termination clientTimeout(char stage) {
        return find('c', stage);
    }

    /** Killed by the runtime API in {@code stage} (C, H or D). */
    static Termination killed(char stage) {
        return find('K', stage);
    }

    static Termination internal(char stage) {
        return find('I', stage);
    }

    private static Termination find(char cause, char stage) {
        for (Termination t : ALL)
            if (t.cause == cause && t.stage == stage)
                return t;
        throw new IllegalArgumentException(cause + "" + stage);
    }

    /** The client closed or timed out (counted as a client abort). */
    public boolean byClient() {
        return cause == 'C' || cause == 'c';
    }

    /** The server side failed or timed out once data flowed (counted as a server abort). */
    public boolean serverAbortInData() {
        return (cause == 'S' || cause == 's') && stage == 'D';
    }

    /** The client gave up while the stream waited in a server's queue (HAProxy logs {@code <NOSRV>}). */
    public boolean clientLeftQueue() {
        return byClient() && stage == 'Q';
    }

    /** The client's request body had invalid framing: a 400, or an abort once answering. */
    public boolean badRequestBody() {
        return this == BAD_REQUEST_BODY || this == BAD_REQUEST_BODY_SENT || this == BAD_REQUEST_BODY_ANSWERED;
    }
}
