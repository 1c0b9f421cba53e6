package dev.epoxy.config;

import java.util.List;
import java.util.Set;

/**
 * One frontend, backend or listen section after defaults were applied.
 * <ul>
 * <li>{@code redirects}: evaluation order, i.e. all {@code http-request redirect} rules first,
 * then {@code redirect} rules, as HAProxy processes them;</li>
 * <li>{@code useBackends}: in file order; {@code defaultBackend} null when not set;</li>
 * <li>{@code retryOn}: an unmodifiable EnumSet; empty means {@code none};</li>
 * <li>{@code maxconn}: 0 when not set;</li>
 * <li>{@code logs}: the resolved targets ({@code log global} replaced by the global ones);</li>
 * <li>{@code stats}: the statistics page, null when not enabled;</li>
 * <li>{@code httpCheck}: {@code option httpchk} resolved with its {@code http-check} lines; null
 * when the servers' checks are plain TCP connects.</li>
 * </ul>
 * {@code where} is the {@code file:line} of the section header.
 */
public record ProxyConfig(String name, ProxyKind kind, String where, Mode mode, List<BindConfig> binds,
                          List<ServerConfig> servers, Timeouts timeouts, Set<ProxyOption> options,
                          ReuseMode reuse, int retries, Set<RetryOn> retryOn, Balance balance, int maxconn,
                          List<LogTarget> logs, List<ReplyRule> redirects, List<UseBackendRule> useBackends,
                          String defaultBackend, StatsConfig stats, HttpCheck httpCheck) {

    public static final int DEFAULT_RETRIES = 3;

    public boolean hasOption(ProxyOption option) {
        return options.contains(option);
    }

    public boolean retryOn(RetryOn event) {
        return retryOn.contains(event);
    }

    /** True when a response with this status must be retried according to {@code retry-on}. */
    public boolean retryOnStatus(int status) {
        RetryOn r = RetryOn.forStatus(status);
        return r != null && retryOn.contains(r);
    }

    public boolean isHttp() {
        return mode == Mode.HTTP;
    }

    /** The server with this name, or null. */
    public ServerConfig server(String serverName) {
        for (ServerConfig s : servers) {
            if (s.name().equals(serverName)) {
                return s;
            }
        }
        return null;
    }
}
