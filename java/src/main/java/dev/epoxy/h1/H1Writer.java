package dev.epoxy.h1;

import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpStatus;
import java.nio.ByteBuffer;

/**
 * Serialises an {@link HttpHead} as an HTTP/1.x head: request line or status line, the header
 * fields in order with names as stored, and the empty line.
 *
 * <p>All or nothing: {@link #write} checks the exact size first and writes nothing if the head does
 * not fit in {@code out.remaining()} (the caller flushes and retries, or fails if even an empty
 * buffer is too small). There is no partial state to resume.
 *
 * <p>The head is written as it is: framing headers (Content-Length, Transfer-Encoding) and
 * Connection are the caller's business (see ConnectionPolicy and BodyFraming). Heads with version
 * 20 (from H2) are written as HTTP/1.1. A response without a reason phrase gets the standard one.
 */
public final class H1Writer {
    private H1Writer() {
    }

    private static final byte[] HTTP10 = {'H', 'T', 'T', 'P', '/', '1', '.', '0'};
    private static final byte[] HTTP11 = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};

    /** Exact number of bytes {@link #write} produces for this head. */
    public static int size(HttpHead h) {
        int n;
        if (h.isRequest()) {
            n = h.methodLength() + 1 + h.targetLength() + 1 + 8 + 2;
        } else {
            n = 8 + 1 + 3 + 1 + reasonLength(h) + 2;
        }
        for (int i = 0; i < h.size(); i++) n += h.nameLength(i) + 2 + h.valueLength(i) + 2;
        return n + 2;
    }

    /**
     * Writes the whole head into {@code out} and returns true, or writes nothing and returns false
     * if it does not fit.
     */
    public static boolean write(HttpHead h, ByteBuffer out) {
        if (out.remaining() < size(h)) return false;
        byte[] a = h.arena();
        byte[] ver = h.version() == 10 ? HTTP10 : HTTP11;
        if (h.isRequest()) {
            out.put(a, h.methodOffset(), h.methodLength()).put((byte) ' ');
            out.put(a, h.targetOffset(), h.targetLength()).put((byte) ' ');
            out.put(ver).put((byte) '\r').put((byte) '\n');
        } else {
            int st = h.status();
            out.put(ver).put((byte) ' ');
            out.put((byte) ('0' + st / 100)).put((byte) ('0' + st / 10 % 10)).put((byte) ('0' + st % 10));
            out.put((byte) ' ');
            if (h.reasonLength() > 0) {
                out.put(a, h.reasonOffset(), h.reasonLength());
            } else {
                putAscii(out, HttpStatus.reason(st));
            }
            out.put((byte) '\r').put((byte) '\n');
        }
        for (int i = 0; i < h.size(); i++) {
            out.put(a, h.nameOffset(i), h.nameLength(i)).put((byte) ':').put((byte) ' ');
            out.put(a, h.valueOffset(i), h.valueLength(i)).put((byte) '\r').put((byte) '\n');
        }
        out.put((byte) '\r').put((byte) '\n');
        return true;
    }

    private static int reasonLength(HttpHead h) {
        return h.reasonLength() > 0 ? h.reasonLength() : HttpStatus.reason(h.status()).length();
    }

    private static void putAscii(ByteBuffer out, String s) {
        for (int k = 0; k < s.length(); k++) out.put((byte) s.charAt(k));
    }
}
