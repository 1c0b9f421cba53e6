package dev.epoxy.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mutable state of one section while parsing: a defaults section (kind null) or a proxy.
 * A proxy starts as a copy of the defaults section that applies to it (the last one before it,
 * or the one named with {@code from}); a defaults section starts from HAProxy's built-in
 * values, since each new defaults section resets the previous one.
 */
final class ProxyBuilder {
    /** The timeouts, with the side of the proxy each one belongs to. */
    enum TimeoutKind {
        CLIENT("client", true, false),
        SERVER("server", false, true),
        CONNECT("connect", false, true),
        HTTP_REQUEST("http-request", true, true),
        HTTP_KEEP_ALIVE("http-keep-alive", true, true),
        QUEUE("queue", false, true),
        TUNNEL("tunnel", false, true),
        CLIENT_FIN("client-fin", true, false),
        SERVER_FIN("server-fin", false, true),
        CHECK("check", false, true);

        final String keyword;
        final boolean frontendSide;
        final boolean backendSide;

        TimeoutKind(String keyword, boolean frontendSide, boolean backendSide) {
            this.keyword = keyword;
            this.frontendSide = frontendSide;
            this.backendSide = backendSide;
        }

        static TimeoutKind byKeyword(String k) {
            for (TimeoutKind t : values()) {
                if (t.keyword.equals(k)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** Stands for {@code log global} until the global targets are known. */
    static final LogTarget GLOBAL_LOGS = new LogTarget(null, null, null, null, null);

    final ProxyKind kind;
    final String name;
    final String where;

    Mode mode = Mode.TCP;
    final long[] timeouts = new long[TimeoutKind.values().length];
    /** Epoxy splices bodies unless told not to: HAProxy's default is off (see README). */
    final EnumSet<ProxyOption> options = EnumSet.of(ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE);
    /**
     * {@code option smart-accept} as written (null: not written, which means on in HTTP mode and
     * off in TCP mode, HAProxy's default): the listeners delay the ACK of a client's first bytes
     * so that it leaves with the response.
     */
    Boolean smartAccept;
    ReuseMode reuse = ReuseMode.SAFE;
    int retries = ProxyConfig.DEFAULT_RETRIES;
    EnumSet<RetryOn> retryOn = EnumSet.copyOf(RetryOn.DEFAULT);
    Balance balance = Balance.ROUNDROBIN;
    int maxconn;
    final List<LogTarget> logs = new ArrayList<>();
    String defaultBackend;
    String defaultBackendWhere;
    /** Statistics page: enabled by any 'stats' keyword; passed on by defaults like HAProxy's uri_auth. */
    boolean statsEnabled;
    String statsUri = StatsConfig.DEFAULT_URI, statsRealm = StatsConfig.DEFAULT_REALM, statsWhere;
    long statsRefresh;
    final List<String> statsAuth = new ArrayList<>();

    /** {@code option httpchk} with its http-check lines; null without the option. */
    HttpCheck httpCheck;
    /** {@code http-check send}/{@code expect} seen (warned about when httpchk is not set). */
    String httpCheckRulesWhere;
    boolean httpCheckSendSeen, httpCheckExpectSeen;
    /** What {@code http-check} lines set before or without {@code option httpchk}. */
    String sendMethod, sendUri, sendVersion;
    final List<String[]> sendHeaders = new ArrayList<>();
    HttpCheck.Expect expect;

    final List<BindConfig> binds = new ArrayList<>();
    final List<ServerConfig> servers = new ArrayList<>();
    final Map<String, Acl> acls = new LinkedHashMap<>();
    final List<ReplyRule> httpRequestRedirects = new ArrayList<>();
    final List<ReplyRule> redirects = new ArrayList<>();
    final List<UseBackendRule> useBackends = new ArrayList<>();

    /** Names of ACLs whose definition failed: uses are not reported a second time. */
    final Set<String> failedAcls = new HashSet<>();
    /** A bind line failed: do not also report "no bind". */
    boolean bindFailed;
    /** A server line failed: do not also warn "no server". */
    boolean serverFailed;
    /** For named defaults sections: referenced with 'from' / used as the last defaults by a proxy. */
    boolean explicitlyUsed;
    boolean implicitlyUsed;

    ProxyBuilder(ProxyKind kind, String name, String where) {
        this.kind = kind;
        this.name = name;
        this.where = where;
    }

    boolean isDefaults() {
        return kind == null;
    }

    /** Frontend-side keywords apply (defaults count for both sides). */
    boolean frontendSide() {
        return kind == null || kind.hasFrontend();
    }

    boolean backendSide() {
        return kind == null || kind.hasBackend();
    }

    /** "frontend 'fe'", "defaults section", "defaults section 'd1'" for messages. */
    String describe() {
        if (kind == null) {
            return name == null ? "defaults section" : "defaults section '" + name + "'";
        }
        return kind.keyword() + " '" + name + "'";
    }

    /** The section keyword for messages: defaults, frontend, backend or listen. */
    String sectionKeyword() {
        return kind == null ? "defaults" : kind.keyword();
    }

    /** Copies what a defaults section passes on to the sections using it. */
    void inherit(ProxyBuilder d) {
        mode = d.mode;
        System.arraycopy(d.timeouts, 0, timeouts, 0, timeouts.length);
        options.clear();
        options.addAll(d.options);
        smartAccept = d.smartAccept;
        reuse = d.reuse;
        retries = d.retries;
        retryOn = EnumSet.copyOf(d.retryOn); // copyOf(EnumSet) also handles the empty set ("none")
        balance = d.balance;
        maxconn = d.maxconn;
        logs.clear();
        logs.addAll(d.logs);
        defaultBackend = d.defaultBackend;
        defaultBackendWhere = d.defaultBackendWhere;
        statsEnabled = d.statsEnabled;
        statsUri = d.statsUri;
        statsRealm = d.statsRealm;
        statsWhere = d.statsWhere;
        statsRefresh = d.statsRefresh;
        statsAuth.clear();
        statsAuth.addAll(d.statsAuth);
        httpCheck = d.httpCheck;
        httpCheckRulesWhere = d.httpCheckRulesWhere;
        sendMethod = d.sendMethod;
        sendUri = d.sendUri;
        sendVersion = d.sendVersion;
        sendHeaders.clear();
        sendHeaders.addAll(d.sendHeaders);
        expect = d.expect;
    }

    /** The check request and expectation: option httpchk's line, overridden by http-check lines. */
    HttpCheck resolvedHttpCheck() {
        if (httpCheck == null)
            return null;
        HttpCheck c = httpCheck.with(sendMethod, sendUri, sendVersion);
        return new HttpCheck(c.method(), c.uri(), c.version(), List.copyOf(sendHeaders), expect);
    }

    long timeout(TimeoutKind t) {
        return timeouts[t.ordinal()];
    }

    ProxyConfig build(GlobalSettings global) {
        Timeouts t = new Timeouts(timeout(TimeoutKind.CLIENT), timeout(TimeoutKind.SERVER), timeout(TimeoutKind.CONNECT),
                timeout(TimeoutKind.HTTP_REQUEST), timeout(TimeoutKind.HTTP_KEEP_ALIVE), timeout(TimeoutKind.QUEUE),
                timeout(TimeoutKind.TUNNEL), timeout(TimeoutKind.CLIENT_FIN), timeout(TimeoutKind.SERVER_FIN),
                timeout(TimeoutKind.CHECK));
        List<LogTarget> resolvedLogs = new ArrayList<>();
        for (LogTarget l : logs) {
            if (l == GLOBAL_LOGS) {
                resolvedLogs.addAll(global.logs());
            } else {
                resolvedLogs.add(l);
            }
        }
        List<ReplyRule> allRedirects = new ArrayList<>(httpRequestRedirects);
        allRedirects.addAll(redirects);
        EnumSet<ProxyOption> opts = EnumSet.copyOf(options);
        if (kind.hasFrontend() && (smartAccept != null ? smartAccept : mode == Mode.HTTP))
            opts.add(ProxyOption.SMART_ACCEPT);
        return new ProxyConfig(name, kind, where, mode, List.copyOf(binds), List.copyOf(servers), t,
                Collections.unmodifiableSet(opts), reuse, retries,
                Collections.unmodifiableSet(EnumSet.copyOf(retryOn)),
                balance, maxconn, List.copyOf(resolvedLogs), List.copyOf(allRedirects), List.copyOf(useBackends),
                defaultBackend, statsEnabled
                        ? new StatsConfig(statsUri, statsRefresh, List.copyOf(statsAuth), statsRealm, statsWhere) : null,
                resolvedHttpCheck());
    }
}
