package dev.epoxy.proxy;

import dev.epoxy.config.LogTarget;
import dev.epoxy.stream.Stream;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One line per request in HAProxy's {@code option httplog} format, written to stdout or stderr:
 * <pre>
 * %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r
 * </pre>
 * The header before the line follows the {@code log ... format} given, as HAProxy writes it:
 * {@code raw} none, {@code short}/{@code priority} {@code <PRI>}, {@code timed} {@code <PRI>} and a
 * date, {@code iso} an ISO-8601 date, {@code rfc5424} its own header, and {@code rfc3164} (the
 * default) or {@code local} the BSD syslog header.
 * Without {@code option httplog}, HAProxy's shorter tcplog-like default is used.
 * Lines are built per request (logging is off the zero-allocation hot path by nature) and
 * written with one synchronized print each, so lines from different threads never interleave.
 */
public final class AccessLog {
    private static final DateTimeFormatter ACCEPT_DATE =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter ISO_DATE = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneId.systemDefault());
    private static final String HOST = hostName();
    private static final DateTimeFormatter SYSLOG_DATE =
            DateTimeFormatter.ofPattern("MMM dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());

    private final PrintStream out;
    private final String format;
    private final boolean httplog;
    private final int facility;
    private final long pid = ProcessHandle.current().pid();
    /** Offset between the pollers' monotonic clock and wall time, for %tr. */
    private final long wallOffset;

    public AccessLog(LogTarget target, boolean httplog, long monotonicNow) {
        this.out = target.stream() == LogTarget.Stream.STDERR ? System.err : System.out;
        this.format = target.format() == null ? "rfc3164" : target.format();
        this.httplog = httplog;
        this.facility = facilityCode(target.facility());
        this.wallOffset = System.currentTimeMillis() - monotonicNow;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "-";
        }
    }

    private static int facilityCode(String f) {
        if (f == null)
            return 16;
        if (f.startsWith("local") && f.length() == 6 && Character.isDigit(f.charAt(5)))
            return 16 + (f.charAt(5) - '0');
        switch (f) {
            case "user": return 1;
            case "daemon": return 3;
            default: return 16;
        }
    }

    public void stream(Stream s) {
        long end = s.poller.nowMs();
        StringBuilder b = new StringBuilder(200);
        b.append(s.origin.clientAddr()).append(':').append(s.origin.clientPort());
        b.append(" [").append(ACCEPT_DATE.format(Instant.ofEpochMilli(s.tAccept + wallOffset))).append("] ");
        b.append(s.fe.name).append(' ');
        b.append(s.be != null ? s.be.name : s.fe.name).append('/');
        b.append(s.srv != null ? s.srv.name : "<NOSRV>").append(' ');
        long tr = s.tRequest >= 0 ? s.tRequest - s.tAccept : -1;
        if (httplog) {
            b.append(tr).append('/');
            b.append(s.tConnStart >= 0 ? 0 : -1).append('/');
            b.append(s.tConnect >= 0 ? s.tConnect - s.tConnStart : -1).append('/');
            b.append(s.tResponse >= 0 && s.tConnect >= 0 ? s.tResponse - s.tConnect : -1).append('/');
            b.append(end - s.tAccept).append(' ');
        } else {
            b.append(s.tConnStart >= 0 ? 0 : -1).append('/');
            b.append(s.tConnect >= 0 ? s.tConnect - s.tConnStart : -1).append('/');
            b.append(end - s.tAccept).append(' ');
        }
        b.append(s.res.head.status() > 0 ? s.res.head.status() : -1).append(' ');
        b.append(s.res.bytesOut).append(' ');
        if (httplog)
            b.append("- - ");
        b.append(s.termCause).append(s.termPhase).append(httplog ? "--" : "").append(' ');
        b.append("0/0/0/0/").append(Math.max(0, s.attempts - 1)).append(" 0/0");
        if (httplog) {
            b.append(" \"").append(s.req.head.methodName()).append(' ').append(s.req.head.target())
                    .append(s.req.head.version() == 10 ? " HTTP/1.0" : s.req.head.version() == 20 ? " HTTP/2.0" : " HTTP/1.1")
                    .append('"');
        }
        emit(b);
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
                .append(bytesToClient).append(' ').append(cause).append(phase)
                .append(" 0/0/0/0/").append(retries).append(" 0/0");
        emit(b);
    }

    public void badRequest(Frontend fe, Stream.Origin o, int status, long start) {
        StringBuilder b = new StringBuilder(160);
        b.append(o.clientAddr()).append(':').append(o.clientPort());
        b.append(" [").append(ACCEPT_DATE.format(Instant.ofEpochMilli(start + wallOffset))).append("] ");
        b.append(fe.name).append(' ').append(fe.name).append("/<NOSRV> -1/-1/-1/-1/0 ")
                .append(status).append(" 0 - - PR-- 0/0/0/0/0 0/0 \"<BADREQ>\"");
        emit(b);
    }

    public void error(Frontend fe, String addr, int port, String message) {
        StringBuilder b = new StringBuilder(120);
        b.append(addr).append(':').append(port).append(' ').append(fe.name).append(": ").append(message);
        emit(b);
    }

    /** A diagnostic line (the stall watchdog) at severity "warning": {@code <frontend>: <message>}. */
    public void warning(String frontend, String message) {
        StringBuilder b = new StringBuilder(frontend.length() + message.length() + 2);
        b.append(frontend).append(": ").append(message);
        emit(b, 4);
    }

    private void emit(StringBuilder line) {
        emit(line, 6); // severity "info"
    }

    private void emit(StringBuilder line, int severity) {
        int pri = facility * 8 + severity;
        Instant now = Instant.now();
        switch (format) {
            case "raw":
                break;
            case "short":
            case "priority":
                line.insert(0, "<" + pri + ">");
                break;
            case "timed":
                line.insert(0, "<" + pri + ">" + SYSLOG_DATE.format(now) + " ");
                break;
            case "iso":
                line.insert(0, ISO_DATE.format(now) + " ");
                break;
            case "rfc5424":
                line.insert(0, "<" + pri + ">1 " + ISO_DATE.format(now) + " " + HOST + " epoxy " + pid + " - - ");
                break;
            default: // rfc3164, local
                line.insert(0, "<" + pri + ">" + SYSLOG_DATE.format(now) + " epoxy[" + pid + "]: ");
        }
        out.println(line);
    }
}
