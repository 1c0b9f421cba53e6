package dev.epoxy.conn;

import dev.epoxy.fd.FdTable;
import dev.epoxy.fd.IoCallback;

/**
 * A listening socket's interest in the fd table, on the same rule as {@link Connection}: the
 * listener says what it needs (accept, the queue is drained, pause, resume) and this class alone
 * turns it into read interest, so no code outside {@code conn}, {@code fd} and {@code poller}
 * sets poll bits.
 *
 * <p>Threading: the fd is shared by every poller thread; each method may be called from any of
 * them (or, for {@link #register}, {@link #pause} and {@link #resume}, from any thread: the fd
 * table routes a foreign call through the owners' inboxes).
 */
public final class ListenerFd {
    private final FdTable fds;
    public final int fd;

    public ListenerFd(FdTable fds, int fd) {
        this.fds = fds;
        this.fd = fd;
    }

    /** Inserts the fd for the threads in {@code threadMask} and asks to hear of connections. */
    public void register(Object owner, IoCallback iocb, long threadMask) {
        fds.insertListener(fd, owner, iocb, threadMask);
        fds.wantRecv(fd);
    }

    /** accept(2) found the queue empty (EAGAIN): wait for the poller to report the next one. */
    public void drained() {
        fds.cantRecv(fd);
        fds.wantRecv(fd);
    }

    /** No accepting for now (a limit is reached, fds ran out, or the listener stops): lazy, as for connections. */
    public void pause() {
        fds.stopRecv(fd);
    }

    /** Accept again. */
    public void resume() {
        fds.wantRecv(fd);
    }
}
