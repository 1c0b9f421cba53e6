package dev.epoxy.config;

/**
 * A {@code stats socket} line of the global section: the runtime API's listening socket. Either a
 * Unix stream socket at {@code path} (then {@code host} is null), or TCP on {@code host}:{@code port}.
 * {@code mode} is the file mode applied to the socket file (-1: not given); {@code level} the
 * commands allowed on it ({@link Level#OPERATOR} by default, as in HAProxy).
 */
public record StatsSocket(String where, String path, String host, int port, int mode, Level level) {
    /** HAProxy's access levels, in increasing order of power. */
    public enum Level {
        USER, OPERATOR, ADMIN;

        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean unix() {
        return path != null;
    }

    @Override
    public String toString() {
        return unix() ? "unix@" + path : "ipv4@" + host + ":" + port;
    }
}
