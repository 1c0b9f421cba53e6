package dev.epoxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * HAProxy semantics: a proxy starts from the last defaults section before it; a new defaults
 * section starts from the built-in values (it does not extend the previous one); the proxy
 * may override anything it inherited.
 */
class DefaultsInheritanceTest {
    private static final String TEXT = lines(
            "global",
            "    log stdout local0",
            "defaults",                              // 3
            "    mode http",
            "    timeout client 5s",
            "    timeout server 10s",
            "    timeout connect 2s",
            "    timeout http-keep-alive 3s",
            "    option http-server-close",
            "    option forwardfor",
            "    retries 2",
            "    http-reuse always",
            "    retry-on 503 504",
            "    balance first",
            "    maxconn 100",
            "    log global",
            "    default_backend be1",
            "frontend fe1",                          // 18
            "    bind 127.0.0.1:8001",
            "backend be1",
            "    timeout server 20s",
            "    retries 4",
            "    no option http-server-close",
            "    server s 127.0.0.1:9001",
            "defaults",                              // 25
            "    mode http",
            "    timeout client 1s",
            "    timeout server 1s",
            "    timeout connect 1s",
            "frontend fe2",
            "    bind 127.0.0.1:8002",
            "    default_backend be2",
            "backend be2",
            "    http-reuse never",
            "    server s 127.0.0.1:9002");

    @Test
    void firstDefaultsApplyToProxiesAfterIt() throws Exception {
        Config c = Cfg.parse(TEXT);
        ProxyConfig fe1 = c.frontend("fe1");
        assertEquals(Mode.HTTP, fe1.mode());
        assertEquals(new Timeouts(5000, 10000, 2000, 0, 3000, 0, 0, 0, 0), fe1.timeouts());
        assertEquals(Set.of(ProxyOption.HTTP_SERVER_CLOSE, ProxyOption.FORWARDFOR, ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE,
                ProxyOption.SMART_ACCEPT), fe1.options());
        assertEquals(100, fe1.maxconn());
        assertEquals("be1", fe1.defaultBackend(), "default_backend is inherited from defaults");
        assertEquals(List.of(new LogTarget(LogTarget.Stream.STDOUT, "rfc3164", "local0", null, null)), fe1.logs());

        ProxyConfig be1 = c.backend("be1");
        assertEquals(20000, be1.timeouts().server(), "overridden");
        assertEquals(2000, be1.timeouts().connect(), "inherited");
        assertEquals(4, be1.retries());
        assertEquals(ReuseMode.ALWAYS, be1.reuse());
        assertEquals(Set.of(RetryOn.STATUS_503, RetryOn.STATUS_504), be1.retryOn());
        assertEquals(Balance.FIRST, be1.balance());
        assertEquals(Set.of(ProxyOption.FORWARDFOR, ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE), be1.options());
    }

    @Test
    void secondDefaultsResetsEverything() throws Exception {
        Config c = Cfg.parse(TEXT);
        ProxyConfig fe2 = c.frontend("fe2");
        assertEquals(new Timeouts(1000, 1000, 1000, 0, 0, 0, 0, 0, 0), fe2.timeouts());
        assertEquals(Set.of(ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE, ProxyOption.SMART_ACCEPT), fe2.options(), "back to the defaults");
        assertEquals(0, fe2.maxconn());
        assertEquals(List.of(), fe2.logs());
        assertEquals("be2", fe2.defaultBackend());

        ProxyConfig be2 = c.backend("be2");
        assertEquals(3, be2.retries());
        assertEquals(ReuseMode.NEVER, be2.reuse());
        assertEquals(RetryOn.DEFAULT, be2.retryOn());
        assertEquals(Balance.ROUNDROBIN, be2.balance());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void proxyBeforeAnyDefaultsGetsBuiltInValuesAndLaterDefaultsDoNotApplyBackwards() throws Exception {
        Config c = Cfg.parse(lines(
                "backend early",
                "    timeout connect 1s",
                "    timeout server 1s",
                "    server s 127.0.0.1:80",
                "defaults",
                "    mode http",
                "    retries 9"));
        assertEquals(Mode.TCP, c.backend("early").mode());
        assertEquals(3, c.backend("early").retries());
        assertNull(c.backend("early").defaultBackend());
    }

    @Test
    void defaultsModeIsOverridable() throws Exception {
        Config c = Cfg.parse(lines(
                "defaults", "    mode http", "    timeout client 1s", "    timeout server 1s", "    timeout connect 1s",
                "listen raw", "    mode tcp", "    bind 127.0.0.1:7000", "    server s 127.0.0.1:7001"));
        assertEquals(Mode.TCP, c.frontend("raw").mode());
    }
}
