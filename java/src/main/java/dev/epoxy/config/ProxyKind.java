package dev.epoxy.config;

/** The section a proxy came from; decides its capabilities (frontend side, backend side). */
public enum ProxyKind {
    FRONTEND(true, false), BACKEND(false, true), LISTEN(true, true);

    private final boolean frontend;
    private final boolean backend;

    ProxyKind(boolean frontend, boolean backend) {
        this.frontend = frontend;
        this.backend = backend;
    }

    /** Accepts client connections (bind, use_backend, client timeouts). */
    public boolean hasFrontend() {
        return frontend;
    }

    /** Owns servers (server, balance, retries, server timeouts). */
    public boolean hasBackend() {
        return backend;
    }

    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
