package dev.epoxy.config;

/**
 * A {@code log} line resolved to a target: the process's standard streams, a syslog server over
 * UDP ({@code address}:{@code port}, a numeric address or a host name resolved at start), or a
 * local AF_UNIX datagram socket ({@code address} is its path, e.g. {@code /dev/log}).
 * {@code format} is HAProxy's format name ("rfc3164" when not given); {@code maxLevel} and
 * {@code minLevel} are level names or null when not given.
 */
public record LogTarget(Stream stream, String address, int port, String format, String facility, String maxLevel,
        String minLevel) {
    public enum Stream { STDOUT, STDERR, UDP, UNIX }

    /** A standard-stream target. */
    public LogTarget(Stream stream, String format, String facility, String maxLevel, String minLevel) {
        this(stream, null, 0, format, facility, maxLevel, minLevel);
    }
}
