package dev.epoxy.proxy;

import dev.epoxy.config.LogTarget;
import dev.epoxy.stream.BackendModel;
import dev.epoxy.stream.ServerModel;
import dev.epoxy.stream.Stream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * One line per request in HAProxy's {@code option httplog} format:
 * <pre>
 * %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r
 * </pre>
 * with HAProxy's definitions: %B every byte sent to the client for this exchange (status line,
 * headers, framed body); %ac the process's client connections, %fc the frontend's, %bc the
 * streams assigned to the backend and %sc those holding a slot of the server, each read when the
 * line is produced, after this stream released its backend and server (as HAProxy does);
 * %rc the retries of this stream ("+" first when the last one was redispatched); %sq the
 * requests that left the server's queue ahead of this one; %bq always 0 (Epoxy queues per server
 * only).
 *
 * <p>Each {@code log} target gets the line with the header its {@code format} asks for, as
 * HAProxy writes it: {@code raw} none, {@code short}/{@code priority} {@code <PRI>},
 * {@code timed} {@code <PRI>} and a date, {@code iso} an ISO-8601 date, {@code rfc5424}
 * {@code <PRI>1 date - epoxy pid - - }, and {@code rfc3164} (the default) or {@code local}
 * {@code <PRI>Mmm dd hh:mm:ss epoxy[pid]: }. Targets whose maximum level is below a message's
 * level do not get it (access logs are "info"); a minimum level raises more severe messages to it.
 *
 * <p>Threading: called on poller threads (and the stall watchdog). A line is built on the
 * calling thread and handed to the {@link LogWriter}, which never blocks the caller.
 * Without {@code option httplog}, HAProxy's shorter tcplog-like default is used.
 */
