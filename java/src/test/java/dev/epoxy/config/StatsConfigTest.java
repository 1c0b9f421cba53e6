package dev.epoxy.config;

import static dev.epoxy.config.Cfg.DEFAULTS;
import static dev.epoxy.config.Cfg.errors;
import static dev.epoxy.config.Cfg.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code http-request use-service prometheus-exporter} and the {@code stats} keywords. */
class StatsConfigTest {
    private static ProxyConfig proxy(Config c, String name) {
        return c.proxies().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void useServiceBecomesAServiceRule() throws Exception {
        Config c = parse(DEFAULTS + "frontend fe\n    bind 127.0.0.1:9999\n"
                + "    http-request use-service prometheus-exporter if { path /metrics }\n    default_backend be\n"
                + "backend be\n    server s 127.0.0.1:1\n");
        ReplyRule r = proxy(c, "fe").redirects().get(0);
        assertEquals(ReplyRule.Type.SERVICE, r.type());
        assertEquals("prometheus-exporter", r.value());
        assertEquals("t.cfg:8", r.where());
    }

    @Test
    void otherServicesAndMisplacedOnesAreErrors() {
        String fe = DEFAULTS + "frontend fe\n    bind 127.0.0.1:9999\n";
        assertEquals(List.of("t.cfg:8: 'http-request use-service lua.hello': unknown service (Epoxy has only 'prometheus-exporter')"),
                errors(fe + "    http-request use-service lua.hello\n"));
        assertEquals(List.of("t.cfg:8: 'http-request use-service' expects a service name (Epoxy has 'prometheus-exporter')"),
                errors(fe + "    http-request use-service\n"));
        assertEquals(List.of("t.cfg:8: 'http-request use-service prometheus-exporter' expects 'if' or 'unless' (got 'when')"),
                errors(fe + "    http-request use-service prometheus-exporter when x\n"));
        assertEquals(List.of("t.cfg:7: 'http-request use-service' not allowed in backend 'be' (no frontend capability)"),
                errors(DEFAULTS + "backend be\n    http-request use-service prometheus-exporter\n    server s 127.0.0.1:1\n"));
        assertEquals(List.of("t.cfg:8: 'http-request use-service prometheus-exporter' needs 'mode http' but frontend 'fe' is in tcp mode"),
                errors(fe + "    http-request use-service prometheus-exporter\n    mode tcp\n    default_backend be\n"
                        + "backend be\n    mode tcp\n    server s 127.0.0.1:1\n"));
    }

    @Test
    void statsKeywords() throws Exception {
        Config c = parse(DEFAULTS + "listen st\n    bind 127.0.0.1:9999\n    stats enable\n    stats uri /stats\n"
                + "    stats refresh 10s\n    stats auth admin:secret\n    stats auth ops:pw\n    stats realm Ops\n"
                + "frontend plain\n    bind 127.0.0.1:9998\n    default_backend st\n");
        StatsConfig s = proxy(c, "st").stats();
        assertEquals("/stats", s.uri());
        assertEquals(10, s.refreshSeconds());
        assertEquals(List.of("admin:secret", "ops:pw"), s.auth());
        assertEquals("Ops", s.realm());
        assertEquals("t.cfg:8", s.where());
        assertNull(proxy(c, "plain").stats());
    }

    @Test
    void anyStatsKeywordEnablesWithHaproxyDefaultsAndDefaultsPassItOn() throws Exception {
        Config c = parse(DEFAULTS.replace("defaults\n", "defaults\n    stats auth a:b\n")
                + "backend be\n    server s 127.0.0.1:1\n");
        StatsConfig s = proxy(c, "be").stats();
        assertEquals(StatsConfig.DEFAULT_URI, s.uri());
        assertEquals(StatsConfig.DEFAULT_REALM, s.realm());
        assertEquals(0, s.refreshSeconds());
        assertEquals(List.of("a:b"), s.auth());
    }

    @Test
    void statsErrors() {
        String l = DEFAULTS + "listen st\n    bind 127.0.0.1:9999\n    server s 127.0.0.1:1\n";
        assertEquals(List.of("t.cfg:9: 'stats admin' is not supported by Epoxy (only 'stats enable', 'uri', 'refresh', 'auth' and 'realm')"),
                errors(l + "    stats admin if TRUE\n"));
        assertEquals(List.of("t.cfg:9: 'stats auth' expects 'user:password' (got 'admin')"), errors(l + "    stats auth admin\n"));
        assertEquals(List.of("t.cfg:9: 'stats uri' expects a value"), errors(l + "    stats uri\n"));
        assertEquals(List.of("t.cfg:9: 'stats enable' cannot handle unexpected argument 'now'."), errors(l + "    stats enable now\n"));
        assertEquals(List.of("t.cfg:9: the statistics page needs 'mode http' but listen 'st' is in tcp mode"),
                errors(l + "    stats enable\n    mode tcp\n"));
    }
}
