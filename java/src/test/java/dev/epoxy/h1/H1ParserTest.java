package dev.epoxy.h1;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.http.BodyKind;
import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpMethod;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class H1ParserTest {
    static final int MAX = 16384;

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(bytes(s));
    }

    static ByteBuffer direct(String s) {
        byte[] b = bytes(s);
        ByteBuffer d = ByteBuffer.allocateDirect(b.length + 16);
        d.position(7); // not at 0, to catch absolute-index mistakes
        d.put(b);
        d.limit(d.position()).position(7);
        return d;
    }

    /** Canonical description of a parsed head, to compare results of different feeding patterns. */
    static String describe(HttpHead h) {
        StringBuilder sb = new StringBuilder();
        if (h.isRequest()) {
            sb.append(h.methodName()).append('|').append(h.method()).append('|').append(h.target());
        } else {
            sb.append(h.status()).append('|').append(h.reason());
        }
        sb.append('|').append(h.version()).append('|').append(h.bodyKind()).append('|').append(h.contentLength());
        for (int i = 0; i < h.size(); i++) sb.append('\n').append(h.name(i)).append('=').append(h.value(i));
        return sb.toString();
    }

    /** Issue "no stall" (7): an HTTP/0.9 request line is refused as soon as its LF arrives. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'GET /\\r\\n'",
        "'GET /\\n'",
        "'GET / \\r\\n'",
        "'\\r\\nGET /index.html\\r\\n'",
    })
    void http09RequestLineRefusedAtOnce(String escaped) {
        String req = unescape(escaped);
        for (ByteBuffer b : new ByteBuffer[] {buf(req), direct(req)}) {
            H1Parser p = new H1Parser(MAX);
            assertEquals(-400, p.parseRequest(b, new HttpHead()), escaped);
        }
        // Fed byte by byte, the error comes with the LF.
        H1Parser p = new H1Parser(MAX);
        ByteBuffer b = ByteBuffer.allocate(64);
        byte[] a = bytes(req);
        for (int i = 0; i < a.length; i++) {
            b.put(a[i]).flip();
            int r = p.parseRequest(b, new HttpHead());
            b.compact();
            assertEquals(i == a.length - 1 ? -400 : 0, r, escaped + " after " + (i + 1) + " bytes");
        }
    }

    @Test
    void requestLineWithVersionStillWaitsForHeaders() {
        H1Parser p = new H1Parser(MAX);
        assertEquals(0, p.parseRequest(buf("GET / HTTP/1.1\r\n"), new HttpHead()));
        assertEquals(0, new H1Parser(MAX).parseRequest(buf("POST /a?b HTTP/1.0\nHost: x\n"), new HttpHead()));
    }

    @Test
    void simpleGet() {
        String req = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\nAccept: */*\r\n\r\n";
        H1Parser p = new H1Parser(MAX);
        HttpHead h = new HttpHead();
        ByteBuffer b = buf(req + "NEXT");
        int n = p.parseRequest(b, h);
        assertEquals(req.length(), n);
        assertEquals(req.length(), b.position());
        assertTrue(h.isRequest());
        assertEquals(HttpMethod.GET, h.method());
        assertEquals("GET", h.methodName());
        assertEquals("/index.html?x=1", h.target());
        assertEquals("/index.html", h.path());
        assertEquals("x=1", h.query());
        assertEquals(11, h.version());
        assertEquals(3, h.size());
        assertEquals("Host", h.name(0));
        assertEquals("example.com", h.get("host"));
        assertEquals("example.com", h.authority());
        assertEquals("*/*", h.get("ACCEPT"));
        assertEquals(BodyKind.NONE, h.bodyKind());
        assertFalse(h.hasBody());
    }

    @Test
    void directBufferAndOffsets() {
        String req = "POST /up HTTP/1.0\r\nContent-Length: 5\r\n\r\n";
        ByteBuffer b = direct(req + "hello");
        HttpHead h = new HttpHead();
        int n = new H1Parser(MAX).parseRequest(b, h);
        assertEquals(req.length(), n);
        assertEquals(7 + req.length(), b.position());
        assertEquals(HttpMethod.POST, h.method());
        assertEquals(10, h.version());
        assertEquals(BodyKind.LENGTH, h.bodyKind());
        assertEquals(5, h.contentLength());
        byte[] body = new byte[5];
        b.get(body);
        assertEquals("hello", new String(body, StandardCharsets.ISO_8859_1));
    }

    @Test
    void valuesTrimmedAndEmptyValuesKept() {
        HttpHead h = new HttpHead();
        int n = new H1Parser(MAX).parseRequest(
                buf("GET / HTTP/1.1\r\nA:   spaced value \t \r\nB:\r\nC:x\r\nD: \u00e9t\u00e9\r\n\r\n"), h);
        assertTrue(n > 0);
        assertEquals("spaced value", h.get("a"));
        assertEquals("", h.get("b"));
        assertEquals("x", h.get("c"));
        assertEquals("\u00e9t\u00e9", h.get("d")); // obs-text is kept as Latin-1
    }

    @Test
    void bareLfAndLeadingEmptyLines() {
        HttpHead h = new HttpHead();
        H1Parser p = new H1Parser(MAX);
        String req = "\r\n\n\r\nGET /a HTTP/1.1\nHost: h\n\n";
        ByteBuffer b = buf(req);
        assertEquals(req.length(), p.parseRequest(b, h));
        assertEquals("/a", h.target());
        assertEquals("h", h.get("Host"));
        assertFalse(b.hasRemaining());
    }

    @Test
    void methodsAndExtensionMethod() {
        HttpHead h = new HttpHead();
        H1Parser p = new H1Parser(MAX);
        for (HttpMethod m : HttpMethod.values()) {
            if (m == HttpMethod.OTHER || m == HttpMethod.CONNECT) continue;
            assertTrue(p.parseRequest(buf(m.name() + " / HTTP/1.1\r\n\r\n"), h) > 0, m.name());
            assertEquals(m, h.method());
        }
        assertTrue(p.parseRequest(buf("PROPFIND /d HTTP/1.1\r\n\r\n"), h) > 0);
        assertEquals(HttpMethod.OTHER, h.method());
        assertEquals("PROPFIND", h.methodName());
        assertTrue(p.parseRequest(buf("get / HTTP/1.1\r\n\r\n"), h) > 0); // methods are case-sensitive
        assertEquals(HttpMethod.OTHER, h.method());
        assertEquals("get", h.methodName());
    }

    @Test
    void websocketHandshakeFields() {
        HttpHead h = new HttpHead();
        H1Parser p = new H1Parser(MAX);
        String up = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n";
        assertEquals(-400, p.parseRequest(buf(up + "\r\n"), h));
        assertEquals("WebSocket upgrade without Sec-WebSocket-Key", p.errorReason());
        assertTrue(p.parseRequest(buf(up + "Sec-WebSocket-Key: k\r\n\r\n"), h) > 0);
        assertTrue(p.parseRequest(buf("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"), h) > 0,
                "no Connection: upgrade, no handshake (as HAProxy)");
        String sw = "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n";
        assertEquals(-502, p.parseResponse(buf(sw + "\r\n"), h, HttpMethod.GET));
        assertTrue(p.parseResponse(buf(sw + "Sec-WebSocket-Accept: a\r\n\r\n"), h, HttpMethod.GET) > 0);
        assertTrue(p.parseResponse(buf("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n"),
                h, HttpMethod.GET) > 0);
    }

    @Test
    void laterHttp1MinorVersionsReadAsHttp11() {
        HttpHead h = new HttpHead();
        H1Parser p = new H1Parser(MAX);
        assertTrue(p.parseRequest(buf("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), h) > 0);
        assertEquals(11, h.version());
        assertTrue(p.parseResponse(buf("HTTP/1.9 200 OK\r\nContent-Length: 0\r\n\r\n"), h, HttpMethod.GET) > 0);
        assertEquals(11, h.version());
    }

    @Test
    void targetForms() {
        HttpHead h = new HttpHead();
        H1Parser p = new H1Parser(MAX);

        // A Host naming another authority than the absolute-form target is refused (RFC 9112 §3.2.2).
        assertEquals(-400, p.parseRequest(buf("GET http://www.example.org/ HTTP/1.1\r\nHost: other\r\n\r\n"), h));
        assertTrue(p.parseRequest(buf("GET http://user@www.example.org:8080/p/q?z HTTP/1.1\r\nHost: www.example.org:8080\r\n\r\n"), h) > 0);
        assertTrue(h.isAbsoluteForm());
        assertEquals("www.example.org:8080", h.authority());
        assertEquals("/p/q", h.path());
        assertEquals("/p/q?z", h.pathAndQuery());

        assertTrue(p.parseRequest(buf("GET https://a.b HTTP/1.1\r\n\r\n"), h) > 0);
        assertEquals("a.b", h.authority());
        assertEquals("a.b", h.get("Host")); // made from the target
        assertEquals("/", h.path());
        assertEquals("/", h.pathAndQuery());

        assertTrue(p.parseRequest(buf("CONNECT db.local:5432 HTTP/1.1\r\nHost: db.local:5432\r\n\r\n"), h) > 0);
        assertEquals(HttpMethod.CONNECT, h.method());
        assertEquals("db.local:5432", h.authority());
        assertNull(h.path());

        assertTrue(p.parseRequest(buf("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), h) > 0);
        assertEquals("*", h.target());
        assertEquals("*", h.path());
        assertEquals("x", h.authority());

        assertTrue(p.parseRequest(buf("GET / HTTP/1.1\r\n\r\n"), h) > 0);
        assertNull(h.authority());
    }

    static final String[] SAMPLES = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "\r\nPOST /submit?id=7 HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
                + "X-Empty:\r\nX-Many:  a, b ,c  \r\n\r\n",
        "PUT /x HTTP/1.1\nTransfer-Encoding: chunked\nHost: h\n\n",
        "GET http://h:1/y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    };

    @Test
    void byteByByteGivesSameResult() {
        for (String s : SAMPLES) {
            HttpHead whole = new HttpHead();
            assertEquals(s.length(), new H1Parser(MAX).parseRequest(buf(s), whole));
            String expected = describe(whole);

            byte[] all = bytes(s);
            H1Parser p = new H1Parser(MAX);
            HttpHead h = new HttpHead();
            ByteBuffer b = ByteBuffer.wrap(all);
            for (int k = 0; k < all.length; k++) {
                b.limit(k);
                assertEquals(H1Parser.NEED_MORE, p.parseRequest(b, h), "prefix " + k);
                assertEquals(0, b.position());
            }
            b.limit(all.length);
            assertEquals(all.length, p.parseRequest(b, h));
            assertEquals(expected, describe(h));
        }
    }

    @Test
    void everyTwoPartSplitGivesSameResult() {
        for (String s : SAMPLES) {
            HttpHead whole = new HttpHead();
            new H1Parser(MAX).parseRequest(buf(s), whole);
            String expected = describe(whole);
            byte[] all = bytes(s);
            for (int cut = 0; cut <= all.length; cut++) {
                H1Parser p = new H1Parser(MAX);
                HttpHead h = new HttpHead();
                ByteBuffer b = ByteBuffer.wrap(all, 0, cut);
                int r = p.parseRequest(b, h);
                if (cut < all.length) {
                    assertEquals(H1Parser.NEED_MORE, r);
                    b = ByteBuffer.wrap(all);
                    r = p.parseRequest(b, h);
                }
                assertEquals(all.length, r, "cut " + cut);
                assertEquals(expected, describe(h));
            }
        }
    }

    /** Random splits, with the unread bytes moved to a new direct buffer at a random offset each time. */
    @Test
    void randomSplitsWithMovingBuffers() {
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            String s = SAMPLES[round % SAMPLES.length];
            HttpHead whole = new HttpHead();
            new H1Parser(MAX).parseRequest(buf(s), whole);
            String expected = describe(whole);
            byte[] all = bytes(s + "TAIL");
            H1Parser p = new H1Parser(MAX);
            HttpHead h = new HttpHead();
            int fed = 0;
            int r = 0;
            int off = 0;
            ByteBuffer b = null;
            while (fed < all.length) {
                fed = Math.min(all.length, fed + 1 + rnd.nextInt(12));
                off = rnd.nextInt(5);
                b = ByteBuffer.allocateDirect(off + fed);
                b.position(off);
                b.put(all, 0, fed);
                b.flip().position(off);
                r = p.parseRequest(b, h);
                if (r != 0) break;
            }
            assertEquals(s.length(), r);
            assertEquals(off + s.length(), b.position());
            assertEquals(expected, describe(h));
        }
    }

    @Test
    void pipelinedRequestsInOneBuffer() {
        String r1 = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n";
        String r2 = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
        String r3 = "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        ByteBuffer b = buf(r1 + "abc" + r2 + r3 + "GET /d HT");
        H1Parser p = new H1Parser(MAX);
        HttpHead h = new HttpHead();
        assertEquals(r1.length(), p.parseRequest(b, h));
        assertEquals("/a", h.target());
        b.position(b.position() + (int) h.contentLength());
        assertEquals(r2.length(), p.parseRequest(b, h));
        assertEquals("/b", h.target());
        assertEquals(1, h.size());
        assertEquals(r3.length(), p.parseRequest(b, h));
        assertEquals("/c", h.target());
        assertTrue(h.hasToken("connection", "CLOSE"));
        int before = b.position();
        assertEquals(H1Parser.NEED_MORE, p.parseRequest(b, h));
        assertEquals(before, b.position());
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "'GET / HTTP/1.1\\r\\nHost : x\\r\\n\\r\\n'                | 400",
        "'GET / HTTP/1.1\\r\\nHost:\\tx\\r\\n folded\\r\\n\\r\\n'  | 400",
        "'GET / HTTP/1.1\\r\\n\\tX: y\\r\\n\\r\\n'                 | 400",
        "'GET / HTTP/1.1\\r\\nX: a\\0b\\r\\n\\r\\n'                | 400",
        "'GET / HTTP/1.1\\r\\nX: a\\rb\\r\\n\\r\\n'                | 400",
        "'GET / HTTP/1.1\\r\\nX: a\\r\\r\\n\\r\\n'                 | 400",
        "'GET / HTTP/1.1\\r\\nX: a\\u0001\\r\\n\\r\\n'             | 400",
        "'GET / HTTP/1.1\\r\\nX: \\u007f\\r\\n\\r\\n'              | 400",
        "'GET / HTTP/1.1\\r\\n: novalue\\r\\n\\r\\n'               | 400",
        "'GET / HTTP/1.1\\r\\nNoColon\\r\\n\\r\\n'                 | 400",
        "'GET / HTTP/1.1\\r\\nBad(Name): v\\r\\n\\r\\n'            | 400",
        "'GET / HTTP/1.1\\r\\nB\\u00e9: v\\r\\n\\r\\n'             | 400",
        "'G@T / HTTP/1.1\\r\\n\\r\\n'                              | 400",
        "'\\u0016\\u0003\\u0001\\u0002\\u0000'                     | 400",
        "'\\rGET / HTTP/1.1\\r\\n\\r\\n'                           | 400",
        "' GET / HTTP/1.1\\r\\n\\r\\n'                             | 400",
        "'GET / HTTP/2.0\\r\\n\\r\\n'                              | 505",
        "'GET / HTTP/0.9\\r\\n\\r\\n'                              | 505",
        "'GET / HTTX/1.1\\r\\n\\r\\n'                              | 400",
        "'GET / http/1.1\\r\\n\\r\\n'                              | 400",
        "'GET / HTTP/1.1 \\r\\n\\r\\n'                             | 400",
        "'GET / HTTP/1.10\\r\\n\\r\\n'                             | 400",
        "'GET / HTTP/11\\r\\n\\r\\n'                               | 400",
        "'GET /\\r\\n\\r\\n'                                       | 400",
        "'GET\\r\\n\\r\\n'                                         | 400",
        "'GET /a b HTTP/1.1\\r\\n\\r\\n'                           | 400",
        "'GET /<script> HTTP/1.1\\r\\n\\r\\n'                      | 400",
        "'GET /a|b HTTP/1.1\\r\\n\\r\\n'                           | 400",
        "'GET /\\u00e9 HTTP/1.1\\r\\n\\r\\n'                       | 400",
        "'GET\\t/ HTTP/1.1\\r\\n\\r\\n'                            | 400",
        "'GET * HTTP/1.1\\r\\n\\r\\n'                              | 400",
        "'GET /a#b HTTP/1.1\\r\\n\\r\\n'                           | 400",
        "'GET relative/path HTTP/1.1\\r\\n\\r\\n'                  | 400",
        "'CONNECT /path HTTP/1.1\\r\\n\\r\\n'                      | 400",
        "'CONNECT host HTTP/1.1\\r\\n\\r\\n'                       | 400",
        "'CONNECT http://h:1/ HTTP/1.1\\r\\n\\r\\n'                | 400",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 3\\r\\n\\r\\n' | 400",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n'                         | 400",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n'                | 400",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n' | 400",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: foo, chunked\\r\\n\\r\\n'                 | 422",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n'                     | 400",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding:\\r\\n\\r\\n'                              | 400",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked;x=1\\r\\n\\r\\n'                  | 400",
        "'POST / HTTP/1.0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n'                      | 400",
        "'POST / HTTP/1.1\\r\\nContent-Length: abc\\r\\n\\r\\n'                             | 400",
        "'POST / HTTP/1.1\\r\\nContent-Length: -1\\r\\n\\r\\n'                              | 400",
        "'POST / HTTP/1.1\\r\\nContent-Length: +5\\r\\n\\r\\n'                              | 400",
        "'POST / HTTP/1.1\\r\\nContent-Length: 1 2\\r\\n\\r\\n'                             | 400",
        "'POST / HTTP/1.1\\r\\nContent-Length:\\r\\n\\r\\n'                                 | 400",
        "'POST / HTTP/1.1\\r\\nContent-Length: 1, 2\\r\\n\\r\\n'                            | 400",
        "'POST / HTTP/1.1\\r\\nContent-Length: 5\\r\\nContent-Length: 6\\r\\n\\r\\n'        | 400",
        "'POST / HTTP/1.1\\r\\nContent-Length: 99999999999999999999\\r\\n\\r\\n'           | 400",
        "'GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n'                             | 400",
    })
    void requestErrors(String escaped, int status) {
        String req = unescape(escaped);
        H1Parser p = new H1Parser(MAX);
        HttpHead h = new HttpHead();
        ByteBuffer b = buf(req);
        int r = p.parseRequest(b, h);
        assertEquals(-status, r, () -> "reason: " + p.errorReason());
        assertEquals(status, p.errorStatus());
        assertNotNull(p.errorReason());
        assertEquals(0, b.position(), "nothing consumed on error");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "'GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: A\\r\\n\\r\\n'",
        "'POST / HTTP/1.1\\r\\nContent-Length: 7\\r\\nContent-Length: 7\\r\\n\\r\\n'",
        "'POST / HTTP/1.1\\r\\nContent-Length: 7 , 7\\r\\n\\r\\n'",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: Chunked\\r\\nTransfer-Encoding:\\r\\n\\r\\n'",
        "'POST / HTTP/1.1\\r\\nTransfer-Encoding: ,chunked\\r\\n\\r\\n'",
        "'GET /~user/%41?a=b&c=d;e HTTP/1.1\\r\\n\\r\\n'",
        "'GET / HTTP/1.1\\r\\nX:\\ta\\tb\\t\\r\\n\\r\\n'",
        "'GET  /  HTTP/1.1\\r\\n\\r\\n'",
    })
    void tolerated(String escaped) {
        H1Parser p = new H1Parser(MAX);
        String req = unescape(escaped);
        assertEquals(req.length(), p.parseRequest(buf(req), new HttpHead()), () -> p.errorReason());
    }

    @Test
    void duplicateContentLengthCollapsed() {
        HttpHead h = new HttpHead();
        assertTrue(new H1Parser(MAX).parseRequest(
                buf("POST / HTTP/1.1\r\nContent-Length: 7\r\nX: y\r\ncontent-length: 7, 7\r\n\r\n"), h) > 0);
        assertEquals(BodyKind.LENGTH, h.bodyKind());
        assertEquals(7, h.contentLength());
        assertEquals(1, h.getAll("Content-Length").size());
        assertEquals("7", h.get("Content-Length"));
    }

    @Test
    void chunkedRequest() {
        HttpHead h = new HttpHead();
        assertTrue(new H1Parser(MAX).parseRequest(
                buf("POST / HTTP/1.1\r\nTransfer-Encoding: ,\r\nTransfer-Encoding: chunked\r\n\r\n"), h) > 0);
        assertEquals(BodyKind.CHUNKED, h.bodyKind());
        assertEquals(-1, h.contentLength());
        assertTrue(h.hasBody());
    }

    @Test
    void oversizedHeads() {
        int max = 256;
        H1Parser p = new H1Parser(max);
        HttpHead h = new HttpHead();

        // Request line never ends within the limit: 414.
        String longLine = "GET /" + "a".repeat(400) + " HTTP/1.1\r\n\r\n";
        ByteBuffer b = buf(longLine);
        b.limit(max - 1);
        assertEquals(H1Parser.NEED_MORE, p.parseRequest(b, h));
        b.limit(max);
        assertEquals(-414, p.parseRequest(b, h));

        // Request line fine, header section too big: 431.
        String big = "GET / HTTP/1.1\r\nX: " + "v".repeat(400) + "\r\n\r\n";
        assertEquals(-431, p.parseRequest(buf(big), h));

        // Exactly at the limit is accepted.
        String head = "GET / HTTP/1.1\r\nX: ";
        String fit = head + "v".repeat(max - head.length() - 4) + "\r\n\r\n";
        assertEquals(max, fit.length());
        assertEquals(max, p.parseRequest(buf(fit), h));

        // Responses: 502.
        assertEquals(-502, p.parseResponse(buf("HTTP/1.1 200 OK\r\nX: " + "v".repeat(400) + "\r\n\r\n"), h, HttpMethod.GET));
    }

    @Test
    void tooManyHeaders() {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\n");
        for (int i = 0; i < 5; i++) sb.append("H").append(i).append(": v\r\n");
        String five = sb + "\r\n";
        // tune.http.maxhdr 6: fewer than 6 fields pass, as in HAProxy 2.6.
        assertEquals(five.length(), new H1Parser(MAX, 6).parseRequest(buf(five), new HttpHead()));
        sb.append("H5: v\r\n\r\n");
        H1Parser p = new H1Parser(MAX, 6);
        assertEquals(-400, p.parseRequest(buf(sb.toString()), new HttpHead()));
        assertEquals("too many headers", p.errorReason());
        assertEquals(-502, p.parseResponse(buf(sb.toString().replace("GET / HTTP/1.1", "HTTP/1.1 200 OK")),
                new HttpHead(), HttpMethod.GET));
    }

    @Test
    void manyHeadersGrowStorage() {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\n");
        for (int i = 0; i < 100; i++) sb.append("Header-").append(i).append(": value-").append(i).append("\r\n");
        sb.append("\r\n");
        HttpHead h = new HttpHead(64, 4);
        assertTrue(new H1Parser(MAX).parseRequest(buf(sb.toString()), h) > 0);
        assertEquals(100, h.size());
        assertEquals("value-99", h.get("header-99"));
        assertEquals("Header-0", h.name(0));
    }

    // ------------------------------------------------------------------ responses

    @Test
    void responses() {
        H1Parser p = new H1Parser(MAX);
        HttpHead h = new HttpHead();
        assertTrue(p.parseResponse(buf("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), h, HttpMethod.GET) > 0);
        assertFalse(h.isRequest());
        assertEquals(200, h.status());
        assertEquals("OK", h.reason());
        assertEquals(BodyKind.LENGTH, h.bodyKind());
        assertEquals(10, h.contentLength());

        assertTrue(p.parseResponse(buf("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), h, HttpMethod.HEAD) > 0);
        assertEquals(BodyKind.NONE, h.bodyKind());

        assertTrue(p.parseResponse(buf("HTTP/1.0 404 Not   Found \r\n\r\n"), h, HttpMethod.GET) > 0);
        assertEquals(10, h.version());
        assertEquals("Not   Found ", h.reason());
        assertEquals(BodyKind.UNTIL_CLOSE, h.bodyKind());

        assertTrue(p.parseResponse(buf("HTTP/1.1 204\r\n\r\n"), h, HttpMethod.GET) > 0);
        assertEquals(204, h.status());
        assertEquals("", h.reason());
        assertEquals(BodyKind.NONE, h.bodyKind());

        assertTrue(p.parseResponse(buf("HTTP/1.1 200 \r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
                h, HttpMethod.POST) > 0);
        assertEquals(BodyKind.CHUNKED, h.bodyKind());
        assertFalse(h.contains("Content-Length"), "CL dropped when TE is present");

        assertTrue(p.parseResponse(buf("HTTP/1.1 200 Connection established\r\n\r\n"), h, HttpMethod.CONNECT) > 0);
        assertEquals(BodyKind.TUNNEL, h.bodyKind());
    }

    @Test
    void interimResponsesThenFinal() {
        String cont = "HTTP/1.1 100 Continue\r\n\r\n";
        String hints = "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n";
        String fin = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n";
        ByteBuffer b = buf(cont + hints + fin + "ok");
        H1Parser p = new H1Parser(MAX);
        HttpHead h = new HttpHead();
        assertEquals(cont.length(), p.parseResponse(b, h, HttpMethod.POST));
        assertEquals(100, h.status());
        assertEquals(BodyKind.NONE, h.bodyKind());
        assertEquals(hints.length(), p.parseResponse(b, h, HttpMethod.POST));
        assertEquals(103, h.status());
        assertEquals("</s.css>; rel=preload", h.get("link"));
        assertEquals(fin.length(), p.parseResponse(b, h, HttpMethod.POST));
        assertEquals(201, h.status());
        assertEquals(2, b.remaining());
    }

    @Test
    void responseByteByByte() {
        String s = "HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n";
        byte[] all = bytes(s);
        H1Parser p = new H1Parser(MAX);
        HttpHead h = new HttpHead();
        ByteBuffer b = ByteBuffer.wrap(all);
        for (int k = 0; k < all.length; k++) {
            b.limit(k);
            assertEquals(0, p.parseResponse(b, h, HttpMethod.GET));
        }
        b.limit(all.length);
        assertEquals(all.length, p.parseResponse(b, h, HttpMethod.GET));
        assertEquals(301, h.status());
        assertEquals("/x", h.get("location"));
        assertEquals(0, h.contentLength());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "'HTTP/1.1 2000 OK\\r\\n\\r\\n'",
        "'HTTP/1.1 20 OK\\r\\n\\r\\n'",
        "'HTTP/1.1 099 Low\\r\\n\\r\\n'",
        "'HTTP/1.1 abc OK\\r\\n\\r\\n'",
        "'HTTQ/1.1 200 OK\\r\\n\\r\\n'",
        "'<html>oops</html>\\r\\n\\r\\n'",
        "'HTTP/2.0 200 OK\\r\\n\\r\\n'",
        "'HTTP/1.1200 OK\\r\\n\\r\\n'",
        "'HTTP/1.1 200 OK\\r\\nX : y\\r\\n\\r\\n'",
        "'HTTP/1.1 200 OK\\r\\nX: y\\r\\n z\\r\\n\\r\\n'",
        "'HTTP/1.1 200 OK\\r\\nX: \\0\\r\\n\\r\\n'",
        "'HTTP/1.1 200 OK\\u0001\\r\\n\\r\\n'",
        "'HTTP/1.1 200 OK\\r\\nContent-Length: x\\r\\n\\r\\n'",
        "'HTTP/1.1 200 OK\\r\\nContent-Length: 1\\r\\nContent-Length: 2\\r\\n\\r\\n'",
        "'HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked, chunked\\r\\n\\r\\n'",
    })
    void responseErrors(String escaped) {
        H1Parser p = new H1Parser(MAX);
        int r = p.parseResponse(buf(unescape(escaped)), new HttpHead(), HttpMethod.GET);
        assertEquals(-502, r, () -> p.errorReason());
    }

    // ------------------------------------------------------------------ allocation

    @Test
    void steadyStateParsingDoesNotAllocate() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported() || !mx.isThreadAllocatedMemoryEnabled()) return;
        ByteBuffer b = direct("GET /api/v1/items?id=42 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench\r\n"
                + "Accept: */*\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
        int start = b.position();
        H1Parser p = new H1Parser(MAX);
        HttpHead h = new HttpHead();
        long sink = 0;
        for (int i = 0; i < 20_000; i++) {
            b.position(start);
            sink += p.parseRequest(b, h);
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 10_000; i++) {
            b.position(start);
            sink += p.parseRequest(b, h);
            sink += h.method().ordinal() + h.indexOf("host") + (h.hasToken("Connection", "close") ? 1 : 0);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(sink > 0);
        // 10k parses: anything per-parse would be >= 160 KB; allow a little noise from the VM.
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 10k parses");
    }

    /** Turns the \r \n \t \0 \\uXXXX escapes of the CSV cases into characters. */
    static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'r': sb.append('\r'); break;
                case 'n': sb.append('\n'); break;
                case 't': sb.append('\t'); break;
                case '0': sb.append('\0'); break;
                case 'u':
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                    break;
                default: sb.append(n);
            }
        }
        return sb.toString();
    }
}
