package dev.epoxy.stream;

/**
 * The server connection a client session keeps for itself (HAProxy's session list, used with
 * {@code http-reuse never}): at most one, handed back only to a request for the same server.
 * Owner thread only, like the client connection holding it.
 */
public final class SessionServerConn {
    private BackendConn owned;

    /** The kept connection if it goes to {@code srv}; one to another server is closed. */
    public BackendConn take(ServerModel srv) {
        BackendConn c = owned;
        if (c == null)
            return null;
        owned = null;
        if (c.server() == srv)
            return c;
        c.close(false);
        return null;
    }

    /** Keeps {@code c}, closing the one kept before. */
    public void keep(BackendConn c) {
        if (owned != null)
            owned.close(false);
        owned = c;
    }

    /** The client session ends. */
    public void close() {
        if (owned != null) {
            owned.close(false);
            owned = null;
        }
    }
}
