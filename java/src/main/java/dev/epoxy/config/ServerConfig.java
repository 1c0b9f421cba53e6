package dev.epoxy.config;

/**
 * One {@code server} line. {@code maxconn} 0 means no limit; {@code poolMaxConn} -1 means no
 * limit on idle connections kept (HAProxy's default) and 0 disables keeping them;
 * {@code poolPurgeDelayMs} defaults to 5000 like HAProxy. {@code where} is {@code file:line}; {@code check} the
 * health-check settings ({@link CheckConfig#NONE} when none were given).
 */
public record ServerConfig(String name, String host, int port, boolean h2, int maxconn, int poolMaxConn,
                           long poolPurgeDelayMs, String where, CheckConfig check) {
    /** A server line without health-check settings. */
    public ServerConfig(String name, String host, int port, boolean h2, int maxconn, int poolMaxConn,
                        long poolPurgeDelayMs, String where) {
        this(name, host, port, h2, maxconn, poolMaxConn, poolPurgeDelayMs, where, CheckConfig.NONE);
    }

    public static final int DEFAULT_POOL_MAX_CONN = -1;
    public static final long DEFAULT_POOL_PURGE_DELAY_MS = 5000;

    public boolean ipv6() {
        return host.indexOf(':') >= 0;
    }

    public String address() {
        return ipv6() ? "[" + host + "]:" + port : host + ":" + port;
    }
}
