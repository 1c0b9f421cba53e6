package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.http.HttpHead;
import org.junit.jupiter.api.Test;

/** The RFC 9113 section 8.3 field-order rule, checked once for requests, responses and trailers. */
class H2HeadersTest {
    static HeaderList list(String... nv) {
        HeaderList f = new HeaderList();
        for (int i = 0; i < nv.length; i += 2)
            f.add(nv[i], nv[i + 1]);
        return f;
    }

    @Test
    void pseudoHeadersMustComeFirst() {
        assertEquals(0, H2Headers.pseudoHeaders(list()));
        assertEquals(0, H2Headers.pseudoHeaders(list("a", "1", "b", "2")));
        assertEquals(2, H2Headers.pseudoHeaders(list(":status", "200", ":x", "y")));
        assertEquals(1, H2Headers.pseudoHeaders(list(":status", "200", "a", "1", "b", "2")));
        assertEquals(-1, H2Headers.pseudoHeaders(list(":status", "200", "a", "1", ":x", "y")));
        assertEquals(-1, H2Headers.pseudoHeaders(list("a", "1", ":status", "200")));
    }

    @Test
    void theOrderRuleAppliesToRequestsResponsesAndTrailers() {
        HttpHead h = new HttpHead();
        assertNull(H2Headers.toRequest(list(":method", "GET", ":scheme", "http", ":path", "/", "a", "1"), h, true));
        assertEquals(H2Headers.PSEUDO_AFTER_REGULAR,
                H2Headers.toRequest(list(":method", "GET", ":scheme", "http", "a", "1", ":path", "/"), h, true));
        assertNull(H2Headers.toResponse(list(":status", "200", "a", "1"), h));
        assertEquals(H2Headers.PSEUDO_AFTER_REGULAR, H2Headers.toResponse(list("a", "1", ":status", "200"), h));
        assertNull(H2Headers.checkTrailers(list("a", "1")));
        assertNotNull(H2Headers.checkTrailers(list("a", "1", ":status", "200")));
        assertNotNull(H2Headers.checkTrailers(list(":status", "200")));
    }

    @Test
    void theLoggedTargetIsAbsoluteWhenAnAuthorityCame() {
        // HAProxy's request line for HTTP/2 (h2_prepare_htx_reqline, then the scheme-based
        // normalisation that drops a default port).
        assertEquals("http://a.example:8080/p?q", H2Headers.absoluteUri(
                list(":method", "GET", ":scheme", "http", ":authority", "a.example:8080", ":path", "/p?q", "x", "y")));
        assertEquals("http://a.example/p", H2Headers.absoluteUri(
                list(":method", "GET", ":scheme", "http", ":authority", "a.example:80", ":path", "/p")));
        assertEquals("https://a.example/", H2Headers.absoluteUri(
                list(":method", "GET", ":scheme", "https", ":authority", "a.example:443", ":path", "/")));
        assertEquals("https://a.example:80/", H2Headers.absoluteUri(
                list(":method", "GET", ":scheme", "https", ":authority", "a.example:80", ":path", "/")));
        assertEquals("http://a.example", H2Headers.absoluteUri(
                list(":method", "OPTIONS", ":scheme", "http", ":authority", "a.example", ":path", "*")));
        assertNull(H2Headers.absoluteUri(list(":method", "GET", ":scheme", "http", ":path", "/p", "host", "a.example")),
                "no :authority: the path as it is");
    }

    @Test
    void aFragmentInThePathIsRefusedAsInHttp1() {
        HttpHead h = new HttpHead();
        assertNull(H2Headers.toRequest(list(":method", "GET", ":scheme", "http", ":path", "/a?b"), h, true));
        assertNotNull(H2Headers.toRequest(list(":method", "GET", ":scheme", "http", ":path", "/a#b"), new HttpHead(), true));
    }

    @Test
    void contentLengthIsOneNumberHoweverOftenItIsSent() {
        assertEquals(-1, H2Headers.contentLength(list("a", "1"), 0));
        assertEquals(5, H2Headers.contentLength(list("content-length", "5", "content-length", "5"), 0));
        assertEquals(-2, H2Headers.contentLength(list("content-length", "5", "content-length", "6"), 0));
        assertEquals(-2, H2Headers.contentLength(list("content-length", "5x"), 0));
        assertEquals(-2, H2Headers.contentLength(list("content-length", ""), 0));
        assertEquals(7, H2Headers.contentLength(list("content-length", "x", "content-length", "7"), 1), "from the first regular field");

        HttpHead h = new HttpHead();
        assertNull(H2Headers.toResponse(list(":status", "200", "content-length", "5", "content-length", "5"), h));
        assertEquals(5, h.contentLength());
        assertEquals(1, h.getAll("content-length").size(), "a duplicate is kept once");
        assertNull(H2Headers.toRequest(list(":method", "POST", ":scheme", "http", ":path", "/",
                "content-length", "5", "content-length", "5"), h, false));
        assertEquals(5, h.contentLength());
        assertEquals(1, h.getAll("content-length").size());
        assertEquals("invalid content-length", H2Headers.toResponse(list(":status", "200", "content-length", "5", "content-length", "6"), h));
    }

    @Test
    void aHeadForAnHttp2PeerHasLowercaseNamesAndUntouchedValues() {
        HttpHead h = new HttpHead();
        h.setStatusLine(200, "OK", 11);
        h.add("Content-Type", "Text/HTML");
        h.add("X-Mixed-Case", "KeepMe");
        h.add("Connection", "X-Hop");
        h.add("X-Hop", "dropped");
        HeaderList f = new HeaderList();
        f.add("stale", "field"); // a list is refilled from empty
        H2Headers.fromResponse(f, h);
        assertEquals("[:status: 200, content-type: Text/HTML, x-mixed-case: KeepMe]", f.toString());
    }
}
