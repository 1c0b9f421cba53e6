package dev.epoxy.config;

/** {@code http-reuse}: which idle server connections a request may use. HAProxy's default is SAFE. */
public enum ReuseMode {
    NEVER, SAFE, AGGRESSIVE, ALWAYS;

    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
