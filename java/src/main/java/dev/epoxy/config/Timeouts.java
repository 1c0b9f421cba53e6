package dev.epoxy.config;

/**
 * A proxy's {@code timeout} values in milliseconds; 0 means unset (no timeout), as in HAProxy.
 */
public record Timeouts(long client, long server, long connect, long httpRequest, long httpKeepAlive,
                       long queue, long tunnel, long clientFin, long serverFin, long check) {
    public static final Timeouts NONE = new Timeouts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Without {@code timeout check}. */
    public Timeouts(long client, long server, long connect, long httpRequest, long httpKeepAlive,
                    long queue, long tunnel, long clientFin, long serverFin) {
        this(client, server, connect, httpRequest, httpKeepAlive, queue, tunnel, clientFin, serverFin, 0);
    }
}
