package dev.epoxy.sys;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every shim function against the real kernel, including its error returns (-errno). */
class SysTest {
    /**
     * For calls that must fail with EBADF: a number nothing here holds (the kernel hands out the
     * lowest free one). Never a number this test just closed: another thread of the JVM may hold
     * it again by then, and a close through it closed that thread's file (once in 44 runs of the
     * fd, poller, conn and sys classes with a CPU hog: close_reset of the freed number returned 0).
     */
    private static final int NOT_OPEN = 1_000_000;
    private final ByteBuffer buf = Sys.allocate(65536);
    private final long bufAddr = Sys.address(buf);

    private long write(int fd, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        buf.clear();
        buf.put(b);
        return Sys.epoxy_write(fd, bufAddr, b.length);
    }

    private String read(int fd) {
        long n = Sys.epoxy_read(fd, bufAddr, buf.capacity());
        assertTrue(n >= 0, () -> "read: " + Sys.strerror((int) n));
        byte[] b = new byte[(int) n];
        buf.get(0, b);
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** Waits (bounded) for one epoll event on fd and returns its event mask. */
    private static int waitFor(int fd, int events) {
        int ep = Sys.epoxy_epoll_create();
        assertTrue(ep >= 0);
        try {
            assertEquals(0, Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_ADD, fd, events, 42L << 32 | fd));
            ByteBuffer ev = Sys.allocate(Abi.EPOLL_EVENT_SIZE * 4);
            int n = Sys.epoxy_epoll_wait(ep, Sys.address(ev), 4, 5000);
            assertEquals(1, n, "one event within 5 s");
            assertEquals(42L << 32 | fd, ev.getLong(Abi.EPOLL_DATA_OFFSET), "data carried unchanged");
            return ev.getInt(0);
        } finally {
            Sys.epoxy_close(ep);
        }
    }

    @Test
    void theShimIsTheOneBuiltFromNativeNotASystemLibraryOfTheSameName() {
        // Debian's libepoxy0 once took the place of a shim named libepoxy.so (JNA searches the
        // system's paths first): every call then failed with an undefined symbol.
        java.io.File f = com.sun.jna.NativeLibrary.getInstance(Sys.LIBRARY).getFile();
        assertNotNull(f);
        assertFalse(f.getPath().startsWith("/usr/") || f.getPath().startsWith("/lib"), f.getPath());
        assertEquals(41, Sys.epoxy_noop(41)); // a symbol only the shim has
    }

    @Test
    void socketpairReadWriteAndErrors() {
        int[] sp = Sys.socketpair();
        try {
            assertEquals(-Abi.EAGAIN, Sys.epoxy_read(sp[0], bufAddr, 16), "empty non-blocking read");
            assertEquals(5, write(sp[1], "hello"));
            assertEquals("hello", read(sp[0]));
            assertEquals(0, Sys.epoxy_shutdown(sp[1], Abi.SHUT_WR));
            assertEquals(0, Sys.epoxy_read(sp[0], bufAddr, 16), "EOF after peer shutdown(WR)");
        } finally {
            assertEquals(0, Sys.epoxy_close(sp[0]));
            assertEquals(0, Sys.epoxy_close(sp[1]));
        }
        assertEquals(-Abi.EBADF, Sys.epoxy_read(NOT_OPEN, bufAddr, 16), "read on a number that is not open");
        assertEquals(-Abi.EBADF, Sys.epoxy_close(NOT_OPEN), "close of a number that is not open");
        assertEquals(-Abi.EBADF, Sys.epoxy_write(NOT_OPEN, bufAddr, 1));
    }

    @Test
    void writeToClosedPeerIsEpipeNotSignal() {
        int[] sp = Sys.socketpair();
        Sys.epoxy_close(sp[1]);
        assertEquals(-Abi.EPIPE, write(sp[0], "x"));
        Sys.epoxy_close(sp[0]);
    }

