package dev.epoxy.config;

import java.util.Set;

/**
 * Parses {@code log <target> [format <fmt>] <facility> [<max level> [<min level>]]}. Only the
 * targets {@code stdout} and {@code stderr} are supported (no syslog over the network, no
 * files), so an other target is an error that says so.
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
        if (target.equals("stdout")) {
            stream = LogTarget.Stream.STDOUT;
        } else if (target.equals("stderr")) {
            stream = LogTarget.Stream.STDERR;
        } else {
            diag.error(l.where(), "log target '" + target + "' is not supported: Epoxy only logs to stdout or stderr");
            return null;
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
        return new LogTarget(stream, format, facility, max, min);
    }
}
