package dev.epoxy.proxy;

import dev.epoxy.conn.ListenerFd;
import dev.epoxy.fd.IoCallback;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.poller.Task;
import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Net;
import dev.epoxy.sys.SockAddr;
import dev.epoxy.sys.Sys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket shared by every poller thread. Whichever thread the poller wakes accepts,
 * then hands each new fd to a thread chosen round-robin, which inserts it in the fd table and
 * owns the connection from then on.
 *
 * <p>Threading: the fd is inserted with every thread in its mask; accept4 is thread-safe and a
 * losing thread just sees EAGAIN. The round-robin counter is the only shared field (atomic).
 * Each thread uses its own sockaddr buffer, indexed by thread id.
 */
public final class Listener implements IoCallback {
    /** Builds the connection layer for an accepted fd, on the thread that will own it. */
    public interface Acceptor {
        /** {@code onClose} must run once when the connection ends (it frees the maxconn slots). */
        void accepted(Poller p, int fd, String addr, int port, Runnable onClose);
    }

    private static final int ACCEPT_BURST = 64;

    /** The bound address, or null for a Unix socket. */
    public final SockAddr addr;
    /** What it listens on, for logs and {@code show fd}. */
    public final String name;
    public final int fd;
    /** Sets the fd's poll interest from what the listener needs (the fd interest rule). */
    private final ListenerFd interest;
    private final Pollers pollers;
    private final Acceptor acceptor;
    private final AtomicInteger next = new AtomicInteger();
    private final ByteBuffer[] peer;
    /** {@link #peer}'s native addresses, looked up once (each lookup is a JNA call that allocates). */
    private final long[] peerAddr;
    /** Frees the maxconn slots of one connection: the same for all of them. */
    private final Runnable releaseAll;

    private final ConnLimit[] limits;
    /**
     * Accepting pauses while the heap is short ({@link HeapGuard}): traffic listeners, those with
     * maxconn limits. The runtime API's have none (as HAProxy's CLI) and stay open, so that an
     * operator can look while the heap is short.
     */
    private final boolean heapGuarded;

    /** Set once by {@link #unbind}: no more accepts, no more polling. */
    private volatile boolean stopped;
    /** The fd came from another process (seamless reload), which may still hold it too. */
    public final boolean inherited;

    public Listener(SockAddr addr, Pollers pollers, Acceptor acceptor, ConnLimit... limits) throws IOException {
        this(Net.listen(addr, 1024, false), false, addr, addr.toString(), pollers, acceptor, limits);
    }

    /** A listening socket received from the previous process (seamless reload), already bound to addr. */
    public static Listener inherited(int fd, SockAddr addr, Pollers pollers, Acceptor acceptor, ConnLimit... limits) {
        return new Listener(fd, true, addr, addr.toString(), pollers, acceptor, limits);
    }

    /** A listener on an fd already listening (a Unix socket: {@code addr} null). */
    public Listener(int fd, SockAddr addr, String name, Pollers pollers, Acceptor acceptor, ConnLimit... limits) {
        this(fd, false, addr, name, pollers, acceptor, limits);
    }

    private Listener(int fd, boolean inherited, SockAddr addr, String name, Pollers pollers, Acceptor acceptor,
            ConnLimit... limits) {
        this.limits = limits;
        this.heapGuarded = limits.length > 0;
        this.releaseAll = () -> releaseFirst(limits.length);
        this.addr = addr;
        this.name = name;
        this.pollers = pollers;
        this.acceptor = acceptor;
        this.inherited = inherited;
        this.fd = fd;
        this.interest = new ListenerFd(pollers.get(0).fdTable(), fd);
        this.peer = new ByteBuffer[pollers.size()];
        this.peerAddr = new long[pollers.size()];
        this.retry = new Task[pollers.size()];
        for (int i = 0; i < peer.length; i++) {
            peer[i] = Sys.allocate(Abi.SOCKADDR_STORAGE_SIZE);
            peerAddr[i] = Sys.address(peer[i]);
        }
    }

    /** Registers the listener with every poller thread. */
    public void start() {
        long mask = pollers.size() >= 64 ? -1L : (1L << pollers.size()) - 1;
        interest.register(this, this, mask);
    }

    /**
     * HAProxy's smart-accept, on or off: with it, the sockets this listener accepts from now on
     * delay their first ACK, which then leaves with the response instead of as a segment of its
     * own (one segment less per connection, sent and received by the client). Set both ways, since
     * a listening socket inherited from the previous process keeps that process's choice. False if
     * the kernel refused.
     */
    public boolean smartAccept(boolean on) {
        return Sys.epoxy_set_quickack(fd, on ? 0 : 1) == 0;
    }

    /** The port actually bound (useful with port 0 in tests). */
    public int port() throws IOException {
        return Net.localPort(fd);
    }

