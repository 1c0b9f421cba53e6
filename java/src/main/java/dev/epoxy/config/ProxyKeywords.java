package dev.epoxy.config;

import java.util.EnumSet;
import java.util.Set;

/**
 * Parses the keywords of defaults, frontend, backend and listen sections into a
 * {@link ProxyBuilder}. Placement follows HAProxy's capability rules; where HAProxy would only
 * warn and ignore a structural keyword (bind in a backend, server in a frontend, ...) Epoxy
 * reports an error, while misplaced timeouts and options stay warnings as in HAProxy.
 */
final class ProxyKeywords {
    /** HAProxy proxy keywords Epoxy knows but does not implement (a clearer error than "unknown"). */
    private static final Set<String> UNSUPPORTED = Set.of(
            "http-response", "http-after-response", "tcp-request", "tcp-response", "stick-table", "stick",
            "cookie", "compression", "errorfile", "errorloc", "errorloc302", "errorloc303", "capture",
            "tcp-check", "external-check", "fullconn", "hash-type", "hash-balance-factor", "default-server",
            "server-template", "filter", "unique-id-format", "unique-id-header", "log-format", "log-format-sd",
            "log-tag", "monitor-uri", "monitor", "dispatch", "source", "description", "id", "disabled", "enabled",
            "rate-limit", "email-alert", "persist", "force-persist", "ignore-persist", "use-server", "declare",
            "http-error", "errorfiles", "bind-process", "grace", "backlog", "max-keep-alive-queue", "http-send-name-header",
            "load-server-state-from-file", "server-state-file-name", "reqadd", "rspadd");

    private static final String TIMEOUT_LIST = "'client', 'server', 'connect', 'http-request', 'http-keep-alive', "
            + "'queue', 'tunnel', 'client-fin', 'server-fin' and 'check'";

    private final Diagnostics diag;
    private final AclParser acls;

    ProxyKeywords(Diagnostics diag) {
        this.diag = diag;
        this.acls = new AclParser(diag);
    }

    void parse(Line l, ProxyBuilder p) {
        String kw = l.word(0);
        switch (kw) {
            case "mode": mode(l, p); break;
            case "timeout": timeout(l, p); break;
            case "option": option(l, p, 1, false); break;
            case "no": no(l, p); break;
            case "log": log(l, p); break;
            case "bind": bind(l, p); break;
            case "server": server(l, p); break;
            case "http-check": httpCheck(l, p); break;
            case "default_backend": defaultBackend(l, p); break;
            case "use_backend": useBackend(l, p); break;
            case "acl":
                if (placed(l, p, false, false, false)) {
                    acls.parseAclLine(l, p);
                }
                break;
            case "redirect":
                if (placed(l, p, false, false, false)) {
                    redirect(l, p, 1, false);
                }
                break;
            case "http-request": httpRequest(l, p); break;
            case "http-reuse": httpReuse(l, p); break;
            case "retries": retries(l, p); break;
            case "retry-on": retryOn(l, p); break;
            case "maxconn": maxconn(l, p); break;
            case "balance": balance(l, p); break;
            case "stats": stats(l, p); break;
            default:
                if (UNSUPPORTED.contains(kw)) {
                    diag.error(l.where(), "'" + kw + "' is not supported by Epoxy");
                } else {
                    diag.error(l.where(), "unknown keyword '" + kw + "' in '" + p.sectionKeyword() + "' section");
                }
        }
    }

    /**
     * Checks a keyword may appear in this section; reports an error and returns false if not.
     * {@code inDefaults}: allowed in defaults; {@code needFrontend}/{@code needBackend}: the
     * capability the proxy must have.
     */
    private boolean placed(Line l, ProxyBuilder p, boolean inDefaults, boolean needFrontend, boolean needBackend) {
        String kw = l.word(0);
        if (p.isDefaults()) {
            if (!inDefaults) {
                diag.error(l.where(), "'" + kw + "' not allowed in 'defaults' section");
                return false;
            }
            return true;
        }
        if (needFrontend && !p.kind.hasFrontend()) {
            diag.error(l.where(), "'" + kw + "' not allowed in " + p.describe() + " (no frontend capability)");
            return false;
        }
        if (needBackend && !p.kind.hasBackend()) {
            diag.error(l.where(), "'" + kw + "' not allowed in " + p.describe() + " (no backend capability)");
            return false;
        }
        return true;
    }

    /** Reports arguments past index {@code last}; returns true when there are none. */
    private boolean noExtra(Line l, int last, String what) {
        if (l.size() > last + 1) {
            diag.error(l.where(), "'" + what + "' cannot handle unexpected argument '" + l.word(last + 1) + "'.");
            return false;
        }
        return true;
    }

