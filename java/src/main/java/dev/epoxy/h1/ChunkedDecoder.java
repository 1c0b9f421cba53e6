package dev.epoxy.h1;

import dev.epoxy.http.HttpChars;
import dev.epoxy.http.HttpHead;
import java.nio.ByteBuffer;

/**
 * Incremental decoder for the chunked transfer coding (RFC 9112 §7.1): chunk-size lines with
 * optional extensions (skipped), chunk data, the last chunk, the trailer section (kept in an
 * {@link HttpHead} or skipped) and the final empty line. Input may be split anywhere.
 *
 * <p>Payload is never copied by the decoder itself. The low-level loop is:
 * <pre>
 *   int r = dec.next(in);          // eats framing bytes from in
 *   if (r &gt; 0) {                  // r payload bytes start at in.position()
 *       ... copy k &lt;= r bytes ...
 *       dec.consume(in, k);        // advances in and the chunk
 *   } else if (r == NEED_MORE) ... // read more input
 *   else if (r == DONE) ...        // message complete; in.position() is just past it
 *   else ...                       // ERROR: errorReason() says why; close the connection
 * </pre>
 * {@link #decode(ByteBuffer, ByteBuffer)} does that loop, copying payload into an output buffer.
 *
 * <p>Errors: non-hex or missing chunk size, size above 2^62, control characters in extensions,
 * anything other than CRLF after a size line or after chunk data (a bare LF too: HAProxy 3.4
 * refuses it there, since proxies that disagree on it can be made to split one body into two
 * requests; in trailers, as in heads, a bare LF ends a line), malformed trailer fields, obs-fold
 * in trailers, and a trailer section above {@code maxTrailerSize} bytes.
 *
 * <p>One decoder per message direction; {@link #reset()} before the next message. Not thread-safe.
 */
public final class ChunkedDecoder {
    /** {@link #next}: framing consumed, all input used, payload not yet available. */
    public static final int NEED_MORE = 0;
    /** {@link #next} / {@link #decode}: last chunk and trailers consumed. */
    public static final int DONE = -1;
    /** {@link #next} / {@link #decode}: invalid chunked framing. */
    public static final int ERROR = -2;
    /** {@link #decode}: input exhausted before the end of the message. */
    public static final int NEED_INPUT = -3;
    /** {@link #decode}: output buffer full while payload remains. */
    public static final int OUTPUT_FULL = -4;

    /** Largest chunk size accepted (as HAProxy: anything above 2^62 is an attack or a bug). */
    public static final long MAX_CHUNK_SIZE = 1L << 62;

    private static final int SIZE_START = 0;
    private static final int SIZE = 1;
    private static final int SIZE_WS = 2;
    private static final int EXT = 3;
    private static final int SIZE_CR = 4;
    private static final int DATA = 5;
    private static final int DATA_END = 6;
    private static final int DATA_CR = 7;
    private static final int TRAILER_START = 8;
    private static final int TRAILER_NAME = 9;
    private static final int TRAILER_VALUE = 10;
    private static final int TRAILER_CR = 11;
    private static final int END_CR = 12;
    private static final int S_DONE = 13;
    private static final int S_ERROR = 14;

    private final int maxTrailerSize;
    private int state = SIZE_START;
    private long size;          // chunk size being parsed, then bytes left in the current chunk
    private int trailerBytes;   // bytes of trailer section seen so far
    private String errorReason;

    private HttpHead trailers;  // where kept trailer fields go, or null to skip them
    private byte[] line;        // current trailer line when keeping them (allocated once)
    private int lineLen;
    private int colon;          // index of ':' in line

    /** @param maxTrailerSize upper bound for the whole trailer section, e.g. tune.bufsize */
    public ChunkedDecoder(int maxTrailerSize) {
        this.maxTrailerSize = maxTrailerSize;
    }

    /** Prepares for a new message; trailers are skipped until {@link #keepTrailers} is called. */
    public void reset() {
        state = SIZE_START;
        size = 0;
        trailerBytes = 0;
        errorReason = null;
        trailers = null;
        lineLen = 0;
    }

    /** Trailer fields of this message are appended to {@code into} (null: skip them). */
    public void keepTrailers(HttpHead into) {
        this.trailers = into;
    }

    public boolean isDone() {
        return state == S_DONE;
    }

    public boolean isError() {
        return state == S_ERROR;
    }

    public String errorReason() {
        return errorReason;
    }

    /** Payload bytes left in the current chunk (0 outside chunk data). */
    public long chunkRemaining() {
        return state == DATA ? size : 0;
    }

    /**
     * Consumes framing bytes from {@code in} until payload is available or the input runs out.
     * Returns the number of payload bytes available at {@code in.position()} (bounded by both the
     * chunk and the input), or NEED_MORE, DONE, ERROR.
     */
    public int next(ByteBuffer in) {
        while (true) {
            switch (state) {
                case DATA:
                    if (size == 0) {
                        state = DATA_END;
                        continue;
                    }
                    return (int) Math.min(size, in.remaining());
                case S_DONE:
                    return DONE;
                case S_ERROR:
                    return ERROR;
                default:
                    if (!in.hasRemaining()) return NEED_MORE;
                    step(in.get() & 0xff);
            }
        }
    }

    /** Marks {@code n} payload bytes at {@code in.position()} as taken and advances past them. */
    public void consume(ByteBuffer in, int n) {
        if (state != DATA || n < 0 || n > size || n > in.remaining()) {
            throw new IllegalStateException("consume(" + n + ") outside available chunk data");
        }
        in.position(in.position() + n);
        size -= n;
    }