    @Test
    void epollCtlAndWait() {
        int ep = Sys.epoxy_epoll_create();
        int[] sp = Sys.socketpair();
        try {
            ByteBuffer ev = Sys.allocate(Abi.EPOLL_EVENT_SIZE * 8);
            assertEquals(0, Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_ADD, sp[0], Abi.EPOLLIN, 7L << 32 | sp[0]));
            assertEquals(-Abi.EEXIST, Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_ADD, sp[0], Abi.EPOLLIN, 0));
            assertEquals(-Abi.ENOENT, Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_MOD, sp[1], Abi.EPOLLIN, 0));
            assertEquals(-Abi.ENOENT, Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_DEL, sp[1], 0, 0));
            assertEquals(-Abi.EBADF, Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_ADD, NOT_OPEN, Abi.EPOLLIN, 0));
            assertEquals(0, Sys.epoxy_epoll_wait(ep, Sys.address(ev), 8, 0), "nothing readable yet");
            write(sp[1], "x");
            assertEquals(1, Sys.epoxy_epoll_wait(ep, Sys.address(ev), 8, 5000));
            assertTrue((ev.getInt(0) & Abi.EPOLLIN) != 0);
            assertEquals(7L << 32 | sp[0], ev.getLong(Abi.EPOLL_DATA_OFFSET));
            // edge-triggered: reported once per new arrival, not while data stays unread
            assertEquals(0, Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_MOD, sp[0], Abi.EPOLLIN | Abi.EPOLLET, 9));
            assertEquals(1, Sys.epoxy_epoll_wait(ep, Sys.address(ev), 8, 5000));
            assertEquals(0, Sys.epoxy_epoll_wait(ep, Sys.address(ev), 8, 0));
            assertEquals(0, Sys.epoxy_epoll_ctl(ep, Abi.EPOLL_CTL_DEL, sp[0], 0, 0));
            Sys.epoxy_close(sp[1]);
            int e = waitFor(sp[0], Abi.EPOLLIN | Abi.EPOLLRDHUP);
            assertTrue((e & Abi.EPOLLRDHUP) != 0, "peer close reported as RDHUP");
        } finally {
            Sys.epoxy_close(sp[0]);
            Sys.epoxy_close(ep);
        }
        assertEquals(-Abi.EBADF, Sys.epoxy_epoll_wait(NOT_OPEN, bufAddr, 1, 0), "wait on a number that is not open");
    }

    @Test
    void eventfdCountsAndDrains() {
        int ev = Sys.epoxy_eventfd();
        assertTrue(ev >= 0);
        try {
            assertEquals(-Abi.EAGAIN, Sys.epoxy_eventfd_read(ev), "empty eventfd");
            assertEquals(0, Sys.epoxy_eventfd_write(ev));
            assertEquals(0, Sys.epoxy_eventfd_write(ev));
            assertTrue((waitFor(ev, Abi.EPOLLIN) & Abi.EPOLLIN) != 0);
            assertEquals(2, Sys.epoxy_eventfd_read(ev), "counter accumulates");
            assertEquals(-Abi.EAGAIN, Sys.epoxy_eventfd_read(ev));
        } finally {
            Sys.epoxy_close(ev);
        }
        assertEquals(-Abi.EBADF, Sys.epoxy_eventfd_write(NOT_OPEN));
    }

    @Test
    void tcpListenConnectAcceptWritevShutdown() throws Exception {
        int lfd = Net.listen(SockAddr.of("127.0.0.1", 0), 16, false);
        int cfd = -1, afd = -1;
        try {
            int port = Net.localPort(lfd);
            assertTrue(port > 0);
            assertEquals(-Abi.EAGAIN, Sys.epoxy_accept(lfd, 0), "no pending connection");
            SockAddr sa = SockAddr.of("127.0.0.1", port);
            assertEquals(Abi.AF_INET, sa.family());
            cfd = Sys.epoxy_connect_new(sa.address, sa.length);
            int fd = cfd;
            assertTrue(cfd >= 0, () -> "connect: " + Sys.strerror(fd));
            assertEquals(1, Sys.epoxy_nodelay(cfd), "connect_new sets TCP_NODELAY");
            assertTrue((waitFor(cfd, Abi.EPOLLOUT) & Abi.EPOLLOUT) != 0);
            assertEquals(0, Sys.epoxy_so_error(cfd));
            waitFor(lfd, Abi.EPOLLIN);
            ByteBuffer peer = Sys.allocate(Abi.SOCKADDR_STORAGE_SIZE);
            afd = Sys.epoxy_accept(lfd, Sys.address(peer));
            assertTrue(afd >= 0, () -> "accept");
            assertEquals(Abi.AF_INET, peer.getShort(0) & 0xffff, "peer address filled in");
            // Epoxy sets TCP_NODELAY on its listeners only: accepted sockets inherit it.
            assertEquals(1, Sys.epoxy_nodelay(afd), "TCP_NODELAY inherited from the listener");
            assertEquals(0, Sys.epoxy_set_nodelay(afd, 0));
            assertEquals(0, Sys.epoxy_nodelay(afd));
            assertEquals(0, Sys.epoxy_set_nonblock(afd));
            assertEquals(-Abi.EAGAIN, Sys.epoxy_read(afd, bufAddr, 16), "accepted socket is non-blocking");

            // writev: two iovecs {base, len} off-heap
            ByteBuffer data = Sys.allocate(16);
            data.put("GET /".getBytes(StandardCharsets.US_ASCII)).put(" HTTP".getBytes(StandardCharsets.US_ASCII));
            ByteBuffer iov = Sys.allocate(2 * Abi.IOVEC_SIZE);
            long base = Sys.address(data);
            iov.putLong(0, base).putLong(8, 5).putLong(Abi.IOVEC_SIZE, base + 5).putLong(Abi.IOVEC_SIZE + 8, 5);
            assertEquals(10, Sys.epoxy_writev(cfd, Sys.address(iov), 2));
            waitFor(afd, Abi.EPOLLIN);
            assertEquals("GET / HTTP", read(afd));

            assertEquals(0, Sys.epoxy_shutdown(cfd, Abi.SHUT_WR));
            waitFor(afd, Abi.EPOLLIN | Abi.EPOLLRDHUP);
            assertEquals(0, Sys.epoxy_read(afd, bufAddr, 16), "EOF after shutdown(WR)");
            assertEquals(3, write(afd, "bye"), "other direction still open");
            waitFor(cfd, Abi.EPOLLIN);
            assertEquals("bye", read(cfd));
            int fresh = Sys.epoxy_socket(Abi.AF_INET);
            assertEquals(-Abi.ENOTCONN, Sys.epoxy_shutdown(fresh, Abi.SHUT_RDWR), "unconnected socket");
            Sys.epoxy_close(fresh);
        } finally {
            if (afd >= 0) Sys.epoxy_close(afd);
            if (cfd >= 0) Sys.epoxy_close(cfd);
            Sys.epoxy_close(lfd);
        }
    }

    @Test
    void linger0CloseResetsPeer() throws Exception {
        int lfd = Net.listen(SockAddr.of("127.0.0.1", 0), 16, true);
        SockAddr sa = SockAddr.of("127.0.0.1", Net.localPort(lfd));
        int cfd = Sys.epoxy_socket(Abi.AF_INET);
        Sys.epoxy_connect(cfd, sa.address, sa.length);
        waitFor(lfd, Abi.EPOLLIN);
        int afd = Sys.epoxy_accept(lfd, 0);
        assertTrue(afd >= 0);
        try {
            assertEquals(0, Sys.epoxy_close_reset(afd)); // abortive: RST instead of FIN
            int e = waitFor(cfd, Abi.EPOLLIN | Abi.EPOLLRDHUP);
            assertTrue((e & (Abi.EPOLLHUP | Abi.EPOLLERR | Abi.EPOLLRDHUP)) != 0);
            assertEquals(-Abi.ECONNRESET, Sys.epoxy_read(cfd, bufAddr, 16), "peer sees a reset, not EOF");
        } finally {
            Sys.epoxy_close(cfd);
            Sys.epoxy_close(lfd);
        }
        assertEquals(-Abi.EBADF, Sys.epoxy_close_reset(NOT_OPEN));
        assertEquals(-Abi.EBADF, Sys.epoxy_set_nodelay(NOT_OPEN, 1));
    }

    @Test
    void connectToClosedPortIsRefused() throws Exception {
        int lfd = Net.listen(SockAddr.of("127.0.0.1", 0), 1, false);
        int port = Net.localPort(lfd);
        Sys.epoxy_close(lfd); // nobody listens there any more
        SockAddr sa = SockAddr.of("127.0.0.1", port);
        int fd = Sys.epoxy_socket(Abi.AF_INET);
        try {
            int r = Sys.epoxy_connect(fd, sa.address, sa.length);
            if (r == -Abi.EINPROGRESS) {
                int e = waitFor(fd, Abi.EPOLLOUT);
                assertTrue((e & (Abi.EPOLLERR | Abi.EPOLLHUP)) != 0, "failure reported by epoll");
                assertEquals(-Abi.ECONNREFUSED, Sys.epoxy_so_error(fd));
                assertEquals(0, Sys.epoxy_so_error(fd), "SO_ERROR is consumed by reading it");
            } else {
                assertEquals(-Abi.ECONNREFUSED, r, () -> "connect: " + Sys.strerror(r));
            }
        } finally {
            Sys.epoxy_close(fd);
        }
        assertEquals(-Abi.EBADF, Sys.epoxy_so_error(NOT_OPEN));
        assertEquals(-Abi.EBADF, Sys.epoxy_local_port(NOT_OPEN));
    }

    @Test
    void listenOnBusyPortFailsWithEaddrinuse() throws Exception {
        int lfd = Net.listen(SockAddr.of("127.0.0.1", 0), 1, false);
        try {
            SockAddr sa = SockAddr.of("127.0.0.1", Net.localPort(lfd));
            assertEquals(-Abi.EADDRINUSE, Sys.epoxy_listen(sa.address, sa.length, 1, 0));
            java.io.IOException ex = assertThrows(java.io.IOException.class, () -> Net.listen(sa, 1, false));
            assertTrue(ex.getMessage().contains(sa.toString()), ex.getMessage());
        } finally {
            Sys.epoxy_close(lfd);
        }
    }

    @Test
    void ipv6LoopbackWhenTheKernelHasIt() throws Exception {
        SockAddr any = SockAddr.of("[::1]", 0);
        assertEquals(Abi.AF_INET6, any.family());
        assertEquals("[::1]:0", any.toString());
        boolean hasV6 = Files.isReadable(Path.of("/proc/net/if_inet6"))
                && Files.readString(Path.of("/proc/net/if_inet6")).contains("00000000000000000000000000000001");
        int lfd = Sys.epoxy_listen(any.address, any.length, 4, 0);
        if (!hasV6) {
            assertTrue(lfd < 0, "no ::1 on this host, so listening on it must fail");
            return;
        }
        assertTrue(lfd >= 0, () -> "listen [::1]: " + Sys.strerror(lfd));
        int cfd = -1, afd = -1;
        try {
            SockAddr sa = SockAddr.of("::1", Net.localPort(lfd));
            cfd = Sys.epoxy_socket(Abi.AF_INET6);
            int r = Sys.epoxy_connect(cfd, sa.address, sa.length);
            assertTrue(r == 0 || r == -Abi.EINPROGRESS);
            waitFor(lfd, Abi.EPOLLIN);
            afd = Sys.epoxy_accept(lfd, 0);
            assertTrue(afd >= 0);
            assertEquals(2, write(cfd, "v6"));
            waitFor(afd, Abi.EPOLLIN);
            assertEquals("v6", read(afd));
        } finally {
            if (afd >= 0) Sys.epoxy_close(afd);
            if (cfd >= 0) Sys.epoxy_close(cfd);
            Sys.epoxy_close(lfd);
        }
    }

    @Test
    void badAddressesAndErrnoText() {
        assertThrows(IllegalArgumentException.class, () -> SockAddr.of("example.com", 80));
        assertThrows(IllegalArgumentException.class, () -> SockAddr.of("127.0.0.1", 70000));
        assertEquals(-22 /* EINVAL */, Sys.epoxy_sockaddr("1.2.3", 1, bufAddr));
        assertTrue(Sys.strerror(-Abi.ECONNREFUSED).toLowerCase().contains("refused"));
        assertEquals(Sys.strerror(Abi.EBADF), Sys.strerror(-Abi.EBADF));
        assertEquals(-Abi.EBADF, Sys.epoxy_set_nonblock(NOT_OPEN));
    }

    @Test
    void dupKeepsTheFileOpen() {
        int[] sp = Sys.socketpair();
        int d = Sys.epoxy_dup(sp[0]);
        assertTrue(d >= 0 && d != sp[0]);
        Sys.epoxy_close(sp[0]);
        assertEquals(2, write(sp[1], "ok"));
        assertEquals("ok", read(d), "the duplicate still reads the same socket");
        Sys.epoxy_close(d);
        Sys.epoxy_close(sp[1]);
        assertEquals(-Abi.EBADF, Sys.epoxy_dup(NOT_OPEN));
    }
}
