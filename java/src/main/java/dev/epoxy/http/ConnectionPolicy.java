package dev.epoxy.http;

/**
 * Connection persistence rules for HTTP/1.x (RFC 9112 §9.3) combined with the proxy mode, and the
 * hop-by-hop header rewriting done when a message crosses the proxy.
 *
 * <p>The two sides are decided independently, as HAProxy does: a server answering
 * "Connection: close" closes the server connection but not the client one, and a client sending
 * "Connection: close" does not stop the server connection from being reused.
 */
public final class ConnectionPolicy {
    private ConnectionPolicy() {
    }

    /**
     * What the sender of this head asked for when it was parsed: HTTP/1.1 persists unless
     * "Connection: close"; HTTP/1.0 persists only with "Connection: keep-alive".
     */
    public static boolean wantsKeepAlive(HttpHead h) {
        return h.persistent();
    }

    /**
     * Whether the client connection may carry another request after this exchange. The response
     * must be self-delimited for the client to find its end; a close-delimited or tunnelled one,
     * or a protocol switch, ends the connection.
     */
    public static boolean clientKeepAlive(HttpHead req, HttpHead resp, ConnectionMode mode) {
        if (mode == ConnectionMode.HTTP_CLOSE) return false;
        if (!wantsKeepAlive(req)) return false;
        return selfDelimited(resp);
    }

    /**
     * Whether the server connection may be reused after this exchange: only in keep-alive mode,
     * if the server agreed and the response body ends on its own. Call it on the response head as
     * parsed, before the client side rewrites its framing.
     */
    public static boolean serverKeepAlive(HttpHead resp, ConnectionMode mode) {
        if (mode != ConnectionMode.KEEP_ALIVE) return false;
        if (!wantsKeepAlive(resp)) return false;
        return selfDelimited(resp);
    }

    private static boolean selfDelimited(HttpHead resp) {
        if (resp.status() == 101) return false;
        BodyKind k = resp.bodyKind();
        return k == BodyKind.NONE || k == BodyKind.LENGTH || k == BodyKind.CHUNKED;
    }

    /** Header names that a Connection option can never remove: they carry framing or routing. */
    private static final String[] PROTECTED = {"Host", "Content-Length", "Transfer-Encoding"};

    private static final String[] HOP_BY_HOP = {"Keep-Alive", "Proxy-Connection", "TE", "Upgrade"};

    /**
     * Removes hop-by-hop fields: Connection, every field it names (except Host, Content-Length and
     * Transfer-Encoding, which a client must not be able to strip this way), Keep-Alive,
     * Proxy-Connection, TE and Upgrade. Transfer-Encoding is framing and is left to the mux.
     */
    public static void stripHopByHop(HttpHead h) {
        int ci;
        while ((ci = h.indexOf("Connection")) >= 0) {
            int p = h.valueOffset(ci);
            int end = p + h.valueLength(ci);
            h.removeAt(ci); // the value bytes stay in the arena, so p..end remains readable
            byte[] a = h.arena();
            for (long el = CommaList.first(a, p, end); el != CommaList.END; el = CommaList.next(a, el, end)) {
                int s = CommaList.start(el);
                int t = CommaList.end(el);
                if (t > s && !isProtected(h, s, t - s)) h.removeNamed(s, t - s);
            }
        }
        for (String n : HOP_BY_HOP) h.remove(n);
    }

    private static boolean isProtected(HttpHead h, int off, int len) {
        for (String n : PROTECTED) {
            if (h.equalsIgnoreCase(off, len, n)) return true;
        }
        return false;
    }

    /**
     * Rewrites a request before it goes to the server: hop-by-hop fields removed ("TE: trailers"
     * put back if the client offered it), then the connection header the mode needs: keep-alive mode asks an HTTP/1.0 server to persist; the
     * close modes ask an HTTP/1.1 server to close.
     */
    public static void prepareRequest(HttpHead req, ConnectionMode mode) {
        stripHopByHop(req);
        String conn = null;
        if (mode == ConnectionMode.KEEP_ALIVE) {
            if (req.version() == 10) conn = "keep-alive";
        } else if (req.version() != 10) {
            conn = "close";
        }
        if (req.teTrailers()) {
            // The client accepts trailers: the one TE token passed on, announced as a connection
            // option as RFC 9110 §10.1.4 requires of a TE sender.
            req.add("TE", "trailers");
            conn = conn == null ? "TE" : conn + ", TE";
        }
        if (conn != null) req.add("Connection", conn);
    }

    /**
     * Rewrites a response before it goes to the client: hop-by-hop fields removed, then
     * "Connection: close" for an HTTP/1.1 client whose connection ends, or "Connection: keep-alive"
     * for an HTTP/1.0 client whose connection persists.
     */
    public static void prepareResponse(HttpHead resp, int clientVersion, boolean clientKeepAlive) {
        stripHopByHop(resp);
        if (clientKeepAlive) {
            if (clientVersion == 10) resp.add("Connection", "keep-alive");
        } else if (clientVersion != 10) {
            resp.add("Connection", "close");
        }
    }
}
