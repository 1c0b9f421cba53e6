package dev.epoxy.stream;

import dev.epoxy.conn.BufferPool;
import dev.epoxy.conn.Connection;
import dev.epoxy.conn.Pipe;
import dev.epoxy.http.HttpHead;
import dev.epoxy.poller.Poller;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;

/**
 * One direction of an HTTP exchange in Epoxy's internal form, independent of H1 or H2: a head,
 * decoded body bytes and an end-of-message mark. The producing mux fills it, the consuming mux
 * drains it; both run on the stream's thread, so there is no synchronisation.
 *
 * <p>{@link #data} is in write mode: the producer appends at its position; the consumer flips,
 * reads and compacts ({@link #take}). A channel made for a pool holds a buffer only between
 * {@link #attach} and {@link #release} (its owner attaches it for an exchange and releases it
 * when the exchange is over); meanwhile {@link #data} is empty and has no room.
 */
public final class HttpChannel {
    public final HttpHead head = new HttpHead();
    /** The head is complete and may be consumed. */
    public boolean headIn;
    /** The consumer has emitted the head. */
    public boolean headOut;
    /** The head is an interim (1xx) response: forwarded, then the channel waits for the next head. */
    public boolean interim;
    /** The producer has delivered the last body byte. */
    public boolean eom;
    /** The consumer has emitted the end of the message. */
    public boolean eomOut;
    /**
     * The producer's last read stopped because this channel was full, not because its socket
     * was empty: more body follows at once, so the consumer may send with MSG_MORE. Producers
     * that do not say so leave it false.
     */
    public boolean moreWaiting;
    /** The message carries no body at all (HEAD response, 204, 304, GET without length). */
    public boolean bodyless;
    /** Request: the protocol the client asked to switch to ({@code Upgrade}), or null. */
    public String upgrade;
    /** Response: a 101 accepting that switch; after it the two connections become a tunnel. */
    public boolean tunnel;
    /** Body bytes announced by the producer's framing, -1 when unknown (chunked or until close). */
    public long contentLength = -1;
    /** Body bytes produced and consumed so far, for logs and content-length checks. */
    public long bytesIn, bytesOut;
    /**
     * Bytes the consuming mux put on the wire for this message: status or request line, headers
     * and the framed body (chunk sizes, HTTP/2 frame headers). The log's bytes_read.
     */
    public long wireOut;
    public ByteBuffer data;
    /**
     * Body bytes that go from socket to socket through a kernel pipe instead of {@link #data}
     * (splice), or null. The producer fills it only while {@link #data} is empty and the consumer
     * drains {@link #data} first, so the two never hold bytes at once and order is kept.
     */
    public Pipe pipe;
    /** Where this message may take a pipe ({@code option splice-response}), or null: set by the producer. */
    public Pipe.Pool pipes;
    /** The consumer takes the body as it is (no framing added), so it can splice it out. */
    public boolean rawOut;
    private BufferPool.Buf buf;
    /** The pool {@link #buf} came from (given back there, whatever pool {@link #release} names). */
    private BufferPool from;
    private static final ByteBuffer NONE = ByteBuffer.allocateDirect(0);
    /**
     * A body produced locally (stats page, metrics) that is larger than {@link #data}: the bytes
     * from {@link #pendingOff} on still have to be moved in, as the consumer makes room
     * ({@link #refill}); {@link #eom} is set once the last one is in.
     */
    private byte[] pendingBody;
    private int pendingOff;

    public HttpChannel(int size) {
        this.data = Sys.allocate(size);
    }

    /** A channel without a buffer yet: see {@link #attach}. */
    public HttpChannel() {
        this.data = NONE;
    }

    /** Takes a buffer from {@code pool} for an exchange (no-op if one is held); cleared, write mode. */
    public void attach(BufferPool pool, Poller p) {
        if (buf == null) {
            buf = pool.get(p);
            from = pool;
            data = buf.bb;
        }
    }

    /** A buffer is attached ({@link #attach}). */
    public boolean attached() {
        return buf != null;
    }

    /**
     * Gives the buffer back to the pool it came from (its content is dropped); the channel keeps
     * no room until attached again.
     */
    public void release(BufferPool pool, Poller p) {
        if (buf != null) {
            BufferPool.Buf b = buf;
            BufferPool to = from;
            buf = null;
            from = null;
            data = NONE;
            pendingBody = null;
            to.put(p, b);
        }
        dropPipe();
    }

