package dev.epoxy.stream;

import dev.epoxy.http.BodyFraming;

/**
 * A copy of a request as it was before its first send, so an L7 retry can send the same bytes
 * again. Like HAProxy, a request is kept only if it was complete when first sent and its body
 * fits in the channel buffer: a streamed body is never replayed. The head is kept as bytes by a
 * {@link RequestCodec} and read back as a new head, as if parsed again.
 */
final class RequestReplay {
    private final RequestCodec codec;
    private final byte[] head;
    private final byte[] body;

    private RequestReplay(RequestCodec codec, byte[] head, byte[] body) {
        this.codec = codec;
        this.head = head;
        this.body = body;
    }

    /** The request's copy, or null when it cannot be replayed. */
    static RequestReplay capture(HttpChannel req, RequestCodec codec) {
        if (!req.headIn || req.headOut || !req.eom || req.bytesOut > 0 || req.bytesIn != req.pending())
            return null;
        byte[] h = codec.encode(req.head);
        byte[] b = new byte[req.pending()];
        req.data.duplicate().flip().get(b);
        return new RequestReplay(codec, h, b);
    }

    /** Puts the kept request back into the channel, unsent. */
    void restore(HttpChannel req) {
        int version = req.head.version();
        req.reset();
        codec.decode(head, req.head);
        if (version == 20)
            req.head.setVersion(20);
        BodyFraming.request(req.head);
        req.data.put(body);
        req.bytesIn = body.length;
        req.headIn = true;
        req.eom = true;
    }
}