    private void mode(Line l, ProxyBuilder p) {
        String m = l.word(1);
        if (m == null) {
            diag.error(l.where(), "'mode' expects one of 'http' or 'tcp'");
            return;
        }
        if (!noExtra(l, 1, "mode")) {
            return;
        }
        switch (m) {
            case "http": p.mode = Mode.HTTP; break;
            case "tcp": p.mode = Mode.TCP; break;
            case "health": diag.error(l.where(), "'mode health' is not supported by Epoxy"); break;
            default: diag.error(l.where(), "unknown proxy mode '" + m + "' (expected 'http' or 'tcp')");
        }
    }

    private void timeout(Line l, ProxyBuilder p) {
        String name = l.word(1);
        if (name == null) {
            diag.error(l.where(), "'timeout' expects a timer name (" + TIMEOUT_LIST + ") and a time value");
            return;
        }
        ProxyBuilder.TimeoutKind t = ProxyBuilder.TimeoutKind.byKeyword(name);
        if (t == null) {
            if (name.equals("tarpit")) {
                diag.error(l.where(), "'timeout " + name + "' is not supported by Epoxy");
            } else {
                diag.error(l.where(), "'timeout' supports " + TIMEOUT_LIST + " (got '" + name + "')");
            }
            return;
        }
        String value = l.word(2);
        if (value == null) {
            diag.error(l.where(), "'timeout " + name + "' expects a time value (milliseconds, or with a unit us/ms/s/m/h/d)");
            return;
        }
        if (!noExtra(l, 2, "timeout " + name)) {
            return;
        }
        long ms;
        try {
            ms = Units.parseTimeMs(value);
        } catch (IllegalArgumentException e) {
            diag.error(l.where(), "'timeout " + name + "': " + e.getMessage());
            return;
        }
        if (!p.isDefaults()) {
            if (!t.frontendSide && !p.kind.hasBackend()) {
                diag.warn(l.where(), "'timeout " + name + "' will be ignored because " + p.describe() + " has no backend capability");
                return;
            }
            if (!t.backendSide && !p.kind.hasFrontend()) {
                diag.warn(l.where(), "'timeout " + name + "' will be ignored because " + p.describe() + " has no frontend capability");
                return;
            }
        }
        p.timeouts[t.ordinal()] = ms;
    }

    private void no(Line l, ProxyBuilder p) {
        String what = l.word(1);
        if ("option".equals(what)) {
            option(l, p, 2, true);
        } else if ("log".equals(what)) {
            if (noExtra(l, 1, "no log")) {
                p.logs.clear();
            }
        } else {
            diag.error(l.where(), "'no' is only supported before 'option' and 'log'"
                    + (what == null ? "" : " (got '" + what + "')"));
        }
    }

    private void option(Line l, ProxyBuilder p, int at, boolean negate) {
        String name = l.word(at);
        if (name == null) {
            diag.error(l.where(), "'option' expects an option name");
            return;
        }
        if (name.equals("httpchk")) {
            optionHttpchk(l, p, at, negate);
            return;
        }
        ProxyOption o = ProxyOption.byKeyword(name);
        if (o == null) {
            diag.error(l.where(), "unknown or unsupported option '" + name + "' (Epoxy supports " + optionList() + ")");
            return;
        }
        if (!noExtra(l, at, (negate ? "no option " : "option ") + name)) {
            return;
        }
        if (negate && !o.negatable()) {
            diag.error(l.where(), "negation is not supported for option '" + name + "'");
            return;
        }
        if (!p.isDefaults()) {
            if (!o.backendSide() && !p.kind.hasFrontend()) {
                diag.warn(l.where(), "'option " + name + "' ignored because " + p.describe() + " has no frontend capability");
                return;
            }
            if (!o.frontendSide() && !p.kind.hasBackend()) {
                diag.warn(l.where(), "'option " + name + "' ignored because " + p.describe() + " has no backend capability");
                return;
            }
        }
        if (o == ProxyOption.SMART_ACCEPT) {
            p.smartAccept = !negate;
            return;
        }
        if (negate) {
            p.options.remove(o);
            return;
        }
        if (o.isHttpConnectionMode()) {
            p.options.removeAll(EnumSet.of(ProxyOption.HTTP_KEEP_ALIVE, ProxyOption.HTTPCLOSE, ProxyOption.HTTP_SERVER_CLOSE));
        }
        p.options.add(o);
    }

    private static String optionList() {
        StringBuilder sb = new StringBuilder();
        for (ProxyOption o : ProxyOption.values()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(o.keyword());
        }
        return sb.append(", httpchk").toString();
    }

    private void log(Line l, ProxyBuilder p) {
        if ("global".equals(l.word(1))) {
            if (noExtra(l, 1, "log global")) {
                p.logs.add(ProxyBuilder.GLOBAL_LOGS);
            }
            return;
        }
        LogTarget t = LogParser.parse(l, diag);
        if (t != null) {
            p.logs.add(t);
        }
    }

