package dev.epoxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static dev.epoxy.config.Cfg.DEFAULTS;
import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Accepted configurations that deserve a warning, like HAProxy's [WARNING] lines. */
class ConfigWarningsTest {
    @Test
    void misplacedTimeoutsAndOptionsAreIgnoredWithAWarning() throws Exception {
        Config c = Cfg.parse(DEFAULTS + lines(
                "frontend fe",
                "    bind 127.0.0.1:80",
                "    timeout server 1s",
                "    option redispatch",
                "backend be",
                "    timeout client 1s",
                "    timeout client-fin 1s",
                "    option httplog",
                "    option dontlognull",
                "    server s 127.0.0.1:81"));
        assertEquals(List.of(
                "t.cfg:8: 'timeout server' will be ignored because frontend 'fe' has no backend capability",
                "t.cfg:9: 'option redispatch' ignored because frontend 'fe' has no backend capability",
                "t.cfg:11: 'timeout client' will be ignored because backend 'be' has no frontend capability",
                "t.cfg:12: 'timeout client-fin' will be ignored because backend 'be' has no frontend capability",
                "t.cfg:13: 'option httplog' ignored because backend 'be' has no frontend capability",
                "t.cfg:14: 'option dontlognull' ignored because backend 'be' has no frontend capability"), c.warnings());
        assertEquals(5000, c.frontend("fe").timeouts().server(), "the ignored line does not override the defaults");
        assertEquals(5000, c.backend("be").timeouts().client());
        assertEquals(Set.of(dev.epoxy.config.ProxyOption.SPLICE_REQUEST, dev.epoxy.config.ProxyOption.SPLICE_RESPONSE,
                dev.epoxy.config.ProxyOption.SMART_ACCEPT), c.frontend("fe").options(), "only the defaults");
        assertEquals(Set.of(dev.epoxy.config.ProxyOption.SPLICE_REQUEST, dev.epoxy.config.ProxyOption.SPLICE_RESPONSE), c.backend("be").options());
    }

    @Test
    void rulesAfterUseBackend() throws Exception {
        Config c = Cfg.parse(DEFAULTS + lines(
                "frontend fe",
                "    bind 127.0.0.1:80",
                "    use_backend be if { path /x }",
                "    redirect location /a",
                "    http-request redirect location /b",
                "backend be",
                "    server s 127.0.0.1:81"));
        assertEquals(List.of(
                "t.cfg:9: a 'redirect' rule placed after a 'use_backend' rule will still be processed before.",
                "t.cfg:10: a 'http-request' rule placed after a 'use_backend' rule will still be processed before."),
                c.warnings());
    }

    @Test
    void aclWithoutPattern() throws Exception {
        Config c = Cfg.parse(DEFAULTS + lines(
                "frontend fe",
                "    bind 127.0.0.1:80",
                "    acl never path_beg",
                "    acl silent path_beg --",
                "    acl present hdr(x-id) -m found"));
        assertEquals(List.of("t.cfg:8: no pattern to match against was provided to 'path_beg', so this ACL will never match"
                + " (add '--' to silence this warning, or use '-m found')"), c.warnings());
    }

    @Test
    void backendWithoutServersAndMissingTimeoutsAndHttplogInTcp() throws Exception {
        Config c = Cfg.parse(lines(
                "defaults",
                "    option httplog",
                "frontend fe",
                "    bind 127.0.0.1:80",
                "    timeout client 1s",
                "    default_backend be",
                "backend be",
                "    timeout connect 1s"));
        assertEquals(List.of(
                "t.cfg:3: 'option httplog' not usable with frontend 'fe' (needs 'mode http')",
                "t.cfg:7: backend 'be' has no server",
                "t.cfg:7: missing timeouts for backend 'be': set 'client', 'connect' and 'server' timeouts to non-zero values"),
                c.warnings());
    }

    @Test
    void namedDefaultsUsedBothExplicitlyAndImplicitly() throws Exception {
        String mixed = " (declared at t.cfg:1) is explicitly referenced by another proxy and implicitly used here. To avoid"
                + " any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use"
                + " explicit references.";
        Config c = Cfg.parse(lines("defaults d", "    mode http", "    timeout client 1s", "    timeout server 1s",
                "    timeout connect 1s", "backend a", "    server s 127.0.0.1:80", "backend b from d",
                "    server s 127.0.0.1:80", "backend c", "    server s 127.0.0.1:80"));
        assertEquals(List.of("t.cfg:8: defaults section 'd'" + mixed, "t.cfg:10: defaults section 'd'" + mixed), c.warnings());
        assertEquals(Mode.HTTP, c.backend("c").mode());
    }
}
