package dev.epoxy.sys;

import java.nio.ByteBuffer;

/** A resolved numeric socket address held off-heap, built once and reused for every connect. */
public final class SockAddr {
    public final String host;
    public final int port;
    private final ByteBuffer mem;
    public final long address;
    public final int length;

    private SockAddr(String host, int port, ByteBuffer mem, int length) {
        this.host = host;
        this.port = port;
        this.mem = mem;
        this.address = Sys.address(mem);
        this.length = length;
    }

    /** @throws IllegalArgumentException if host is not a numeric IPv4 or IPv6 address */
    public static SockAddr of(String host, int port) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("invalid port " + port);
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equals("*") || h.isEmpty()) h = "0.0.0.0";
        if (h.equals("localhost")) h = "127.0.0.1";
        ByteBuffer mem = Sys.allocate(Abi.SOCKADDR_STORAGE_SIZE);
        int len = Sys.epoxy_sockaddr(h, port, Sys.address(mem));
        if (len < 0) throw new IllegalArgumentException("not a numeric IP address: '" + host + "'");
        return new SockAddr(h, port, mem, len);
    }

    public int family() {
        return mem.getShort(0) & 0xffff;
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
