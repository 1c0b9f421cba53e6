package dev.epoxy.conn;

import dev.epoxy.sys.Sys;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kernel pipe that carries body bytes from one socket to another with splice(2), so that they
 * never cross into user space (HAProxy's {@code option splice-response}); and {@link Pool}, the
 * pipes of one runtime.
 */
public final class Pipe {
    /** The pipe size asked for: 64 KiB, Linux's default, which HAProxy's tune.pipesize keeps too. */
    static final int SIZE = 65536;

    final int rfd, wfd;
    /** Bytes in the pipe. */
    int data;
    /**
     * A splice into the pipe met EAGAIN while the pipe held bytes and the socket too: the pipe is
     * full until its reader takes some out (see Connection.spliceIn).
     */
    boolean full;

    private Pipe(int rfd, int wfd) {
        this.rfd = rfd;
        this.wfd = wfd;
    }

    /** Bytes waiting in the pipe. */
    public int data() {
        return data;
    }

    /** Taken as full: see {@link #full}. */
    public boolean full() {
        return full;
    }

    private void close() {
        Sys.epoxy_close(rfd);
        Sys.epoxy_close(wfd);
    }

    /**
     * The pipes of one runtime. A channel takes one for a message ({@link #take}) and gives it
     * back when the message is over ({@link #give}): an empty pipe goes to the calling thread's
     * free list for the next one; a pipe still holding bytes (an aborted exchange) is closed, so
     * no stale byte can reach another stream.
     *
     * <p>Memory: each pipe may hold {@link #SIZE} bytes of kernel memory (and uses two fds), so
     * their number is capped by configuration ({@code tune.maxpipes}, HAProxy's keyword and
     * default: maxconn / 4). When the cap is reached, or the fds run out, a channel simply goes on
     * through its buffer.
     *
     * <p>Threading: a pipe is used by one stream on its owner thread. The free lists are per
     * thread (a {@link ThreadLocal}, touched only by that thread until {@link #close}, which runs
     * after the pollers stopped); {@link #count}, the pipes that exist, is atomic, so that the cap
     * holds across threads.
     */
    public static final class Pool {
        private final int max;
        private final AtomicInteger count = new AtomicInteger();
        private final ConcurrentLinkedQueue<ArrayDeque<Pipe>> lists = new ConcurrentLinkedQueue<>();
        private final ThreadLocal<ArrayDeque<Pipe>> free = ThreadLocal.withInitial(() -> {
            ArrayDeque<Pipe> d = new ArrayDeque<>();
            lists.add(d);
            return d;
        });

        /** At most {@code max} pipes (0: never splice). */
        public Pool(int max) {
            this.max = max;
        }

        /** Pipes in existence, in use or free (tests and diagnostics). */
        public int count() {
            return count.get();
        }

        /** A free pipe of the calling thread, a new one within the cap, or null. */
        public Pipe take() {
            Pipe p = free.get().pollFirst();
            if (p != null)
                return p;
            if (count.incrementAndGet() > max) {
                count.decrementAndGet();
                return null;
            }
            long r = Sys.epoxy_pipe(SIZE);
            if (r < 0) {
                count.decrementAndGet();
                return null;
            }
            return new Pipe((int) (r >>> 32), (int) r);
        }

        /** The message is over: back to the calling thread's free list if empty, else closed. */
        public void give(Pipe p) {
            if (p.data == 0) {
                p.full = false;
                free.get().addFirst(p);
                return;
            }
            p.close();
            count.decrementAndGet();
        }

        /** Closes the free pipes; the pollers have stopped. */
        public void close() {
            for (ArrayDeque<Pipe> d : lists) {
                for (Pipe p; (p = d.pollFirst()) != null;) {
                    p.close();
                    count.decrementAndGet();
                }
            }
        }
    }
}
