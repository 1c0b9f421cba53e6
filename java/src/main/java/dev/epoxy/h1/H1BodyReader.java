package dev.epoxy.h1;

import dev.epoxy.conn.Connection;
import dev.epoxy.http.BodyKind;
import dev.epoxy.stream.HttpChannel;
import java.nio.ByteBuffer;

/**
 * Moves an HTTP/1 body from a connection's input buffer into a channel, removing the framing:
 * a content-length countdown, chunked decoding, or everything until the peer closes. A raw body
 * whose bytes are not in the input buffer yet goes from the socket into the channel's pipe
 * (spliced, see HttpChannel#pipe) or straight into its buffer. Reads from the socket only while
 * the channel has room, which is the backpressure: a full channel (or pipe) leaves the bytes in
 * the kernel and the poller is told to stop reporting them.
 */
final class H1BodyReader {
    /**
     * Less than this left of a body of known length is read, not spliced: a pipe's system calls
     * would cost more than the copy (HAProxy's MIN_SPLICE_FORWARD).
     */
    static final int MIN_SPLICE = 4096;
    private final ChunkedDecoder chunked = new ChunkedDecoder(16384);
    private BodyKind kind = BodyKind.NONE;
    private long remaining;
    private boolean failed;
    /** The framing was invalid (the peer is at fault), as opposed to a close or an I/O error. */
    private boolean invalid;

    void start(BodyKind kind, long length) {
        this.kind = kind;
        this.remaining = kind == BodyKind.LENGTH ? length : -1;
        this.failed = false;
        this.invalid = false;
        chunked.reset();
    }

    boolean failed() {
        return failed;
    }

    /** The body's framing was invalid; {@link #failed()} is true too. */
    boolean invalid() {
        return invalid;
    }

    /** Why the framing was invalid, or null. */
    String invalidReason() {
        return invalid ? chunked.errorReason() : null;
    }

    /**
     * Checks, without consuming anything, the body bytes already in {@code in} right after the
     * head: true (and the body is marked invalid) if their chunked framing is already wrong, so
     * the request can be refused before a server is even chosen, as HAProxy does.
     */
    boolean invalidAhead(ByteBuffer in) {
        if (kind != BodyKind.CHUNKED || !in.hasRemaining())
            return false;
        int r = chunked.check(in);
        if (r != ChunkedDecoder.ERROR) {
            chunked.reset();
            return false;
        }
        failed = invalid = true; // the decoder keeps its error state (and reason)
        return true;
    }

    /** Returns true if the channel changed (bytes or end of message). */
    boolean read(Connection c, HttpChannel ch) {
        boolean progress = false;
        ch.moreWaiting = false;
        while (!ch.eom && !failed) {
            if (kind == BodyKind.NONE || kind == BodyKind.LENGTH && remaining == 0) {
                ch.eom = true;
                return true;
            }
            ByteBuffer in = c.in;
            if (in.hasRemaining() && ch.room() > 0 && ch.piped() == 0) {
                progress |= consume(in, ch);
                continue;
            }
            boolean raw = kind != BodyKind.CHUNKED;
            int max = remaining >= 0 ? (int) Math.min(remaining, Integer.MAX_VALUE) : Integer.MAX_VALUE;
            int n;
            if (raw && (ch.pipe != null || remaining < 0 || remaining >= MIN_SPLICE) && ch.canSplice()) {
                // Socket to pipe; the consumer splices the pipe on to its own socket.
                if (ch.pipe.full()) {
                    c.pauseInput();
                    ch.moreWaiting = true;
                    break;
                }
                n = c.spliceIn(ch.pipe, max);
                if (n > 0) {
                    progress = true;
                    ch.bytesIn += n;
                    if (remaining >= 0)
                        remaining -= n;
                } else if (n == 0 && ch.pipe.full()) {
                    ch.moreWaiting = true;
                }
            } else if (ch.room() == 0) {
                c.pauseInput();
                ch.moreWaiting = true;
                break;
            } else if (raw && ch.directRoom() > 0) {
                // Raw bytes, nothing left in the input buffer: read them into the channel itself,
                // even a little to fill it up. Through the input buffer, the channel would take
                // what it has room for and leave the rest there for the next time: every byte
                // would then be copied, since the channel would never be empty for a full read
                // (which its consumer then hands over whole, H1Output).
                n = ch.recvFrom(c, max);
                if (n > 0) {
                    progress = true;
                    if (remaining >= 0)
                        remaining -= n;
                } else if (n < 0 && c.has(Connection.ERROR)) {
                    n = c.recvRemains(); // into the input buffer: consumed on the next turn
                }
            } else {
                n = c.recvOrRemains();
            }
            if (n > 0)
                continue;
            if (n < 0) {
                if (kind == BodyKind.UNTIL_CLOSE && !c.has(Connection.ERROR))
                    ch.eom = true;
                else
                    failed = true;
                progress = true;
            }
            break;
        }
        return progress;
    }

    private boolean consume(ByteBuffer in, HttpChannel ch) {
        if (kind == BodyKind.CHUNKED) {
            int before = ch.data.position();
            int r = chunked.decode(in, ch.data);
            ch.bytesIn += ch.data.position() - before;
            if (r == ChunkedDecoder.DONE)
                ch.eom = true;
            else if (r == ChunkedDecoder.ERROR)
                failed = invalid = true;
            return true;
        }
        int max = remaining >= 0 ? (int) Math.min(remaining, Integer.MAX_VALUE) : Integer.MAX_VALUE;
        int n = ch.put(in, max);
        if (remaining >= 0) {
            remaining -= n;
            if (remaining == 0)
                ch.eom = true;
        }
        return n > 0;
    }
}