    /**
     * Decodes from {@code in}, copying payload into {@code out}, until the message ends (DONE), the
     * input is exhausted (NEED_INPUT), the output is full (OUTPUT_FULL) or the framing is invalid
     * (ERROR). Allocation-free.
     */
    public int decode(ByteBuffer in, ByteBuffer out) {
        while (true) {
            int r = next(in);
            if (r == DONE || r == ERROR) return r;
            if (r == NEED_MORE) return NEED_INPUT;
            int k = Math.min(r, out.remaining());
            if (k == 0) return OUTPUT_FULL;
            int lim = in.limit();
            in.limit(in.position() + k);
            out.put(in);
            in.limit(lim);
            size -= k;
        }
    }

    /**
     * Checks the framing of the bytes in {@code in} (position to limit) without consuming them and
     * without copying payload: ERROR if they are already invalid, DONE if a whole message is
     * there, else NEED_INPUT. Used to refuse a request whose body bytes that arrived with the head
     * are invalid before anything is sent to a server. Advances this decoder's state: use a
     * decoder that is {@link #reset()} before and after. Allocation-free.
     */
    public int check(ByteBuffer in) {
        int pos = in.position();
        try {
            while (true) {
                int r = next(in);
                if (r == DONE || r == ERROR) return r;
                if (r == NEED_MORE) return NEED_INPUT;
                consume(in, r);
            }
        } finally {
            in.position(pos);
        }
    }

    private void step(int b) {
        switch (state) {
            case SIZE_START: {
                int d = hex(b);
                if (d < 0) {
                    error("missing chunk size");
                } else {
                    size = d;
                    state = SIZE;
                }
                break;
            }
            case SIZE: {
                int d = hex(b);
                if (d >= 0) {
                    if (size > (MAX_CHUNK_SIZE - d) >> 4) {
                        error("chunk size too large");
                    } else {
                        size = (size << 4) + d;
                    }
                } else {
                    afterSize(b);
                }
                break;
            }
            case SIZE_WS:
                afterSize(b);
                break;
            case EXT:
                if (b == '\r') {
                    state = SIZE_CR;
                } else if (b == '\n') {
                    error("LF without CR after chunk size");
                } else if (!HttpChars.isFieldValueChar(b)) {
                    error("invalid character in chunk extension");
                }
                break;
            case SIZE_CR:
                if (b == '\n') {
                    sizeLineDone();
                } else {
                    error("CR not followed by LF after chunk size");
                }
                break;
            case DATA_END:
                if (b == '\r') {
                    state = DATA_CR;
                } else {
                    error("missing CRLF after chunk data");
                }
                break;
            case DATA_CR:
                if (b == '\n') {
                    state = SIZE_START;
                } else {
                    error("missing CRLF after chunk data");
                }
                break;
            case TRAILER_START:
                if (b == '\r') {
                    state = END_CR;
                } else if (b == '\n') {
                    state = S_DONE;
                } else if (HttpChars.isOws(b)) {
                    error("obsolete line folding in trailers");
                } else if (countTrailer()) {
                    lineLen = 0;
                    state = TRAILER_NAME;
                    trailerName(b);
                }
                break;
            case TRAILER_NAME:
                if (countTrailer()) trailerName(b);
                break;
            case TRAILER_VALUE:
                if (b == '\r') {
                    state = TRAILER_CR;
                } else if (b == '\n') {
                    trailerLineDone();
                } else if (!HttpChars.isFieldValueChar(b)) {
                    error("invalid character in trailer value");
                } else if (countTrailer()) {
                    keep(b);
                }
                break;
            case TRAILER_CR:
                if (b == '\n') {
                    trailerLineDone();
                } else {
                    error("CR not followed by LF in trailers");
                }
                break;
            case END_CR:
                if (b == '\n') {
                    state = S_DONE;
                } else {
                    error("CR not followed by LF after trailers");
                }
                break;
            default:
                throw new IllegalStateException("state " + state);
        }
    }

    /** A byte after the size digits: white space, extension, or the line end. */
    private void afterSize(int b) {
        if (b == ';') {
            state = EXT;
        } else if (HttpChars.isOws(b)) {
            state = SIZE_WS;
        } else if (b == '\r') {
            state = SIZE_CR;
        } else if (b == '\n') {
            error("LF without CR after chunk size");
        } else {
            error("invalid chunk size");
        }
    }

    private void sizeLineDone() {
        state = size == 0 ? TRAILER_START : DATA;
    }

    private void trailerName(int b) {
        if (b == ':') {
            if (lineLen == 0) {
                error("empty trailer name");
                return;
            }
            colon = lineLen;
            keep(b);
            state = TRAILER_VALUE;
        } else if (HttpChars.isTchar(b)) {
            keep(b);
        } else {
            error("invalid character in trailer name");
        }
    }

    private boolean countTrailer() {
        if (++trailerBytes > maxTrailerSize) {
            error("trailer section too large");
            return false;
        }
        return true;
    }

    private void keep(int b) {
        if (trailers == null) {
            lineLen++; // only the name length matters when skipping
            return;
        }
        if (line == null) line = new byte[Math.min(256, Math.max(16, maxTrailerSize))];
        if (lineLen == line.length) line = java.util.Arrays.copyOf(line, Math.min(line.length * 2, maxTrailerSize + 1));
        line[lineLen++] = (byte) b;
    }

    private void trailerLineDone() {
        if (trailers != null) {
            int vs = colon + 1;
            int ve = lineLen;
            while (vs < ve && HttpChars.isOws(line[vs])) vs++;
            while (ve > vs && HttpChars.isOws(line[ve - 1])) ve--;
            trailers.addHeader(line, 0, colon, vs, ve - vs);
        }
        lineLen = 0;
        state = TRAILER_START;
    }

    private void error(String why) {
        errorReason = why;
        state = S_ERROR;
    }

    private static int hex(int b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }
}
