package dev.epoxy.config;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigParserTest {
    @Test
    void globalKeywords() throws Exception {
        Config c = Cfg.parse(lines(
                "global",
                "    nbthread 4",
                "    maxconn 2000",
                "    tune.bufsize 32768",
                "    tune.http.maxhdr 200",
                "    expose-experimental-directives",
                "    tune.fd.edge-triggered on",
                "    log stdout format raw local0",
                "    log stderr local1 info notice"));
        GlobalSettings g = c.global();
        assertEquals(4, g.nbthread());
        assertEquals(4, g.threads());
        assertEquals(2000, g.maxconn());
        assertEquals(32768, g.bufsize());
        assertEquals(200, g.maxhdr());
        assertEquals(101, GlobalSettings.DEFAULTS.maxhdr(), "HAProxy's default");
        assertTrue(g.exposeExperimental());
        assertTrue(g.edgeTriggered());
        assertEquals(List.of(new LogTarget(LogTarget.Stream.STDOUT, "raw", "local0", null, null),
                new LogTarget(LogTarget.Stream.STDERR, "rfc3164", "local1", "info", "notice")), g.logs());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void globalDefaults() throws Exception {
        GlobalSettings g = Cfg.parse("global\n").global();
        assertEquals(0, g.nbthread());
        assertTrue(g.threads() >= 1 && g.threads() <= 64);
        assertEquals(0, g.maxconn());
        assertEquals(16384, g.bufsize());
        assertFalse(g.edgeTriggered());
        assertFalse(g.exposeExperimental());
        assertEquals(List.of(), g.logs());
    }

    @Test
    void edgeTriggeredOffAndBufsizeSuffixWarning() throws Exception {
        Config c = Cfg.parse(lines("global", "    expose-experimental-directives", "    tune.fd.edge-triggered off",
                "    tune.bufsize 16k"));
        assertFalse(c.global().edgeTriggered());
        assertEquals(16384, c.global().bufsize());
        assertEquals(List.of("t.cfg:4: 'tune.bufsize 16k' read as 16384 bytes; HAProxy would read only the digits,"
                + " so write 16384 to keep this file valid for HAProxy"), c.warnings());
    }

    @Test
    void everyProxyKeyword() throws Exception {
        Config c = Cfg.parse(lines(
                "global",
                "    log stdout format short daemon",
                "defaults",
                "    mode http",
                "    timeout client 5s",
                "    timeout server 10s",
                "    timeout connect 2s",
                "frontend fe",
                "    bind 127.0.0.1:8080,[::1]:8081 proto h2",
                "    bind :8082",
                "    bind *:8083",
                "    bind \"127.0.0.1:${EPOXY_TEST_PORT}\"",
                "    timeout http-request 3s",
                "    timeout http-keep-alive 1",
                "    timeout client-fin 1d",
                "    option httplog",
                "    option forwardfor",
                "    option dontlognull",
                "    option http-buffer-request",
                "    option http-server-close",
                "    maxconn 500",
                "    log global",
                "    log stderr format rfc5424 local2",
                "    acl is_api path_beg /api /v1",
                "    use_backend be if is_api",
                "    default_backend be",
                "backend be",
                "    balance leastconn",
                "    http-reuse aggressive",
                "    retries 5",
                "    retry-on conn-failure 503 empty-response 0rtt-rejected",
                "    timeout queue 1m",
                "    timeout tunnel 1h",
                "    timeout server-fin 100ms",
                "    option redispatch",
                "    option abortonclose",
                "    option httpclose",
                "    server s1 127.0.0.1:8081 proto h2 maxconn 10 pool-max-conn 4 pool-purge-delay 2s",
                "    server s2 [::1]:8082",
                "    server s3 localhost:8083 pool-max-conn -1",
                "    server s4 127.0.0.1:8084 pool-max-conn 0 maxconn 0"));
        assertEquals(List.of(), c.warnings());
        assertEquals(2, c.proxies().size());

        ProxyConfig fe = c.frontend("fe");
        assertEquals(ProxyKind.FRONTEND, fe.kind());
        assertEquals("t.cfg:8", fe.where());
        assertEquals(Mode.HTTP, fe.mode());
        assertTrue(fe.isHttp());
        assertEquals(List.of(
                new BindConfig("127.0.0.1", 8080, true, "t.cfg:9"),
                new BindConfig("::1", 8081, true, "t.cfg:9"),
                new BindConfig("0.0.0.0", 8082, false, "t.cfg:10"),
                new BindConfig("0.0.0.0", 8083, false, "t.cfg:11"),
                new BindConfig("127.0.0.1", 9123, false, "t.cfg:12")), fe.binds());
        assertEquals("[::1]:8081", fe.binds().get(1).address());
        assertTrue(fe.binds().get(1).ipv6());
        assertEquals(new Timeouts(5000, 10000, 2000, 3000, 1, 0, 0, 86_400_000, 0), fe.timeouts());
        assertEquals(EnumSet.of(ProxyOption.HTTPLOG, ProxyOption.FORWARDFOR, ProxyOption.DONTLOGNULL,
                ProxyOption.HTTP_BUFFER_REQUEST, ProxyOption.HTTP_SERVER_CLOSE, ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE,
                ProxyOption.SMART_ACCEPT), fe.options());
        assertEquals(500, fe.maxconn());
        assertEquals(List.of(new LogTarget(LogTarget.Stream.STDOUT, "short", "daemon", null, null),
                new LogTarget(LogTarget.Stream.STDERR, "rfc5424", "local2", null, null)), fe.logs());
        assertEquals(1, fe.useBackends().size());
        assertEquals("be", fe.useBackends().get(0).backend());
        assertEquals("t.cfg:25", fe.useBackends().get(0).where());
        assertTrue(fe.useBackends().get(0).condition().matches("/api/x", h -> null));
        assertFalse(fe.useBackends().get(0).condition().matches("/web", h -> null));
        assertEquals("be", fe.defaultBackend());
        assertEquals(List.of(), fe.servers());

        ProxyConfig be = c.backend("be");
        assertEquals(ProxyKind.BACKEND, be.kind());
        assertEquals(Balance.LEASTCONN, be.balance());
        assertEquals(ReuseMode.AGGRESSIVE, be.reuse());
        assertEquals(5, be.retries());
        assertEquals(EnumSet.of(RetryOn.CONN_FAILURE, RetryOn.STATUS_503, RetryOn.EMPTY_RESPONSE,
                RetryOn.ZERO_RTT_REJECTED), be.retryOn());
        assertTrue(be.retryOnStatus(503));
        assertFalse(be.retryOnStatus(502));
        assertFalse(be.retryOnStatus(200));
        assertEquals(new Timeouts(5000, 10000, 2000, 0, 0, 60_000, 3_600_000, 0, 100), be.timeouts());
        assertEquals(EnumSet.of(ProxyOption.REDISPATCH, ProxyOption.ABORTONCLOSE, ProxyOption.HTTPCLOSE, ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE),
                be.options());
        assertEquals(List.of(
                new ServerConfig("s1", "127.0.0.1", 8081, true, 10, 4, 2000, "t.cfg:38"),
                new ServerConfig("s2", "::1", 8082, false, 0, -1, 5000, "t.cfg:39"),
                new ServerConfig("s3", "localhost", 8083, false, 0, -1, 5000, "t.cfg:40"),
                new ServerConfig("s4", "127.0.0.1", 8084, false, 0, 0, 5000, "t.cfg:41")), be.servers());
        assertEquals("[::1]:8082", be.server("s2").address());
        assertNull(be.server("nope"));
        assertNull(c.backend("fe"));
        assertNull(c.frontend("be"));
        assertEquals(List.of(fe), c.frontends());
    }

    @Test
    void proxyDefaultsWithoutAnyDefaultsSection() throws Exception {
        Config c = Cfg.parse(lines("backend be", "    server s 127.0.0.1:80"));
        ProxyConfig be = c.backend("be");
        assertEquals(Mode.TCP, be.mode(), "HAProxy's default mode is tcp");
        assertEquals(ReuseMode.SAFE, be.reuse());
        assertEquals(3, be.retries());
        assertEquals(Set.of(RetryOn.CONN_FAILURE), be.retryOn());
        assertEquals(Balance.ROUNDROBIN, be.balance());
        assertEquals(Timeouts.NONE, be.timeouts());
        assertEquals(Set.of(ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE), be.options(), "Epoxy splices response bodies unless told not to");
        assertEquals(0, be.maxconn());
        assertEquals(List.of(), be.logs());
        assertNull(be.defaultBackend());
        assertEquals(List.of("t.cfg:1: missing timeouts for backend 'be': set 'client', 'connect' and 'server' timeouts"
                + " to non-zero values"), c.warnings());
    }

    @Test
    void retryOnVariants() throws Exception {
        Config c = Cfg.parse(Cfg.DEFAULTS + lines(
                "backend a", "    retry-on all-retryable-errors", "    server s 127.0.0.1:80",
                "backend b", "    retry-on none", "    server s 127.0.0.1:80",
                "backend c", "    retry-on 404", "    retry-on 401 403 408 425 500 501 502 504 junk-response response-timeout",
                "    server s 127.0.0.1:80"));
        assertEquals(RetryOn.ALL_RETRYABLE_ERRORS, c.backend("a").retryOn());
        assertEquals(Set.of(), c.backend("b").retryOn());
        assertFalse(c.backend("b").retryOn(RetryOn.CONN_FAILURE));
        Set<RetryOn> expected = EnumSet.of(RetryOn.STATUS_401, RetryOn.STATUS_403, RetryOn.STATUS_408, RetryOn.STATUS_425,
                RetryOn.STATUS_500, RetryOn.STATUS_501, RetryOn.STATUS_502, RetryOn.STATUS_504, RetryOn.JUNK_RESPONSE,
                RetryOn.RESPONSE_TIMEOUT);
        assertEquals(expected, c.backend("c").retryOn(), "retry-on replaces, it does not accumulate");
    }

    @Test
    void httpConnectionModeOptionsExcludeEachOther() throws Exception {
        Config c = Cfg.parse(Cfg.DEFAULTS + lines(
                "    option httpclose",
                "backend a", "    option http-keep-alive", "    server s 127.0.0.1:80",
                "backend b", "    option http-server-close", "    no option http-server-close", "    server s 127.0.0.1:80",
                "backend c", "    server s 127.0.0.1:80"));
        assertEquals(Set.of(ProxyOption.HTTP_KEEP_ALIVE, ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE), c.backend("a").options());
        assertEquals(Set.of(ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE), c.backend("b").options());
        assertEquals(Set.of(ProxyOption.HTTPCLOSE, ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE), c.backend("c").options());
    }

    @Test
    void noOptionAndNoLog() throws Exception {
        Config c = Cfg.parse(lines("global", "    log stdout local0",
                "defaults", "    mode http", "    timeout client 1s", "    timeout server 1s", "    timeout connect 1s",
                "    log global", "    option redispatch", "    option abortonclose", "    option forwardfor",
                "    option dontlognull", "    option http-buffer-request",
                "backend be", "    no option redispatch", "    no option abortonclose", "    no option http-buffer-request",
                "    no log", "    server s 127.0.0.1:80",
                "frontend fe", "    bind 127.0.0.1:80", "    no option dontlognull", "    no option splice-response",
                "    default_backend be"));
        assertEquals(Set.of(ProxyOption.FORWARDFOR, ProxyOption.DONTLOGNULL, ProxyOption.SPLICE_REQUEST, ProxyOption.SPLICE_RESPONSE), c.backend("be").options());
        assertEquals(List.of(), c.backend("be").logs());
        assertEquals(Set.of(ProxyOption.REDISPATCH, ProxyOption.ABORTONCLOSE, ProxyOption.FORWARDFOR,
                ProxyOption.HTTP_BUFFER_REQUEST, ProxyOption.SPLICE_REQUEST, ProxyOption.SMART_ACCEPT), c.frontend("fe").options());
        assertEquals(List.of(new LogTarget(LogTarget.Stream.STDOUT, "rfc3164", "local0", null, null)),
                c.frontend("fe").logs());
    }

    @Test
    void smartAcceptFollowsTheModeUnlessWritten() throws Exception {
        String be = "backend be\n    mode http\n    server s 127.0.0.1:80\n";
        Config c = Cfg.parse(Cfg.DEFAULTS + lines("frontend fe", "    mode http", "    bind 127.0.0.1:80", "    default_backend be",
                "frontend t", "    mode tcp", "    bind 127.0.0.1:81", "    option smart-accept", "    default_backend bt",
                "backend bt", "    mode tcp", "    server s 127.0.0.1:80") + be);
        assertTrue(c.frontend("fe").hasOption(ProxyOption.SMART_ACCEPT), "on by default in HTTP mode");
        assertTrue(c.frontend("t").hasOption(ProxyOption.SMART_ACCEPT), "written in TCP mode");
        assertFalse(c.backend("be").hasOption(ProxyOption.SMART_ACCEPT), "a backend accepts nothing");
        c = Cfg.parse(Cfg.DEFAULTS + lines("defaults", "    mode http", "    timeout client 1s", "    timeout server 1s",
                "    timeout connect 1s", "    no option smart-accept",
                "frontend fe", "    bind 127.0.0.1:80", "    default_backend be") + be);
        assertFalse(c.frontend("fe").hasOption(ProxyOption.SMART_ACCEPT), "'no option smart-accept' passed on by defaults");
    }

    @Test
    void listenHasBothSides() throws Exception {
        Config c = Cfg.parse(Cfg.DEFAULTS + lines(
                "listen l",
                "    bind 127.0.0.1:9000",
                "    balance first",
                "    maxconn 7",
                "    timeout tunnel 30s",
                "    timeout client-fin 1s",
                "    server s 127.0.0.1:9001"));
        ProxyConfig l = c.frontend("l");
        assertSame(l, c.backend("l"));
        assertEquals(Balance.FIRST, l.balance());
        assertEquals(7, l.maxconn());
        assertEquals(30_000, l.timeouts().tunnel());
        assertEquals(1000, l.timeouts().clientFin());
        assertEquals(1, l.servers().size());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void modeTcp() throws Exception {
        Config c = Cfg.parse(Cfg.DEFAULTS + lines(
                "frontend fe", "    mode tcp", "    bind 127.0.0.1:9000", "    use_backend be if TRUE", "    default_backend be",
                "backend be", "    mode tcp", "    server s 127.0.0.1:9001"));
        assertEquals(Mode.TCP, c.frontend("fe").mode());
        assertEquals(Mode.TCP, c.backend("be").mode());
    }

    @Test
    void frontendAndBackendMayShareAName() throws Exception {
        Config c = Cfg.parse(Cfg.DEFAULTS + lines(
                "frontend www", "    bind 127.0.0.1:9000", "    default_backend www",
                "backend www", "    server s 127.0.0.1:9001"));
        assertEquals(ProxyKind.FRONTEND, c.frontend("www").kind());
        assertEquals(ProxyKind.BACKEND, c.backend("www").kind());
    }

    @Test
    void redirectRulesInEvaluationOrder() throws Exception {
        Config c = Cfg.parse(Cfg.DEFAULTS + lines(
                "frontend fe",
                "    bind 127.0.0.1:9000",
                "    redirect prefix http://x.example drop-query code 308 if { path_beg /old }",
                "    http-request redirect scheme https code 301 unless { hdr(x-forwarded-proto) -i https }",
                "    redirect code 303 location /elsewhere",
                "    redirect location /"));
        List<ReplyRule> r = c.frontend("fe").redirects();
        assertEquals(4, r.size());
        assertEquals(ReplyRule.Type.SCHEME, r.get(0).type(), "http-request rules run before redirect rules");
        assertEquals("https", r.get(0).value());
        assertEquals(301, r.get(0).code());
        assertTrue(r.get(0).condition().unless());
        assertEquals("t.cfg:9", r.get(0).where());
        assertEquals(new ReplyRule(ReplyRule.Type.PREFIX, "http://x.example", 308, true, r.get(1).condition(),
                "t.cfg:8"), r.get(1));
        assertEquals(ReplyRule.Type.LOCATION, r.get(2).type());
        assertEquals(303, r.get(2).code());
        assertEquals("/elsewhere", r.get(2).value());
        assertEquals(302, r.get(3).code());
        assertFalse(r.get(3).dropQuery());
        assertSame(Condition.ALWAYS, r.get(3).condition());
        assertEquals(List.of("t.cfg:9: a 'http-request' rule placed after a 'redirect' rule will still be processed before."),
                c.warnings());
    }

    @Test
    void windowsLineEndingsAndQuotedKeywords() throws Exception {
        Config c = Cfg.parse("global\r\n    \"nbthread\" '2'\r\n");
        assertEquals(2, c.global().nbthread());
    }

    @Test
    void fromNamedDefaults() throws Exception {
        Config c = Cfg.parse(lines(
                "defaults web",
                "    mode http",
                "    timeout client 5s",
                "    timeout server 5s",
                "    timeout connect 5s",
                "    retries 7",
                "defaults",
                "    mode tcp",
                "    timeout client 1s",
                "    timeout server 1s",
                "    timeout connect 1s",
                "backend a from web",
                "    server s 127.0.0.1:80",
                "backend b",
                "    server s 127.0.0.1:80",
                "defaults other from web",
                "    retries 2",
                "backend c",
                "    server s 127.0.0.1:80"));
        assertEquals(Mode.HTTP, c.backend("a").mode());
        assertEquals(7, c.backend("a").retries());
        assertEquals(Mode.TCP, c.backend("b").mode());
        assertEquals(3, c.backend("b").retries());
        assertEquals(Mode.HTTP, c.backend("c").mode(), "'defaults other from web' starts from web");
        assertEquals(2, c.backend("c").retries());
        assertEquals(5000, c.backend("c").timeouts().server());
    }
}