    private void bind(Line l, ProxyBuilder p) {
        if (!placed(l, p, false, true, false)) {
            return;
        }
        String addrs = l.word(1);
        if (addrs == null) {
            diag.error(l.where(), "'bind' expects [addr]:port[,...] as an argument");
            p.bindFailed = true;
            return;
        }
        boolean h2 = false;
        for (int i = 2; i < l.size(); i++) {
            String opt = l.word(i);
            if (opt.equals("proto")) {
                String v = l.word(i + 1);
                if (v == null) {
                    diag.error(l.where(), "'proto' on 'bind' expects a protocol name (h2)");
                    p.bindFailed = true;
                    return;
                }
                if (!v.equals("h2")) {
                    diag.error(l.where(), "unsupported 'proto " + v + "' on 'bind' (Epoxy supports 'proto h2')");
                    p.bindFailed = true;
                    return;
                }
                h2 = true;
                i++;
            } else {
                diag.error(l.where(), "unsupported bind option '" + opt + "' (Epoxy supports 'proto h2')");
                p.bindFailed = true;
                return;
            }
        }
        for (String one : addrs.split(",", -1)) {
            try {
                Addresses.HostPort hp = Addresses.parse(one, true);
                p.binds.add(new BindConfig(hp.host(), hp.port(), h2, l.where()));
            } catch (IllegalArgumentException e) {
                diag.error(l.where(), "'bind' : " + e.getMessage());
                p.bindFailed = true;
            }
        }
    }

