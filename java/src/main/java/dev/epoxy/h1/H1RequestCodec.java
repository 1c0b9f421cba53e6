package dev.epoxy.h1;

import dev.epoxy.http.HttpHead;
import dev.epoxy.stream.RequestCodec;
import java.nio.ByteBuffer;

/**
 * A request head kept for an L7 retry as HTTP/1 bytes: written by {@link H1Writer}, read back by
 * {@link H1Parser} without the header-count limit (the request was already accepted once).
 */
public final class H1RequestCodec implements RequestCodec {
    public static final H1RequestCodec INSTANCE = new H1RequestCodec();

    private H1RequestCodec() {}

    @Override
    public byte[] encode(HttpHead head) {
        byte[] h = new byte[H1Writer.size(head)];
        H1Writer.write(head, ByteBuffer.wrap(h));
        return h;
    }

    @Override
    public void decode(byte[] bytes, HttpHead into) {
        new H1Parser(bytes.length + 1, Integer.MAX_VALUE).parseRequest(ByteBuffer.wrap(bytes), into);
    }
}
