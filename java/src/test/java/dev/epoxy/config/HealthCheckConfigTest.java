package dev.epoxy.config;

import static dev.epoxy.config.Cfg.DEFAULTS;
import static dev.epoxy.config.Cfg.errors;
import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** server check settings, timeout check, option httpchk and http-check lines. DEFAULTS is 5 lines long. */
class HealthCheckConfigTest {
    private static ProxyConfig backend(String... body) throws ConfigException {
        Config c = Cfg.parse(DEFAULTS + lines(body));
        for (ProxyConfig p : c.proxies())
            if (p.name().equals("be"))
                return p;
        throw new AssertionError("no backend be");
    }

    @Test
    void serverCheckSettings() throws Exception {
        ProxyConfig be = backend("backend be", "    timeout check 3s",
                "    server s1 127.0.0.1:80 check inter 500 fastinter 100 downinter 5s rise 4 fall 5 port 8080 addr 127.0.0.2",
                "    server s2 127.0.0.1:81", "    server s3 127.0.0.1:82 inter 1s");
        assertEquals(new CheckConfig(true, 500, 100, 5000, 4, 5, 8080, "127.0.0.2"), be.servers().get(0).check());
        assertEquals(CheckConfig.NONE, be.servers().get(1).check());
        assertFalse(be.servers().get(2).check().enabled(), "inter without check: accepted, no check (HAProxy)");
        assertEquals(3000, be.timeouts().check());
        assertNull(be.httpCheck(), "TCP checks without option httpchk");
    }

    @Test
    void httpchkWithSendAndExpect() throws Exception {
        ProxyConfig be = backend("backend be", "    option httpchk HEAD /ping HTTP/1.1",
                "    http-check send meth GET hdr Host example.com hdr X-Y z", "    http-check expect ! rstring ^down",
                "    server s1 127.0.0.1:80 check");
        HttpCheck h = be.httpCheck();
        assertEquals("GET", h.method());
        assertEquals("/ping", h.uri());
        assertEquals("HTTP/1.1", h.version());
        assertEquals(2, h.headers().size());
        assertArrayEquals(new String[] {"Host", "example.com"}, h.headers().get(0));
        assertTrue(h.expect().negate());
        assertEquals(HttpCheck.Kind.RSTRING, h.expect().kind());
        assertEquals(HttpCheck.DEFAULT, backend("backend be", "    option httpchk", "    server s1 127.0.0.1:80 check").httpCheck());
        assertEquals("/only-uri", backend("backend be", "    option httpchk /only-uri").httpCheck().uri());
    }

    @Test
    void expectStatusLists() {
        HttpCheck.Expect e = new HttpCheck.Expect(HttpCheck.Kind.STATUS, false, "200,300-399", null);
        assertTrue(e.matches(200, ""));
        assertTrue(e.matches(302, ""));
        assertFalse(e.matches(204, ""));
    }

    @Test
    void inheritedFromDefaults() throws Exception {
        Config c = Cfg.parse(lines("defaults", "    mode http", "    timeout client 1s", "    timeout server 1s",
                "    timeout connect 1s", "    option httpchk GET /h", "    http-check expect status 200",
                "backend be", "    server s1 127.0.0.1:80 check"));
        HttpCheck h = c.proxies().get(0).httpCheck();
        assertEquals("GET", h.method());
        assertEquals("200", h.expect().pattern());
    }

    @Test
    void refusals() {
        assertEquals(List.of("t.cfg:7: server 's1' : 'rise' has to be > 0 (got '0')"),
                errors(DEFAULTS + lines("backend be", "    server s1 127.0.0.1:80 check rise 0")));
        assertEquals(List.of("t.cfg:7: server 's1' : invalid value 0 for argument 'inter' (expects a positive time)"),
                errors(DEFAULTS + lines("backend be", "    server s1 127.0.0.1:80 check inter 0")));
        assertEquals(List.of("t.cfg:7: server 's1' : 'observe' is not supported by Epoxy (health is judged by active checks only)"),
                errors(DEFAULTS + lines("backend be", "    server s1 127.0.0.1:80 check observe layer7")));
        assertEquals(List.of("t.cfg:8: 'http-check expect' : unsupported match 'header' (Epoxy supports status, rstatus, string, rstring)"),
                errors(DEFAULTS + lines("backend be", "    option httpchk", "    http-check expect header name foo")));
        assertEquals(List.of("t.cfg:8: 'http-check expect status' expects status codes or ranges such as 200 or 200-399 (got '2xx')"),
                errors(DEFAULTS + lines("backend be", "    option httpchk", "    http-check expect status 2xx")));
        assertEquals(List.of("t.cfg:8: 'http-check connect' is not supported by Epoxy (supported: 'http-check send', 'http-check expect')"),
                errors(DEFAULTS + lines("backend be", "    option httpchk", "    http-check connect")));
        assertEquals(List.of("t.cfg:9: 'http-check expect' is already set for backend 'be' (Epoxy supports one expect rule)"),
                errors(DEFAULTS + lines("backend be", "    option httpchk", "    http-check expect status 200",
                        "    http-check expect string ok")));
        assertEquals(List.of("t.cfg:7: 'http-check' not allowed in frontend 'fe' (no backend capability)"),
                errors(DEFAULTS + lines("frontend fe", "    http-check expect status 200", "    bind :80")));
    }

    @Test
    void httpCheckWithoutHttpchkIsWarnedAsHAProxyDoes() throws Exception {
        Config c = Cfg.parse(DEFAULTS + lines("backend be", "    http-check expect status 200", "    server s1 127.0.0.1:80 check"));
        assertTrue(c.warnings().contains("t.cfg:7: backend 'be' uses http-check rules without 'option httpchk', so the rules are ignored."),
                c.warnings().toString());
    }
}
