package dev.epoxy.stream;

import dev.epoxy.http.HttpHead;
import java.util.ArrayDeque;

/**
 * A copy of a request as it was before its first send, so an L7 retry can send the same request
 * again. Like HAProxy, a request is kept only if it was complete when first sent and its body
 * fits in the channel buffer: a streamed body is never replayed.
 *
 * <p>Every request that goes to a reused connection is kept (the server may have closed it while
 * idle), so with keep-alive that is every request: the copies are pooled per thread, a copy of
 * the head ({@link HttpHead#copyFrom}) and of the body into storage kept from earlier requests
 * allocates nothing once warm, and no connection holds one between requests. (A copy encoded as
 * HTTP/1 bytes and parsed back was a quarter of the bytes allocated per keep-alive request.)
 */
final class RequestReplay {
    private static final int POOL_MAX = 64;
    /** Body storage kept by a pooled copy; larger bodies' is dropped when the copy goes back. */
    private static final int BODY_KEEP = 4096;
    private static final byte[] NO_BYTES = new byte[0];
    private static final ThreadLocal<ArrayDeque<RequestReplay>> POOL = ThreadLocal.withInitial(ArrayDeque::new);

    private final HttpHead head = new HttpHead();
    private byte[] body = NO_BYTES;
    private int bodyLen;

    private RequestReplay() {}

    /** The request's copy, or null when it cannot be replayed; {@link #release} it when done. */
    static RequestReplay capture(HttpChannel req) {
        if (!req.headIn || req.headOut || !req.eom || req.bytesOut > 0 || req.bytesIn != req.pending())
            return null;
        RequestReplay r = POOL.get().poll();
        if (r == null)
            r = new RequestReplay();
        r.head.copyFrom(req.head);
        int n = req.pending();
        if (r.body.length < n)
            r.body = new byte[n];
        req.data.get(0, r.body, 0, n);
        r.bodyLen = n;
        return r;
    }

    /** Puts the kept request back into the channel, unsent. */
    void restore(HttpChannel req) {
        req.reset();
        req.head.copyFrom(head);
        req.data.put(body, 0, bodyLen);
        req.bytesIn = bodyLen;
        req.headIn = true;
        req.eom = true;
    }

    /** The stream is done with it: back to this thread's pool. */
    void release() {
        if (body.length > BODY_KEEP)
            body = NO_BYTES;
        ArrayDeque<RequestReplay> pool = POOL.get();
        if (pool.size() < POOL_MAX)
            pool.add(this);
    }
}
