package dev.epoxy.proxy;

import dev.epoxy.config.StatsSocket.Level;
import dev.epoxy.conn.BufferPool;
import dev.epoxy.conn.Connection;
import dev.epoxy.stream.ErrorSnapshot;
import dev.epoxy.fd.FdTable;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.poller.Watched;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime API's commands (HAProxy's CLI: {@code show info}, {@code show stat}, {@code set
 * server}, ...), with HAProxy's access levels: {@code user} may only look, {@code operator} also
 * sees sessions, fds and errors, {@code admin} may change servers and limits.
 *
 * <p>Threading protocol: {@link #execute} runs on the poller thread of the calling session. It
 * reads shared state that is safe to read from any thread (atomics, volatiles, the fd table's
 * volatile arrays; the last two may be a moment stale, as in HAProxy) and writes only volatile
 * server and limit settings. State that belongs to a poller thread (its stream registry, run
 * queue, timers, buffer free list) is read by {@link #onEachPoller}: a piece of work queued to
 * every poller, each writing its own slot of a result array, an atomic countdown, and the last
 * one posting the joined answer back to the session's poller. Streams are killed the same way,
 * each on its own thread.
 */
final class Cli {
    /** Made on first use: SLF4J starts once the listeners are open (see Main). */
    private static Logger log() {
        return LoggerFactory.getLogger("dev.epoxy.cli");
    }
    static final String PERMISSION_DENIED = "Permission denied\n";

    private record Command(String usage, String help, Level level) {
        boolean matches(String[] w) {
            String[] u = usage.split(" ");
            int n = 0;
            for (String x : u) {
                if (x.isEmpty() || x.startsWith("<") || x.startsWith("[") || x.startsWith("("))
                    break;
                n++;
            }
            if (w.length < n)
                return false;
            for (int i = 0; i < n; i++)
                if (!u[i].equals(w[i]))
                    return false;
            return true;
        }
    }

    /** In HAProxy's help order (alphabetical, then help, prompt, quit). */
    private static final List<Command> COMMANDS = List.of(
            new Command("disable server (DEPRECATED)", "disable a server for maintenance (use 'set server' instead)", Level.ADMIN),
            new Command("enable server  (DEPRECATED)", "enable a disabled server (use 'set server' instead)", Level.ADMIN),
            new Command("get weight <bk>/<srv>", "report a server's current weight", Level.USER),
            new Command("operator", "lower the level of the current CLI session to operator", Level.OPERATOR),
            new Command("set maxconn frontend <frontend> <value>", "change a frontend's maxconn setting", Level.ADMIN),
            new Command("set maxconn global <value>", "change the per-process maxconn setting", Level.ADMIN),
            new Command("set server <bk>/<srv> [opts]", "change a server's state or weight", Level.ADMIN),
            new Command("set timeout cli <delay>", "change a timeout setting", Level.USER),
            new Command("show errors [<px>] [request|response]", "report last request and/or response errors for each proxy", Level.OPERATOR),
            new Command("show fd [num]", "dump list of file descriptors in use or a specific one", Level.OPERATOR),
            new Command("show info", "report information about the running process", Level.USER),
            new Command("show pools", "report information about the memory pools usage", Level.USER),
            new Command("show servers state [<backend>]", "dump volatile server information (all or for a single backend)", Level.USER),
            new Command("show sess [id]", "report the list of current sessions or dump this exact session", Level.OPERATOR),
            new Command("show stat", "report counters for each proxy and server", Level.USER),
            new Command("show threads", "show some threads debugging information", Level.USER),
            new Command("shutdown sessions server <bk>/<srv>", "kill sessions on a server", Level.ADMIN),
            new Command("user", "lower the level of the current CLI session to user", Level.USER),
            new Command("help [<command>]", "list matching or all commands", Level.USER),
            new Command("prompt", "toggle interactive mode with prompt", Level.USER),
            new Command("quit", "disconnect", Level.USER));

    private final ProxyRuntime rt;
    private final Pollers pollers;
    private final BufferPool buffers;
    private final long startMs = System.currentTimeMillis();
    private final long startMono = System.nanoTime();

    Cli(ProxyRuntime rt, Pollers pollers, BufferPool buffers) {
        this.rt = rt;
        this.pollers = pollers;
        this.buffers = buffers;
    }

    BufferPool buffers() {
        return buffers;
    }

    /** Runs one command; returns its output, or null when the answer comes later through {@link CliSession#complete}. */
    String execute(String line, CliSession s) {
        String[] w = line.trim().split("[ \t]+");
        switch (w[0]) {
            case "help":
                return help(s.level, w.length > 1 ? w[1] : null);
            case "prompt":
                s.setInteractive(!s.interactive());
                return "";
            case "quit":
                s.quit();
                return "";
            case "user":
                s.level = Level.USER;
                return "";
            case "operator":
                if (s.level.compareTo(Level.OPERATOR) < 0)
                    return PERMISSION_DENIED;
                s.level = Level.OPERATOR;
                return "";
            default:
                break;
        }
        Command c = null;
        for (Command k : COMMANDS)
            if (k.matches(w) && (c == null || k.usage.length() > c.usage.length()))
                c = k;
        if (c == null || w[0].equals("set") && w.length > 1 && w[1].equals("maxconn") && w.length < 3)
            return unknown(s.level, w[0]);
        if (s.level.compareTo(c.level) < 0)
            return PERMISSION_DENIED;
        switch (c.usage) {
            case "show info":
                return showInfo();
            case "show stat":
                return showStat();
            case "show servers state [<backend>]":
                return showServersState(w.length > 3 ? w[3] : null);
            case "show fd [num]":
                return showFd(w.length > 2 ? w[2] : null);
            case "show errors [<px>] [request|response]":
                return showErrors();
            case "show sess [id]":
                return showSess(s, w.length > 2 ? w[2] : null);
            case "show threads":
                return showThreads(s);
            case "show pools":
                return showPools(s);
            case "get weight <bk>/<srv>": {
                Object o = server(w, 2);
                if (o instanceof String)
                    return (String) o;
                Server srv = (Server) o;
                return srv.state.weight() + " (initial 1)\n";
            }
            case "set server <bk>/<srv> [opts]":
                return setServer(w);
            case "disable server (DEPRECATED)":
            case "enable server  (DEPRECATED)": {
                Object o = server(w, 2);
                if (o instanceof String)
                    return (String) o;
                Server srv = (Server) o;
                // HAProxy's srv_adm_set_maint / srv_adm_set_ready
                if (w[0].equals("disable"))
                    setAdmin(srv, true, false);
                else
                    setAdmin(srv, false, false);
                return "";
            }
            case "shutdown sessions server <bk>/<srv>":
                return shutdownSessions(s, w);
            case "set maxconn frontend <frontend> <value>":
                return setMaxconnFrontend(w);
            case "set maxconn global <value>": {
                Integer n = w.length > 3 ? positive(w[3]) : null;
                if (n == null)
                    return "Expects an integer value.\n";
                rt.globalLimit().setMax(n);
                return "";
            }
            case "set timeout cli <delay>": {
                if (w.length < 4 || !w[2].equals("cli"))
                    return "'set timeout' only supports 'cli'.\n";
                try {
                    long ms = dev.epoxy.config.Units.parseTimeMs(w[3]);
                    if (ms <= 0)
                        throw new IllegalArgumentException();
                    s.setTimeout(ms);
                    return "";
                } catch (IllegalArgumentException e) {
                    return "Expects an integer value.\n";
                }
            }
            default:
                return unknown(s.level, w[0]);
        }
    }

    // ---- help and unknown commands ----

    private static String line(Command c) {
        return String.format("  %-40s: %s%n", c.usage, c.help);
    }

    private static String help(Level level, String word) {
        StringBuilder b = new StringBuilder("The following commands are valid at this level:\n");
        for (Command c : COMMANDS)
            if (level.compareTo(c.level) >= 0 && (word == null || c.usage.startsWith(word)))
                b.append(line(c));
        return b.toString();
    }

    /** HAProxy 3.x's answer to an unknown command: the commands that start with the same word, then help, prompt, quit. */
    private static String unknown(Level level, String word) {
        StringBuilder b = new StringBuilder("Unknown command: '").append(word)
                .append("', but maybe one of the following ones is a better match:\n");
        int n = COMMANDS.size();
        boolean any = false;
        for (Command c : COMMANDS.subList(0, n - 3))
            if (c.usage.startsWith(word + " ") && level.compareTo(c.level) >= 0) {
                b.append(line(c));
                any = true;
            }
        if (!any)
            for (Command c : COMMANDS.subList(0, n - 3))
                if (level.compareTo(c.level) >= 0)
                    b.append(line(c));
        for (Command c : COMMANDS.subList(n - 3, n))
            b.append(line(c));
        return b.toString();
    }

    // ---- show info ----

    String showInfo() {
        long upMs = (System.nanoTime() - startMono) / 1_000_000;
        long up = upMs / 1000;
        String uptime = String.format("%dd %dh%02dm%02ds", up / 86400, (up / 3600) % 24, (up / 60) % 60, up % 60);
        long cumReq = 0;
        for (Frontend fe : rt.frontends().values())
            cumReq += fe.counters.sum(dev.epoxy.metrics.Counters.REQ_TOT);
        ConnLimit g = rt.globalLimit();
        String node;
        try {
            node = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            node = "";
        }
        int listeners = 0;
        for (List<Listener> ls : rt.listeners().values())
            listeners += ls.size();
        listeners += rt.statsListenerCount();
        StringBuilder b = new StringBuilder();
        kv(b, "Name", "Epoxy");
        kv(b, "Version", dev.epoxy.cli.Version.VERSION);
        kv(b, "Release_date", "");
        kv(b, "Nbthread", pollers.size());
        kv(b, "Nbproc", 1);
        kv(b, "Process_num", 1);
        kv(b, "Pid", ProcessHandle.current().pid());
        kv(b, "Uptime", uptime);
        kv(b, "Uptime_sec", up);
        kv(b, "Ulimit-n", pollers.fdTable().maxFds());
        kv(b, "Maxsock", pollers.fdTable().maxFds());
        kv(b, "Maxconn", Math.max(0, g.max()));
        kv(b, "Hard_maxconn", Math.max(0, g.max()));
        kv(b, "CurrConns", g.current());
        kv(b, "CumConns", g.total());
        kv(b, "CumReq", cumReq);
        int rq = 0;
        for (int i = 0; i < pollers.size(); i++)
            rq += pollers.get(i).runQueueSize();
        kv(b, "Run_queue", rq);
        kv(b, "node", node);
        kv(b, "Stopping", 0);
        kv(b, "Listeners", listeners);
        kv(b, "DroppedLogs", rt.logDrops());
        kv(b, "BusyPolling", pollers.busyPolling() ? 1 : 0);
        kv(b, "Build info", dev.epoxy.cli.Version.VERSION);
        kv(b, "PoolAlloc_bytes", buffers.held() * buffers.size());
        kv(b, "Start_time_sec", startMs / 1000);
        return b.toString();
    }

    private static void kv(StringBuilder b, String k, Object v) {
        b.append(k).append(": ").append(v).append('\n');
    }

    // ---- show stat ----

    /** The same CSV as the stats page's export (HAProxy 2.6's columns), with server addresses: one builder, {@link Stats#csv(boolean)}. */
    String showStat() {
        return rt.stats().csv(true);
    }

    /** HAProxy's enum healthcheck_status numbers (show servers state's srv_check_status). */
    private static int checkStatusNumber(ServerState.CheckStatus c) {
        switch (c) {
            case L4OK: return 6;
            case L4TOUT: return 7;
            case L4CON: return 8;
            case L7TOUT: return 12;
            case L7RSP: return 13;
            case L7OK: return 14;
            case L7STS: return 16;
            default: return 0;
        }
    }

    // ---- show servers state ----

    String showServersState(String only) {
        if (only != null && rt.backends().get(only) == null)
            return "Can't find backend.\n";
        StringBuilder b = new StringBuilder("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
                + "srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health "
                + "srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
                + "srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n");
        long nowMs = System.currentTimeMillis();
        for (Backend be : rt.backends().values()) {
            if (only != null && !only.equals(be.name))
                continue;
            for (Server s : be.servers) {
                ServerState.Snapshot st = s.state.snapshot();
                // srv_op_state: 0 stopped (maintenance or DOWN from checks), 2 running;
                // srv_admin_state: 0x01 forced maintenance, 0x08 forced drain
                int op = st.maint() || st.op() == ServerState.Op.DOWN ? 0 : 2;
                int adm = st.maint() ? 1 : st.drain() ? 8 : 0;
                // check status (HAProxy's numbers, 1 "initializing" before the first), result
                // (2 failed, 3 passed), health, state (0x02 configured | 0x04 enabled)
                String check;
                if (st.checked()) {
                    ServerState.CheckResult last = st.last();
                    check = (last == null ? 1 : checkStatusNumber(last.status())) + " "
                            + (last == null ? 0 : last.status().passed() ? 3 : 2) + " " + st.health() + " 6";
                } else {
                    check = "1 0 " + (op == 2 ? 2 : 0) + " 0";
                }
                b.append(be.id).append(' ').append(be.name).append(' ').append(s.id).append(' ').append(s.name).append(' ')
                        .append(s.addr.host).append(' ').append(op).append(' ').append(adm).append(' ')
                        .append(st.weight()).append(" 1 ").append(Math.max(0, nowMs - st.lastChangeMs()) / 1000)
                        .append(' ').append(check).append(" 0 0 0 - ").append(s.addr.port)
                        .append(" - 0 0 - - 0\n");
            }
        }
        return b.toString();
    }

    // ---- show fd ----

    String showFd(String num) {
        FdTable t = pollers.fdTable();
        int from = 0, to = t.maxFds();
        if (num != null) {
            try {
                from = Integer.parseInt(num);
                to = from + 1;
            } catch (NumberFormatException e) {
                return "Unsupported option '" + num + "', try 'help' for more info.\n";
            }
            if (from < 0 || from >= t.maxFds())
                return "";
        }
        StringBuilder b = new StringBuilder();
        for (int fd = from; fd < to; fd++) {
            Object owner = t.owner(fd);
            if (owner == null)
                continue;
            int st = t.state(fd);
            int rt = t.refcTgid(fd);
            b.append(String.format("%7d : st=0x%06x(%c%c %c%c%c%c%c W:%c%c%c R:%c%c%c) ref=%d gid=%d tmask=0x%x umask=0x%x "
                    + "prmsk=0x%x pwmsk=0x%x rmask=0x%x gen=%d", fd, st,
                    (st & FdTable.LINGER_RISK) != 0 ? 'L' : 'l', (st & FdTable.MUST_CLOSE) != 0 ? 'M' : 'm',
                    (st & FdTable.POLL_HUP) != 0 ? 'H' : 'h', (st & FdTable.POLL_ERR) != 0 ? 'E' : 'e',
                    (st & FdTable.POLL_OUT) != 0 ? 'O' : 'o', (st & FdTable.POLL_PRI) != 0 ? 'P' : 'p',
                    (st & FdTable.POLL_IN) != 0 ? 'I' : 'i',
                    (st & FdTable.SHUT_W) != 0 ? 'S' : 's', (st & FdTable.READY_W) != 0 ? 'R' : 'r',
                    (st & FdTable.ACTIVE_W) != 0 ? 'A' : 'a',
                    (st & FdTable.SHUT_R) != 0 ? 'S' : 's', (st & FdTable.READY_R) != 0 ? 'R' : 'r',
                    (st & FdTable.ACTIVE_R) != 0 ? 'A' : 'a',
                    rt >>> 16, rt & 0xffff, t.threadMask(fd), t.updateMask(fd), t.polledRecvMask(fd),
                    t.polledSendMask(fd), t.runningMask(fd), t.generation(fd)));
            if (owner instanceof Connection) {
                Connection c = (Connection) owner;
                Object h = c.handler();
                b.append(" owner=conn ").append(c.backend ? "back" : "front").append(" tid=").append(c.poller().tid())
                        .append(" mux=").append(h != null ? h.getClass().getSimpleName() : "-")
                        .append(" bytes.in=").append(c.bytesIn).append(" bytes.out=").append(c.bytesOut);
            } else if (owner instanceof Listener) {
                b.append(" owner=listener ").append(((Listener) owner).name);
            } else {
                b.append(" owner=").append(owner.getClass().getSimpleName());
            }
            b.append('\n');
        }
        return b.toString();
    }

    // ---- show errors ----

    private static final DateTimeFormatter ERR_DATE = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss.SSS", Locale.ENGLISH);

    private static String date(long ms) {
        return ERR_DATE.format(LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(ms), ZoneId.systemDefault()));
    }

    String showErrors() {
        StringBuilder b = new StringBuilder("Total events captured on [").append(date(System.currentTimeMillis()))
                .append("] : ").append(ErrorSnapshot.total()).append('\n');
        for (Frontend fe : rt.frontends().values())
            dump(b, fe.lastRequestError);
        for (Backend be : rt.backends().values())
            dump(b, be.lastResponseError);
        return b.toString();
    }

    private static void dump(StringBuilder b, ErrorSnapshot e) {
        if (e == null)
            return;
        b.append(" \n[").append(date(e.whenMs)).append("] ");
        if (e.request) {
            b.append("frontend ").append(e.frontend).append(" (#").append(e.frontendId).append("): invalid request\n")
                    .append("  backend <NONE> (#-1), server <NONE> (#-1)");
        } else {
            b.append("backend ").append(e.backend).append(" (#").append(e.backendId).append("): invalid response\n")
                    .append("  frontend ").append(e.frontend != null ? e.frontend : "<NONE>").append(" (#")
                    .append(e.frontendId).append("), server ").append(e.server).append(" (#").append(e.serverId).append(')');
        }
        b.append(", event #").append(e.event).append(", src ").append(e.src).append('\n')
                .append("  buffer starts at 0 (including 0 out), ").append(Math.max(0, e.bufSize - e.bytes.length))
                .append(" free,\n  len ").append(e.bytes.length).append(", wraps at ").append(e.bufSize)
                .append(", error at position ").append(e.errorAt).append("\n  \n");
        hexText(b, e.bytes);
    }

    /** HAProxy's dump_text_line layout: offset, then the bytes with \r \n \t \xNN escapes, a line per LF (wrapped at 72 columns with '+'). */
    static void hexText(StringBuilder b, byte[] d) {
        int i = 0;
        while (i < d.length) {
            boolean cont = false;
            int start = i;
            while (i < d.length) {
                StringBuilder line = new StringBuilder();
                line.append(String.format("  %05d%c ", i, cont ? '+' : ' '));
                int col = 0;
                while (i < d.length && col < 72) {
                    int c = d[i] & 0xff;
                    String s;
                    if (c == '\r') s = "\\r";
                    else if (c == '\n') s = "\\n";
                    else if (c == '\t') s = "\\t";
                    else if (c == '\\') s = "\\\\";
                    else if (c < 0x20 || c >= 0x7f) s = String.format("\\x%02x", c);
                    else s = String.valueOf((char) c);
                    line.append(s);
                    col += s.length();
                    i++;
                    if (c == '\n')
                        break;
                }
                b.append(line).append('\n');
                if (i > 0 && d[i - 1] == '\n')
                    break;
                cont = true;
            }
            if (i == start)
                break;
        }
    }

    // ---- per-poller commands ----

    /**
     * Runs {@code work} on every poller thread (each appends to its own builder), then hands the
     * joined text to {@code done} and the result to the session, on the session's thread.
     */
    private void onEachPoller(CliSession s, BiConsumer<Poller, StringBuilder> work, Function<String, String> done) {
        int n = pollers.size();
        String[] parts = new String[n];
        AtomicInteger left = new AtomicInteger(n);
        Poller home = s.poller();
        for (int i = 0; i < n; i++) {
            Poller p = pollers.get(i);
            int slot = i;
            p.execute(() -> {
                StringBuilder b = new StringBuilder();
                try {
                    work.accept(p, b);
                } catch (RuntimeException e) {
                    b.append("<error: ").append(e).append(">\n");
                }
                parts[slot] = b.toString();
                if (left.decrementAndGet() == 0) { // the decrement publishes every slot to the last one
                    String all = String.join("", parts);
                    home.execute(() -> s.complete(done.apply(all)));
                }
            });
        }
    }

    private String showSess(CliSession s, String id) {
        if (id == null) {
            onEachPoller(s, (p, b) -> p.watchdog().forEach(w -> {
                w.summary(b);
                b.append('\n');
            }), t -> t);
            return null;
        }
        int dot = id.indexOf('.');
        int tid;
        try {
            tid = Integer.parseInt(id.substring(0, Math.max(0, dot)));
            Long.parseLong(id.substring(dot + 1));
        } catch (NumberFormatException e) {
            return "Unsupported option '" + id + "', try 'help' for more info.\n";
        }
        if (tid < 0 || tid >= pollers.size())
            return "Session not found.\n";
        Poller p = pollers.get(tid);
        Poller home = s.poller();
        p.execute(() -> {
            StringBuilder b = new StringBuilder();
            p.watchdog().forEach(w -> {
                if (w.cliId().equals(id)) {
                    w.describe(b);
                    b.append('\n');
                }
            });
            String out = b.length() == 0 ? "Session not found.\n" : b.toString();
            home.execute(() -> s.complete(out));
        });
        return null;
    }

    private String showThreads(CliSession s) {
        int me = s.poller().tid();
        onEachPoller(s, (p, b) -> {
            b.append(p.tid() == me ? '*' : ' ').append(" Thread ").append(p.tid() + 1).append(" : id=")
                    .append(p.threadName()).append(" act=").append(p.runQueueSize() > 0 ? 1 : 0)
                    .append(" glob=0 wq=").append(p.timerCount()).append(" rq=").append(p.runQueueSize())
                    .append(" tl=0 tlsz=0 rqsz=").append(p.runQueueSize()).append('\n')
                    .append("      1/").append(p.tid() + 1).append("    stuck=0 prof=0 harmless=0 wantrdv=0\n")
                    .append("             loops=").append(p.loops()).append(" wakeups=").append(p.wakeWrites())
                    .append(" naps=").append(p.naps())
                    .append(" streams=").append(p.watchdog().size())
                    .append(" stall.checks=").append(p.watchdog().checks())
                    .append(" stall.reports=").append(p.watchdog().reports())
                    .append(" buffers.free=").append(buffers.free(p.tid())).append('\n');
        }, t -> t);
        return null;
    }

    private String showPools(CliSession s) {
        dev.epoxy.conn.BufferPool bodies = buffers.bodiesIfAny();
        long[] free = new long[pollers.size()], bodyFree = new long[pollers.size()];
        onEachPoller(s, (p, b) -> {
            free[p.tid()] = buffers.free(p.tid());
            if (bodies != null)
                bodyFree[p.tid()] = bodies.free(p.tid());
        }, t -> {
            StringBuilder b = new StringBuilder("Dumping pools usage. Use SIGQUIT to flush them.\n");
            long[] total = new long[3];
            poolLine(b, "buffer", buffers, free, total);
            // HTTP/2 request bodies of unknown or large length (BufferPool.bodies), once used.
            if (bodies != null)
                poolLine(b, "h2body", bodies, bodyFree, total);
            b.append("Total: ").append(bodies == null ? 1 : 2).append(" pools, ").append(total[0]).append(" bytes allocated, ")
                    .append(total[1]).append(" used (~").append(total[2]).append(" by thread caches).\n");
            return b.toString();
        });
        return null;
    }

    /**
     * As HAProxy counts: allocated = buffers whose memory is committed (in use, in the thread
     * caches, resident on the shared free stack; not those whose pages went back to the kernel),
     * used = not on the shared free stack, ~cached of them in thread caches; failures =
     * commitments the budget refused (tune.buffers.limit).
     */
    private static void poolLine(StringBuilder b, String name, dev.epoxy.conn.BufferPool pool, long[] free, long[] total) {
        long cached = 0;
        for (long f : free)
            cached += f;
        long used = pool.inUse() + cached;
        long alloc = used + pool.sharedFree();
        long size = pool.size();
        b.append("  - Pool ").append(name).append(" (").append(size).append(" bytes) : ").append(alloc).append(" allocated (")
                .append(alloc * size).append(" bytes), ").append(used).append(" used (~").append(cached)
                .append(" by thread caches), needed_avg 0, ").append(pool.refusals()).append(" failures, 1 users [SHARED]\n");
        total[0] += alloc * size;
        total[1] += used * size;
        total[2] += cached * size;
    }

    private String shutdownSessions(CliSession s, String[] w) {
        Object o = server(w, 3);
        if (o instanceof String)
            return (String) o;
        Server srv = (Server) o;
        onEachPoller(s, (p, b) -> p.watchdog().forEach(x -> {
            if (x.server() == srv)
                x.kill();
        }), t -> "");
        return null;
    }

    // ---- set server / maxconn ----

    /** The server named {@code be/srv} in word {@code i}, or the error text. */
    private Object server(String[] w, int i) {
        if (w.length <= i || w[i].indexOf('/') < 0)
            return "Require 'backend/server'.\n";
        String[] bs = w[i].split("/", 2);
        Backend be = rt.backends().get(bs[0]);
        if (be == null)
            return "No such backend.\n";
        for (Server s : be.servers)
            if (s.name.equals(bs[1]))
                return s;
        return "No such server.\n";
    }

    private String setServer(String[] w) {
        Object o = server(w, 2);
        if (o instanceof String)
            return (String) o;
        Server srv = (Server) o;
        if (w.length < 4)
            return "usage: set server <backend>/<server> state | weight\n";
        switch (w[3]) {
            case "state": {
                String v = w.length > 4 ? w[4] : "";
                switch (v) {
                    case "ready": setAdmin(srv, false, false); return "";
                    case "drain": setAdmin(srv, false, true); return "";
                    case "maint": setAdmin(srv, true, false); return "";
                    default: return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
                }
            }
            case "weight": {
                if (w.length < 5)
                    return "Require <weight> or <weight%>.\n";
                String v = w[4];
                boolean pct = v.endsWith("%");
                Integer n = positive(pct ? v.substring(0, v.length() - 1) : v);
                if (n == null)
                    return "Require <weight> or <weight%>.\n";
                if (pct) {
                    if (n > 100)
                        return "Relative weight must be positive and at most 100%.\n";
                    n = (1 * n + 99) / 100; // relative to the initial weight (1), rounded up as HAProxy does
                } else if (n > 256) {
                    return "Absolute weight can only be between 0 and 256 inclusive.\n";
                }
                srv.state.setWeight(n);
                return "";
            }
            default:
                return "'set server <srv> " + w[3] + "' is not supported by Epoxy (state and weight are).\n";
        }
    }

    private static Integer positive(String s) {
        try {
            int n = Integer.parseInt(s);
            return n < 0 ? null : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Sets a server's admin flags ({@link ServerState#setAdmin}) and logs the change with HAProxy
     * 2.6's messages and severities: to stderr as a warning and to the backend's log targets,
     * "going DOWN for maintenance" at alert (notice when the checks had it DOWN already: "was DOWN
     * and now enters maintenance"), the others at notice; then "backend X has no server
     * available!" at emerg when the change left none usable. Leaving maintenance reports the
     * checks' state (UP or DOWN): Epoxy keeps checking servers in maintenance.
     */
    void setAdmin(Server srv, boolean maint, boolean drain) {
        ServerState.Snapshot from = srv.state.setAdmin(maint, drain);
        if (from == null)
            return;
        Backend be = srv.backend;
        boolean down = from.op() == ServerState.Op.DOWN;
        int active = be.usableCount();
        String msg;
        int severity = 5;
        if (maint && !from.maint()) {
            if (down) {
                msg = "Server " + srv + " was DOWN and now enters maintenance.";
            } else {
                msg = "Server " + srv + " is going DOWN for maintenance. " + active + " active and 0 backup servers left. "
                        + srv.served() + " sessions active, 0 requeued, " + srv.queued() + " remaining in queue.";
                severity = 1;
            }
        } else if (from.maint()) {
            msg = "Server " + srv + " is " + (down ? "DOWN" : "UP") + "/" + (drain ? "DRAIN" : "READY")
                    + " (leaving forced maintenance).";
        } else if (drain) {
            msg = "Server " + srv + " enters drain state. " + active + " active and 0 backup servers online. "
                    + "0 sessions requeued, " + srv.queued() + " total in queue.";
        } else {
            msg = "Server " + srv + " is " + (down ? "DOWN" : "UP") + " (leaving forced drain).";
        }
        log().warn(msg);
        rt.logAdmin(be, msg, severity);
        if (active == 0 && from.op() == ServerState.Op.UP && !from.maint() && !from.drain() && (maint || drain)) {
            log().error("backend '{}' has no server available!", be.name);
            rt.logAdmin(be, "backend " + be.name + " has no server available!", 0);
        }
    }

    private String setMaxconnFrontend(String[] w) {
        if (w.length < 4)
            return "A frontend name is expected.\n";
        Frontend fe = rt.frontends().get(w[3]);
        if (fe == null || fe.limit() == null)
            return "No such frontend.\n";
        Integer n = w.length > 4 ? positive(w[4]) : null;
        if (n == null)
            return "Integer value expected.\n";
        fe.limit().setMax(n);
        return "";
    }
}
