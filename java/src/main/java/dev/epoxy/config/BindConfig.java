package dev.epoxy.config;

/**
 * One listening address. {@code host} is an IPv4 or IPv6 literal without brackets, or a host
 * name left for the runtime to resolve; {@code :port} and {@code *:port} give "0.0.0.0" like
 * HAProxy. {@code h2} is {@code proto h2} (clear-text HTTP/2 with prior knowledge).
 * {@code where} is the {@code file:line} of the bind line, for runtime error messages.
 */
public record BindConfig(String host, int port, boolean h2, String where) {
    /** True when host is an IPv6 literal. */
    public boolean ipv6() {
        return host.indexOf(':') >= 0;
    }

    /** The address as written in configurations: {@code 127.0.0.1:80} or {@code [::1]:80}. */
    public String address() {
        return ipv6() ? "[" + host + "]:" + port : host + ":" + port;
    }
}
