package dev.epoxy.proxy;

import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seamless reload: a running process hands its listening sockets to the process that replaces
 * it, so that connections waiting in the accept queue are accepted by the new process instead
 * of being reset when the old one closes its listeners (HAProxy's {@code expose-fd listeners}
 * with {@code -x}, without the stats socket).
 *
 * <p>Every running Epoxy serves its listeners on the abstract AF_UNIX socket
 * {@code @epoxy-listeners.<pid>} (no file: nothing to clean up, and it works after a chroot).
 * A process started with {@code -sf/-st <pid>} connects to it, receives the descriptors
 * (SCM_RIGHTS, one message, at most 200 per message) and uses each one whose address matches a
 * {@code bind}. Only a peer with the same uid as the server (or root) is answered
 * (SO_PEERCRED): the socket has no file permissions.
 *
 * <p>Wire format, per message: ASCII {@code "EPOXY-LISTENERS <n>\n"} with n descriptors attached;
 * the last message has n = 0 (no descriptors) and the server closes the connection.
 */
public final class Handover implements AutoCloseable {
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger(Handover.class);
    }
    private static final int PER_MESSAGE = 200;

    private final ProxyRuntime rt;
    private final int lfd;
    private final Thread thread;
    private volatile boolean closed;

    public static String socketName(long pid) {
        return "@epoxy-listeners." + pid;
    }

    private Handover(ProxyRuntime rt, int lfd) {
        this.rt = rt;
        this.lfd = lfd;
        this.thread = new Thread(this::serve, "epoxy-handover");
        thread.setDaemon(true);
    }

    /** Starts serving this process's listeners; null (with a warning) if the socket cannot be made. */
    public static Handover serve(ProxyRuntime rt) {
        String name = socketName(Sys.epoxy_getpid());
        int fd = Sys.epoxy_unix_listen(name, 16, -1);
        if (fd < 0) {
            log().warn("reload socket {}: {}; a reload will not receive these listeners", name, Sys.strerror(fd));
            return null;
        }
        Handover h = new Handover(rt, fd);
        h.thread.start();
        return h;
    }

    private void serve() {
        ByteBuffer fdsBuf = Sys.allocate(4 * PER_MESSAGE);
        ByteBuffer msg = Sys.allocate(64);
        int me = Sys.epoxy_geteuid();
        while (!closed) {
            int c = Sys.epoxy_unix_accept(lfd, 200);
            if (c == -Abi.EAGAIN || c == -Abi.EINTR)
                continue;
            if (c < 0) {
                if (!closed)
                    log().warn("reload socket: accept: {}", Sys.strerror(c));
                return;
            }
            try {
                int uid = Sys.epoxy_peer_uid(c);
                if (uid < 0 || (uid != me && uid != 0)) {
                    log().warn("reload socket: refused a peer with uid {} (we run as {})", uid, me);
                    continue;
                }
                rt.withListeners(fds -> send(c, fds, fdsBuf, msg));
            } finally {
                Sys.epoxy_close(c);
            }
        }
    }

    private static void send(int c, List<Integer> fds, ByteBuffer fdsBuf, ByteBuffer msg) {
        int i = 0;
        do {
            int n = Math.min(PER_MESSAGE, fds.size() - i);
            for (int k = 0; k < n; k++)
                fdsBuf.putInt(4 * k, fds.get(i + k));
            if (!message(c, n, fdsBuf, msg))
                return;
            i += n;
            if (n == 0)
                break;
        } while (true);
        log().info("reload: handed {} listening socket(s) to a new process", fds.size());
    }

    private static boolean message(int c, int n, ByteBuffer fdsBuf, ByteBuffer msg) {
        byte[] text = ("EPOXY-LISTENERS " + n + "\n").getBytes(StandardCharsets.US_ASCII);
        msg.clear();
        msg.put(0, text);
        int r = Sys.epoxy_send_fds(c, Sys.address(msg), text.length, Sys.address(fdsBuf), n);
        if (r < 0) {
            log().warn("reload socket: sendmsg: {}", Sys.strerror(r));
            return false;
        }
        return true;
    }

    /**
     * Asks the process {@code pid} for its listening sockets. Returns the descriptors received
     * (close-on-exec, owned by the caller); throws with the reason when none could be had.
     */
    public static List<Integer> fetch(long pid) throws java.io.IOException {
        String name = socketName(pid);
        int c = Sys.epoxy_unix_connect(name);
        if (c < 0)
            throw new java.io.IOException("connect to " + name + ": " + Sys.strerror(c));
        List<Integer> got = new ArrayList<>();
        ByteBuffer fdsBuf = Sys.allocate(4 * PER_MESSAGE);
        ByteBuffer nfds = Sys.allocate(4);
        ByteBuffer msg = Sys.allocate(64);
        try {
            while (true) {
                int r = Sys.epoxy_recv_fds(c, Sys.address(msg), 64, Sys.address(fdsBuf), PER_MESSAGE, Sys.address(nfds));
                if (r < 0)
                    throw new java.io.IOException("receive from " + name + ": " + Sys.strerror(r));
                int n = nfds.getInt(0);
                for (int k = 0; k < n; k++)
                    got.add(fdsBuf.getInt(4 * k));
                if (r == 0)
                    throw new java.io.IOException(name + " closed before the end of the list");
                byte[] text = new byte[r];
                msg.get(0, text);
                String line = new String(text, StandardCharsets.US_ASCII);
                if (!line.startsWith("EPOXY-LISTENERS "))
                    throw new java.io.IOException(name + ": unexpected message '" + line.strip() + "'");
                if (n == 0)
                    return got;
            }
        } catch (java.io.IOException e) {
            for (int fd : got)
                Sys.epoxy_close(fd);
            throw e;
        } finally {
            Sys.epoxy_close(c);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Sys.epoxy_close(lfd);
    }
}