public final class AccessLog {
    private static final DateTimeFormatter ACCEPT_DATE =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter ISO_DATE = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneId.systemDefault());
    /** RFC 5424 timestamp as HAProxy writes it: microseconds and a numeric offset. */
    private static final DateTimeFormatter RFC5424_DATE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx", Locale.ROOT).withZone(ZoneId.systemDefault());
    /** RFC 3164 timestamp: the day of month is padded with a space ("Dec  2"). */
    private static final DateTimeFormatter SYSLOG_DATE =
            DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final long PID = ProcessHandle.current().pid();
    private static final List<String> LEVELS = List.of("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug");
    static final int WARNING = 4, INFO = 6;

    /** One {@code log} line: its output, header format, facility and level filter. */
    public record Target(LogWriter.Output out, String format, int facility, int maxLevel, int minLevel) {
        public static Target of(LogTarget t, LogWriter.Output out) {
            int max = t.maxLevel() == null ? 7 : LEVELS.indexOf(t.maxLevel());
            int min = t.minLevel() == null ? 0 : LEVELS.indexOf(t.minLevel());
            return new Target(out, t.format() == null ? "rfc3164" : t.format(), facilityCode(t.facility()), max, min);
        }
    }

    private final LogWriter writer;
    private final List<Target> targets;
    private final boolean httplog;
    /** Offset between the pollers' monotonic clock and wall time, for %tr. */
    private final long wallOffset;

    public AccessLog(LogWriter writer, List<Target> targets, boolean httplog, long monotonicNow) {
        this.writer = writer;
        this.targets = List.copyOf(targets);
        this.httplog = httplog;
        this.wallOffset = System.currentTimeMillis() - monotonicNow;
        for (Target t : targets)
            t.out.reportFormat = line -> header(t, WARNING, Instant.now()) + line;
    }

    static int facilityCode(String f) {
        if (f == null)
            return 16;
        int i = List.of("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
                "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4", "local5",
                "local6", "local7").indexOf(f);
        return i < 0 ? 16 : i;
    }

    public void stream(Stream s) {
        long end = s.poller.nowMs();
        StringBuilder b = new StringBuilder(200);
        b.append(s.origin.clientAddr()).append(':').append(s.origin.clientPort());
        b.append(" [").append(ACCEPT_DATE.format(Instant.ofEpochMilli(s.tAccept + wallOffset))).append("] ");
        b.append(s.fe.name).append(' ');
        b.append(s.be != null ? s.be.name : s.fe.name).append('/');
        // A client that left while its stream waited in a server's queue: HAProxy logs
        // <NOSRV>, and Tw as the time it waited (http_abortonclose.vtc).
        boolean queued = s.termination().clientLeftQueue();
        b.append(s.srv != null && !queued ? s.srv.name : "<NOSRV>").append(' ');
        long tq = s.tRequest >= 0 ? s.tRequest - s.tAccept : -1;
        // HAProxy's timers: Tw from the request head to a server slot, Tc from there to the
        // established connection (retries included), Tr from there to the response head.
        long tw = s.tRequest < 0 ? -1 : s.tQueue >= 0 ? s.tQueue - s.tRequest : queued ? end - s.tRequest : -1;
        long tc = s.tConnect >= 0 && s.tQueue >= 0 ? s.tConnect - s.tQueue : -1;
        long tr = s.tResponse >= 0 && s.tConnect >= 0 ? s.tResponse - s.tConnect : -1;
        if (httplog)
            b.append(tq).append('/').append(tw).append('/').append(tc).append('/').append(tr).append('/');
        else
            b.append(tw).append('/').append(tc).append('/');
        b.append(end - s.tAccept).append(' ');
        b.append(s.res.head.status() > 0 ? s.res.head.status() : s.abortStatus > 0 ? s.abortStatus : -1).append(' ');
        b.append(s.res.wireOut).append(' ');
        if (httplog)
            b.append("- - ");
        b.append(s.termination().cause).append(s.termination().stage).append(httplog ? "--" : "").append(' ');
        counters(b, (Frontend) s.fe, s.be, s.srv); // the runtime built every frontend
        b.append(s.redispatched ? "+" : "").append(Math.max(0, s.attempts - 1)).append(' ');
        b.append(s.srvQueue).append("/0");
        if (httplog) {
            b.append(" \"").append(s.req.head.methodName()).append(' ')
                    .append(s.logUri != null ? s.logUri : s.req.head.target())
                    .append(s.clientVersion == 10 ? " HTTP/1.0" : s.clientVersion == 20 ? " HTTP/2.0" : " HTTP/1.1")
                    .append('"');
        }
        emit(b, INFO);
    }

    /** {@code %ac/%fc/%bc/%sc/} as they are now. */
    private static void counters(StringBuilder b, Frontend fe, BackendModel be, ServerModel srv) {
        b.append(fe.actconn()).append('/').append(fe.feconn()).append('/')
                .append(be != null ? be.beconn.get() : 0).append('/')
                .append(srv != null ? srv.served() : 0).append('/');
    }

    /**
     * A {@code mode tcp} session in HAProxy's tcplog format:
     * {@code %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq}.
     */
    public void tcp(Frontend fe, Backend be, Server srv, String addr, int port, long tAccept, long tConnect,
            long end, long bytesToClient, char cause, char phase, int retries) {
        StringBuilder b = new StringBuilder(160);
        b.append(addr).append(':').append(port);
        b.append(" [").append(ACCEPT_DATE.format(Instant.ofEpochMilli(tAccept + wallOffset))).append("] ");
        b.append(fe.name).append(' ').append(be != null ? be.name : fe.name).append('/')
                .append(srv != null ? srv.name : "<NOSRV>").append(" 0/")
                .append(tConnect >= 0 ? tConnect - tAccept : -1).append('/').append(end - tAccept).append(' ')
                .append(bytesToClient).append(' ').append(cause).append(phase).append(' ');
        counters(b, fe, be, srv);
        b.append(retries).append(" 0/0");
        emit(b, INFO);
    }

    /**
     * A request that never became a stream: refused by the parser ({@code PR}, 400), timed out
     * ({@code cR}, 408) or abandoned by the client ({@code CR}, 400 with nothing sent, as HAProxy
     * logs it). {@code bytes}: what was sent to the client.
     */
    public void badRequest(Frontend fe, Stream.Origin o, int status, long start, long end, long bytes, char cause) {
        StringBuilder b = new StringBuilder(160);
        b.append(o.clientAddr()).append(':').append(o.clientPort());
        b.append(" [").append(ACCEPT_DATE.format(Instant.ofEpochMilli(start + wallOffset))).append("] ");
        b.append(fe.name).append(' ').append(fe.name).append("/<NOSRV> -1/-1/-1/-1/")
                .append(Math.max(0, end - start)).append(' ')
                .append(status).append(' ').append(bytes).append(" - - ").append(cause).append("R-- ");
        counters(b, fe, null, null);
        b.append("0 0/0 \"<BADREQ>\"");
        emit(b, INFO);
    }

    public void error(Frontend fe, String addr, int port, String message) {
        StringBuilder b = new StringBuilder(120);
        b.append(addr).append(':').append(port).append(' ').append(fe.name).append(": ").append(message);
        emit(b, INFO);
    }

    /** A diagnostic line (the stall watchdog) at severity "warning": {@code <frontend>: <message>}. */
    public void warning(String frontend, String message) {
        StringBuilder b = new StringBuilder(frontend.length() + message.length() + 2);
        b.append(frontend).append(": ").append(message);
        emit(b, WARNING);
    }

    /** A proxy event (a server state change, from checks or the runtime API) at a syslog severity (0 emerg .. 7 debug), as the text is. */
    public void event(String line, int severity) {
        emit(new StringBuilder(line), severity);
    }

    private void emit(StringBuilder line, int severity) {
        Instant now = null;
        String text = null;
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            if (severity > t.maxLevel)
                continue; // less severe than the target's maximum level: not sent
            if (text == null) {
                text = line.toString();
                now = Instant.now();
            }
            writer.offer(t.out, header(t, Math.max(severity, t.minLevel), now) + text);
        }
    }

    static String header(Target t, int severity, Instant now) {
        int pri = t.facility * 8 + severity;
        switch (t.format) {
            case "raw":
                return "";
            case "short": // the severity alone, as systemd reads it (HAProxy: "<3>")
                return "<" + severity + ">";
            case "priority":
                return "<" + pri + ">";
            case "timed":
                return "<" + pri + ">" + SYSLOG_DATE.format(now) + " ";
            case "iso":
                return ISO_DATE.format(now) + " ";
            case "rfc5424":
                return "<" + pri + ">1 " + RFC5424_DATE.format(now) + " - epoxy " + PID + " - - ";
            default: // rfc3164, local
                return "<" + pri + ">" + SYSLOG_DATE.format(now) + " epoxy[" + PID + "]: ";
        }
    }
}
