package dev.epoxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.epoxy.config.Cfg.DEFAULTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Location computation, with rules parsed from configuration lines. */
class ReplyRuleTest {
    private static ReplyRule rule(String line) throws ConfigException {
        Config c = Cfg.parse(DEFAULTS + "frontend fe\n    bind 127.0.0.1:80\n    " + line + "\n");
        List<ReplyRule> r = c.frontend("fe").redirects();
        assertEquals(1, r.size());
        return r.get(0);
    }

    @Test
    void location() throws Exception {
        ReplyRule r = rule("redirect location /");
        assertEquals(302, r.code());
        assertEquals("Found", r.reason());
        assertEquals("/", r.location("/some/path", "a=1", "example.com"), "location never appends path or query");
        assertEquals("http://other.example/x", rule("redirect location http://other.example/x code 301")
                .location("/p", "q", "h"));
    }

    @Test
    void prefix() throws Exception {
        ReplyRule r = rule("redirect prefix https://secure.example");
        assertEquals("https://secure.example/login?next=%2F", r.location("/login", "next=%2F", "h"));
        assertEquals("https://secure.example/login", r.location("/login", null, "h"));
        assertEquals("https://secure.example/login?", r.location("/login", "", "h"), "an empty query keeps its '?'");
        assertEquals("https://secure.example/", r.location("", null, "h"));
    }

    @Test
    void prefixSlashAddsNothing() throws Exception {
        ReplyRule r = rule("redirect prefix / code 307");
        assertEquals("/a/b?x=1", r.location("/a/b", "x=1", "h"));
        assertEquals(307, r.code());
        assertEquals("Temporary Redirect", r.reason());
    }

    @Test
    void prefixDropQuery() throws Exception {
        ReplyRule r = rule("redirect prefix http://x.example drop-query code 308");
        assertTrue(r.dropQuery());
        assertEquals("http://x.example/a", r.location("/a", "secret=1", "h"));
        assertEquals("Permanent Redirect", r.reason());
    }

    @Test
    void scheme() throws Exception {
        ReplyRule r = rule("http-request redirect scheme https code 301");
        assertEquals("https://example.com:8443/a?b=c", r.location("/a", "b=c", "example.com:8443"));
        assertEquals("https:///a", r.location("/a", null, null), "no Host gives an empty host, like HAProxy");
        assertEquals("https://h/", r.location("*", null, "h"), "'*' becomes '/'");
        assertEquals("Moved Permanently", r.reason());
        ReplyRule d = rule("redirect scheme https drop-query code 303");
        assertEquals("https://h/a", d.location("/a", "b=c", "h"));
        assertEquals("See Other", d.reason());
    }

    @Test
    void codeMayComeFirstAndConditionLast() throws Exception {
        ReplyRule r = rule("redirect code 301 prefix /new if { path_beg /old }");
        assertEquals(301, r.code());
        assertEquals(ReplyRule.Type.PREFIX, r.type());
        assertEquals("/new", r.value());
        assertEquals("/new/old/x", r.location("/old/x", null, null));
        assertTrue(r.condition().matches("/old/x", h -> null));
        assertFalse(r.condition().matches("/x", h -> null));
        assertFalse(r.dropQuery());
    }
}
