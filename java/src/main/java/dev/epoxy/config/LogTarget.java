package dev.epoxy.config;

/**
 * A {@code log} line resolved to a target. Only the process's standard streams are supported.
 * {@code format} is HAProxy's format name ("rfc3164" when not given); {@code maxLevel} and
 * {@code minLevel} are level names or null when not given.
 */
public record LogTarget(Stream stream, String format, String facility, String maxLevel, String minLevel) {
    public enum Stream { STDOUT, STDERR }
}
