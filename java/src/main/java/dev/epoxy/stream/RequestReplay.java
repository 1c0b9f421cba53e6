package dev.epoxy.stream;

import dev.epoxy.h1.H1Parser;
import dev.epoxy.h1.H1Writer;
import dev.epoxy.http.BodyFraming;
import java.nio.ByteBuffer;

/**
 * A copy of a request as it was before its first send, so an L7 retry can send the same bytes
 * again. Like HAProxy, a request is kept only if it was complete when first sent and its body
 * fits in the channel buffer: a streamed body is never replayed.
 */
final class RequestReplay {
    private final byte[] head;
    private final byte[] body;

    private RequestReplay(byte[] head, byte[] body) {
        this.head = head;
        this.body = body;
    }

    /** The request's copy, or null when it cannot be replayed. */
    static RequestReplay capture(HttpChannel req) {
        if (!req.headIn || req.headOut || !req.eom || req.bytesOut > 0 || req.bytesIn != req.pending())
            return null;
        byte[] h = new byte[H1Writer.size(req.head)];
        H1Writer.write(req.head, ByteBuffer.wrap(h));
        byte[] b = new byte[req.pending()];
        req.data.duplicate().flip().get(b);
        return new RequestReplay(h, b);
    }

    /** Puts the kept request back into the channel, unsent. */
    void restore(HttpChannel req) {
        int version = req.head.version();
        req.reset();
        new H1Parser(head.length + 1, Integer.MAX_VALUE).parseRequest(ByteBuffer.wrap(head), req.head);
        if (version == 20)
            req.head.setVersion(20);
        BodyFraming.request(req.head);
        req.data.put(body);
        req.bytesIn = body.length;
        req.headIn = true;
        req.eom = true;
    }
}
