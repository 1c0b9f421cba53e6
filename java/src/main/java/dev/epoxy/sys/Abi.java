package dev.epoxy.sys;

import java.nio.ByteBuffer;

/** ABI facts read once from the shim ({@code epoxy_abi}): sizes, offsets, epoll and errno values. */
public final class Abi {
    public static final int EPOLL_EVENT_SIZE, EPOLL_DATA_OFFSET;
    public static final int EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, EPOLLET;
    public static final int EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL;
    public static final int EAGAIN, EINPROGRESS, ECONNREFUSED, EBADF, EPIPE, ECONNRESET, ENOTCONN,
            EINTR, ETIMEDOUT;
    public static final int SOCKADDR_STORAGE_SIZE, IOVEC_SIZE, AF_INET, AF_INET6;
    public static final int SHUT_RD, SHUT_WR, SHUT_RDWR, EADDRINUSE, ENOENT, EEXIST, EMFILE, ENFILE, AF_UNIX;
    public static final int SIGUSR1, SIGTERM, ESRCH, EPERM;
    public static final int EPOLLEXCLUSIVE, EINVAL;

    static {
        ByteBuffer b = Sys.allocate(64 * 4);
        int n = Sys.epoxy_abi(Sys.address(b), 64);
        if (n < 32) throw new IllegalStateException("libepoxyshim ABI table too short: " + n);
        int i = 0;
        EPOLL_EVENT_SIZE = b.getInt(4 * i++);
        EPOLL_DATA_OFFSET = b.getInt(4 * i++);
        EPOLLIN = b.getInt(4 * i++);
        EPOLLOUT = b.getInt(4 * i++);
        EPOLLERR = b.getInt(4 * i++);
        EPOLLHUP = b.getInt(4 * i++);
        EPOLLRDHUP = b.getInt(4 * i++);
        EPOLLET = b.getInt(4 * i++);
        EPOLL_CTL_ADD = b.getInt(4 * i++);
        EPOLL_CTL_MOD = b.getInt(4 * i++);
        EPOLL_CTL_DEL = b.getInt(4 * i++);
        EAGAIN = b.getInt(4 * i++);
        EINPROGRESS = b.getInt(4 * i++);
        ECONNREFUSED = b.getInt(4 * i++);
        EBADF = b.getInt(4 * i++);
        EPIPE = b.getInt(4 * i++);
        ECONNRESET = b.getInt(4 * i++);
        ENOTCONN = b.getInt(4 * i++);
        EINTR = b.getInt(4 * i++);
        ETIMEDOUT = b.getInt(4 * i++);
        SOCKADDR_STORAGE_SIZE = b.getInt(4 * i++);
        IOVEC_SIZE = b.getInt(4 * i++);
        AF_INET = b.getInt(4 * i++);
        AF_INET6 = b.getInt(4 * i++);
        SHUT_RD = b.getInt(4 * i++);
        SHUT_WR = b.getInt(4 * i++);
        SHUT_RDWR = b.getInt(4 * i++);
        EADDRINUSE = b.getInt(4 * i++);
        ENOENT = b.getInt(4 * i++);
        EEXIST = b.getInt(4 * i++);
        EMFILE = b.getInt(4 * i++);
        ENFILE = b.getInt(4 * i++);
        AF_UNIX = b.getInt(4 * i++);
        SIGUSR1 = b.getInt(4 * i++);
        SIGTERM = b.getInt(4 * i++);
        ESRCH = b.getInt(4 * i++);
        EPERM = b.getInt(4 * i++);
        EPOLLEXCLUSIVE = b.getInt(4 * i++);
        EINVAL = b.getInt(4 * i++);
    }

    private Abi() {}
}
