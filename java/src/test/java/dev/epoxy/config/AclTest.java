package dev.epoxy.config;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Function;

import static dev.epoxy.config.Cfg.DEFAULTS;
import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Condition evaluation: each rule's condition in a small frontend, tried against requests. */
class AclTest {
    private static Condition cond(String rule, String... acls) throws ConfigException {
        StringBuilder sb = new StringBuilder(DEFAULTS).append("frontend fe\n    bind 127.0.0.1:80\n");
        for (String a : acls) {
            sb.append("    ").append(a).append('\n');
        }
        sb.append("    use_backend be ").append(rule).append('\n');
        sb.append("backend be\n    server s 127.0.0.1:81\n");
        Config c = Cfg.parse(sb.toString());
        return c.frontend("fe").useBackends().get(0).condition();
    }

    private static Function<String, String> headers(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m::get;
    }

    private static final Function<String, String> NONE = h -> null;

    @Test
    void pathBegWithSeveralPatterns() throws Exception {
        Condition c = cond("if { path_beg /a /b }");
        assertTrue(c.matches("/a", NONE));
        assertTrue(c.matches("/abc/d", NONE));
        assertTrue(c.matches("/b", NONE));
        assertFalse(c.matches("/c/a", NONE));
        assertFalse(c.matches("/A", NONE), "case-sensitive without -i");
        assertFalse(c.matches("", NONE));
        assertFalse(c.matches(null, NONE), "a missing sample never matches");
    }

    @Test
    void exactPath() throws Exception {
        Condition c = cond("if { path /x }");
        assertTrue(c.matches("/x", NONE));
        assertFalse(c.matches("/x/", NONE));
        assertFalse(c.matches("/xy", NONE));
        assertFalse(c.matches("/", NONE));
    }

    @Test
    void headerCaseInsensitive() throws Exception {
        Condition c = cond("if { hdr(Host) -i Example.COM }");
        assertTrue(c.matches("/", headers("host", "example.com")), "header names are looked up in lower case");
        assertTrue(c.matches("/", headers("host", "EXAMPLE.com")));
        assertFalse(c.matches("/", headers("host", "example.com:8080")), "exact match includes the port, as in HAProxy");
        assertFalse(c.matches("/", headers("host", "www.example.com")));
        assertFalse(c.matches("/", NONE));
        Condition cs = cond("if { hdr(host) example.com }");
        assertFalse(cs.matches("/", headers("host", "EXAMPLE.COM")));
        assertTrue(cs.matches("/", headers("host", "example.com")));
    }

    @Test
    void headerValuesAreSplitOnCommas() throws Exception {
        Condition c = cond("if { hdr(x-tag) -i beta }");
        assertTrue(c.matches("/", headers("x-tag", "alpha, Beta ,gamma")));
        assertFalse(c.matches("/", headers("x-tag", "alpha,betamax")));
    }

    @Test
    void hdrBegEndSub() throws Exception {
        Condition beg = cond("if { hdr_beg(host) -i www. api. }");
        assertTrue(beg.matches("/", headers("host", "WWW.example.com")));
        assertTrue(beg.matches("/", headers("host", "api.example.com")));
        assertFalse(beg.matches("/", headers("host", "example.com")));
        Condition end = cond("if { hdr_end(host) .org }");
        assertTrue(end.matches("/", headers("host", "x.org")));
        assertFalse(end.matches("/", headers("host", "x.org.uk")));
        Condition sub = cond("if { path_sub admin }");
        assertTrue(sub.matches("/x/admin/y", NONE));
        assertFalse(sub.matches("/x/adm/y", NONE));
        Condition reqHdr = cond("if { req.hdr(user-agent) -m beg curl/ }");
        assertTrue(reqHdr.matches("/", headers("user-agent", "curl/8.0")));
        assertFalse(reqHdr.matches("/", headers("user-agent", "Mozilla")));
    }

    @Test
    void dirAndDomAndFound() throws Exception {
        Condition dir = cond("if { path_dir /img/ }");
        assertTrue(dir.matches("/static/img/a.png", NONE));
        assertTrue(dir.matches("/img", NONE));
        assertFalse(dir.matches("/images/a.png", NONE));
        Condition dom = cond("if { hdr_dom(host) example }");
        assertTrue(dom.matches("/", headers("host", "www.example.com")));
        assertTrue(dom.matches("/", headers("host", "example:8080")));
        assertFalse(dom.matches("/", headers("host", "www.myexample.com")));
        Condition found = cond("if { hdr(x-debug) -m found }");
        assertTrue(found.matches("/", headers("x-debug", "")));
        assertFalse(found.matches("/", NONE));
    }

