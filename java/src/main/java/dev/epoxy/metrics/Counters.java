package dev.epoxy.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The activity counters of one frontend, backend or server, one lane per poller thread.
 *
 * <p>Threading protocol: lane {@code tid} is written only by poller thread {@code tid} (the
 * thread that owns the stream, connection or accept being counted), with opaque reads and
 * writes: no lock, no atomic read-modify-write, no fence, so counting on the hot path costs a
 * load and a store. A reader on any thread (a metrics scrape, the stats page) sums the lanes
 * with opaque reads; each lane is monotonic and never torn (opaque long accesses are atomic),
 * so a scrape sees every count at most a loop iteration late. Lanes are {@link #STRIDE} longs
 * apart and the last fields of each lane are padding, so two threads never write the same
 * cache line. Fields of kind "max" ({@link #MAX_SESS}, {@link #MAX_QUEUE}, {@link #LAST_SESS})
 * hold each thread's own maximum and are combined with max instead of sum.
 */
public final class Counters {
    /** Connections accepted (frontend) or opened (server). */
    public static final int CONN_TOT = 0;
    /** Sessions: accepted client connections (frontend), streams assigned (backend, server). */
    public static final int SESS_TOT = 1;
    /** HTTP requests. */
    public static final int REQ_TOT = 2;
    /** Bytes received from the peer (client or server), and sent to it. */
    public static final int BYTES_IN = 3, BYTES_OUT = 4;
    /** HTTP responses by status class: 1xx .. 5xx, then other. */
    public static final int HRSP_1XX = 5, HRSP_OTHER = 10;
    /** Invalid requests (frontend), failed connects, invalid or failed responses. */
    public static final int REQ_ERR = 11, CONN_ERR = 12, RESP_ERR = 13;
    /** Retries (connect and L7) and redispatches to another server. */
    public static final int RETRIES = 14, REDISPATCH = 15;
    /** Exchanges aborted by the client, by the server. */
    public static final int CLI_ABRT = 16, SRV_ABRT = 17;
    /** Server connections reused from an idle pool. */
    public static final int REUSE = 18;
    /** Requests answered by Epoxy itself (redirects, returns, services, stats). */
    public static final int INTERCEPTED = 19;
    /** Times this server was picked by load balancing. */
    public static final int LBTOT = 20;
    /** Max kind: most concurrent sessions seen, longest queue, last session (poller ms). */
    public static final int MAX_SESS = 21, MAX_QUEUE = 22, LAST_SESS = 23;
    /** Longs per lane: 24 fields used, 8 of padding (a 64-byte line) at the end. */
    static final int STRIDE = 32;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] lanes;
    private final int threads;

    public Counters(int threads) {
        this.threads = threads;
        this.lanes = new long[threads * STRIDE];
    }

    public int threads() {
        return threads;
    }

    /** Owner thread {@code tid} only: adds {@code n} to a field of its lane. */
    public void add(int tid, int field, long n) {
        int i = tid * STRIDE + field;
        LONGS.setOpaque(lanes, i, (long) LONGS.getOpaque(lanes, i) + n);
    }

    /** Owner thread {@code tid} only: raises a max-kind field of its lane to {@code v}. */
    public void max(int tid, int field, long v) {
        int i = tid * STRIDE + field;
        if (v > (long) LONGS.getOpaque(lanes, i))
            LONGS.setOpaque(lanes, i, v);
    }

    /** HTTP status {@code code}: the matching class field. */
    public static int statusField(int code) {
        int c = code / 100;
        return c >= 1 && c <= 5 ? HRSP_1XX + c - 1 : HRSP_OTHER;
    }

    /** Any thread: the sum of a field over all lanes. */
    public long sum(int field) {
        long s = 0;
        for (int t = 0; t < threads; t++)
            s += (long) LONGS.getOpaque(lanes, t * STRIDE + field);
        return s;
    }

    /** Any thread: the largest value of a max-kind field over all lanes. */
    public long maxOf(int field) {
        long m = 0;
        for (int t = 0; t < threads; t++)
            m = Math.max(m, (long) LONGS.getOpaque(lanes, t * STRIDE + field));
        return m;
    }
}
