package dev.epoxy.config;

import java.util.List;

/**
 * A parsed and cross-checked configuration: the global section, the proxies in file order
 * (defaults sections are folded into them), and the warnings as {@code file:line: message}.
 */
public record Config(GlobalSettings global, List<ProxyConfig> proxies, List<String> warnings) {
    public Config {
        proxies = List.copyOf(proxies);
        warnings = List.copyOf(warnings);
    }

    /** The frontend or listen with this name, or null. */
    public ProxyConfig frontend(String name) {
        for (ProxyConfig p : proxies) {
            if (p.kind().hasFrontend() && p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** The backend or listen with this name, or null (what use_backend/default_backend refer to). */
    public ProxyConfig backend(String name) {
        for (ProxyConfig p : proxies) {
            if (p.kind().hasBackend() && p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Proxies that accept connections (frontends and listens), in file order. */
    public List<ProxyConfig> frontends() {
        return proxies.stream().filter(p -> p.kind().hasFrontend()).toList();
    }
}