    @Override
    public void onIo(int lfd) {
        if (stopped)
            return;
        Poller me = Poller.current();
        ByteBuffer sa = peer[me.tid()];
        long saAddr = peerAddr[me.tid()];
        for (int i = 0; i < ACCEPT_BURST; i++) {
            if (heapGuarded && HeapGuard.isShort() && HeapGuard.stillShort(me.nowMs())) {
                heapShortage(me);
                return;
            }
            int got = acquire();
            if (got < limits.length) {
                releaseFirst(got);
                limits[got].pause(this);
                return;
            }
            int cfd = Sys.epoxy_accept(lfd, saAddr);
            if (cfd < 0) {
                releaseFirst(limits.length);
                if (cfd == -Abi.EAGAIN) {
                    interest.drained();
                } else if (cfd == -Abi.EMFILE || cfd == -Abi.ENFILE) {
                    // Out of fds: stop accepting for a moment instead of spinning on a readable
                    // listener (HAProxy does the same); connections wait in the backlog.
                    fdShortage(me);
                }
                return;
            }
            int port = Short.toUnsignedInt(Short.reverseBytes(sa.getShort(2)));
            if (java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN)
                port = Short.toUnsignedInt(sa.getShort(2));
            Poller target = pollers.get(Math.floorMod(next.getAndIncrement(), pollers.size()));
            final int p = port;
            try {
                String host = peerHost(sa);
                if (target == me)
                    build(me, cfd, host, p);
                else
                    target.execute(() -> build(target, cfd, host, p));
            } catch (OutOfMemoryError e) {
                dropAccepted(cfd); // handed to no one yet
                continue; // the next turn pauses
            }
            if (heapPaused)
                heapPaused = false; // accepting again: the next shortage is a new episode
        }
    }

    /**
     * Builds the connection layer of an accepted fd on its thread. What cannot be built (no heap
     * left for it: HAProxy drops such a connection too) is closed and frees its slots, unless the
     * fd already went into the fd table, whose connection then ends it (Connection#onIo).
     */
    private void build(Poller p, int cfd, String host, int port) {
        try {
            acceptor.accepted(p, cfd, host, port, releaseAll);
        } catch (OutOfMemoryError e) {
            if (p.fdTable().owner(cfd) == null)
                dropAccepted(cfd);
            else
                HeapGuard.outOfMemory();
        }
    }

    private void dropAccepted(int cfd) {
        HeapGuard.outOfMemory();
        Sys.epoxy_close(cfd);
        releaseAll.run();
    }

    /** Takes a slot in every limit; returns how many were taken (all of them on success). */
    private int acquire() {
        for (int i = 0; i < limits.length; i++)
            if (!limits[i].tryAcquire())
                return i;
        return limits.length;
    }

    private void releaseFirst(int n) {
        for (int i = 0; i < n; i++)
            limits[i].release();
    }

    private static final long FD_SHORTAGE_PAUSE_MS = 100;
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger(Listener.class);
    }
    private final Task[] retry;

    /** Accepting paused for the heap ({@link HeapGuard}) and not yet accepted again: logged once per episode. */
    private volatile boolean heapPaused;

    /** The heap is short: accepting pauses as for fds; said once per episode. */
    private void heapShortage(Poller me) {
        pauseAWhile(me);
        if (!heapPaused) {
            heapPaused = true;
            try {
                log().warn("{}: the Java heap is nearly full (-Xmx), accepting paused until it is not", name);
            } catch (OutOfMemoryError e) {
                // said by the next episode
            }
        }
    }

    private void fdShortage(Poller me) {
        pauseAWhile(me);
        log().warn("{}: out of file descriptors, accepting paused for {} ms", name, FD_SHORTAGE_PAUSE_MS);
    }

    /** Stops accepting on every thread; this thread's retry task resumes in {@link #FD_SHORTAGE_PAUSE_MS}. */
    private void pauseAWhile(Poller me) {
        if (retry[me.tid()] == null)
            retry[me.tid()] = new Task(me, this::resume);
        pauseFd();
        retry[me.tid()].expireAt(me.nowMs() + FD_SHORTAGE_PAUSE_MS);
    }

    void pauseFd() {
        interest.pause();
    }

    void resume() {
        if (stopped)
            return;
        interest.resume();
    }

    static String peerHost(ByteBuffer sa) {
        int family = sa.getShort(0) & 0xffff;
        byte[] raw;
        if (family == Abi.AF_INET) {
            // Formatted by hand: InetAddress.getByAddress + getHostAddress made five objects and a
            // StringBuilder per accepted connection.
            byte[] text = new byte[15];
            int n = 0;
            for (int i = 0; i < 4; i++) {
                int b = sa.get(4 + i) & 0xff;
                if (i > 0) text[n++] = '.';
                if (b >= 100) text[n++] = (byte) ('0' + b / 100);
                if (b >= 10) text[n++] = (byte) ('0' + b / 10 % 10);
                text[n++] = (byte) ('0' + b % 10);
            }
            return new String(text, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        } else if (family == Abi.AF_INET6) {
            raw = new byte[16];
            sa.get(8, raw);
        } else {
            return "unix";
        }
        try {
            return InetAddress.getByAddress(raw).getHostAddress();
        } catch (UnknownHostException e) {
            return "?";
        }
    }

    @Override
    public String toString() {
        return "listener(" + name + ")";
    }

    public void close() {
        if (stopped)
            return; // unbind closed it; the number may belong to another file by now
        pollers.get(0).execute(() -> pollers.get(0).fdTable().delete(fd));
    }

    /**
     * Soft stop: stop accepting and close our descriptor without touching the socket itself
     * (never shutdown(): a process we handed it to may be accepting from it). Each poller thread
     * removes it from its epoll set first, since the registration outlives our close while
     * another process holds the file; the last one closes, then runs {@code done}. Connections
     * waiting in the accept queue stay there for that other process (or are reset by the
     * kernel at the close if nobody else holds the socket).
     */
    public void unbind(Runnable done) {
        if (stopped)
            return;
        stopped = true;
        interest.pause();
        AtomicInteger left = new AtomicInteger(pollers.size());
        for (int i = 0; i < pollers.size(); i++) {
            Poller p = pollers.get(i);
            p.execute(() -> {
                p.fdCtx().forget(fd);
                if (left.decrementAndGet() == 0) {
                    p.fdTable().delete(fd);
                    done.run();
                }
            });
        }
    }
}
