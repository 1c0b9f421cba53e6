package dev.epoxy.h1;

import dev.epoxy.http.HttpHead;
import java.nio.ByteBuffer;

/**
 * Writes the chunked transfer coding (RFC 9112 §7.1): lower-case hex sizes, CRLF line ends, no
 * extensions. Every method is all-or-nothing on the output buffer: it returns false (or 0) and
 * writes nothing when the bytes do not fit. Stateless and allocation-free.
 */
public final class ChunkedEncoder {
    private ChunkedEncoder() {
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Number of hex digits of {@code size} (at least 1). */
    public static int hexDigits(long size) {
        return size == 0 ? 1 : (64 - Long.numberOfLeadingZeros(size) + 3) / 4;
    }

    /** Bytes of framing around a chunk of {@code size} bytes: "hex CRLF" before, CRLF after. */
    public static int overhead(long size) {
        return hexDigits(size) + 4;
    }

    /** Writes "size-in-hex CRLF" (size must be > 0; use {@link #writeLastChunk} to end). */
    public static boolean writeChunkHeader(ByteBuffer out, long size) {
        if (size <= 0) throw new IllegalArgumentException("chunk size must be positive: " + size);
        int digits = hexDigits(size);
        if (out.remaining() < digits + 2) return false;
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out.put(HEX[(int) (size >>> shift) & 0xf]);
        out.put((byte) '\r').put((byte) '\n');
        return true;
    }

    /** Writes the CRLF that closes a chunk's data. */
    public static boolean writeChunkEnd(ByteBuffer out) {
        if (out.remaining() < 2) return false;
        out.put((byte) '\r').put((byte) '\n');
        return true;
    }

    /**
     * Moves as much of {@code src} as fits into {@code out} as one complete chunk (header, data,
     * CRLF). Returns the payload bytes taken from {@code src}; 0 if {@code src} is empty or not even
     * one payload byte fits with its framing.
     */
    public static int encodeChunk(ByteBuffer src, ByteBuffer out) {
        int n = src.remaining();
        if (n == 0) return 0;
        int room = out.remaining();
        // Largest n with n + overhead(n) <= room. Start from the smallest possible overhead (one
        // hex digit) and step down; the overhead grows by one byte per hex digit, so few steps.
        n = Math.min(n, room - 5);
        while (n > 0 && n + overhead(n) > room) n--;
        if (n <= 0) return 0;
        writeChunkHeader(out, n);
        int lim = src.limit();
        src.limit(src.position() + n);
        out.put(src);
        src.limit(lim);
        out.put((byte) '\r').put((byte) '\n');
        return n;
    }

    /** Bytes {@link #writeLastChunk} needs for these trailers (null or empty: 5). */
    public static int lastChunkSize(HttpHead trailers) {
        int n = 5; // "0\r\n" + "\r\n"
        if (trailers != null) {
            for (int i = 0; i < trailers.size(); i++) n += trailers.nameLength(i) + 2 + trailers.valueLength(i) + 2;
        }
        return n;
    }

    /** Writes the last chunk "0 CRLF", the trailer fields (may be null), and the final CRLF. */
    public static boolean writeLastChunk(ByteBuffer out, HttpHead trailers) {
        if (out.remaining() < lastChunkSize(trailers)) return false;
        out.put((byte) '0').put((byte) '\r').put((byte) '\n');
        if (trailers != null) {
            byte[] a = trailers.arena();
            for (int i = 0; i < trailers.size(); i++) {
                out.put(a, trailers.nameOffset(i), trailers.nameLength(i)).put((byte) ':').put((byte) ' ');
                out.put(a, trailers.valueOffset(i), trailers.valueLength(i)).put((byte) '\r').put((byte) '\n');
            }
        }
        out.put((byte) '\r').put((byte) '\n');
        return true;
    }
}