    private void server(Line l, ProxyBuilder p) {
        if (!placed(l, p, false, false, true)) {
            return;
        }
        String name = l.word(1);
        String addr = l.word(2);
        if (name == null || addr == null) {
            diag.error(l.where(), "'server' expects <name> and <addr>[:<port>] as arguments");
            p.serverFailed = true;
            return;
        }
        String bad = ConfigParser.invalidNameChar(name);
        if (bad != null) {
            diag.error(l.where(), "character '" + bad + "' is not permitted in server name '" + name + "'");
            p.serverFailed = true;
            return;
        }
        ServerConfig previous = null;
        for (ServerConfig s : p.servers) {
            if (s.name().equals(name)) {
                previous = s;
            }
        }
        if (previous != null) {
            diag.error(l.where(), "server '" + name + "' already defined in " + p.describe() + " at " + previous.where());
            p.serverFailed = true;
            return;
        }
        Addresses.HostPort hp;
        try {
            hp = Addresses.parse(addr, false);
        } catch (IllegalArgumentException e) {
            diag.error(l.where(), "server '" + name + "' : " + e.getMessage());
            p.serverFailed = true;
            return;
        }
        boolean h2 = false;
        int maxconn = 0;
        int poolMax = ServerConfig.DEFAULT_POOL_MAX_CONN;
        long purge = ServerConfig.DEFAULT_POOL_PURGE_DELAY_MS;
        boolean ok = true;
        boolean check = false;
        long inter = CheckConfig.DEFAULT_INTER, fastinter = 0, downinter = 0;
        int rise = CheckConfig.DEFAULT_RISE, fall = CheckConfig.DEFAULT_FALL, checkPort = 0;
        String checkAddr = null;
        for (int i = 3; i < l.size(); i++) {
            String opt = l.word(i);
            String v = l.word(i + 1);
            switch (opt) {
                case "check":
                    check = true;
                    break;
                case "no-check":
                    check = false;
                    break;
                case "inter":
                case "fastinter":
                case "downinter": {
                    long ms = -1;
                    if (v != null) {
                        try {
                            ms = Units.parseTimeMs(v);
                        } catch (IllegalArgumentException e) {
                            ms = -1;
                        }
                    }
                    if (ms <= 0) {
                        // HAProxy's message for a zero or invalid interval.
                        diag.error(l.where(), "server '" + name + "' : invalid value " + (v == null ? "(missing)" : v)
                                + " for argument '" + opt + "' (expects a positive time)");
                        ok = false;
                    } else if (opt.equals("inter")) {
                        inter = ms;
                    } else if (opt.equals("fastinter")) {
                        fastinter = ms;
                    } else {
                        downinter = ms;
                    }
                    i++;
                    break;
                }
                case "rise":
                case "fall": {
                    long n = v == null ? -1 : Units.parseUnsigned(v, Integer.MAX_VALUE);
                    if (n <= 0) {
                        diag.error(l.where(), "server '" + name + "' : '" + opt + "' has to be > 0"
                                + (v == null ? "" : " (got '" + v + "')"));
                        ok = false;
                    } else if (opt.equals("rise")) {
                        rise = (int) n;
                    } else {
                        fall = (int) n;
                    }
                    i++;
                    break;
                }
                case "port": {
                    long n = v == null ? -1 : Units.parseUnsigned(v, 65535);
                    if (n <= 0) {
                        diag.error(l.where(), "server '" + name + "' : 'port' expects a port from 1 to 65535"
                                + (v == null ? "" : " (got '" + v + "')"));
                        ok = false;
                    }
                    checkPort = (int) n;
                    i++;
                    break;
                }
                case "addr":
                    if (v == null) {
                        diag.error(l.where(), "server '" + name + "' : 'addr' expects an address");
                        ok = false;
                    } else {
                        try {
                            // An address without a port; the check port comes from 'port' or the server.
                            String bare = v.startsWith("[") && v.endsWith("]") ? v.substring(1, v.length() - 1) : v;
                            checkAddr = Addresses.parse(bare.indexOf(':') >= 0 ? "[" + bare + "]:1" : bare + ":1", false).host();
                        } catch (IllegalArgumentException e) {
                            diag.error(l.where(), "server '" + name + "' : 'addr': " + e.getMessage());
                            ok = false;
                        }
                    }
                    i++;
                    break;
                case "observe":
                case "on-error":
                case "error-limit":
                case "on-marked-down":
                case "on-marked-up":
                case "agent-check":
                case "init-addr":
                case "check-send-proxy":
                case "check-ssl":
                case "check-sni":
                case "check-proto":
                    diag.error(l.where(), "server '" + name + "' : '" + opt + "' is not supported by Epoxy"
                            + (opt.equals("observe") ? " (health is judged by active checks only)" : ""));
                    ok = false;
                    break;
                case "proto":
                    if (v == null || !v.equals("h2")) {
                        diag.error(l.where(), "server '" + name + "' : " + (v == null ? "'proto' expects a protocol name (h2)"
                                : "unsupported 'proto " + v + "' (Epoxy supports 'proto h2')"));
                        ok = false;
                    }
                    h2 = true;
                    i++;
                    break;
                case "maxconn": {
                    long n = v == null ? -1 : Units.parseUnsigned(v, Integer.MAX_VALUE);
                    if (n < 0) {
                        diag.error(l.where(), "server '" + name + "' : 'maxconn' expects a non-negative integer"
                                + (v == null ? "" : " (got '" + v + "')"));
                        ok = false;
                    }
                    maxconn = (int) n;
                    i++;
                    break;
                }
                case "pool-max-conn": {
                    long n = v == null ? -2 : v.equals("-1") ? -1 : Units.parseUnsigned(v, Integer.MAX_VALUE);
                    if (n < -1 || (n == -1 && !"-1".equals(v))) {
                        diag.error(l.where(), "server '" + name + "' : 'pool-max-conn' expects -1 (unlimited) or a non-negative integer"
                                + (v == null ? "" : " (got '" + v + "')"));
                        ok = false;
                    }
                    poolMax = (int) n;
                    i++;
                    break;
                }
                case "pool-purge-delay":
                    if (v == null) {
                        diag.error(l.where(), "server '" + name + "' : 'pool-purge-delay' expects a time value");
                        ok = false;
                    } else {
                        try {
                            purge = Units.parseTimeMs(v);
                        } catch (IllegalArgumentException e) {
                            diag.error(l.where(), "server '" + name + "' : 'pool-purge-delay': " + e.getMessage());
                            ok = false;
                        }
                    }
                    i++;
                    break;
                default:
                    diag.error(l.where(), "server '" + name + "' : unsupported server keyword '" + opt
                            + "' (Epoxy supports proto h2, maxconn, pool-max-conn, pool-purge-delay, check, no-check, inter, fastinter, "
                            + "downinter, rise, fall, port, addr)");
                    ok = false;
            }
            if (!ok) {
                break;
            }
        }
        if (!ok) {
            p.serverFailed = true;
        } else {
            p.servers.add(new ServerConfig(name, hp.host(), hp.port(), h2, maxconn, poolMax, purge, l.where(),
                    new CheckConfig(check, inter, fastinter, downinter, rise, fall, checkPort, checkAddr)));
        }
    }

    private void defaultBackend(Line l, ProxyBuilder p) {
        if (!placed(l, p, true, true, false)) {
            return;
        }
        String name = l.word(1);
        if (name == null) {
            diag.error(l.where(), "'default_backend' expects a backend name");
            return;
        }
        if (!noExtra(l, 1, "default_backend") || !staticName(l, name)) {
            return;
        }
        p.defaultBackend = name;
        p.defaultBackendWhere = l.where();
    }