    @Test
    void patternStartingWithDashNeedsDoubleDash() throws Exception {
        Condition c = cond("if { path_sub -- -old }");
        assertTrue(c.matches("/a-old", NONE));
        assertFalse(c.matches("/a", NONE));
    }

    @Test
    void namedAclsNegationAndAnd() throws Exception {
        Condition c = cond("if is_api !is_internal", "acl is_api path_beg /api", "acl is_internal hdr(host) -i internal");
        assertTrue(c.matches("/api/x", headers("host", "public")));
        assertFalse(c.matches("/api/x", headers("host", "INTERNAL")));
        assertFalse(c.matches("/web", headers("host", "public")));
        assertTrue(c.matches("/api/x", NONE), "a negated ACL whose header is absent matches, like HAProxy");
    }

    @Test
    void separateBangWord() throws Exception {
        Condition c = cond("if ! { path /x }");
        assertFalse(c.matches("/x", NONE));
        assertTrue(c.matches("/y", NONE));
    }

    @Test
    void sameNamedAclLinesAreOred() throws Exception {
        Condition c = cond("if static", "acl static path_beg /static", "acl static path_end .png .css");
        assertTrue(c.matches("/static/a", NONE));
        assertTrue(c.matches("/x/a.png", NONE));
        assertFalse(c.matches("/x/a.js", NONE));
    }

    @Test
    void aclLineAfterTheRuleStillCountsLikeHaproxy() throws Exception {
        Config c = Cfg.parse(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    acl s path /a",
                "    use_backend be if s", "    acl s path /b", "backend be", "    server s 127.0.0.1:81"));
        Condition cond = c.frontend("fe").useBackends().get(0).condition();
        assertTrue(cond.matches("/a", NONE));
        assertTrue(cond.matches("/b", NONE));
        assertFalse(cond.matches("/c", NONE));
    }

    @Test
    void severalAnonymousAclsAreAnded() throws Exception {
        Condition c = cond("if { path_beg /a } { hdr(host) -i x }");
        assertTrue(c.matches("/a1", headers("host", "X")));
        assertFalse(c.matches("/a1", headers("host", "y")));
        assertFalse(c.matches("/b", headers("host", "x")));
    }

    @Test
    void orAlternatives() throws Exception {
        for (String op : new String[] {"or", "||"}) {
            Condition c = cond("if { path /a } " + op + " { path /b } { hdr(host) h }");
            assertTrue(c.matches("/a", NONE));
            assertTrue(c.matches("/b", headers("host", "h")));
            assertFalse(c.matches("/b", NONE), "AND binds tighter than OR");
            assertFalse(c.matches("/c", headers("host", "h")));
        }
    }

    @Test
    void unlessNegatesTheWholeCondition() throws Exception {
        Condition c = cond("unless { path /a } or { path /b }");
        assertTrue(c.unless());
        assertFalse(c.matches("/a", NONE));
        assertFalse(c.matches("/b", NONE));
        assertTrue(c.matches("/c", NONE));
    }

    @Test
    void predefinedTrueFalse() throws Exception {
        assertTrue(cond("if TRUE").matches("/", NONE));
        assertFalse(cond("if FALSE").matches("/", NONE));
        assertTrue(cond("if !FALSE").matches("/", NONE));
        assertFalse(cond("if TRUE").needsHttp());
        assertTrue(cond("if { path / }").needsHttp());
    }

    @Test
    void ruleWithoutConditionIsAlways() throws Exception {
        Config c = Cfg.parse(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    use_backend be",
                "backend be", "    server s 127.0.0.1:81"));
        Condition cond = c.frontend("fe").useBackends().get(0).condition();
        assertEquals(Condition.ALWAYS, cond);
        assertTrue(cond.matches(null, NONE));
        assertEquals("", cond.toString());
    }

    @Test
    void conditionKeepsItsText() throws Exception {
        assertEquals("if { path_beg /a } !b", cond("if { path_beg /a } !b", "acl b path /b").toString());
    }
}
