package dev.epoxy.stream;

import dev.epoxy.proxy.BackendConn;
import dev.epoxy.proxy.Server;
import dev.epoxy.stream.StreamConnector.State;

/**
 * The backend connection of one stream: reuses one the client session owns when it can,
 * otherwise opens a new one, and on release hands it back for reuse or closes it.
 * Owner thread only, like the stream.
 */
public final class ServerConnector {
    private final Stream s;
    private BackendConn conn;
    /** The connection in use was reused rather than opened for this stream. */
    public boolean reused;

    ServerConnector(Stream s) {
        this.s = s;
    }

    /**
     * Attaches a connection to {@code srv}. A reused connection is already established, so the
     * stream itself moves the connector to RDY; a new one stays in ASS until the caller marks
     * it CON and the poller confirms it. Returns false when no socket could be created.
     */
    boolean connect(Server srv) {
        BackendConn c = s.origin.takeOwnedServerConn(srv);
        if (c != null && !c.reusable()) {
            c.close(true);
            c = null;
        }
        reused = c != null;
        if (c == null) {
            c = srv.open(s.poller);
            if (c == null)
                return false;
        }
        conn = c;
        s.scb.ep = c.attach(s.scb);
        if (reused)
            s.scb.setState(State.RDY);
        return true;
    }

    /** Drops the connection without reuse (errors, retries). */
    void abort() {
        if (conn != null) {
            conn.close(true);
            conn = null;
            s.scb.ep = null;
        }
    }

    /** The exchange is over: keep the connection for the session if it is clean, else close it. */
    void release(boolean clean) {
        if (conn == null)
            return;
        BackendConn c = conn;
        conn = null;
        s.scb.ep.detach(clean);
        s.scb.ep = null;
        s.scb.setState(State.DIS);
        if (clean && c.reusable())
            s.origin.keepServerConn(c);
        else
            c.close(false);
    }

    public BackendConn current() {
        return conn;
    }
}
