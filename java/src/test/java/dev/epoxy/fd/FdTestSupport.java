package dev.epoxy.fd;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.poller.Poller;
import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Helpers shared by the fd and poller tests: run on a poller thread, bounded waits, raw socket I/O. */
public final class FdTestSupport {
    public static final long WAIT_MS = 5000;

    private FdTestSupport() {}

    /** Runs c on p's thread and returns its result (5 s bound). */
    public static <T> T runOn(Poller p, Callable<T> c) {
        CompletableFuture<T> f = submit(p, c);
        try {
            return f.get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("task on poller " + p.tid() + " did not complete", e);
        }
    }

    public static void runOn(Poller p, Runnable r) {
        runOn(p, () -> {
            r.run();
            return null;
        });
    }

    public static <T> CompletableFuture<T> submit(Poller p, Callable<T> c) {
        CompletableFuture<T> f = new CompletableFuture<>();
        p.execute(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    public static void awaitTrue(BooleanSupplier cond, String what) {
        long end = System.nanoTime() + WAIT_MS * 1_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out waiting for: " + what);
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Waits on a latch inside a hook; never blocks forever (a stuck poller would hang the suite). */
    public static void await(CountDownLatch l) {
        try {
            if (!l.await(WAIT_MS, TimeUnit.MILLISECONDS)) throw new AssertionError("latch timeout");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    public static void awaitLatch(CountDownLatch l, String what) {
        try {
            assertTrue(l.await(WAIT_MS, TimeUnit.MILLISECONDS), "timed out waiting for: " + what);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static final ThreadLocal<ByteBuffer> BUF = ThreadLocal.withInitial(() -> Sys.allocate(4096));

    public static void writeByte(int fd) {
        ByteBuffer b = BUF.get();
        b.put(0, (byte) 'x');
        long r = Sys.epoxy_write(fd, Sys.address(b), 1);
        assertEquals(1, r, () -> "write: " + Sys.strerror((int) r));
    }

    /** Reads until EAGAIN/EOF/error; returns bytes read, or -1 on EOF, or -errno on error. */
    public static long drain(int fd) {
        ByteBuffer b = BUF.get();
        long total = 0;
        for (;;) {
            long r = Sys.epoxy_read(fd, Sys.address(b), b.capacity());
            if (r > 0) {
                total += r;
                continue;
            }
            if (r == 0) return -1;
            if (r == -Abi.EAGAIN) return total;
            return r;
        }
    }

    /**
     * True once the other end of {@code peer}'s socketpair is closed: {@code peer} reads end of
     * file, or a reset if that end was closed with bytes unread (nothing may be sent to
     * {@code peer}). Not "the number is free": other JVM threads open files too, and one may hold
     * the number again by the time a test looks.
     */
    public static boolean peerClosed(int peer) {
        ByteBuffer b = BUF.get();
        long r = Sys.epoxy_read(peer, Sys.address(b), 1);
        return r == 0 || r == -Abi.ECONNRESET;
    }

    /** A fresh socketpair whose first end has number want (the kernel reuses the lowest free number). */
    public static int[] socketpairOn(int want) {
        // The kernel hands out the lowest free number, but other JVM threads (a previous test's
        // server threads, process reapers, class loading) open and close files meanwhile: a lower
        // number freed by them comes first, and one of their files may hold `want` for a moment.
        // So: keep every lower number we are given until `want` comes; when a higher one comes,
        // `want` is taken right now, so give the pair back and try again a little later.
        java.util.List<Integer> held = new java.util.ArrayList<>();
        long end = System.currentTimeMillis() + WAIT_MS;
        try {
            while (true) {
                int[] sp = Sys.socketpair();
                if (sp[1] == want) sp = new int[] {sp[1], sp[0]};
                if (sp[0] == want) return sp;
                if (Math.max(sp[0], sp[1]) < want) {
                    held.add(sp[0]);
                    held.add(sp[1]);
                    continue;
                }
                Sys.epoxy_close(sp[0]);
                Sys.epoxy_close(sp[1]);
                if (System.currentTimeMillis() > end)
                    fail("fd number " + want + " stayed taken by another file for " + WAIT_MS + " ms");
                Thread.yield();
            }
        } finally {
            for (int fd : held) Sys.epoxy_close(fd);
        }
    }

    /**
     * Holds poller {@code p}'s next epoll report of {@code fd} after dispatch's generation check,
     * before updateEvents (through {@link FdHooks#dropEvent}, which the test's FdHooks.clear
     * removes), until {@link #release}.
     */
    public static final class HeldReport {
        private final CountDownLatch held = new CountDownLatch(1), go = new CountDownLatch(1);

        public HeldReport(Poller p, int fd) {
            FdHooks.dropEvent = (f, evts) -> {
                if (f == fd && Poller.current() == p && held.getCount() > 0) {
                    held.countDown();
                    FdTestSupport.await(go);
                }
                return false;
            };
        }

        /** Waits until the report is held. */
        public void awaitHeld(String what) {
            awaitLatch(held, what);
        }

        public void release() {
            go.countDown();
        }
    }
}
