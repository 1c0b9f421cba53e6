package dev.epoxy.http;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.h1.H1Parser;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpStatusTest {
    static String text(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    @Test
    void haproxy503Exact() {
        assertEquals("HTTP/1.1 503 Service Unavailable\r\n"
                + "content-length: 107\r\n"
                + "cache-control: no-cache\r\n"
                + "content-type: text/html\r\n"
                + "\r\n"
                + "<html><body><h1>503 Service Unavailable</h1>\n"
                + "No server is available to handle this request.\n"
                + "</body></html>\n", text(HttpStatus.errorPage(503)));
    }

    @Test
    void haproxy400ClosesByDefault() {
        assertEquals("HTTP/1.1 400 Bad request\r\n"
                + "content-length: 90\r\n"
                + "cache-control: no-cache\r\n"
                + "content-type: text/html\r\n"
                + "connection: close\r\n"
                + "\r\n"
                + "<html><body><h1>400 Bad request</h1>\n"
                + "Your browser sent an invalid request.\n"
                + "</body></html>\n", text(HttpStatus.errorPage(400)));
        assertTrue(text(HttpStatus.errorPage(408)).contains("connection: close\r\n\r\n"));
        assertFalse(text(HttpStatus.errorPage(504)).contains("connection"));
        assertTrue(text(HttpStatus.errorPage(504, true)).contains("\r\nconnection: close\r\n\r\n"));
        assertFalse(text(HttpStatus.errorPage(400, false)).contains("connection"));
    }

    @Test
    void haproxyDeclaredLengthsMatch() {
        // Content-length values HAProxy declares in its sources; our bodies must have those sizes.
        int[][] declared = {{200, 58}, {400, 90}, {401, 112}, {403, 93}, {404, 83}, {405, 146}, {407, 112},
            {408, 110}, {410, 114}, {413, 106}, {414, 110}, {421, 104}, {422, 116}, {425, 80}, {429, 117},
            {431, 106}, {500, 97}, {501, 136}, {502, 107}, {503, 107}, {504, 92}};
        for (int[] d : declared) {
            assertTrue(HttpStatus.hasErrorPage(d[0]));
            assertTrue(text(HttpStatus.errorPage(d[0])).contains("\r\ncontent-length: " + d[1] + "\r\n"), "" + d[0]);
        }
    }

    @Test
    void everyPageParsesAsAValidResponse() {
        int[] all = {200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 414, 421, 422, 425, 429, 431, 500, 501,
            502, 503, 504, 505};
        for (int st : all) {
            for (boolean close : new boolean[] {false, true}) {
                ByteBuffer page = HttpStatus.errorPage(st, close);
                int total = page.remaining();
                HttpHead h = new HttpHead();
                int n = new H1Parser(16384).parseResponse(page, h, HttpMethod.GET);
                assertTrue(n > 0, st + ": " + n);
                assertEquals(st, h.status());
                assertEquals(BodyKind.LENGTH, h.bodyKind());
                assertEquals(total - n, h.contentLength(), "body size of " + st);
                assertEquals(close, h.hasToken("connection", "close"));
                assertEquals("no-cache", h.get("cache-control"));
                assertEquals("text/html", h.get("content-type"));
                String body = text(page);
                assertTrue(body.startsWith("<html><body><h1>" + st + " "), body);
                assertTrue(body.endsWith("\n</body></html>\n"));
            }
        }
    }

    @Test
    void unknownStatusFallsBackTo500AndPagesAreReadOnly() {
        assertFalse(HttpStatus.hasErrorPage(418));
        assertEquals(text(HttpStatus.errorPage(500)), text(HttpStatus.errorPage(418)));
        assertTrue(HttpStatus.errorPage(503).isReadOnly());
        byte[] copy = HttpStatus.errorPageBytes(503, false);
        copy[0] = 'X';
        assertTrue(text(HttpStatus.errorPage(503)).startsWith("HTTP/1.1"));
    }

    @Test
    void reasons() {
        assertEquals("OK", HttpStatus.reason(200));
        assertEquals("Continue", HttpStatus.reason(100));
        assertEquals("Not Found", HttpStatus.reason(404));
        assertEquals("Bad Gateway", HttpStatus.reason(502));
        assertEquals("Request Header Fields Too Large", HttpStatus.reason(431));
        assertEquals("Client Error", HttpStatus.reason(499));
        assertEquals("Server Error", HttpStatus.reason(599));
        assertEquals("Success", HttpStatus.reason(299));
    }
}