    private boolean staticName(Line l, String name) {
        if (name.contains("%[")) {
            diag.error(l.where(), "dynamic backend names ('" + name + "') are not supported by Epoxy");
            return false;
        }
        return true;
    }

    private void useBackend(Line l, ProxyBuilder p) {
        if (!placed(l, p, false, true, false)) {
            return;
        }
        String name = l.word(1);
        if (name == null) {
            diag.error(l.where(), "'use_backend' expects a backend name");
            return;
        }
        if (!staticName(l, name)) {
            return;
        }
        Condition c = Condition.ALWAYS;
        String kw = l.word(2);
        if (kw != null) {
            if (!kw.equals("if") && !kw.equals("unless")) {
                diag.error(l.where(), "'use_backend' expects 'if' or 'unless' after the backend name (got '" + kw + "')");
                return;
            }
            c = acls.parseCondition(l, 2, p);
            if (c == null) {
                return;
            }
        }
        p.useBackends.add(new UseBackendRule(name, c, l.where()));
    }

    private void httpRequest(Line l, ProxyBuilder p) {
        if (!placed(l, p, false, false, false)) {
            return;
        }
        String action = l.word(1);
        if (action == null) {
            diag.error(l.where(), "'http-request' expects an action (Epoxy supports 'redirect', 'return' and 'use-service')");
            return;
        }
        if (action.equals("return")) {
            httpReturn(l, p);
            return;
        }
        if (action.equals("use-service")) {
            useService(l, p);
            return;
        }
        if (!action.equals("redirect")) {
            diag.error(l.where(), "'http-request " + action
                    + "' is not supported by Epoxy (only 'http-request redirect', 'return' and 'use-service')");
            return;
        }
        redirect(l, p, 2, true);
    }

    /** {@code http-request use-service prometheus-exporter [if|unless cond]}: HAProxy's only built-in HTTP service. */
    private void useService(Line l, ProxyBuilder p) {
        String name = l.word(2);
        if (name == null || name.equals("if") || name.equals("unless")) {
            diag.error(l.where(), "'http-request use-service' expects a service name (Epoxy has 'prometheus-exporter')");
            return;
        }
        if (!name.equals("prometheus-exporter")) {
            diag.error(l.where(), "'http-request use-service " + name
                    + "': unknown service (Epoxy has only 'prometheus-exporter')");
            return;
        }
        if (!p.frontendSide()) {
            // HAProxy: http-request use-service is evaluated by the frontend's rules only.
            diag.error(l.where(), "'http-request use-service' not allowed in " + p.describe() + " (no frontend capability)");
            return;
        }
        Condition cond = Condition.ALWAYS;
        String w = l.word(3);
        if (w != null) {
            if (!w.equals("if") && !w.equals("unless")) {
                diag.error(l.where(), "'http-request use-service " + name + "' expects 'if' or 'unless' (got '" + w + "')");
                return;
            }
            cond = acls.parseCondition(l, 3, p);
            if (cond == null)
                return;
        }
        addHttpRequestRule(l, p, new ReplyRule(ReplyRule.Type.SERVICE, name, 200, false, cond, l.where(), null));
    }

    /**
     * {@code stats enable|uri U|refresh T|auth USER:PASS|realm R}: the statistics page. Any of
     * them enables it, as in HAProxy; other stats keywords are refused.
     */
    private void stats(Line l, ProxyBuilder p) {
        if (!placed(l, p, true, false, false))
            return;
        String sub = l.word(1);
        if (sub == null) {
            diag.error(l.where(), "'stats' expects 'enable', 'uri', 'refresh', 'auth' or 'realm'");
            return;
        }
        String v = l.word(2);
        switch (sub) {
            case "enable":
                if (!noExtra(l, 1, "stats enable"))
                    return;
                break;
            case "uri":
            case "refresh":
            case "auth":
            case "realm":
                if (v == null) {
                    diag.error(l.where(), "'stats " + sub + "' expects a value");
                    return;
                }
                if (!noExtra(l, 2, "stats " + sub))
                    return;
                break;
            default:
                diag.error(l.where(), "'stats " + sub + "' is not supported by Epoxy (only 'stats enable', 'uri', "
                        + "'refresh', 'auth' and 'realm')");
                return;
        }
        switch (sub) {
            case "uri":
                p.statsUri = v;
                break;
            case "refresh":
                try {
                    long ms = Units.parseTimeMs(v);
                    p.statsRefresh = Math.max(1, (ms + 999) / 1000);
                } catch (IllegalArgumentException e) {
                    diag.error(l.where(), "'stats refresh' " + e.getMessage());
                    return;
                }
                break;
            case "auth":
                if (v.indexOf(':') <= 0) {
                    diag.error(l.where(), "'stats auth' expects 'user:password' (got '" + v + "')");
                    return;
                }
                p.statsAuth.add(v);
                break;
            case "realm":
                p.statsRealm = v;
                break;
            default:
                break;
        }
        if (p.statsWhere == null || !p.statsEnabled)
            p.statsWhere = l.where();
        p.statsEnabled = true;
    }

