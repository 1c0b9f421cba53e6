package dev.epoxy.sys;

import java.nio.ByteBuffer;

/**
 * A non-blocking datagram socket with a fixed destination, for syslog: UDP to a numeric
 * {@code host:port} (IPv4 or IPv6) or the local AF_UNIX datagram socket ({@code /dev/log}).
 * Not thread-safe: one owner (the log writer thread) sends on it.
 */
public final class Datagram implements AutoCloseable {
    private final int fd;
    private final ByteBuffer sa;
    private final int salen;
    private final String name;

    private Datagram(int fd, ByteBuffer sa, int salen, String name) {
        this.fd = fd;
        this.sa = sa;
        this.salen = salen;
        this.name = name;
    }

    /** UDP to a numeric address. */
    public static Datagram udp(String host, int port) {
        SockAddr a = SockAddr.of(host, port);
        ByteBuffer sa = Sys.allocate(Abi.SOCKADDR_STORAGE_SIZE);
        int len = Sys.epoxy_sockaddr(host, port, Sys.address(sa));
        if (len < 0)
            throw new IllegalArgumentException("bad address " + host + ":" + port);
        int fd = Sys.epoxy_dgram_socket(a.family());
        if (fd < 0)
            throw new IllegalStateException("socket: " + Sys.strerror(fd));
        return new Datagram(fd, sa, len, host + ":" + port);
    }

    /** The AF_UNIX datagram socket at {@code path}. */
    public static Datagram unix(String path) {
        ByteBuffer sa = Sys.allocate(Abi.SOCKADDR_STORAGE_SIZE);
        int len = Sys.epoxy_unix_sockaddr(path, Sys.address(sa));
        if (len < 0)
            throw new IllegalArgumentException("unix socket path too long: " + path);
        int fd = Sys.epoxy_dgram_socket(Abi.AF_UNIX);
        if (fd < 0)
            throw new IllegalStateException("socket: " + Sys.strerror(fd));
        return new Datagram(fd, sa, len, path);
    }

    /** An AF_UNIX datagram socket bound to {@code path}, to receive on (tests). */
    public static Datagram bindUnix(String path) {
        Datagram d = unix(path);
        int r = Sys.epoxy_bind(d.fd, Sys.address(d.sa), d.salen);
        if (r < 0) {
            d.close();
            throw new IllegalStateException("bind " + path + ": " + Sys.strerror(r));
        }
        return d;
    }

    /** Sends {@code len} bytes from the start of a direct buffer; bytes sent or -errno (-EAGAIN: full). */
    public long send(ByteBuffer direct, int len) {
        return Sys.epoxy_sendto(fd, Sys.address(direct), len, Sys.address(sa), salen);
    }

    /** Receives one datagram into a direct buffer (from its start), waiting at most {@code timeoutMs}. */
    public long receive(ByteBuffer direct, int timeoutMs) {
        return Sys.epoxy_recv_wait(fd, Sys.address(direct), direct.capacity(), timeoutMs);
    }

    @Override
    public void close() {
        Sys.epoxy_close(fd);
    }

    @Override
    public String toString() {
        return name;
    }
}
