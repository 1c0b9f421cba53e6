package dev.epoxy.h1;

import dev.epoxy.stream.HttpChannel;
import java.nio.ByteBuffer;

/**
 * Moves decoded body bytes from a channel to a connection's output buffer, framing them as they
 * go: raw (content-length or close-delimited) or chunked. Marks the channel's end of message
 * once the last byte (and, when chunked, the last chunk) is written.
 */
final class H1BodyWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int CHUNK_OVERHEAD = 8 + 2 + 2; // up to 8 hex digits, CRLF, CRLF
    private boolean chunked;

    void start(boolean chunked) {
        this.chunked = chunked;
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
                putHex(out, n);
                out.put((byte) '\r').put((byte) '\n');
                ch.take(out, n);
                out.put((byte) '\r').put((byte) '\n');
                progress = true;
            }
        }
        if (ch.eom && ch.pending() == 0 && !ch.eomOut) {
            if (chunked) {
                if (out.remaining() < 5)
                    return progress;
                out.put((byte) '0').put((byte) '\r').put((byte) '\n').put((byte) '\r').put((byte) '\n');
            }
            ch.eomOut = true;
            progress = true;
        }
        return progress;
    }

    private static void putHex(ByteBuffer out, int n) {
        int shift = 28;
        while (shift > 0 && (n >>> shift) == 0)
            shift -= 4;
        for (; shift >= 0; shift -= 4)
            out.put(HEX[(n >>> shift) & 0xf]);
    }
}