    /** {@code http-request return [status C] [content-type T] [string S] [if|unless cond]}. */
    private void httpReturn(Line l, ProxyBuilder p) {
        int status = 200;
        String type = null;
        String body = null;
        Condition cond = Condition.ALWAYS;
        for (int i = 2; i < l.size(); i += 2) {
            String w = l.word(i);
            if (w.equals("if") || w.equals("unless")) {
                cond = acls.parseCondition(l, i, p);
                if (cond == null)
                    return;
                break;
            }
            String v = l.word(i + 1);
            if (v == null) {
                diag.error(l.where(), "'http-request return " + w + "' expects a value");
                return;
            }
            switch (w) {
                case "status": {
                    long n = Units.parseUnsigned(v, 999);
                    if (n < 200 || n > 599) {
                        diag.error(l.where(), "'http-request return': status code must be between 200 and 599 (got '" + v + "')");
                        return;
                    }
                    status = (int) n;
                    break;
                }
                case "content-type": type = v; break;
                case "string": body = v; break;
                default:
                    diag.error(l.where(), "'http-request return' option '" + w
                            + "' is not supported by Epoxy (only 'status', 'content-type' and 'string')");
                    return;
            }
        }
        if (body != null && !body.isEmpty() && type == null) {
            diag.error(l.where(), "'http-request return': a content type must be defined when non-empty payload is configured");
            return;
        }
        addHttpRequestRule(l, p, new ReplyRule(ReplyRule.Type.RETURN, body, status, false, cond, l.where(), type));
    }

    private void redirect(Line l, ProxyBuilder p, int start, boolean httpRequest) {
        String what = httpRequest ? "http-request redirect" : "redirect";
        ReplyRule.Type type = null;
        String value = null;
        int code = 302;
        boolean dropQuery = false;
        Condition cond = Condition.ALWAYS;
        int i = start;
        while (i < l.size()) {
            String w = l.word(i);
            if (w.equals("if") || w.equals("unless")) {
                cond = acls.parseCondition(l, i, p);
                if (cond == null) {
                    return;
                }
                break;
            }
            switch (w) {
                case "location":
                case "prefix":
                case "scheme": {
                    if (type != null) {
                        diag.error(l.where(), "'" + what + "' : only one of 'location', 'prefix' or 'scheme' may be given");
                        return;
                    }
                    String v = l.word(i + 1);
                    if (v == null) {
                        diag.error(l.where(), "'" + what + " " + w + "' expects a value");
                        return;
                    }
                    if (v.indexOf('%') >= 0) {
                        diag.error(l.where(), "'" + what + " " + w + "' : log-format values ('%' in '" + v
                                + "') are not supported by Epoxy");
                        return;
                    }
                    type = ReplyRule.Type.valueOf(w.toUpperCase(java.util.Locale.ROOT));
                    value = v;
                    i += 2;
                    break;
                }
                case "code": {
                    String v = l.word(i + 1);
                    long n = v == null ? -1 : Units.parseUnsigned(v, 999);
                    if (n != 301 && n != 302 && n != 303 && n != 307 && n != 308) {
                        diag.error(l.where(), "'" + what + "': unsupported HTTP code '" + (v == null ? "" : v)
                                + "' (must be one of 301, 302, 303, 307 or 308)");
                        return;
                    }
                    code = (int) n;
                    i += 2;
                    break;
                }
                case "drop-query":
                    dropQuery = true;
                    i++;
                    break;
                case "append-slash":
                case "set-cookie":
                case "clear-cookie":
                case "ignore-empty":
                    diag.error(l.where(), "'" + what + "' option '" + w + "' is not supported by Epoxy");
                    return;
                default:
                    diag.error(l.where(), "'" + what + "' expects 'code', 'prefix', 'location', 'scheme' or 'drop-query' (got '" + w + "')");
                    return;
            }
        }
        if (type == null) {
            diag.error(l.where(), "'" + what + "' expects 'location', 'prefix' or 'scheme' followed by a value");
            return;
        }
        ReplyRule rule = new ReplyRule(type, value, code, dropQuery, cond, l.where());
        if (httpRequest) {
            addHttpRequestRule(l, p, rule);
        } else {
            if (!p.useBackends.isEmpty()) {
                diag.warn(l.where(), "a 'redirect' rule placed after a 'use_backend' rule will still be processed before.");
            }
            p.redirects.add(rule);
        }
    }

