package dev.epoxy.testutil;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port where connections are refused, for "dead server" tests: a TCP socket bound
 * to it but never listening (a client socket, bound and not connected). The kernel answers a
 * SYN to it with a reset, and while this is open no other socket can bind the port (no
 * SO_REUSEADDR), so a concurrent test or the kernel's port 0 cannot make it come alive.
 */
public final class RefusedPort implements AutoCloseable {
    private final Socket s = new Socket();

    public RefusedPort() throws IOException {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    public int port() {
        return s.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        s.close();
    }
}
