package dev.epoxy.config;

import java.util.List;

/**
 * The statistics page of a proxy ({@code stats enable}, {@code stats uri}, {@code stats refresh},
 * {@code stats auth}, {@code stats realm}): any of these keywords enables it, as in HAProxy.
 * {@code uri} is a prefix of the request URI (HAProxy's default {@code /haproxy?stats});
 * {@code refreshSeconds} 0 means no refresh; {@code auth} holds "user:password" entries (empty:
 * no authentication); {@code where} is the file:line of the first stats keyword.
 */
public record StatsConfig(String uri, long refreshSeconds, List<String> auth, String realm, String where) {
    public static final String DEFAULT_URI = "/haproxy?stats";
    public static final String DEFAULT_REALM = "HAProxy Statistics";
}
