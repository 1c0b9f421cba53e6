package dev.epoxy.config;

/** The supported {@code balance} algorithms; ROUNDROBIN is the default. */
public enum Balance {
    ROUNDROBIN, FIRST, LEASTCONN;

    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
