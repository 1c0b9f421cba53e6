package dev.epoxy.stream;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of a message the proxy refused (a request answered 400 by the parser, a response
 * turned into 502), kept as HAProxy keeps them for {@code show errors}: the last one per frontend
 * (requests) and per backend (responses).
 *
 * <p>Threading: a snapshot is immutable once built; the poller thread that refused the message
 * builds it and publishes it through a volatile field of the proxy, which any thread may read.
 * The event counter is atomic.
 */
public final class ErrorSnapshot {
    /** At most this many bytes are kept (HAProxy keeps one buffer's worth). */
    public static final int MAX_BYTES = 16384;
    private static final AtomicLong EVENTS = new AtomicLong();

    public final long whenMs;
    public final boolean request;
    public final String frontend, backend, server;
    public final int frontendId, backendId, serverId;
    public final String src;
    public final long event;
    public final byte[] bytes;
    /** Offset in {@link #bytes} where the parser stopped, or -1. */
    public final int errorAt;
    public final int bufSize;

    private ErrorSnapshot(boolean request, String frontend, int frontendId, String backend, int backendId, String server,
            int serverId, String src, ByteBuffer buf, int errorAt, int bufSize) {
        this.whenMs = System.currentTimeMillis();
        this.request = request;
        this.frontend = frontend;
        this.frontendId = frontendId;
        this.backend = backend;
        this.backendId = backendId;
        this.server = server;
        this.serverId = serverId;
        this.src = src;
        this.event = EVENTS.getAndIncrement();
        int n = Math.min(buf.remaining(), MAX_BYTES);
        this.bytes = new byte[n];
        buf.get(buf.position(), bytes, 0, n);
        this.errorAt = errorAt;
        this.bufSize = bufSize;
    }

    /** Errors captured so far in this process (HAProxy's "Total events captured"). */
    public static long total() {
        return EVENTS.get();
    }

    /** Keeps an invalid request (the unparsed bytes of {@code buf} from its position) on its frontend. */
    public static void request(FrontendModel fe, String addr, int port, ByteBuffer buf, int errorAt) {
        fe.lastRequestError = new ErrorSnapshot(true, fe.name, fe.id, null, -1, null, -1, addr + ":" + port, buf,
                errorAt, fe.bufSize);
    }

    /** Keeps an invalid response from {@code srv} on its backend. */
    public static void response(FrontendModel fe, ServerModel srv, String addr, int port, ByteBuffer buf, int errorAt) {
        BackendModel be = srv.backend();
        be.lastResponseError = new ErrorSnapshot(false, fe != null ? fe.name : null, fe != null ? fe.id : -1, be.name,
                be.id, srv.name, srv.id, addr + ":" + port, buf, errorAt, be.bufSize);
    }
}
