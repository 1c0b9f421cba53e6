package dev.epoxy.conn;

import dev.epoxy.fd.FdTable;
import dev.epoxy.fd.IoCallback;
import dev.epoxy.poller.Poller;
import dev.epoxy.sys.Abi;
import dev.epoxy.sys.SockAddr;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection: an fd, its raw transport (read/write between the socket and two off-heap
 * buffers) and the mux that interprets the bytes.
 *
 * <p>Threading: a connection belongs to the poller thread that inserted its fd (or took it over);
 * every method is called on that thread only. The fd table guarantees {@link #onIo} runs there.
 *
 * <p>Buffers: {@link #in} is kept in read mode (unparsed bytes between position and limit);
 * {@link #out()} in write mode (bytes to send between 0 and position). Syscalls are attempted
 * first and polling is requested only after EAGAIN, which is correct in level- and edge-triggered
 * modes alike: a ready bit survives until EAGAIN clears it.
 *
 * <p>Fd interest: this class alone sets it (the {@link FdTable} want/stop/cant calls for a
 * connection's fd are all here). The layers above state what they need: {@link #recv()} "input
 * now", {@link #pauseInput()} "I will not consume input for now", {@link #resumeInput()} "I will
 * consume input again", {@link #flush()} "this output must go"; the connection turns that, its
 * buffers and the socket's answers (EAGAIN, a short read, a full buffer) into read and write
 * interest. See "Who decides fd interest" in docs/fd-protocol.md.
 *
 * <p>Buffers on demand (HAProxy's model): a connection with nothing in flight holds none. The
 * input buffer is taken from the {@link BufferPool} just before a read and given back when a
 * read finds nothing (EAGAIN, or not ready) while all input was consumed; until then {@link #in}
 * is an empty shared buffer. The output buffer is taken by the first {@link #out()} and given
 * back when a flush empties it. While the mux says the connection is idle ({@link #idle}), taking
 * the input buffer is new work: it first commits an exchange's worth of buffers in the pool,
 * which refuses when the budget is spent; the connection then stops reading and waits in the
 * pool's queue, and when a commitment comes back the handler is called as for an I/O event, and
 * its recv() reads. The commitment is returned when the mux says idle again, or at close.
 */
public final class Connection implements IoCallback {
    /** The layer above the transport: told of every I/O event on the owner thread. */
    public interface Handler {
        void onIo(Connection c);

        /**
         * {@link #onIo} threw (a bug, or no heap left): logs it and ends what the connection
         * carries, so that it is not left open with nothing to move it. By default the
         * connection is reset. The end must not depend on the log: logging allocates, and
         * without heap it throws too.
         */
        default void onFailure(Connection c, Throwable e) {
            try {
                LoggerFactory.getLogger(Connection.class).error("fd {}: I/O handler failed, connection reset", c.fd, e);
            } catch (Throwable ignored) {
                // no heap to say it with: the reset below still happens
            }
            c.abort();
        }
    }

    public static final int CONNECTING = 1, ERROR = 2, READ_CLOSED = 4, WRITE_SHUT = 8, CLOSED = 16;

    /**
     * Fault injection for tests: no write(2) sends more than this, as a congested peer makes
     * writes partial. Every flush then leaves output behind for the next write event.
     */
    public static volatile int writeLimit = Integer.MAX_VALUE;

    /** What {@link #in} is while no buffer is held: empty, never written (shared by all connections). */
    private static final ByteBuffer NONE = ByteBuffer.allocateDirect(0);

    private final FdTable fds;
    private Poller poller;
    public final int fd;
    private final BufferPool pool;
    /** Received bytes (read mode); {@link #NONE} while no buffer is held. Read it, never keep it. */
    public ByteBuffer in = NONE;
    private ByteBuffer out = NONE;
    private BufferPool.Buf inBuf, outBuf;
    private ByteOrder order = ByteOrder.nativeOrder();
    /** The mux has nothing in flight: taking an input buffer is new work (see the class comment). */
    private boolean idle;
    /** An exchange's worth of buffers is committed in the pool for this connection (see BufferPool). */
    private boolean committed;
    private boolean waitingBuffer;
    private final Runnable bufferReady = this::bufferReady;
    private Handler handler;
    private int flags;
    /** The last send went with MSG_MORE: the kernel may hold its tail until a send without it, or a push. */
    private boolean corked;
    public final boolean backend;
    /** The errno of a failed connect (SO_ERROR, read once when the poller reported it), else 0. */
    public int connectErrno;
    /** Time of the last successful read or write, in the poller's clock. */
    public long lastActivity;
    /** Bytes read from and written to the socket over the connection's life (progress for the stall watchdog). */
    public long bytesIn, bytesOut;
    /**
     * Where this connection's traffic is counted (its frontend's or server's counters), or
     * null; written by the owner thread into its own lane (see {@link dev.epoxy.metrics.Counters}).
     */
    public dev.epoxy.metrics.Counters stats;

    private Connection(FdTable fds, Poller poller, int fd, BufferPool pool, boolean backend) {
        this.fds = fds;
        this.poller = poller;
        this.fd = fd;
        this.backend = backend;
        this.pool = pool;
        lastActivity = poller.nowMs();
    }

    /** Byte order of the buffers this connection takes (HTTP/2 is big-endian). */
    public void order(ByteOrder o) {
        order = o;
        if (inBuf != null)
            in.order(o);
        if (outBuf != null)
            out.order(o);
    }

    /**
     * The mux tells whether it has anything in flight. While idle, taking the input buffer is new
     * work, subject to the pool's reserve; otherwise it is part of the work in progress.
     */
    public void idle(boolean idle) {
        if (idle == this.idle)
            return;
        this.idle = idle;
        if (idle && committed) {
            committed = false;
            pool.uncommit(poller);
        } else if (!idle && !committed) {
            // Work that started from bytes already held (a pipelined request): count it too.
            pool.commitAnyway();
            committed = true;
        }
    }

    /** The output buffer (write mode), taken from the pool if none is held. */
    public ByteBuffer out() {
        if (outBuf == null && (flags & CLOSED) == 0) {
            outBuf = pool.get(poller);
            out = outBuf.bb.order(order);
        }
        return out;
    }

    /** The pool this connection's buffers come from. */
    public BufferPool pool() {
        return pool;
    }

    /**
     * Zero-copy output: {@code full}, a buffer of this connection's pool holding bytes to send
     * from 0 (write mode), becomes the output buffer in place of the current one, which must hold
     * nothing. Returns the buffer it replaces, cleared, or a fresh one when none was held.
     */
    public BufferPool.Buf swapOut(BufferPool.Buf full) {
        if (out.position() != 0 || (flags & CLOSED) != 0)
            throw new IllegalStateException("swapOut with output pending or closed");
        BufferPool.Buf old = outBuf != null ? outBuf : pool.get(poller);
        old.bb.clear();
        outBuf = full;
        out = full.bb.order(order);
        return old;
    }

    /** True while an input buffer is held (test and diagnostics). */
    public boolean holdsIn() {
        return inBuf != null;
    }

    /** True while an output buffer is held (test and diagnostics). */
    public boolean holdsOut() {
        return outBuf != null;
    }

    /** Takes the input buffer before a read; false when refused (the connection then waits). */
    private boolean takeIn() {
        if (inBuf != null)
            return true;
        if (idle && !committed) {
            if (!pool.commit()) {
                if (!waitingBuffer) {
                    waitingBuffer = true;
                    fds.stopRecv(fd);
                    pool.await(poller, bufferReady);
                }
                return false;
            }
            committed = true;
        }
        BufferPool.Buf b = pool.get(poller);
        inBuf = b;
        in = b.bb.order(order);
        in.limit(0);
        return true;
    }

    /** Gives the input buffer back once everything in it was consumed. */
    private void releaseIn() {
        if (inBuf != null && in.position() == in.limit()) {
            BufferPool.Buf b = inBuf;
            inBuf = null;
            in = NONE;
            pool.put(poller, b);
        }
    }

    private void releaseOut() {
        if (outBuf != null) {
            BufferPool.Buf b = outBuf;
            outBuf = null;
            out = NONE;
            pool.put(poller, b);
        }
    }

    /**
     * Gives back the buffers that hold nothing: the input buffer if all of it was consumed, the
     * output buffer if all of it was sent. The mux calls it when an exchange ends.
     */
    public void releaseIdleBuffers() {
        releaseIn();
        if (outBuf != null && out.position() == 0)
            releaseOut();
    }

    /** A buffer came back after a refusal: tell the handler as for an I/O event; its recv() reads. */
    private void bufferReady() {
        waitingBuffer = false;
        if ((flags & CLOSED) == 0)
            handler.onIo(this);
    }

    /** Wraps an accepted fd on the calling poller thread. */
    public static Connection accepted(Poller poller, int fd, BufferPool pool, Handler handler) {
        Connection c = new Connection(poller.fdTable(), poller, fd, pool, false);
        c.handler = handler; // TCP_NODELAY: inherited from the listener
        poller.fdTable().insert(fd, c, c, poller.tid());
        return c;
    }

    /**
     * Starts a non-blocking connect from the calling poller thread. The connection stays
     * CONNECTING until the poller reports it (see {@link #onIo}): nothing else may confirm it.
     * Returns null with the errno in {@code err[0]} when the socket cannot even be created.
     */
    public static Connection connect(Poller poller, SockAddr to, BufferPool pool, Handler handler, int[] err) {
        int fd = Sys.epoxy_connect_new(to.address, to.length);
        if (fd < 0) {
            err[0] = fd;
            return null;
        }
        Connection c = new Connection(poller.fdTable(), poller, fd, pool, true);
        c.handler = handler;
        c.flags = CONNECTING;
        FdTable t = poller.fdTable();
        t.insert(fd, c, c, poller.tid());
        // HAProxy's rule for server connections: closed without a clean shutdown (shutWrite),
        // they close with a reset, so no TIME_WAIT is left behind. With one server connection
        // per client request, 14 000 TIME_WAITs toward the server made every connect() walk them
        // for a free port (__inet_hash_connect, __inet_check_established: ~23% of the proxy's
        // CPU under the Connection: close load, perf).
        t.setLingerRisk(fd);
        // Not readable until the poller says so (HAProxy: fd_cant_recv on a connecting socket).
        // A server answers what it is sent: the read that followed the request found EAGAIN on
        // nearly every new connection (strace of the Connection: close load: 3 reads per request,
        // 2 after). A server that speaks first (tcp mode) is read once the poller reports it.
        t.cantRecv(fd);
        t.wantSend(fd);
        return c;
    }

    public void setHandler(Handler h) {
        handler = h;
    }

    public Handler handler() {
        return handler;
    }

    public Poller poller() {
        return poller;
    }

    /** After an fd takeover the new owner thread adopts the connection. */
    public void adopt(Poller p) {
        poller = p;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public boolean edgeTriggered() {
        return fds.edgeTriggered();
    }

    public boolean connecting() {
        return (flags & CONNECTING) != 0;
    }

    @Override
    public void onIo(int fd) {
        if ((flags & CLOSED) != 0)
            return;
        int ev = fds.polled(fd);
        if ((flags & CONNECTING) != 0) {
            if ((ev & (FdTable.POLL_OUT | FdTable.POLL_ERR | FdTable.POLL_HUP)) == 0)
                return;
            // Writable with neither ERR nor HUP: connected (Linux reports a refused or reset
            // connect with EPOLLERR|EPOLLHUP), no getsockopt needed, as HAProxy's connect check.
            // A HUP without ERR may come during a connect that then succeeds: ask SO_ERROR.
            int err = (ev & (FdTable.POLL_ERR | FdTable.POLL_HUP)) == 0 ? 0 : Sys.epoxy_so_error(fd);
            if (err == 0 && (ev & FdTable.POLL_OUT) == 0 && (ev & FdTable.POLL_ERR) == 0)
                return;
            flags &= ~CONNECTING;
            connectErrno = err;
            if (err != 0 || (ev & FdTable.POLL_ERR) != 0)
                flags |= ERROR;
            else
                fds.stopSend(fd);
        } else if ((ev & FdTable.POLL_ERR) != 0) {
            flags |= ERROR;
        }
        lastActivity = poller.nowMs();
        try {
            handler.onIo(this);
        } catch (Throwable e) {
            try {
                handler.onFailure(this, e);
            } catch (Throwable e2) {
                abort(); // the handler could not end it (no heap to do so): nothing else would
            }
        }
    }

    /**
     * Reads what the socket has into {@link #in}. Returns the byte count; 0 when nothing can be
     * read now: either polling was requested, or {@link #in} is full, in which case read polling
     * is stopped and the caller, who holds the unconsumed input, calls recv again once it has
     * consumed some (that call reads or re-arms); -1 at end of stream or on error (flags tell
     * which). See "Who decides fd interest" in docs/fd-protocol.md.
     */
    public int recv() {
        if ((flags & (ERROR | READ_CLOSED | CLOSED | CONNECTING)) != 0)
            return (flags & CONNECTING) != 0 ? 0 : -1;
        if (!fds.recvReady(fd)) {
            // Nothing arrived since the last EAGAIN or short read: no syscall, wait for the poller.
            fds.wantRecv(fd);
            releaseIn();
            return 0;
        }
        if (!takeIn())
            return 0;
        if (in.position() > 0 && in.limit() == in.capacity()) {
            in.compact();
            in.flip();
        } else if (in.position() == in.limit()) {
            in.clear().limit(0);
        }
        int room = in.capacity() - in.limit();
        if (room == 0) {
            // Level-triggered polling would report the pending bytes again and again.
            fds.stopRecv(fd);
            return 0;
        }
        int n = read(inBuf.addr + in.limit(), room);
        if (n > 0)
            in.limit(in.limit() + n);
        return n;
    }

    /**
     * {@link #recv()} straight into {@code room} bytes at {@code addr} (a buffer of the layer
     * above), bypassing {@link #in}, which must hold nothing: a raw body then reaches its channel
     * without a copy. Same result and the same fd interest as {@link #recv()}; {@code room} > 0.
     */
    public int recvInto(long addr, int room) {
        int go = bypassIn();
        return go <= 0 ? go : read(addr, room);
    }

    /**
     * recv()'s checks for a read that bypasses {@link #in}, which must hold nothing (its buffer
     * is given back): 1 to read now, else what the caller returns (0: polling requested or still
     * connecting, -1: closed or failed).
     */
    private int bypassIn() {
        if ((flags & (ERROR | READ_CLOSED | CLOSED | CONNECTING)) != 0)
            return (flags & CONNECTING) != 0 ? 0 : -1;
        if (in.hasRemaining())
            throw new IllegalStateException("a read past the input buffer with input pending");
        releaseIn();
        if (!fds.recvReady(fd)) {
            fds.wantRecv(fd);
            return 0;
        }
        return 1;
    }

    /**
     * {@link #recv()} into a pipe: splices up to {@code max} bytes of the socket into {@code p}
     * ({@link #in} must hold nothing). Returns the byte count, 0 when nothing can move now, -1 at
     * end of stream or on error, as recv(). EAGAIN is ambiguous here: a full pipe, or nothing in
     * the socket. With the pipe holding bytes and the socket too (one FIONREAD), the pipe is
     * full: input pauses with the socket still ready, and the caller splices again once the
     * pipe's reader took some out. Otherwise the socket is drained and polling is requested.
     * (HAProxy takes every EAGAIN with bytes in the pipe for a full pipe; the socket then stays
     * ready when it was in fact drained, and the next splice may take bytes whose edge epoll
     * then never reports: harmless, but StallReportTest, losing one such edge on purpose,
     * could not find it.)
     */
    public int spliceIn(Pipe p, int max) {
        int go = bypassIn();
        if (go <= 0)
            return go;
        long n = Sys.epoxy_splice(fd, p.wfd, max);
        if (n > 0) {
            p.data += (int) n;
            received(n);
            return (int) n;
        }
        if (n == 0) {
            flags |= READ_CLOSED;
            return -1;
        }
        if (n == -Abi.EAGAIN) {
            if (p.data > 0 && Sys.epoxy_unread(fd) > 0) {
                p.full = true;
                fds.stopRecv(fd);
            } else {
                fds.cantRecv(fd);
                fds.wantRecv(fd);
            }
            return 0;
        }
        flags |= ERROR;
        return -1;
    }

    /**
     * {@link #flush()} from a pipe: splices what {@code p} holds to the socket ({@link #out()}
     * must hold nothing). True when the pipe is empty afterwards; otherwise write polling is
     * requested, or ERROR set.
     */
    public boolean spliceOut(Pipe p, boolean more) {
        if ((flags & (ERROR | CLOSED | CONNECTING)) != 0)
            return false;
        if (out.position() != 0)
            throw new IllegalStateException("spliceOut with output pending");
        if (p.data == 0)
            return true;
        long n = more ? Sys.epoxy_splice_more(p.rfd, fd, Math.min(p.data, writeLimit))
                : Sys.epoxy_splice(p.rfd, fd, Math.min(p.data, writeLimit));
        if (n < 0)
            return sendFailed(n);
        corked = more;
        p.data -= (int) n;
        p.full = false;
        sent(n);
        if (p.data == 0) {
            fds.stopSend(fd);
            return true;
        }
        waitWritable();
        return false;
    }

    /** A send that moved nothing: EAGAIN waits for the socket to take more, anything else is an error. Returns false. */
    private boolean sendFailed(long n) {
        if (n == -Abi.EAGAIN)
            waitWritable();
        else
            flags |= ERROR;
        return false;
    }

    /** The socket took less than it was offered: write polling, to send the rest once it takes more. */
    private void waitWritable() {
        fds.cantSend(fd);
        fds.wantSend(fd);
    }

    /** {@code n} bytes came in: the byte counters and the last activity. */
    private void received(long n) {
        bytesIn += n;
        if (stats != null)
            stats.add(poller.tid(), dev.epoxy.metrics.Counters.BYTES_IN, n);
        lastActivity = poller.nowMs();
    }

    /** {@code n} bytes went out: the byte counters and the last activity. */
    private void sent(long n) {
        lastActivity = poller.nowMs();
        bytesOut += n;
        if (stats != null)
            stats.add(poller.tid(), dev.epoxy.metrics.Counters.BYTES_OUT, n);
    }

    /** One read(2) of at most {@code room} bytes to {@code addr}, with recv()'s flags and fd interest. */
    private int read(long addr, int room) {
        long n = Sys.epoxy_read(fd, addr, room);
        if (n > 0) {
            received(n);
            if (n < room && (!fds.edgeTriggered() || (fds.polled(fd) & FdTable.POLL_HUP) == 0)) {
                // A short read drained the socket; the poller reports what comes next, which
                // saves the read that would return EAGAIN. Edge-triggered too (as HAProxy's
                // raw_sock), unless the last event carried the peer's FIN (RDHUP, POLL_HUP):
                // that edge will not come again, so reading goes on until the FIN is read. Any
                // byte or FIN arriving after that event makes a new edge, even one arriving
                // during this read.
                fds.cantRecv(fd);
                fds.wantRecv(fd);
            }
            return (int) n;
        }
        if (n == 0) {
            flags |= READ_CLOSED;
            return -1;
        }
        if (n == -Abi.EAGAIN) {
            fds.cantRecv(fd);
            fds.wantRecv(fd);
            releaseIn(); // a no-op while input is pending
            return 0;
        }
        flags |= ERROR;
        return -1;
    }

    /**
     * {@link #recv}, and once the connection has failed (a write met a reset), what the kernel
     * still holds ({@link #recvRemains}): a server that answers an upload early (413) and closes
     * makes our next write fail, and its answer, already received, must still be read.
     */
    public int recvOrRemains() {
        int n = recv();
        return n < 0 && (flags & ERROR) != 0 ? recvRemains() : n;
    }

    /**
     * Reads, once, what the kernel still holds although the connection failed or was reset: bytes
     * the peer sent before its reset stay readable, and a request among them must not be lost.
     * Returns the byte count, or -1 when nothing is left (or no room). Flags are not changed.
     */
    public int recvRemains() {
        if ((flags & (CLOSED | CONNECTING)) != 0)
            return -1;
        if (inBuf == null) {
            inBuf = pool.get(poller);
            in = inBuf.bb.order(order);
            in.limit(0);
        }
        if (in.position() > 0 && in.limit() == in.capacity()) {
            in.compact();
            in.flip();
        } else if (in.position() == in.limit()) {
            in.clear().limit(0);
        }
        int room = in.capacity() - in.limit();
        if (room == 0)
            return -1;
        long n = Sys.epoxy_read(fd, inBuf.addr + in.limit(), room);
        if (n <= 0) {
            releaseIn();
            return -1;
        }
        in.limit(in.limit() + (int) n);
        bytesIn += n;
        if (stats != null)
            stats.add(poller.tid(), dev.epoxy.metrics.Counters.BYTES_IN, n);
        return (int) n;
    }

    /**
     * The layer above will not consume input for now (a full channel, a finished request, an
     * HTTP/2 connection whose output has no room). Read polling stops, lazily: the poller drops it
     * at the next report. READY is kept, so whoever paused owns calling {@link #recv()} (which
     * reads at once what arrived meanwhile) or {@link #resumeInput()} when its reason goes away.
     */
    public void pauseInput() {
        if ((flags & CLOSED) == 0)
            fds.stopRecv(fd);
    }

    /**
     * The layer above will consume input again, or wants to hear of a close without reading yet
     * (an idle pooled server connection, {@code option abortonclose}): read polling is requested.
     * Level-triggered, input that is already waiting is reported again; edge-triggered, an edge
     * already consumed is not, so a caller that may have left input unread calls {@link #recv()}.
     */
    public void resumeInput() {
        if ((flags & CLOSED) == 0)
            fds.wantRecv(fd);
    }

    /**
     * Writes {@link #out} to the socket. Returns true when the buffer is empty afterwards; on
     * EAGAIN requests write polling and returns false; on error sets ERROR and returns false.
     * Whatever an earlier send with MSG_MORE left unsent goes out too: with nothing to write,
     * the socket is pushed (see {@link #flush(boolean)}).
     */
    public boolean flush() {
        return flush(false);
    }

    /**
     * {@link #flush()}, with MSG_MORE when {@code more}: more of the same message follows at
     * once, so the kernel need not push a partial segment now (HAProxy's CO_SFL_MSG_MORE; on
     * loopback a segment holds up to 64 KiB, so a 16 KiB write without it is one segment, one
     * wake-up and one acknowledgement of its own). The kernel sends a held tail with the next
     * send without MSG_MORE, at the next acknowledgement (TCP_NODELAY is on), or, with nothing
     * in flight, after some 200 ms. So a caller passes {@code more} only when it will write again
     * in the same pass, and every pass ends with a flush without it, which pushes a held tail
     * even when there is nothing left to write (TCP_NODELAY set again pushes the queue).
     */
    public boolean flush(boolean more) {
        if ((flags & (ERROR | CLOSED)) != 0)
            return false;
        if ((flags & CONNECTING) != 0)
            return out.position() == 0;
        int len = out.position();
        if (len == 0) {
            releaseOut();
            if (corked && !more) {
                corked = false;
                Sys.epoxy_set_nodelay(fd, 1);
            }
            return true;
        }
        long n = more ? Sys.epoxy_write_more(fd, outBuf.addr, Math.min(len, writeLimit))
                : Sys.epoxy_write(fd, outBuf.addr, Math.min(len, writeLimit));
        if (n < 0)
            return sendFailed(n);
        corked = more;
        sent(n);
        if (n == len) {
            releaseOut();
            fds.stopSend(fd);
            return true;
        }
        out.flip();
        out.position((int) n);
        out.compact();
        waitWritable();
        return false;
    }

    /** Half-closes the write side once everything queued is sent (the caller checks flush()). */
    public void shutWrite() {
        if ((flags & (WRITE_SHUT | CLOSED)) == 0) {
            flags |= WRITE_SHUT;
            fds.clearLingerRisk(fd);
            Sys.epoxy_shutdown(fd, Abi.SHUT_WR);
        }
    }

    /** Closes the fd through the fd table (exactly one close per life). */
    public void close() {
        if ((flags & CLOSED) != 0)
            return;
        flags |= CLOSED;
        fds.delete(fd);
        if (waitingBuffer)
            pool.cancel(poller, bufferReady);
        if (committed) {
            committed = false;
            pool.uncommit(poller);
        }
        if (inBuf != null) {
            pool.put(poller, inBuf);
            inBuf = null;
        }
        releaseOut();
        in = NONE;
    }

    /** Abortive close (RST): server connections on errors, a client whose close-delimited response was cut. */
    public void abort() {
        if ((flags & CLOSED) == 0)
            fds.setLingerRisk(fd);
        close();
    }

    /** Bytes the kernel holds unread on this socket (one FIONREAD ioctl; diagnostics only), 0 when closed. */
    public int unreadInKernel() {
        if ((flags & CLOSED) != 0)
            return 0;
        int n = Sys.epoxy_unread(fd);
        return Math.max(0, n);
    }

    /**
     * Output waits in {@link #out()} and the kernel would take more of it now (one poll() with no
     * wait; diagnostics only): bytes we could move. False when the peer holds them back by not
     * reading, or when nothing waits.
     */
    public boolean outputMovable() {
        return out.position() != 0 && writable();
    }

    /** The kernel would take output now (one poll() with no wait; diagnostics only); false once closed. */
    public boolean writable() {
        if ((flags & CLOSED) != 0)
            return false;
        return Sys.epoxy_writable(fd) != 0; // an error: report rather than hide
    }

    /** Output bytes waiting in {@link #out()} (0 once closed). */
    public int pendingOut() {
        return (flags & CLOSED) != 0 ? 0 : out.position();
    }

    /** Room left for output: a whole buffer while none is held, none once closed. */
    public int outRoom() {
        if ((flags & CLOSED) != 0)
            return 0;
        return outBuf == null ? pool.size() : out.remaining();
    }

    /** Size of one buffer of this connection. */
    public int bufferSize() {
        return pool.size();
    }

    /** Received bytes not yet consumed by the mux (0 once closed). */
    public int pendingIn() {
        return (flags & CLOSED) != 0 ? 0 : in.remaining();
    }

    /**
     * The connection's whole state on one line, for the stall report and a future {@code show sess}:
     * side, flags, buffers, byte counters, last activity, owner thread, then the fd table entry.
     * Owner thread only (the buffers and flags are not shared).
     */
    public void describe(StringBuilder b) {
        long now = poller.nowMs();
        b.append(backend ? "be" : "fe").append("-conn{flags=[");
        int len = b.length();
        if ((flags & CONNECTING) != 0) b.append("CONNECTING,");
        if ((flags & ERROR) != 0) b.append("ERROR,");
        if ((flags & READ_CLOSED) != 0) b.append("READ_CLOSED,");
        if ((flags & WRITE_SHUT) != 0) b.append("WRITE_SHUT,");
        if ((flags & CLOSED) != 0) b.append("CLOSED,");
        if (b.length() > len)
            b.setLength(b.length() - 1);
        b.append("] tid=").append(poller.tid())
                .append(" in.pending=").append(pendingIn())
                .append(" out.pending=").append(pendingOut())
                .append(" bytes.in=").append(bytesIn).append(" bytes.out=").append(bytesOut)
                .append(" last.io=").append(now - lastActivity).append("ms.ago ");
        if ((flags & CLOSED) == 0) {
            b.append("kernel.unread=").append(Sys.epoxy_unread(fd)).append(' ');
            fds.describe(fd, b);
        } else {
            b.append("fd=").append(fd).append(" (closed)");
        }
        b.append('}');
    }

    @Override
    public String toString() {
        return (backend ? "be" : "fe") + "-conn(fd=" + fd + ",flags=" + flags + ")";
    }
}
