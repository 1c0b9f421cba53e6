package dev.epoxy.config;

/** A proxy's {@code mode}. HAProxy's default is TCP when no {@code mode} line applies. */
public enum Mode {
    HTTP, TCP;

    public String keyword() {
        return this == HTTP ? "http" : "tcp";
    }
}
