package dev.epoxy.h1;

import dev.epoxy.stream.HttpChannel;
import java.nio.ByteBuffer;

/**
 * Moves decoded body bytes from a channel to a connection's output buffer, framing them as they
 * go: raw (content-length or close-delimited) or chunked. Marks the channel's end of message
 * once the last byte (and, when chunked, the last chunk) is written.
 */
final class H1BodyWriter {
    /** Largest chunk framing: 8 hex digits, CRLF, CRLF. */
    private static final int CHUNK_OVERHEAD = 12;
    private boolean chunked;

    void start(boolean chunked) {
        this.chunked = chunked;
    }

    /** The body goes out as it is (content-length or close-delimited), without chunk framing. */
    boolean raw() {
        return !chunked;
    }

    /** Returns true if anything was written. */
    boolean write(HttpChannel ch, ByteBuffer out) {
        boolean progress = false;
        int pending = ch.pending();
        if (pending > 0) {
            if (!chunked) {
                progress = ch.take(out, pending) > 0;
            } else if (out.remaining() > CHUNK_OVERHEAD) {
                int n = Math.min(pending, out.remaining() - CHUNK_OVERHEAD);
                ChunkedEncoder.writeChunkHeader(out, n);
                ch.take(out, n);
                ChunkedEncoder.writeChunkEnd(out);
                progress = true;
            }
        }
        if (ch.eom && ch.pending() == 0 && ch.piped() == 0 && !ch.eomOut) {
            if (chunked && !ChunkedEncoder.writeLastChunk(out, null))
                return progress;
            ch.eomOut = true;
            progress = true;
        }
        return progress;
    }
}
