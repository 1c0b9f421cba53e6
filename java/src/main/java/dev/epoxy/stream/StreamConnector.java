package dev.epoxy.stream;

import dev.epoxy.conn.Connection;

/**
 * One side of a {@link Stream}: the link between the stream and an {@link Endpoint}, with
 * HAProxy's connector states.
 *
 * <p>Protocol (all on the stream's thread): the stream moves the backend connector INI, REQ,
 * (TAR after a failed attempt), ASS, CON; only two things may take it out of CON:
 * <ul>
 *   <li>{@link #connectIo}, called from the backend connection's own I/O path (each mux's),
 *       which on the poller's report of the connect always wakes the stream (CON to RDY or CER);
 *   <li>the stream itself, on its connect timeout (CON to CER).
 * </ul>
 * The stream then moves RDY to EST. A lazy forward requested from the other side
 * ({@link #chkSnd}) does nothing unless the connector is already RDY or EST: letting it confirm a
 * connection from the frontend path is HAProxy's seed-2 bug (the stream is never woken and waits
 * for {@code timeout connect}).
 */
public final class StreamConnector {
    public enum State { INI, REQ, QUE, TAR, ASS, CON, CER, CLO, RDY, EST, DIS }

    private final Stream stream;
    /** The channel this side emits: the request for the backend side, the response for the front. */
    private final HttpChannel out;
    private State state = State.INI;
    Endpoint ep;

    StreamConnector(Stream stream, HttpChannel out) {
        this.stream = stream;
        this.out = out;
    }

    public State state() {
        return state;
    }

    void setState(State s) {
        state = s;
    }

    public Endpoint endpoint() {
        return ep;
    }

    /** Lazy forward from the opposite side's I/O path: never confirms a pending connect. */
    public boolean chkSnd() {
        if (state != State.RDY && state != State.EST)
            return false;
        return ep != null && ep.send(out);
    }

    /**
     * The backend connection's own I/O event: while this connector is CON, the outcome of the
     * connect once the poller reported it (RDY or CER, waking the stream), nothing while it is
     * still in progress; true then, the event is consumed. False in any other state: the event
     * is the mux's.
     */
    public boolean connectIo(Connection c) {
        if (state != State.CON)
            return false;
        if (!c.connecting()) {
            if (c.has(Connection.ERROR))
                connectFailed();
            else
                connectConfirmed();
        }
        return true;
    }

    /** The backend connection's own I/O path saw the connect succeed. */
    private void connectConfirmed() {
        if (state == State.CON) {
            state = State.RDY;
            stream.wakeup();
        }
    }

    /** The backend connection's own I/O path saw the connect fail. */
    private void connectFailed() {
        if (state == State.CON) {
            state = State.CER;
            stream.wakeup();
        }
    }

    /** Activity on an established endpoint: let the stream look at it. */
    public void notifyIo() {
        stream.wakeup();
    }

    public Stream stream() {
        return stream;
    }
}
