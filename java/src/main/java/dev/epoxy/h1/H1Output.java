package dev.epoxy.h1;

import dev.epoxy.conn.Connection;
import dev.epoxy.stream.HttpChannel;

/**
 * How both HTTP/1 muxes move a message into their connection's output buffer (the client side
 * its responses, the server side its requests). When a step finds the buffer too full it flushes
 * once and tries again, so one send moves up to two buffers' worth before the caller's own final
 * flush; a flush that sends nothing queued makes no system call. The bytes each step puts in the
 * buffer are added to the channel's {@link HttpChannel#wireOut}.
 */
final class H1Output {
    private H1Output() {
    }

    /** A body step leaving less room than this with body still pending flushes and goes on. */
    static final int LOW_ROOM = 64;
    /** A raw body of at least this much, pending for an output that holds nothing, is handed over, not copied. */
    static final int HAND_OVER_MIN = 4096;

    /** {@link #writeHead}: the head is in the buffer. */
    static final int WRITTEN = 1;
    /** {@link #writeHead}: no room now, even after a flush (try again when output drains). */
    static final int NO_ROOM = 0;
    /** {@link #writeHead}: larger than an empty buffer, so it can never be written. */
    static final int TOO_LARGE = -1;

    /** Writes the channel's head, all or nothing; flushes once first if what is queued leaves no room. */
    static int writeHead(Connection conn, HttpChannel ch) {
        int before = conn.pendingOut();
        if (!H1Writer.write(ch.head, conn.out())) {
            if (before == 0)
                return TOO_LARGE;
            conn.flush();
            before = conn.pendingOut();
            if (!H1Writer.write(ch.head, conn.out()))
                return NO_ROOM;
        }
        ch.wireOut += conn.pendingOut() - before;
        return WRITTEN;
    }

    /**
     * Moves body bytes, framed by {@code body}; when that leaves the buffer nearly full with body
     * still pending, flushes and moves more. Returns whether anything moved.
     */
    static boolean writeBody(Connection conn, H1BodyWriter body, HttpChannel ch) {
        boolean progress = false;
        if (ch.piped() > 0) {
            // Spliced bytes, after whatever is queued (the head): pipe to socket, no copy.
            if (!conn.flush(true))
                return false;
            int before = ch.piped();
            conn.spliceOut(ch.pipe, more(ch));
            int moved = before - ch.piped();
            ch.bytesOut += moved;
            ch.wireOut += moved;
            if (ch.piped() > 0)
                return moved > 0;
            progress = moved > 0;
        }
        int n = ch.pending();
        // Zero copy (HAProxy's mux_h1 does the same): the channel's buffer becomes the output.
        if (n >= HAND_OVER_MIN && body.raw() && ch.handOver(conn)) { // only into an empty output
            ch.wireOut += n;
            progress = true;
        }
        progress |= bodyStep(conn, body, ch);
        if (!ch.eomOut && ch.pending() > 0 && conn.outRoom() < LOW_ROOM) {
            conn.flush(true); // both callers flush again right after this step
            progress |= bodyStep(conn, body, ch);
        }
        return progress;
    }

    /**
     * A mux's last send of a pass: a flush, without MSG_MORE unless more follows at once. When it
     * empties the output while the pipe still holds body, the pipe goes on now: an empty output
     * stops write polling, and a write report reaches a connection only while it wants to read
     * or write, which one with paused input does not, so the rest of the body would wait for
     * ever. Returns whether anything moved after the flush.
     */
    static boolean endPass(Connection conn, H1BodyWriter body, HttpChannel ch) {
        if (conn.flush(more(ch)) && ch.headOut && !ch.eomOut && ch.piped() > 0)
            return writeBody(conn, body, ch);
        return false;
    }

    /**
     * Whether a mux's last send of a step may go with MSG_MORE: the message goes on and its
     * producer has more waiting, so the pass will send again; the pass's last send, after the
     * producer found its socket empty, goes without it and pushes (Connection#flush(boolean)).
     */
    static boolean more(HttpChannel ch) {
        return !ch.eomOut && ch.moreWaiting;
    }

    private static boolean bodyStep(Connection conn, H1BodyWriter body, HttpChannel ch) {
        int before = conn.pendingOut();
        boolean progress = body.write(ch, conn.out());
        ch.wireOut += conn.pendingOut() - before;
        return progress;
    }
}
