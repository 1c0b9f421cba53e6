package dev.epoxy.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks that need the whole configuration: proxy name clashes, backend references and
 * their modes, frontends without bind, duplicate listening addresses, HTTP-only rules in tcp
 * mode, missing timeouts. Runs after every file was read; reports at the line concerned.
 */
final class ConfigChecker {
    private final Diagnostics diag;

    ConfigChecker(Diagnostics diag) {
        this.diag = diag;
    }

    List<ProxyConfig> check(GlobalSettings global, List<ProxyBuilder> builders) {
        List<ProxyConfig> proxies = new ArrayList<>();
        for (ProxyBuilder b : builders) {
            proxies.add(b.build(global));
        }
        names(proxies);
        Map<String, ProxyConfig> backends = new HashMap<>();
        for (ProxyConfig p : proxies) {
            if (p.kind().hasBackend()) {
                backends.putIfAbsent(p.name(), p);
            }
        }
        Map<String, BindConfig> bound = new HashMap<>();
        Map<String, ProxyConfig> boundBy = new HashMap<>();
        for (int i = 0; i < proxies.size(); i++) {
            ProxyConfig p = proxies.get(i);
            ProxyBuilder b = builders.get(i);
            if (p.kind() == ProxyKind.FRONTEND && p.binds().isEmpty() && !b.bindFailed) {
                diag.error(p.where(), "frontend '" + p.name() + "' has no 'bind' directive");
            }
            for (BindConfig bind : p.binds()) {
                if (bind.port() == 0)
                    continue; // every port-0 bind gets a port of its own
                String key = Addresses.canonicalKey(bind.host(), bind.port());
                BindConfig first = bound.putIfAbsent(key, bind);
                if (first != null) {
                    ProxyConfig owner = boundBy.get(key);
                    diag.error(bind.where(), "address " + bind.address() + " is already bound by " + owner.kind().keyword()
                            + " '" + owner.name() + "' at " + first.where());
                } else {
                    boundBy.put(key, p);
                }
            }
            if (p.kind().hasFrontend()) {
                if (p.defaultBackend() != null) {
                    target(p, p.defaultBackend(), b.defaultBackendWhere, "default_backend", backends, proxies);
                }
                for (UseBackendRule r : p.useBackends()) {
                    target(p, r.backend(), r.where(), "use_backend", backends, proxies);
                }
            }
            if (p.kind() == ProxyKind.BACKEND && p.servers().isEmpty() && !b.serverFailed) {
                diag.warn(p.where(), "backend '" + p.name() + "' has no server");
            }
            if (p.kind().hasBackend() && p.httpCheck() == null && b.httpCheckRulesWhere != null) {
                diag.warn(b.httpCheckRulesWhere, p.kind().keyword() + " '" + p.name()
                        + "' uses http-check rules without 'option httpchk', so the rules are ignored.");
            }
            if (p.mode() == Mode.TCP) {
                tcpMode(p);
            }
            timeouts(p);
            for (ReplyRule r : p.redirects()) {
                // The reply is built whole in one buffer, as HAProxy does.
                if (r.type() == ReplyRule.Type.RETURN && r.value() != null
                        && r.value().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > global.bufsize() / 2)
                    diag.error(r.where(), "'http-request return' payload is larger than half of tune.bufsize ("
                            + global.bufsize() + ")");
            }
        }
        return proxies;
    }

    /** Two proxies may share a name only when their capabilities do not overlap (a frontend and a backend). */
    private void names(List<ProxyConfig> proxies) {
        for (int i = 0; i < proxies.size(); i++) {
            ProxyConfig p = proxies.get(i);
            for (int j = 0; j < i; j++) {
                ProxyConfig q = proxies.get(j);
                boolean overlap = (p.kind().hasFrontend() && q.kind().hasFrontend())
                        || (p.kind().hasBackend() && q.kind().hasBackend());
                if (overlap && p.name().equals(q.name())) {
                    diag.error(p.where(), p.kind().keyword() + " '" + p.name() + "' has the same name as "
                            + q.kind().keyword() + " '" + q.name() + "' declared at " + q.where());
                    break;
                }
            }
        }
    }

    private void target(ProxyConfig p, String name, String where, String kw, Map<String, ProxyConfig> backends,
                        List<ProxyConfig> all) {
        ProxyConfig be = backends.get(name);
        if (be == null) {
            boolean isFrontend = all.stream().anyMatch(x -> x.name().equals(name));
            diag.error(where, p.kind().keyword() + " '" + p.name() + "': unable to find required " + kw + ": '" + name + "'"
                    + (isFrontend ? " ('" + name + "' is a frontend, which cannot receive traffic from another proxy)" : ""));
            return;
        }
        if (p.mode() == Mode.HTTP && be.mode() != Mode.HTTP) {
            diag.error(where, p.kind().keyword() + " '" + p.name() + "' in http mode cannot use " + be.kind().keyword()
                    + " '" + be.name() + "' which is in tcp mode");
        } else if (p.mode() == Mode.TCP && be.mode() == Mode.HTTP) {
            diag.error(where, p.kind().keyword() + " '" + p.name() + "' in tcp mode cannot use " + be.kind().keyword()
                    + " '" + be.name() + "' which is in http mode (the tcp to http upgrade is not supported by Epoxy)");
        }
    }

    /**
     * HTTP/2 and rules that read HTTP data need http mode. HAProxy also refuses 'proto h2' in tcp
     * mode; it would ignore the rules with a warning, Epoxy refuses them.
     */
    private void tcpMode(ProxyConfig p) {
        for (BindConfig b : p.binds()) {
            if (b.h2()) {
                diag.error(b.where(), p.kind().keyword() + " '" + p.name() + "' : 'proto h2' is not usable for 'bind "
                        + b.address() + "' in tcp mode");
            }
        }
        for (ServerConfig s : p.servers()) {
            if (s.h2()) {
                diag.error(s.where(), p.kind().keyword() + " '" + p.name() + "' : 'proto h2' is not usable for server '"
                        + s.name() + "' in tcp mode");
            }
        }
        for (ReplyRule r : p.redirects()) {
            String what = r.type() == ReplyRule.Type.SERVICE ? "'http-request use-service " + r.value() + "' needs"
                    : "redirect rules need";
            diag.error(r.where(), what + " 'mode http' but " + p.kind().keyword() + " '" + p.name()
                    + "' is in tcp mode");
        }
        if (p.stats() != null) {
            diag.error(p.stats().where(), "the statistics page needs 'mode http' but " + p.kind().keyword() + " '"
                    + p.name() + "' is in tcp mode");
        }
        for (UseBackendRule r : p.useBackends()) {
            if (r.condition().needsHttp()) {
                diag.error(r.where(), "the condition of this 'use_backend' reads HTTP data but " + p.kind().keyword() + " '"
                        + p.name() + "' is in tcp mode");
            }
        }
        if (p.kind().hasFrontend() && p.hasOption(ProxyOption.HTTPLOG)) { // only frontends log requests
            diag.warn(p.where(), "'option httplog' not usable with " + p.kind().keyword() + " '" + p.name()
                    + "' (needs 'mode http')");
        }
    }

    private void timeouts(ProxyConfig p) {
        Timeouts t = p.timeouts();
        boolean missing = (p.kind().hasFrontend() && t.client() == 0)
                || (p.kind().hasBackend() && (t.connect() == 0 || t.server() == 0));
        if (missing) {
            diag.warn(p.where(), "missing timeouts for " + p.kind().keyword() + " '" + p.name()
                    + "': set 'client', 'connect' and 'server' timeouts to non-zero values");
        }
    }
}
