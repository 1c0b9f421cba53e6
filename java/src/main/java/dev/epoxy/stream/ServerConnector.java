package dev.epoxy.stream;

import dev.epoxy.config.ReuseMode;
import dev.epoxy.stream.StreamConnector.State;

/**
 * The backend connection of one stream, chosen with HAProxy's {@code http-reuse} rules: the
 * client session's own connection first, then (unless {@code never}) a multiplexed connection
 * of this thread in use with room for another stream (any request may join one: a connection
 * carrying other streams is known alive), then an idle one of the server (this thread's, else
 * taken over from another thread), else a new one. On release a clean connection goes back to
 * the session ({@code never}) or to the server's idle pools; a multiplexed one only once its
 * last stream left, and a failed stream leaves it to the others.
 * Owner thread only, like the stream.
 */
public final class ServerConnector {
    private final Stream s;
    private BackendConn conn;
    /** The connection in use was reused rather than opened for this stream. */
    public boolean reused;
    /** The next connects must not reuse an idle connection (set by an L7 retry after a reused one failed). */
    boolean fresh;

    ServerConnector(Stream s) {
        this.s = s;
    }

    /** The connection in use may refuse the request unprocessed ({@link BackendConn#mayRefuse()}). */
    boolean mayRefuse() {
        return conn != null && conn.mayRefuse();
    }

    /**
     * Attaches a connection to {@code srv}. A reused connection is already established, so the
     * stream itself moves the connector to RDY; a new one stays in ASS until the caller marks
     * it CON and the poller confirms it. Returns false when no socket could be created.
     */
    boolean connect(ServerModel srv) {
        BackendConn c = fresh ? null : s.origin.takeOwnedServerConn(srv);
        if (c != null && !c.reusable()) {
            c.close(true);
            c = null;
        }
        BackendModel be = srv.backend();
        // A first HTTP/1 request that could not be sent again (its body is not all here yet)
        // goes on a new connection whatever the mode: on a reused one the server may have
        // closed, neither a resend nor the client (no silent close for a first request) could
        // save it.
        boolean mayReuse = be.reuse != ReuseMode.NEVER && !fresh
                && !(s.origin.firstRequest() && !(s.req.eom && s.req.bytesIn == s.req.pending()));
        boolean shared = false;
        if (c == null && mayReuse)
            shared = (c = srv.pools.takeAvail(s.poller)) != null;
        if (c == null && mayReuse) {
            // HAProxy's selection table: first requests are careful unless retries make it safe.
            boolean first = s.origin.firstRequest() && !be.retrySafe();
            if (!first)
                c = srv.pools.take(s.poller, false, false);
            else if (be.reuse == ReuseMode.AGGRESSIVE)
                c = srv.pools.take(s.poller, true, true);
            else if (be.reuse == ReuseMode.ALWAYS)
                c = srv.pools.take(s.poller, false, true);
            while (c != null && !c.reusable()) {
                c.close(true);
                c = srv.pools.take(s.poller, false, false);
            }
        }
        reused = c != null;
        if (c == null) {
            c = srv.open(s.poller);
            if (c == null)
                return false;
        }
        conn = c;
        if (!shared)
            srv.pools.acquired();
        s.scb.ep = c.attach(s.scb);
        if (reused)
            s.scb.setState(State.RDY);
        return true;
    }

    /**
     * Drops the connection without reuse (errors, retries); a multiplexed one only drops the
     * stream (reset) and stays with the others.
     */
    void abort() {
        if (conn == null)
            return;
        if (conn.multiplexed()) {
            release(false);
            return;
        }
        conn.server().pools.released();
        conn.close(true);
        conn = null;
        s.scb.ep = null;
    }

    /** The exchange is over: keep the connection if it is clean, else close it. */
    void release(boolean clean) {
        if (conn == null)
            return;
        BackendConn c = conn;
        conn = null;
        s.scb.ep.detach(clean);
        s.scb.ep = null;
        s.scb.setState(State.DIS);
        if (c.busy())
            return; // the other streams keep it
        c.server().pools.released();
        // A multiplexed connection outlives a failed stream (reset alone); its own state says.
        if (!clean && !c.multiplexed() || !c.reusable())
            c.close(false);
        else if (c.server().backend().reuse == ReuseMode.NEVER)
            s.origin.keepServerConn(c);
        else if (!c.server().pools.add(s.poller, c, c.safe()))
            c.close(false);
    }

    /** The server connection leaves the stream for a tunnel (after a 101); never pooled. */
    dev.epoxy.conn.Connection handOver() {
        BackendConn c = conn;
        conn = null;
        c.server().pools.released();
        dev.epoxy.conn.Connection x = s.scb.ep.handOver();
        s.scb.ep = null;
        s.scb.setState(State.DIS);
        return x;
    }

    public BackendConn current() {
        return conn;
    }
}