    private void addHttpRequestRule(Line l, ProxyBuilder p, ReplyRule rule) {
        if (!p.useBackends.isEmpty()) {
            diag.warn(l.where(), "a 'http-request' rule placed after a 'use_backend' rule will still be processed before.");
        } else if (!p.redirects.isEmpty()) {
            diag.warn(l.where(), "a 'http-request' rule placed after a 'redirect' rule will still be processed before.");
        }
        p.httpRequestRedirects.add(rule);
    }

    private void httpReuse(Line l, ProxyBuilder p) {
        if (!placed(l, p, true, false, true)) {
            return;
        }
        String v = l.word(1);
        ReuseMode m = null;
        if (v != null) {
            for (ReuseMode r : ReuseMode.values()) {
                if (r.keyword().equals(v)) {
                    m = r;
                }
            }
        }
        if (m == null) {
            diag.error(l.where(), "'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.");
            return;
        }
        if (noExtra(l, 1, "http-reuse")) {
            p.reuse = m;
        }
    }

    private void retries(Line l, ProxyBuilder p) {
        if (!placed(l, p, true, false, true)) {
            return;
        }
        String v = l.word(1);
        long n = v == null ? -1 : Units.parseUnsigned(v, Integer.MAX_VALUE);
        if (n < 0) {
            diag.error(l.where(), "'retries' expects a non-negative integer" + (v == null ? "" : " (got '" + v + "')"));
            return;
        }
        if (noExtra(l, 1, "retries")) {
            p.retries = (int) n;
        }
    }

    private void retryOn(Line l, ProxyBuilder p) {
        if (!p.isDefaults() && !p.kind.hasBackend()) {
            diag.error(l.where(), "'retry-on' only available in backend or listen section");
            return;
        }
        if (l.size() < 2) {
            diag.error(l.where(), "'retry-on' expects a list of keywords (e.g. conn-failure, empty-response, 503)");
            return;
        }
        EnumSet<RetryOn> set = EnumSet.noneOf(RetryOn.class);
        for (int i = 1; i < l.size(); i++) {
            String w = l.word(i);
            if (w.equals("none")) {
                if (l.size() != 2) {
                    diag.error(l.where(), "'retry-on': 'none' must be the only keyword");
                    return;
                }
            } else if (w.equals("all-retryable-errors")) {
                set.addAll(RetryOn.ALL_RETRYABLE_ERRORS);
            } else {
                RetryOn r = RetryOn.byKeyword(w);
                if (r == null) {
                    diag.error(l.where(), "'retry-on': unknown keyword '" + w + "'");
                    return;
                }
                set.add(r);
            }
        }
        p.retryOn = set; // replaces any previous value, as in HAProxy
    }

    private void maxconn(Line l, ProxyBuilder p) {
        if (!placed(l, p, true, true, false)) {
            return;
        }
        String v = l.word(1);
        long n = v == null ? -1 : Units.parseUnsigned(v, Integer.MAX_VALUE);
        if (n < 0) {
            diag.error(l.where(), "'maxconn' expects a non-negative integer" + (v == null ? "" : " (got '" + v + "')"));
            return;
        }
        if (noExtra(l, 1, "maxconn")) {
            p.maxconn = (int) n;
        }
    }

    private void balance(Line l, ProxyBuilder p) {
        if (!placed(l, p, true, false, true)) {
            return;
        }
        String v = l.word(1);
        if (v == null) {
            diag.error(l.where(), "'balance' expects an algorithm (roundrobin, first or leastconn)");
            return;
        }
        Balance b = null;
        for (Balance x : Balance.values()) {
            if (x.keyword().equals(v)) {
                b = x;
            }
        }
        if (b == null) {
            diag.error(l.where(), "'balance " + v + "' is not supported by Epoxy (supported: roundrobin, first, leastconn)");
            return;
        }
        if (noExtra(l, 1, "balance")) {
            p.balance = b;
        }
    }

    /** {@code option httpchk}, {@code option httpchk <uri>}, {@code option httpchk <method> <uri> [<version>]}. */
    private void optionHttpchk(Line l, ProxyBuilder p, int at, boolean negate) {
        if (!p.isDefaults() && !p.kind.hasBackend()) {
            diag.warn(l.where(), "'option httpchk' ignored because " + p.describe() + " has no backend capability");
            return;
        }
        if (negate) {
            if (noExtra(l, at, "no option httpchk"))
                p.httpCheck = null;
            return;
        }
        int n = l.size() - at - 1;
        if (n > 3) {
            diag.error(l.where(), "'option httpchk' cannot handle unexpected argument '" + l.word(at + 4) + "'.");
            return;
        }
        HttpCheck c = HttpCheck.DEFAULT;
        if (n == 1) {
            c = c.with(null, l.word(at + 1), null);
        } else if (n >= 2) {
            c = c.with(l.word(at + 1), l.word(at + 2), n == 3 ? l.word(at + 3) : null);
        }
        if (!c.version().startsWith("HTTP/")) {
            diag.error(l.where(), "'option httpchk' expects an HTTP version such as HTTP/1.1 (got '" + c.version() + "')");
            return;
        }
        p.httpCheck = c;
    }

