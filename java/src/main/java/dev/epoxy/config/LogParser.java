package dev.epoxy.config;

import java.util.Set;

/**
 * Parses {@code log <target> [format <fmt>] <facility> [<max level> [<min level>]]}. Targets, as
 * HAProxy writes them: {@code stdout}, {@code stderr}, a path or {@code unix@path} (a local
 * AF_UNIX datagram socket such as {@code /dev/log}), {@code host[:port]} with an optional
 * {@code udp@}, {@code udp4@}, {@code udp6@}, {@code ipv4@} or {@code ipv6@} prefix (syslog over
 * UDP, port 514 by default; {@code [v6addr]:port} for IPv6). {@code tcp@}, {@code ring@} and
 * {@code fd@} targets are errors that say they are not supported.
 */
final class LogParser {
    static final Set<String> FORMATS = Set.of("local", "rfc3164", "rfc5424", "priority", "short", "timed", "iso", "raw");
    static final Set<String> FACILITIES = Set.of("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
            "uucp", "cron", "auth2", "ftp", "ntp", "audit", "alert", "cron2",
            "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7");
    static final Set<String> LEVELS = Set.of("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug");

    private LogParser() {
    }

    /** Parses a log line (word 0 is "log"); returns null after reporting an error. */
    static LogTarget parse(Line l, Diagnostics diag) {
        String target = l.word(1);
        if (target == null) {
            diag.error(l.where(), "'log' expects either <address[:port]> and <facility> or 'global' as arguments.");
            return null;
        }
        LogTarget.Stream stream;
        String address = null;
        int port = 0;
        if (target.equals("stdout")) {
            stream = LogTarget.Stream.STDOUT;
        } else if (target.equals("stderr")) {
            stream = LogTarget.Stream.STDERR;
        } else if (target.startsWith("/") || target.startsWith("unix@")) {
            stream = LogTarget.Stream.UNIX;
            address = target.startsWith("unix@") ? target.substring(5) : target;
            if (address.isEmpty() || address.length() > 107) {
                diag.error(l.where(), "log target '" + target + "': invalid unix socket path");
                return null;
            }
        } else {
            String t = target;
            for (String prefix : new String[] {"udp@", "udp4@", "udp6@", "ipv4@", "ipv6@"})
                if (t.startsWith(prefix))
                    t = t.substring(prefix.length());
            if (t.contains("@")) {
                diag.error(l.where(), "log target '" + target + "' is not supported: Epoxy logs to stdout, stderr, "
                        + "a unix datagram socket or a UDP syslog server");
                return null;
            }
            stream = LogTarget.Stream.UDP;
            port = 514;
            String host = t;
            int colon = t.lastIndexOf(':');
            if (t.startsWith("[")) {
                int close = t.indexOf(']');
                if (close < 0) {
                    diag.error(l.where(), "log target '" + target + "': missing ']'");
                    return null;
                }
                host = t.substring(1, close);
                colon = t.length() > close + 1 && t.charAt(close + 1) == ':' ? close + 1 : -1;
            } else if (colon >= 0 && t.indexOf(':') != colon) {
                colon = -1; // a bare IPv6 address
            } else if (colon >= 0) {
                host = t.substring(0, colon);
            }
            if (colon >= 0) {
                try {
                    port = Integer.parseInt(t.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    diag.error(l.where(), "log target '" + target + "': invalid port");
                    return null;
                }
            }
            if (host.isEmpty()) {
                diag.error(l.where(), "log target '" + target + "': missing address");
                return null;
            }
            address = host;
        }
        String format = "rfc3164";
        int i = 2;
        while (i < l.size()) {
            String w = l.word(i);
            if (w.equals("format")) {
                String f = l.word(i + 1);
                if (f == null || !FORMATS.contains(f)) {
                    diag.error(l.where(), "unknown log format '" + (f == null ? "" : f)
                            + "' (expected local, rfc3164, rfc5424, priority, short, timed, iso or raw)");
                    return null;
                }
                format = f;
                i += 2;
            } else if (w.equals("len") || w.equals("sample")) {
                diag.error(l.where(), "'log' option '" + w + "' is not supported by Epoxy");
                return null;
            } else {
                break;
            }
        }
        String facility = l.word(i);
        if (facility == null) {
            diag.error(l.where(), "'log' expects a facility after the target (e.g. local0)");
            return null;
        }
        if (!FACILITIES.contains(facility)) {
            diag.error(l.where(), "unknown log facility '" + facility + "'");
            return null;
        }
        String max = l.word(i + 1);
        String min = l.word(i + 2);
        if (max != null && !LEVELS.contains(max)) {
            diag.error(l.where(), "unknown optional log level '" + max + "'");
            return null;
        }
        if (min != null && !LEVELS.contains(min)) {
            diag.error(l.where(), "unknown optional minimum log level '" + min + "'");
            return null;
        }
        if (l.size() > i + 3) {
            diag.error(l.where(), "'log' cannot handle unexpected argument '" + l.word(i + 3) + "'.");
            return null;
        }
        return new LogTarget(stream, address, port, format, facility, max, min);
    }
}
