package dev.epoxy.stream;

import java.util.function.BooleanSupplier;

/**
 * One client connection as its streams see it ({@link Stream.Origin}), for the HTTP/1 and the
 * HTTP/2 front mux alike: the frontend, the client's address, how many requests it started, and
 * the server connection it keeps for itself ({@code http-reuse never}). The two protocols differ
 * only where {@code multiplexed} says: an HTTP/2 connection's streams are never its first request
 * (as in HAProxy) and can be refused for a retry (REFUSED_STREAM).
 *
 * <p>Threading: the client connection's owner thread only, like the mux that holds it.
 */
public final class ClientSession implements Stream.Origin {
    private final FrontendModel fe;
    private final String clientAddr;
    private final int clientPort;
    private final boolean multiplexed;
    /** The client connection is over (or closing): a server connection offered then is not kept. */
    private final BooleanSupplier ended;
    private final SessionServerConn owned = new SessionServerConn();
    private int requests;

    public ClientSession(FrontendModel fe, String clientAddr, int clientPort, boolean multiplexed, BooleanSupplier ended) {
        this.fe = fe;
        this.clientAddr = clientAddr;
        this.clientPort = clientPort;
        this.multiplexed = multiplexed;
        this.ended = ended;
    }

    /** A request of this connection becomes a stream. */
    public void requestStarted() {
        requests++;
    }

    /** Requests that became streams so far. */
    public int requests() {
        return requests;
    }

    /** The connection ends: the kept server connection is closed. */
    public void close() {
        owned.close();
    }

    @Override
    public FrontendModel frontend() {
        return fe;
    }

    @Override
    public String clientAddr() {
        return clientAddr;
    }

    @Override
    public int clientPort() {
        return clientPort;
    }

    /** Like HAProxy, streams of a multiplexed connection are never treated as a connection's first request. */
    @Override
    public boolean firstRequest() {
        return !multiplexed && requests <= 1;
    }

    @Override
    public boolean canRefuse() {
        return multiplexed;
    }

    @Override
    public BackendConn takeOwnedServerConn(ServerModel srv) {
        return owned.take(srv);
    }

    @Override
    public void keepServerConn(BackendConn c) {
        if (ended.getAsBoolean()) {
            c.close(false);
            return;
        }
        owned.keep(c);
    }
}
