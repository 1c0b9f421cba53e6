package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 conformance to the letter (RFC 9112, RFC 9110, RFC 6455 §4), each case checked against
 * HAProxy 2.6 with the same exchange: what the client gets and what the server receives.
 */
class H1ConformanceTest {
    private static Epoxy start(TestBackend be, String global) throws Exception {
        return Epoxy.start("global\n    nbthread 1\n" + global + "defaults\n    mode http\n    timeout client 5s\n"
                + "    timeout server 5s\n    timeout connect 2s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n");
    }

    private static Epoxy start(TestBackend be) throws Exception {
        return start(be, "");
    }

    /** A backend answering every request with these raw bytes, then closing. */
    private static TestBackend raw(String response) throws Exception {
        return new TestBackend((r, out) -> {
            out.write(response.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return false;
        });
    }

    private static RawClient.Response exchange(Epoxy ep, String request) throws Exception {
        try (RawClient c = new RawClient(ep.port("fe"))) {
            return c.send(request).read();
        }
    }

    // ---- 1. absolute-form targets (RFC 9112 §3.2.2)

    @Test
    void absoluteFormWithADisagreeingHostIsRefusedAndNothingIsForwarded() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be)) {
            RawClient.Response r = exchange(ep, "GET http://a.example/p HTTP/1.1\r\nHost: b.example\r\n\r\n");
            assertEquals(400, r.status);
            r = exchange(ep, "GET http://a.example:8080/p HTTP/1.1\r\nHost: a.example\r\n\r\n");
            assertEquals(400, r.status, "the port is part of the authority");
            r = exchange(ep, "GET http:///p HTTP/1.1\r\nHost: a.example\r\n\r\n");
            assertEquals(400, r.status, "an http URI with an empty host is invalid (RFC 9110 §4.2.1)");
            assertEquals(0, be.connections.get(), "no server was contacted");
        }
    }

    @Test
    void absoluteFormAuthorityBecomesTheHostTheServerReceives() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be)) {
            // No Host at all: the server gets one made from the target.
            assertEquals(200, exchange(ep, "GET http://user@a.example:81/p?q=1 HTTP/1.1\r\n\r\n").status);
            TestBackend.Request got = be.received.poll();
            assertEquals("http://user@a.example:81/p?q=1", got.target, "the target is forwarded as HAProxy does");
            assertEquals("a.example:81", got.header("host"));
            // Agreeing up to case and the scheme's default port: accepted, Host matches the target.
            assertEquals(200, exchange(ep, "GET http://A.example:80/p HTTP/1.1\r\nHost: a.EXAMPLE\r\n\r\n").status);
            got = be.received.poll();
            assertEquals("http://A.example:80/p", got.target);
            assertEquals(1, got.headers.stream().filter(h -> h[0].equalsIgnoreCase("host")).count());
            assertEquals("a.example", got.header("host").toLowerCase());
        }
    }

    // ---- 2. transfer codings other than chunked

    @Test
    void requestWithATransferCodingOtherThanChunkedIsRefused() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be)) {
            for (String te : new String[] {"gzip, chunked", "foo, chunked"}) {
                RawClient.Response r = exchange(ep, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + te
                        + "\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
                assertEquals(422, r.status, te); // chunked last: delimited but unprocessable, as HAProxy
            }
            assertEquals(0, be.connections.get(), "no server was contacted");
        }
    }

    @Test
    void responseWithATransferCodingOtherThanChunkedIs502() throws Exception {
        String[] heads = {
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabcdef",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 6\r\n\r\nabcdef",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n",
        };
        for (String h : heads) {
            try (TestBackend be = raw(h); Epoxy ep = start(be)) {
                RawClient.Response r = exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals(502, r.status, h);
            }
        }
    }

    // ---- 3. chunked HTTP/1.0 response

    @Test
    void chunkedHttp10ResponseIsDecoded() throws Exception {
        try (TestBackend be = raw("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
             Epoxy ep = start(be)) {
            RawClient.Response r = exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, r.status);
            assertEquals("abcde", r.text());
        }
    }

    // ---- 4. TE: trailers

    @Test
    void teKeepsOnlyTheTrailersToken() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be)) {
            assertEquals(200, exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\nTE: trailers, gzip\r\nConnection: TE\r\n\r\n").status);
            TestBackend.Request got = be.received.poll();
            assertEquals("trailers", got.header("te"));
            assertTrue(got.header("connection") != null && got.header("connection").toLowerCase().contains("te"),
                    "TE is announced as a connection option (RFC 9110 §10.1.4): " + got.header("connection"));
            assertEquals(200, exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\nTE: gzip\r\n\r\n").status);
            assertNull(be.received.poll().header("te"), "nothing left to forward");
        }
    }

    // ---- 5. HTTP/1.x with x > 1

    @Test
    void higherHttp1MinorVersionsAreServedAsHttp11() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be)) {
            RawClient.Response r = exchange(ep, "GET / HTTP/1.2\r\nHost: a\r\n\r\n");
            assertEquals(200, r.status);
            assertEquals("HTTP/1.1", be.received.poll().version);
            assertEquals(505, exchange(ep, "GET / HTTP/2.0\r\nHost: a\r\n\r\n").status);
        }
        try (TestBackend be = raw("HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok"); Epoxy ep = start(be)) {
            RawClient.Response r = exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, r.status);
            assertTrue(r.statusLine.startsWith("HTTP/1.1 "), r.statusLine);
            assertEquals("ok", r.text());
        }
    }

    // ---- 6. tune.http.maxhdr

    private static String requestWithFields(int n) {
        StringBuilder b = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 2; i <= n; i++) b.append("X-H").append(i).append(": v\r\n");
        return b.append("\r\n").toString();
    }

    private static String responseWithFields(int n) {
        StringBuilder b = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
        for (int i = 2; i <= n; i++) b.append("X-H").append(i).append(": v\r\n");
        return b.append("\r\nok").toString();
    }

    @Test
    void defaultMaxhdrAcceptsAHundredFieldsAndRefusesMore() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be)) {
            assertEquals(200, exchange(ep, requestWithFields(100)).status);
            assertEquals(400, exchange(ep, requestWithFields(101)).status);
            assertEquals(1, be.requests.get(), "the refused request was not forwarded");
        }
        try (TestBackend be = raw(responseWithFields(100)); Epoxy ep = start(be)) {
            assertEquals(200, exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").status);
        }
        try (TestBackend be = raw(responseWithFields(101)); Epoxy ep = start(be)) {
            assertEquals(502, exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").status);
        }
    }

    @Test
    void configuredMaxhdrAppliesToRequestsAndResponses() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be, "    tune.http.maxhdr 10\n")) {
            assertEquals(200, exchange(ep, requestWithFields(9)).status);
            assertEquals(400, exchange(ep, requestWithFields(10)).status);
        }
        try (TestBackend be = raw(responseWithFields(10)); Epoxy ep = start(be, "    tune.http.maxhdr 10\n")) {
            assertEquals(502, exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").status);
        }
    }

    // ---- 7. WebSocket handshake (RFC 6455 §4)

    @Test
    void websocketUpgradeWithoutKeyIsRefusedAndNothingIsForwarded() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be)) {
            RawClient.Response r = exchange(ep, "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
                    + "Upgrade: foo, WebSocket\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertEquals(400, r.status);
            assertEquals(0, be.connections.get(), "no server was contacted");
        }
    }

    @Test
    void switchToWebsocketWithoutAcceptIs502() throws Exception {
        try (TestBackend be = raw("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello");
             Epoxy ep = start(be)) {
            RawClient.Response r = exchange(ep, "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertEquals(502, r.status);
        }
    }

    @Test
    void aRequestCutByTheClientsHalfCloseIsAnswered400() throws Exception {
        // HAProxy 2.6 and 3.4 alike: a client that shut its side in the middle of a head (or
        // before any) may still read, and gets the 400 the exchange is logged with (CR--).
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be)) {
            for (String part : new String[] {"", "GET / HTTP/1.1\r\nHo"}) {
                try (RawClient c = new RawClient(ep.port("fe"))) {
                    c.send(part);
                    c.s.shutdownOutput();
                    assertEquals(400, c.read().status, "after '" + part + "'");
                }
            }
            assertEquals(0, be.connections.get(), "no server was contacted");
        }
    }

    @Test
    void switchingProtocolsNobodyAskedForIs502() throws Exception {
        try (TestBackend be = raw("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\nhello");
             Epoxy ep = start(be)) {
            assertEquals(502, exchange(ep, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").status, "as HAProxy 2.6 and 3.4");
        }
    }
}