    /**
     * {@code http-check send [meth M] [uri U] [ver V] [hdr N V]...} and
     * {@code http-check expect [!] status|rstatus|string|rstring <pattern>}. One of each per proxy
     * (HAProxy builds a sequence of rules from several; Epoxy checks with one request).
     */
    private void httpCheck(Line l, ProxyBuilder p) {
        if (!placed(l, p, true, false, true)) {
            return;
        }
        String what = l.word(1);
        if ("send".equals(what)) {
            if (p.httpCheckSendSeen) {
                diag.error(l.where(), "'http-check send' is already set for " + p.describe()
                        + " (Epoxy sends one request per check)");
                return;
            }
            String m = null, u = null, v = null;
            java.util.List<String[]> hdrs = new java.util.ArrayList<>();
            for (int i = 2; i < l.size(); i++) {
                String k = l.word(i);
                String a = l.word(i + 1);
                switch (k) {
                    case "meth":
                    case "uri":
                    case "ver":
                        if (a == null) {
                            diag.error(l.where(), "'http-check send' : '" + k + "' expects a value");
                            return;
                        }
                        if (k.equals("meth")) m = a;
                        else if (k.equals("uri")) u = a;
                        else v = a;
                        i++;
                        break;
                    case "hdr":
                        if (a == null || l.word(i + 2) == null) {
                            diag.error(l.where(), "'http-check send' : 'hdr' expects <name> and <value>");
                            return;
                        }
                        hdrs.add(new String[] {a, l.word(i + 2)});
                        i += 2;
                        break;
                    default:
                        diag.error(l.where(), "'http-check send' : unsupported argument '" + k
                                + "' (Epoxy supports meth, uri, ver, hdr)");
                        return;
                }
            }
            if (v != null && !v.startsWith("HTTP/")) {
                diag.error(l.where(), "'http-check send' : 'ver' expects an HTTP version such as HTTP/1.1 (got '" + v + "')");
                return;
            }
            p.httpCheckSendSeen = true;
            p.sendMethod = m;
            p.sendUri = u;
            p.sendVersion = v;
            p.sendHeaders.clear();
            p.sendHeaders.addAll(hdrs);
        } else if ("expect".equals(what)) {
            if (p.httpCheckExpectSeen) {
                diag.error(l.where(), "'http-check expect' is already set for " + p.describe()
                        + " (Epoxy supports one expect rule)");
                return;
            }
            int i = 2;
            boolean negate = false;
            if ("!".equals(l.word(i))) {
                negate = true;
                i++;
            }
            String kind = l.word(i);
            String pattern = l.word(i + 1);
            HttpCheck.Kind k = null;
            for (HttpCheck.Kind x : HttpCheck.Kind.values())
                if (x.keyword.equals(kind))
                    k = x;
            if (k == null) {
                diag.error(l.where(), "'http-check expect' : " + (kind == null ? "expects a match type" : "unsupported match '" + kind + "'")
                        + " (Epoxy supports status, rstatus, string, rstring)");
                return;
            }
            if (pattern == null) {
                diag.error(l.where(), "'http-check expect " + kind + "' expects a pattern");
                return;
            }
            if (!noExtra(l, i + 1, "http-check expect")) {
                return;
            }
            java.util.regex.Pattern re = null;
            if (k == HttpCheck.Kind.STATUS) {
                if (!pattern.matches("\\d{3}(-\\d{3})?(,\\d{3}(-\\d{3})?)*")) {
                    diag.error(l.where(), "'http-check expect status' expects status codes or ranges such as 200 or 200-399 (got '"
                            + pattern + "')");
                    return;
                }
            } else if (k == HttpCheck.Kind.RSTATUS || k == HttpCheck.Kind.RSTRING) {
                try {
                    re = java.util.regex.Pattern.compile(pattern);
                } catch (java.util.regex.PatternSyntaxException e) {
                    diag.error(l.where(), "'http-check expect " + kind + "' : invalid regex '" + pattern + "': "
                            + e.getDescription());
                    return;
                }
            }
            p.httpCheckExpectSeen = true;
            p.expect = new HttpCheck.Expect(k, negate, pattern, re);
        } else {
            diag.error(l.where(), "'http-check " + (what == null ? "" : what) + "' is not supported by Epoxy"
                    + " (supported: 'http-check send', 'http-check expect')");
            return;
        }
        if (p.httpCheckRulesWhere == null)
            p.httpCheckRulesWhere = l.where();
    }
}
