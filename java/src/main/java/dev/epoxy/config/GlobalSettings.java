package dev.epoxy.config;

import java.util.List;

/**
 * The {@code global} section. {@code nbthread} 0 means not set (see {@link #threads()});
 * {@code maxconn} 0 means not set; {@code bufsize} defaults to 16384 like HAProxy;
 * {@code stallReportMs} ({@code tune.stall-report}) defaults to 5 s, 0 turns the stall watchdog off;
 * {@code maxhdr} ({@code tune.http.maxhdr}) defaults to 101 like HAProxy: a message must carry
 * fewer header fields than that; {@code idlePoolShared} ({@code tune.idle-pool.shared}, on by
 * default) lets a thread take over another thread's idle server connections; {@code statsSockets} are the runtime API's sockets and
 * {@code statsTimeoutMs} their idle timeout ({@code stats timeout}, 10 s by default).
 * {@code buffersLimit} ({@code tune.buffers.limit}) caps the buffers
 * of the whole process, 0 means derived from maxconn (see {@link #buffersLimit(int, int)});
 * {@code buffersReserve} ({@code tune.buffers.reserve}) is the part of it kept for exchanges in
 * progress, -1 means the default ({@link #buffersReserve(int, int)}). {@code maxpipes}
 * ({@code tune.maxpipes}) caps the kernel pipes used to splice bodies, -1 means HAProxy's
 * default, a quarter of maxconn ({@link #maxpipes(int)}). {@code busyPolling}
 * ({@code busy-polling}, off by default) keeps the poller threads from ever sleeping.
 * {@code pollNapUs} ({@code tune.poll-nap}, 0 by default: never) is how long a poller thread
 * naps on a timer, once events come in batches, before it polls again.
 */
public record GlobalSettings(int nbthread, int maxconn, int bufsize, boolean edgeTriggered,
                             boolean exposeExperimental, List<LogTarget> logs, long stallReportMs, int maxhdr, boolean idlePoolShared,
                             List<StatsSocket> statsSockets, long statsTimeoutMs, Process process,
                             int buffersLimit, int buffersReserve, int maxpipes, boolean busyPolling,
                             long pollNapUs) {
    /** {@code stats timeout}: HAProxy's default idle timeout of a runtime API connection. */
    public static final long DEFAULT_STATS_TIMEOUT_MS = 10_000;
    /**
     * Process life keywords: {@code daemon}, {@code pidfile}, {@code hard-stop-after} (ms, 0 = none),
     * {@code user}/{@code uid} and {@code group}/{@code gid} resolved to numbers (-1 = keep),
     * {@code chroot} (null = none); {@code where} is the file:line of each keyword given, for messages.
     */
    public record Process(boolean daemon, String pidfile, long hardStopAfterMs, int uid, int gid, String chroot,
                          java.util.Map<String, String> where) {
        public static final Process DEFAULTS = new Process(false, null, 0, -1, -1, null, java.util.Map.of());
    }

    public static final int DEFAULT_BUFSIZE = 16384;
    public static final int DEFAULT_MAXHDR = 101;
    public static final long DEFAULT_STALL_REPORT_MS = 5000;
    public static final int MAX_THREADS = 64;
    public static final long DEFAULT_POLL_NAP_US = 0;
    public static final long MAX_POLL_NAP_US = 1000;

    public static final GlobalSettings DEFAULTS = new GlobalSettings(0, 0, DEFAULT_BUFSIZE, false, false, List.of(),
            DEFAULT_STALL_REPORT_MS, DEFAULT_MAXHDR, true, List.of(), DEFAULT_STATS_TIMEOUT_MS, Process.DEFAULTS, 0, -1, -1,
            false, DEFAULT_POLL_NAP_US);

    /** The settings with other stats sockets (tests). */
    public GlobalSettings withStatsSockets(List<StatsSocket> sockets) {
        return new GlobalSettings(nbthread, maxconn, bufsize, edgeTriggered, exposeExperimental, logs, stallReportMs, maxhdr, idlePoolShared,
                List.copyOf(sockets), statsTimeoutMs, process, buffersLimit, buffersReserve, maxpipes, busyPolling, pollNapUs);
    }

    /** Buffers one HTTP/1 exchange may hold at once: client in/out, request and response channels, server in/out. */
    public static final int BUFFERS_PER_EXCHANGE = 6;

    /**
     * The buffer budget: {@code tune.buffers.limit} if set, else HAProxy's model, buffers per
     * exchange times maxconn ({@code maxconn} if set, else {@code defaultMaxconn}, what the fd
     * limit allows), plus the reserve, so that maxconn exchanges can always run at once.
     */
    public int buffersLimit(int defaultMaxconn, int threads) {
        if (buffersLimit > 0)
            return buffersLimit;
        long n = (long) BUFFERS_PER_EXCHANGE * (maxconn > 0 ? maxconn : defaultMaxconn);
        return (int) Math.min(n + defaultReserve(threads), 1 << 22);
    }

    /**
     * Buffers left to holders that do not commit a whole exchange first (HTTP/2 connections, tcp
     * sessions): {@code tune.buffers.reserve} if set, else one exchange's worth per thread.
     */
    public int buffersReserve(int limit, int threads) {
        if (buffersReserve >= 0)
            return Math.min(buffersReserve, limit - 1);
        return Math.min(defaultReserve(threads), limit / 2);
    }

    /** {@code tune.maxpipes} if set, else maxconn / 4 as HAProxy ({@code defaultMaxconn} when maxconn is unset). */
    public int maxpipes(int defaultMaxconn) {
        if (maxpipes >= 0)
            return maxpipes;
        return (maxconn > 0 ? maxconn : defaultMaxconn) / 4;
    }

    private static int defaultReserve(int threads) {
        return BUFFERS_PER_EXCHANGE * threads;
    }

    /** The thread count to run: nbthread if set, else the available CPUs (at most 64), like HAProxy. */
    public int threads() {
        if (nbthread > 0) {
            return nbthread;
        }
        return Math.max(1, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
    }
}
