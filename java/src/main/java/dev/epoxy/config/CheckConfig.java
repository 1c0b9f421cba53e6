package dev.epoxy.config;

/**
 * The health-check settings of one {@code server} line. {@code enabled} is the {@code check}
 * keyword; the others may be given without it (HAProxy accepts them and they then have no effect).
 * Times in ms: {@code inter} (default 2000), {@code fastinter} and {@code downinter} (0: use
 * {@code inter}); {@code rise} (default 2) and {@code fall} (default 3) consecutive results;
 * {@code port} 0 and {@code addr} null mean the server's own port and address.
 */
public record CheckConfig(boolean enabled, long inter, long fastinter, long downinter, int rise, int fall,
                          int port, String addr) {
    public static final long DEFAULT_INTER = 2000;
    public static final int DEFAULT_RISE = 2, DEFAULT_FALL = 3;
    public static final CheckConfig NONE = new CheckConfig(false, DEFAULT_INTER, 0, 0, DEFAULT_RISE, DEFAULT_FALL, 0, null);
}
