package dev.epoxy.sys;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The native shim (libepoxyshim.so) through JNA direct mapping.
 *
 * <p>Raw natives carry the C symbol's name and return a value or {@code -errno}; nothing here
 * throws on an I/O error, callers test {@code r < 0}. Only primitives and raw addresses cross
 * the boundary, except the host string of {@link #sockaddr}, which is a start-up path.
 */
public final class Sys {
    /**
     * The shim's JNA name: {@code <os>-<arch>/libepoxyshim.so} on the class path. Not "epoxy":
     * JNA searches the system's library paths before the class path, and Debian's libepoxy0 (an
     * OpenGL library that chromium and GTK install) would be bound instead.
     */
    public static final String LIBRARY = "epoxyshim";

    static {
        // JNA's NativeLibrary would otherwise run "/sbin/ldconfig -p" in a child process at class
        // initialisation to learn the system's library paths (30-40 ms of every start-up); the
        // shim is loaded by its path, so those paths are never needed. A value set by the user wins.
        if (System.getProperty("jna.platform.library.path") == null)
            System.setProperty("jna.platform.library.path", "");
        java.io.File[] laidOut = laidOut();
        if (laidOut != null && System.getProperty("jna.boot.library.path") == null)
            System.setProperty("jna.boot.library.path", laidOut[1].getParent());
        JnaStartup.primeFieldOrder();
        Native.register(Sys.class, bundled(laidOut));
    }

    /**
     * The shim and JNA's dispatch library as the build laid them out next to the jar
     * ({@code native/}, by bin/cds-archive), when both are there and not older than the jar:
     * loaded from there, nothing is extracted to a temporary file at start (which also
     * initialised SecureRandom for the file names: 25-30 ms of a start-up). Null otherwise (a jar
     * copied alone, or classes from a directory, as in tests): both are extracted as before.
     */
    private static java.io.File[] laidOut() {
        try {
            java.security.CodeSource src = Sys.class.getProtectionDomain().getCodeSource();
            java.io.File jar = src == null ? null : new java.io.File(src.getLocation().toURI());
            if (jar == null || !jar.isFile())
                return null;
            String arch = System.getProperty("os.arch");
            String prefix = "linux-" + ("amd64".equals(arch) ? "x86-64" : arch);
            java.io.File dir = new java.io.File(jar.getParentFile(), "native");
            java.io.File shim = new java.io.File(dir, prefix + "/lib" + LIBRARY + ".so");
            java.io.File jna = new java.io.File(dir, "com/sun/jna/" + prefix + "/libjnidispatch.so");
            long built = jar.lastModified();
            return shim.lastModified() >= built && jna.lastModified() >= built ? new java.io.File[] {shim, jna} : null;
        } catch (SecurityException | IllegalArgumentException | java.net.URISyntaxException e) {
            return null;
        }
    }

    /** The shim shipped with Epoxy, loaded by its path: laid out next to the jar, or extracted from the class path. */
    private static com.sun.jna.NativeLibrary bundled(java.io.File[] laidOut) {
        if (laidOut != null) {
            try {
                return com.sun.jna.NativeLibrary.getInstance(laidOut[0].getAbsolutePath());
            } catch (UnsatisfiedLinkError e) {
                // extracted below instead
            }
        }
        try {
            java.io.File f = Native.extractFromResourcePath(LIBRARY, Sys.class.getClassLoader());
            return com.sun.jna.NativeLibrary.getInstance(f.getAbsolutePath());
        } catch (java.io.IOException | UnsatisfiedLinkError e) {
            return com.sun.jna.NativeLibrary.getInstance(LIBRARY);
        }
    }

    private Sys() {}

    public static native int epoxy_abi(long out, int n);
    public static native int epoxy_errno_name(int err, long buf, int len);
    public static native int epoxy_noop(int x);
    public static native long epoxy_raise_nofile();

    public static native int epoxy_epoll_create();
    public static native int epoxy_epoll_ctl(int ep, int op, int fd, int events, long data);
    public static native int epoxy_epoll_wait(int ep, long events, int max, int timeoutMs);
    public static native int epoxy_eventfd();
    public static native int epoxy_eventfd_write(int fd);
    public static native int epoxy_eventfd_read(int fd);
    public static native int epoxy_nap(long ns);

    public static native int epoxy_sockaddr(String host, int port, long out);
    /** A TCP listener, with TCP_NODELAY, which every socket it accepts inherits (Linux). */
    public static native int epoxy_listen(long sa, int salen, int backlog, int reuseport);
    public static native int epoxy_accept(int lfd, long saOut);
    public static native int epoxy_socket(int family);
    public static native int epoxy_connect(int fd, long sa, int salen);
    /** socket, TCP_NODELAY and a non-blocking connect in one call: the fd (connected or in progress), or -errno. */
    public static native int epoxy_connect_new(long sa, int salen);
    public static native int epoxy_so_error(int fd);
    public static native int epoxy_local_port(int fd);
    /** Bytes the kernel holds for reading (FIONREAD), or -errno: one ioctl (diagnostics, and a splice's EAGAIN). */
    public static native int epoxy_unread(int fd);
    /** 1 when the socket would take more output now, 0 when the peer holds it back, or -errno. Diagnostics only. */
    public static native int epoxy_writable(int fd);
    /** Bytes written to a TCP socket and not sent yet (SIOCOUTQNSD), or -errno. Tests and diagnostics. */
    public static native int epoxy_unsent(int fd);
    public static native int epoxy_socketpair(long out);
    public static native int epoxy_set_nodelay(int fd, int on);
    /** TCP_QUICKACK; 0 on a listener: every socket it accepts delays its first ACK (smart-accept). */
    public static native int epoxy_set_quickack(int fd, int on);
    /** 1 when the socket acknowledges at once, 0 in delayed-ACK mode, or -errno. */
    public static native int epoxy_quickack(int fd);
    /** SO_LINGER 0 and close in one call: the peer gets a reset, no TIME_WAIT is left. */
    public static native int epoxy_close_reset(int fd);
    /** 1 when TCP_NODELAY is set, 0 when not, or -errno. */
    public static native int epoxy_nodelay(int fd);
    public static native int epoxy_set_nonblock(int fd);
    public static native long epoxy_read(int fd, long buf, long len);
    public static native long epoxy_write(int fd, long buf, long len);
    /** As epoxy_write, with MSG_MORE: the caller writes again at once. */
    public static native long epoxy_write_more(int fd, long buf, long len);
    public static native long epoxy_writev(int fd, long iov, int cnt);
    /** A non-blocking pipe of {@code size} bytes (0: the default): read fd &lt;&lt; 32 | write fd, or -errno. */
    public static native long epoxy_pipe(int size);
    /** splice(2) without blocking on the pipe: bytes moved, 0 at the end of {@code in}, or -errno. */
    public static native long epoxy_splice(int in, int out, long len);
    /** As epoxy_splice from a pipe to a socket, with SPLICE_F_MORE: more of the message follows at once. */
    public static native long epoxy_splice_more(int in, int out, long len);
    public static native int epoxy_shutdown(int fd, int how);
    public static native int epoxy_close(int fd);
    public static native int epoxy_dup(int fd);
    /** A listening AF_UNIX stream socket at {@code path} (replacing a stale socket file), chmod'ed to {@code mode} when >= 0. */
    public static native int epoxy_unix_listen(String path, int backlog, int mode);

    // dgram.c: syslog targets (UDP and AF_UNIX datagram sockets)
    public static native int epoxy_dgram_socket(int family);
    /** Fills a sockaddr_un (at least 110 bytes at {@code out}); returns its length or -errno. */
    public static native int epoxy_unix_sockaddr(String path, long out);
    public static native int epoxy_bind(int fd, long sa, int salen);
    public static native long epoxy_sendto(int fd, long buf, long len, long sa, int salen);
    /** One datagram, waiting at most {@code timeoutMs}; -EAGAIN on timeout. */
    public static native long epoxy_recv_wait(int fd, long buf, long len, int timeoutMs);

    // mem.c: buffer memory owned by Epoxy (conn.BufferPool)
    /** Reserves address space for {@code len} bytes (no memory until written); address or -errno. */
    public static native long epoxy_mem_reserve(long len);
    /** Gives the pages of a range back to the kernel (they read as zeros afterwards). */
    public static native int epoxy_mem_release(long addr, long len);
    public static native int epoxy_mem_unmap(long addr, long len);

    /** A direct ByteBuffer over native memory we own (no Cleaner: whoever owns the memory frees it). */
    public static ByteBuffer wrap(long addr, int size) {
        return new Pointer(addr).getByteBuffer(0, size).order(ByteOrder.nativeOrder());
    }

    // proc.c: listener hand-over (SCM_RIGHTS over AF_UNIX), signals, privileges, detaching
    /** A listening AF_UNIX stream socket; a name starting with '@' is in the abstract namespace. */
    /** Waits at most {@code timeoutMs} for a connection (-EAGAIN on timeout); the result is blocking, 5 s I/O timeouts. */
    public static native int epoxy_unix_accept(int lfd, int timeoutMs);
    public static native int epoxy_unix_connect(String name);
    public static native int epoxy_peer_uid(int fd);
    public static native int epoxy_send_fds(int sock, long buf, int len, long fds, int nfds);
    public static native int epoxy_recv_fds(int sock, long buf, int len, long fds, int maxfds, long nfdsOut);
    /** 1 when fd is a listening TCP socket bound to exactly this address, else 0. */
    public static native int epoxy_listens_on(int fd, long sa, int salen);
    public static native int epoxy_getpid();
    public static native int epoxy_geteuid();
    public static native int epoxy_kill(int pid, int sig);
    public static native int epoxy_setsid();
    public static native int epoxy_setgid(int gid);
    public static native int epoxy_setuid(int uid);
    public static native int epoxy_chroot(String dir);
    public static native int epoxy_devnull(int fd);

    /** Off-heap, native-order buffer; kept reachable by the caller for as long as its address is used. */
    public static ByteBuffer allocate(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    public static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    /** strerror text for a positive or negative errno. */
    public static String strerror(int err) {
        ByteBuffer b = allocate(256);
        int n = epoxy_errno_name(Math.abs(err), address(b), 256);
        byte[] s = new byte[Math.max(n, 0)];
        b.get(s);
        return new String(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Two non-blocking connected AF_UNIX stream sockets. */
    public static int[] socketpair() {
        ByteBuffer b = allocate(8);
        int r = epoxy_socketpair(address(b));
        if (r < 0) throw new IllegalStateException("socketpair: " + strerror(r));
        return new int[] {b.getInt(0), b.getInt(4)};
    }
}
