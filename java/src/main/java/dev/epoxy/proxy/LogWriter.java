package dev.epoxy.proxy;

import dev.epoxy.sys.Datagram;
import dev.epoxy.sys.Sys;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves log lines off the event loops: a poller never writes to a log target itself.
 *
 * <p>Threading protocol:
 * <ul>
 * <li>Every thread that logs (pollers, the stall watchdog) gets its own bounded ring of
 *     {@link #RING} lines, created on its first line (a {@link ThreadLocal}) and registered in
 *     {@link #rings}. The ring is single-producer (its thread) and single-consumer (the writer
 *     thread): the producer publishes a slot, then the tail with a release store; the consumer
 *     reads the tail, then the slot, clears it, then publishes the head with a release store.
 * <li>{@link #offer} never blocks and never does I/O: when the ring is full the line is
 *     dropped and the ring's drop counter incremented (a plain atomic add).
 * <li>One writer thread ({@code epoxy-log}) drains every ring in turn and writes each line to its
 *     output: {@code System.out}/{@code System.err} (which may block, e.g. on a pipe nobody
 *     reads: only this thread waits then, and the rings fill and drop), in batches written at
 *     the end of each pass over the rings, or a non-blocking datagram socket (UDP or AF_UNIX; a
 *     full socket buffer drops the line and counts it).
 * <li>Wake-up: the writer sets {@link #sleeping}, checks every ring once more, then parks (at
 *     most 100 ms); a producer that sees {@code sleeping} after publishing unparks it. Both
 *     sides use volatile accesses, so a line published during the writer's last check is either
 *     seen by that check or causes an unpark. After a pass that wrote lines, the writer first
 *     waits {@link #GATHER_NS} without setting {@code sleeping}: lines published meanwhile wait
 *     for the next pass instead of waking it one by one.
 * <li>Drops are reported by the writer: when the total grew since the last report, a warning
 *     line "N log messages dropped" goes to every output and to the application log
 *     (SLF4J, stderr), and {@link #dropped()} gives the running total.
 * </ul>
 */
public final class LogWriter implements AutoCloseable {
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger(LogWriter.class);
    }
    /** Lines per producer thread; a power of two. */
    static final int RING = 1024;
    /** Characters of stdout/stderr lines written at once. */
    static final int BATCH = 64 * 1024;
    /**
     * The writer's wait after a pass that wrote lines (see the wake-up protocol). One wake-up per
     * logged line cost a poller about a tenth of its CPU per request (a futex call, and a context
     * switch on a busy machine); a ring fills in this time only past 500,000 lines a second.
     */
    static final long GATHER_NS = TimeUnit.MILLISECONDS.toNanos(2);
    /** HAProxy's default maximum syslog message length ({@code len}); longer datagrams are truncated. */
    static final int MAX_DATAGRAM = 1024;

    /** Where lines go. Used by the writer thread only, except {@link #toString}. */
    public abstract static class Output {
        /** The formatter of a drop report for this output: a full line with its header. */
        java.util.function.Function<String, String> reportFormat = s -> s;

        abstract void write(String line);

        /** The end of a batch: what {@link #write} held back goes out now. */
        void flush() {}
    }

    static final class StdOutput extends Output {
        /** The stream as it was when the proxy started (tests redirect System.err around that). */
        private final PrintStream s;
        /**
         * Lines held until the end of the writer's pass: one write(2) per batch instead of one or
         * two per line (System.out flushes at every line through a 128-byte buffer), so that
         * the writer keeps up with a busy proxy and the rings do not fill and drop.
         */
        private final StringBuilder batch = new StringBuilder();

        StdOutput(boolean err) {
            this.s = err ? System.err : System.out;
        }

        @Override
        void write(String line) {
            batch.append(line).append('\n');
            if (batch.length() >= BATCH)
                flush();
        }

        @Override
        void flush() {
            if (batch.length() == 0)
                return;
            s.append(batch); // may block: only the writer thread waits
            s.flush();
            batch.setLength(0);
        }
    }

    final class DatagramOutput extends Output {
        private final Datagram socket;
        private final ByteBuffer buf = Sys.allocate(MAX_DATAGRAM);

        DatagramOutput(Datagram socket) {
            this.socket = socket;
        }

        @Override
        void write(String line) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(b.length + 1, MAX_DATAGRAM);
            buf.clear();
            buf.put(b, 0, n - 1).put((byte) '\n'); // HAProxy ends each message with a newline
            long r = socket.send(buf, n);
            if (r < 0)
                sendDrops.incrementAndGet(); // buffer full, or nobody listening (ECONNREFUSED, ENOENT)
        }

        void close() {
            socket.close();
        }
    }

    private record Entry(Output out, String line) {
    }

    /** A single-producer single-consumer ring (see the class comment). */
    static final class Ring {
        private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(RING);
        private final AtomicLong head = new AtomicLong(), tail = new AtomicLong();
        final AtomicLong drops = new AtomicLong();

        boolean offer(Entry e) {
            long t = tail.get();
            if (t - head.get() >= RING) {
                drops.incrementAndGet();
                return false;
            }
            slots.lazySet((int) (t & (RING - 1)), e);
            tail.lazySet(t + 1);
            return true;
        }

        Entry poll() {
            long h = head.get();
            if (h == tail.get())
                return null;
            int i = (int) (h & (RING - 1));
            Entry e = slots.get(i);
            slots.lazySet(i, null);
            head.lazySet(h + 1);
            return e;
        }

        boolean isEmpty() {
            return head.get() == tail.get();
        }
    }

    private final List<Ring> rings = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Ring> mine = ThreadLocal.withInitial(() -> {
        Ring r = new Ring();
        rings.add(r);
        return r;
    });
    private final List<Output> outputs = new CopyOnWriteArrayList<>();
    private final AtomicLong sendDrops = new AtomicLong();
    private final Thread thread;
    private volatile boolean sleeping, closed;
    private long reported;

    public LogWriter() {
        thread = new Thread(this::loop, "epoxy-log");
        thread.setDaemon(true);
        thread.start();
    }

    /** stdout or stderr. */
    public Output std(boolean err) {
        return register(new StdOutput(err));
    }

    /** A datagram socket (UDP or AF_UNIX) owned by this writer from now on. */
    public Output datagram(Datagram d) {
        return register(new DatagramOutput(d));
    }

    Output register(Output o) {
        outputs.add(o);
        return o;
    }

    /** Queues a complete line (header included) for {@code out}; never blocks. False if dropped. */
    public boolean offer(Output out, String line) {
        boolean ok = mine.get().offer(new Entry(out, line));
        if (sleeping)
            LockSupport.unpark(thread);
        return ok;
    }

    /** Lines dropped so far: rings full, or datagrams the socket did not take. */
    public long dropped() {
        long n = sendDrops.get();
        for (Ring r : rings)
            n += r.drops.get();
        return n;
    }

    private void loop() {
        List<Ring> snapshot = new ArrayList<>();
        while (true) {
            try {
                if (!turn(snapshot))
                    break;
            } catch (OutOfMemoryError e) {
                // Without heap a line cannot be formatted or written: it is dropped (and counted),
                // and the writer goes on, or the logs would stop for good with the process up.
                sendDrops.incrementAndGet();
            }
        }
        for (Output o : outputs)
            if (o instanceof DatagramOutput d)
                d.close();
    }

    /** Writes what the rings hold, then waits a little; false once closed and drained. */
    private boolean turn(List<Ring> snapshot) {
        boolean any = false;
        snapshot.clear();
        snapshot.addAll(rings);
        for (Ring r : snapshot) {
            // At most one ring's worth per turn, so a busy thread cannot starve the others.
            for (int i = 0; i < RING; i++) {
                Entry e = r.poll();
                if (e == null)
                    break;
                any = true;
                write(e.out, e.line);
            }
        }
        reportDrops();
        for (Output o : outputs)
            o.flush();
        if (any) {
            // Gather: a pass that found lines is followed by a short wait in which producers
            // do not wake the writer, so under load it wakes once per GATHER_NS, not per line.
            if (!closed)
                LockSupport.parkNanos(this, GATHER_NS);
            return true;
        }
        if (closed)
            return false;
        sleeping = true;
        boolean empty = true;
        for (Ring r : rings)
            empty &= r.isEmpty();
        if (empty && !closed)
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        sleeping = false;
        return true;
    }

    private void write(Output o, String line) {
        try {
            o.write(line);
        } catch (RuntimeException e) {
            sendDrops.incrementAndGet();
        }
    }

    private void reportDrops() {
        long total = dropped();
        if (total <= reported)
            return;
        String msg = (total - reported) + " log messages dropped (" + total
                + " in all): a log target did not keep up and the per-thread log queue was full";
        reported = total;
        log().warn(msg);
        for (Output o : outputs)
            write(o, o.reportFormat.apply(msg));
    }

    /** Writes what is queued (bounded by a timeout), then stops the writer thread. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
