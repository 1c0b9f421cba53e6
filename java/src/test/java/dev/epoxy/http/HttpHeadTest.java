package dev.epoxy.http;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpHeadTest {
    @Test
    void headerOperations() {
        HttpHead h = new HttpHead(16, 1); // tiny initial storage: forces growth
        h.setRequestLine("GET", "/", 11);
        h.add("Accept", "text/html");
        h.add("X-Multi", "one");
        h.add("x-multi", "two");
        h.add("Cookie", "a=b");
        assertEquals(4, h.size());
        assertEquals("x-multi", h.name(2), "case kept");
        assertEquals("one", h.get("X-MULTI"));
        assertEquals(List.of("one", "two"), h.getAll("x-Multi"));
        assertEquals(1, h.indexOf("x-multi"));
        assertEquals(2, h.indexOf("x-multi", 2));
        assertEquals(-1, h.indexOf("x-multi", 3));
        assertTrue(h.contains("COOKIE"));
        assertNull(h.get("missing"));
        assertEquals(List.of(), h.getAll("missing"));
        assertTrue(h.nameIs(0, "accept"));
        assertTrue(h.valueEqualsIgnoreCase(0, "TEXT/HTML"));

        h.set("X-Multi", "three");
        assertEquals(List.of("three"), h.getAll("x-multi"));
        assertEquals("X-Multi", h.name(h.size() - 1), "set appends at the end");
        assertEquals(1, h.remove("accept"));
        assertEquals(0, h.remove("accept"));
        assertEquals("Cookie", h.name(0));
        h.setValue(0, "c=d");
        assertEquals("c=d", h.get("cookie"));
        h.removeAt(0);
        assertEquals(1, h.size());
        assertThrows(IndexOutOfBoundsException.class, () -> h.name(1));
    }

    @Test
    void rejectsInvalidInput() {
        HttpHead h = new HttpHead();
        assertThrows(IllegalArgumentException.class, () -> h.add("Bad Name", "v"));
        assertThrows(IllegalArgumentException.class, () -> h.add("", "v"));
        assertThrows(IllegalArgumentException.class, () -> h.add("X", "a\r\nInjected: 1"));
        assertThrows(IllegalArgumentException.class, () -> h.add("X", "a\u0000"));
        assertThrows(IllegalArgumentException.class, () -> h.add("X", "\u20ac"));
        assertThrows(IllegalArgumentException.class, () -> h.setRequestLine("G T", "/", 11));
        assertThrows(IllegalArgumentException.class, () -> h.setRequestLine("GET", "/a b", 11));
        assertThrows(IllegalArgumentException.class, () -> h.setRequestLine("GET", "", 11));
        assertThrows(IllegalArgumentException.class, () -> h.setStatusLine(42, "x", 11));
        assertThrows(IllegalArgumentException.class, () -> h.setStatusLine(200, "a\nb", 11));
        assertThrows(IllegalArgumentException.class, () -> h.setVersion(12));
        assertEquals(0, h.size(), "nothing half-added");
    }

    @Test
    void tokens() {
        HttpHead h = new HttpHead();
        h.add("Connection", "Keep-Alive ,  Upgrade");
        h.add("Connection", "x-custom");
        h.add("Other", "close");
        assertTrue(h.hasToken("connection", "keep-alive"));
        assertTrue(h.hasToken("connection", "upgrade"));
        assertTrue(h.hasToken("connection", "X-CUSTOM"));
        assertFalse(h.hasToken("connection", "close"));
        assertFalse(h.hasToken("connection", "keep"));
        assertTrue(h.hasToken("other", "close"));
    }

    @Test
    void expectContinue() {
        HttpHead h = new HttpHead();
        h.setRequestLine("PUT", "/f", 11);
        assertFalse(h.expectsContinue());
        h.add("Expect", "100-Continue");
        assertTrue(h.expectsContinue());
        h.setVersion(10);
        assertFalse(h.expectsContinue(), "HTTP/1.0 clients cannot expect 100");
        assertEquals("HTTP/1.1 100 Continue\r\n\r\n",
                java.nio.charset.StandardCharsets.US_ASCII.decode(HttpStatus.continue100()).toString());
    }

    @Test
    void clearReusesInstance() {
        HttpHead h = new HttpHead();
        h.setRequestLine("PROPFIND", "/x", 10);
        h.add("A", "1");
        h.setBody(BodyKind.LENGTH, 5);
        h.clear();
        assertEquals(0, h.size());
        assertFalse(h.isRequest());
        assertEquals(BodyKind.NONE, h.bodyKind());
        assertEquals(-1, h.contentLength());
        assertEquals(11, h.version());
        h.setStatusLine(200, "OK", 11);
        assertEquals("OK", h.reason());
        assertFalse(h.contains("A"));
    }

    @Test
    void startLineAccessors() {
        HttpHead h = new HttpHead();
        h.setRequestLine("MKCOL", "http://Host.Example:81?q", 11);
        assertEquals(HttpMethod.OTHER, h.method());
        assertEquals("MKCOL", h.methodName());
        assertEquals("Host.Example:81", h.authority());
        assertEquals("/", h.path());
        assertEquals("/?q", h.pathAndQuery());
        assertEquals("q", h.query());
        h.setTarget("/p?");
        assertEquals("/p", h.path());
        assertEquals("", h.query());
        assertFalse(h.isAbsoluteForm());
        h.add("Host", "fallback");
        assertEquals("fallback", h.authority());
        assertTrue(h.toString().startsWith("MKCOL /p? HTTP/1.1\nHost: fallback\n"));

        h.setStatusLine(302, "Found", 10);
        assertFalse(h.isRequest());
        assertEquals(302, h.status());
        assertEquals(10, h.version());
    }

    @Test
    void aCopyIsTheSameHeadInStorageOfItsOwn() {
        HttpHead h = new HttpHead();
        h.setRequestLine("POST", "/up?x=1", 10);
        h.add("Host", "app");
        h.add("Connection", "close");
        h.add("TE", "trailers");
        h.add("X-Gone", "removed below");
        h.remove("x-gone");
        h.freezePersistence();
        h.freezeTe();
        h.setBody(BodyKind.LENGTH, 11);
        HttpHead c = new HttpHead();
        c.setRequestLine("GET", "/a-longer-target-than-the-copy-needs", 11); // storage to reuse
        for (int i = 0; i < 20; i++)
            c.add("X-Old-" + i, "old");
        c.copyFrom(h);
        assertEquals(h.toString(), c.toString());
        assertEquals(3, c.size());
        assertEquals(HttpMethod.POST, c.method());
        assertEquals("/up", c.path());
        assertEquals(10, c.version());
        assertFalse(c.persistent(), "the flags frozen at parse time come along");
        assertTrue(c.teTrailers());
        assertEquals(BodyKind.LENGTH, c.bodyKind());
        assertEquals(11, c.contentLength());
        c.set("Host", "changed");
        c.setTarget("/other");
        assertEquals("app", h.get("host"), "the original does not share the copy's storage");
        assertEquals("/up?x=1", h.target());
    }
}