    /**
     * Zero copy: the pending bytes leave with the buffer holding them, which becomes {@code
     * conn}'s output, and the channel takes the connection's (empty) buffer in exchange. Only
     * when the output holds nothing and both buffers come from the same pool; false otherwise,
     * and nothing changes. The caller frames nothing around the bytes (a raw body).
     */
    public boolean handOver(Connection conn) {
        if (buf == null || from != conn.pool() || conn.pendingOut() != 0 || conn.has(Connection.CLOSED))
            return false;
        int n = data.position();
        buf = conn.swapOut(buf);
        data = buf.bb;
        bytesOut += n;
        return true;
    }

    /**
     * Reads up to {@code max} body bytes from {@code conn}'s socket straight into {@link #data}
     * (zero copy, the input side of {@link #handOver}); {@link Connection#recvInto}'s result.
     * Only for a channel with a pool buffer ({@link #directRoom}).
     */
    public int recvFrom(Connection conn, int max) {
        int n = conn.recvInto(buf.addr + data.position(), Math.min(max, data.remaining()));
        if (n > 0) {
            data.position(data.position() + n);
            bytesIn += n;
        }
        return n;
    }

    /**
     * The producer may splice the body into a pipe now: allowed, the consumer takes it raw, and
     * nothing waits in {@link #data}. Takes a pipe if none is held; false when none is left.
     */
    public boolean canSplice() {
        if (pipe != null)
            return true;
        if (pipes == null || !rawOut || data.position() != 0)
            return false;
        pipe = pipes.take();
        return pipe != null;
    }

    /** Body bytes waiting in the pipe. */
    public int piped() {
        return pipe == null ? 0 : pipe.data();
    }

    /**
     * The producer must wait for the consumer: the buffer is full, or the pipe is (taken as)
     * full. Input is not work then (the stall watchdog's rule).
     */
    public boolean full() {
        return data.position() > 0 && data.remaining() == 0 || pipe != null && pipe.full();
    }

    private void dropPipe() {
        if (pipe != null) {
            pipes.give(pipe);
            pipe = null;
        }
        pipes = null;
    }

    /** Room {@link #recvFrom} may fill: 0 for a channel without a pool buffer. */
    public int directRoom() {
        return buf == null ? 0 : data.remaining();
    }

    /** Room left for the producer. */
    public int room() {
        return data.remaining();
    }

    public int pending() {
        return data.position();
    }

    /** Copies up to {@code max} pending body bytes into {@code dst} (write mode) and compacts. */
    public int take(ByteBuffer dst, int max) {
        int n = Math.min(Math.min(max, dst.remaining()), data.position());
        if (n <= 0)
            return 0;
        data.flip();
        int lim = data.limit();
        data.limit(data.position() + n);
        dst.put(data);
        data.limit(lim);
        data.compact();
        bytesOut += n;
        return n;
    }

    /** Appends from {@code src} (read mode) as much as fits, at most {@code max} bytes. */
    public int put(ByteBuffer src, int max) {
        int n = Math.min(Math.min(max, src.remaining()), data.remaining());
        if (n <= 0)
            return 0;
        int lim = src.limit();
        src.limit(src.position() + n);
        data.put(src);
        src.limit(lim);
        bytesIn += n;
        return n;
    }

    /**
     * A complete locally produced body: as much as fits now, the rest through {@link #refill}.
     * The head must already announce its length.
     */
    public void putBody(byte[] body) {
        pendingBody = body;
        pendingOff = 0;
        refill();
    }

    /** Moves more of a locally produced body in; true if any byte moved. */
    public boolean refill() {
        if (pendingBody == null)
            return false;
        int n = Math.min(data.remaining(), pendingBody.length - pendingOff);
        if (n > 0) {
            data.put(pendingBody, pendingOff, n);
            pendingOff += n;
            bytesIn += n;
        }
        if (pendingOff == pendingBody.length) {
            pendingBody = null;
            eom = true;
            return true;
        }
        return n > 0;
    }

    /**
     * Producer: the head just received is an interim (1xx) response. The consumer forwards it
     * like a final head, then {@link #headWritten} makes room for the next one.
     */
    public void interimIn() {
        interim = true;
        headIn = true;
    }

    /**
     * Consumer: the head is on the wire. An interim one is forgotten and the channel waits for
     * the producer's next head (false); a final one is out for good, the body follows (true).
     */
    public boolean headWritten() {
        if (interim) {
            head.clear();
            headIn = interim = false;
            return false;
        }
        headOut = true;
        return true;
    }

    /** All of the message has gone out. */
    public boolean done() {
        return eomOut;
    }

    /** Ready for the next message of a keep-alive connection. */
    public void reset() {
        head.clear();
        headIn = headOut = interim = eom = eomOut = moreWaiting = bodyless = tunnel = rawOut = false;
        dropPipe();
        upgrade = null;
        pendingBody = null;
        contentLength = -1;
        bytesIn = bytesOut = wireOut = 0;
        data.clear();
    }
}
