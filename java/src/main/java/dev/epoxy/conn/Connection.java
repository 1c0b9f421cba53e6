package dev.epoxy.conn;

import dev.epoxy.fd.FdTable;
import dev.epoxy.fd.IoCallback;
import dev.epoxy.poller.Poller;
import dev.epoxy.sys.Abi;
import dev.epoxy.sys.SockAddr;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;

/**
 * One TCP connection: an fd, its raw transport (read/write between the socket and two off-heap
 * buffers) and the mux that interprets the bytes.
 *
 * <p>Threading: a connection belongs to the poller thread that inserted its fd (or took it over);
 * every method is called on that thread only. The fd table guarantees {@link #onIo} runs there.
 *
 * <p>Buffers: {@link #in} is kept in read mode (unparsed bytes between position and limit);
 * {@link #out} in write mode (bytes to send between 0 and position). Syscalls are attempted
 * first and polling is requested only after EAGAIN, which is correct in level- and edge-triggered
 * modes alike: a ready bit survives until EAGAIN clears it.
 */
public final class Connection implements IoCallback {
    /** The layer above the transport: told of every I/O event on the owner thread. */
    public interface Handler {
        void onIo(Connection c);
    }

    public static final int CONNECTING = 1, ERROR = 2, READ_CLOSED = 4, WRITE_SHUT = 8, CLOSED = 16;

    private final FdTable fds;
    private Poller poller;
    public final int fd;
    private final ByteBuffer inMem, outMem;
    public final ByteBuffer in, out;
    private final long inAddr, outAddr;
    private Handler handler;
    private int flags;
    public final boolean backend;
    /** Time of the last successful read or write, in the poller's clock. */
    public long lastActivity;

    private Connection(FdTable fds, Poller poller, int fd, int bufSize, boolean backend) {
        this.fds = fds;
        this.poller = poller;
        this.fd = fd;
        this.backend = backend;
        this.inMem = Sys.allocate(bufSize);
        this.outMem = Sys.allocate(bufSize);
        this.in = inMem;
        this.out = outMem;
        this.inAddr = Sys.address(inMem);
        this.outAddr = Sys.address(outMem);
        in.limit(0);
        lastActivity = poller.nowMs();
    }

    /** Wraps an accepted fd on the calling poller thread. */
    public static Connection accepted(Poller poller, int fd, int bufSize, Handler handler) {
        Connection c = new Connection(poller.fdTable(), poller, fd, bufSize, false);
        c.handler = handler;
        Sys.epoxy_set_nodelay(fd, 1);
        poller.fdTable().insert(fd, c, c, poller.tid());
        return c;
    }

    /**
     * Starts a non-blocking connect from the calling poller thread. The connection stays
     * CONNECTING until the poller reports it (see {@link #onIo}): nothing else may confirm it.
     * Returns null with the errno in {@code err[0]} when the socket cannot even be created.
     */
    public static Connection connect(Poller poller, SockAddr to, int bufSize, Handler handler, int[] err) {
        int fd = Sys.epoxy_socket(to.family());
        if (fd < 0) {
            err[0] = fd;
            return null;
        }
        Sys.epoxy_set_nodelay(fd, 1);
        int r = Sys.epoxy_connect(fd, to.address, to.length);
        if (r < 0 && r != -Abi.EINPROGRESS) {
            Sys.epoxy_close(fd);
            err[0] = r;
            return null;
        }
        Connection c = new Connection(poller.fdTable(), poller, fd, bufSize, true);
        c.handler = handler;
        c.flags = CONNECTING;
        FdTable t = poller.fdTable();
        t.insert(fd, c, c, poller.tid());
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
            // A HUP without ERR may be reported during a connect that then succeeds: ask SO_ERROR.
            if ((ev & (FdTable.POLL_OUT | FdTable.POLL_ERR | FdTable.POLL_HUP)) == 0)
                return;
            int err = Sys.epoxy_so_error(fd);
            if (err == 0 && (ev & FdTable.POLL_OUT) == 0 && (ev & FdTable.POLL_ERR) == 0)
                return;
            flags &= ~CONNECTING;
            if (err != 0 || (ev & FdTable.POLL_ERR) != 0)
                flags |= ERROR;
            else
                fds.stopSend(fd);
        } else if ((ev & FdTable.POLL_ERR) != 0) {
            flags |= ERROR;
        }
        lastActivity = poller.nowMs();
        handler.onIo(this);
    }

    /**
     * Reads what the socket has into {@link #in}. Returns the byte count, 0 when nothing is
     * available now (polling requested), -1 at end of stream or on error (flags tell which).
     */
    public int recv() {
        if ((flags & (ERROR | READ_CLOSED | CLOSED | CONNECTING)) != 0)
            return (flags & CONNECTING) != 0 ? 0 : -1;
        if (in.position() > 0 && in.limit() == in.capacity()) {
            in.compact();
            in.flip();
        } else if (in.position() == in.limit()) {
            in.clear().limit(0);
        }
        int room = in.capacity() - in.limit();
        if (room == 0)
            return 0;
        long n = Sys.epoxy_read(fd, inAddr + in.limit(), room);
        if (n > 0) {
            in.limit(in.limit() + (int) n);
            lastActivity = poller.nowMs();
            return (int) n;
        }
        if (n == 0) {
            flags |= READ_CLOSED;
            return -1;
        }
        if (n == -Abi.EAGAIN) {
            fds.cantRecv(fd);
            fds.wantRecv(fd);
            return 0;
        }
        flags |= ERROR;
        return -1;
    }

    /** Stops asking the poller for input (lazy: the poller drops it on the next report). */
    public void stopRecv() {
        if ((flags & CLOSED) == 0)
            fds.stopRecv(fd);
    }

    public void wantRecv() {
        if ((flags & CLOSED) == 0)
            fds.wantRecv(fd);
    }

    /**
     * Writes {@link #out} to the socket. Returns true when the buffer is empty afterwards; on
     * EAGAIN requests write polling and returns false; on error sets ERROR and returns false.
     */
    public boolean flush() {
        if ((flags & (ERROR | CLOSED)) != 0)
            return false;
        if ((flags & CONNECTING) != 0)
            return out.position() == 0;
        int len = out.position();
        if (len == 0)
            return true;
        long n = Sys.epoxy_write(fd, outAddr, len);
        if (n < 0) {
            if (n == -Abi.EAGAIN) {
                fds.cantSend(fd);
                fds.wantSend(fd);
                return false;
            }
            flags |= ERROR;
            return false;
        }
        lastActivity = poller.nowMs();
        if (n == len) {
            out.clear();
            fds.stopSend(fd);
            return true;
        }
        out.flip();
        out.position((int) n);
        out.compact();
        fds.cantSend(fd);
        fds.wantSend(fd);
        return false;
    }

    /** Half-closes the write side once everything queued is sent (the caller checks flush()). */
    public void shutWrite() {
        if ((flags & (WRITE_SHUT | CLOSED)) == 0) {
            flags |= WRITE_SHUT;
            Sys.epoxy_shutdown(fd, Abi.SHUT_WR);
        }
    }

    /** Closes the fd through the fd table (exactly one close per life). */
    public void close() {
        if ((flags & CLOSED) != 0)
            return;
        flags |= CLOSED;
        fds.delete(fd);
    }

    /** Abortive close (RST), used for server connections on errors. */
    public void abort() {
        if ((flags & CLOSED) == 0)
            fds.setLingerRisk(fd);
        close();
    }

    @Override
    public String toString() {
        return (backend ? "be" : "fe") + "-conn(fd=" + fd + ",flags=" + flags + ")";
    }
}
