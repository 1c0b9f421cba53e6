package dev.epoxy.http;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionPolicyTest {
    static HttpHead req(int version, String... headers) {
        HttpHead h = new HttpHead();
        h.setRequestLine("GET", "/", version);
        for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
        h.freezePersistence();
        return h;
    }

    static HttpHead resp(int version, BodyKind kind, String... headers) {
        HttpHead h = new HttpHead();
        h.setStatusLine(200, "OK", version);
        for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
        h.setBody(kind, kind == BodyKind.LENGTH ? 10 : -1);
        h.freezePersistence();
        return h;
    }

    @Test
    void wantsKeepAlive() {
        assertTrue(ConnectionPolicy.wantsKeepAlive(req(11)));
        assertFalse(ConnectionPolicy.wantsKeepAlive(req(11, "Connection", "close")));
        assertFalse(ConnectionPolicy.wantsKeepAlive(req(11, "Connection", "Upgrade, CLOSE")));
        assertFalse(ConnectionPolicy.wantsKeepAlive(req(10)));
        assertTrue(ConnectionPolicy.wantsKeepAlive(req(10, "Connection", "Keep-Alive")));
        assertFalse(ConnectionPolicy.wantsKeepAlive(req(10, "Connection", "keep-alive, close")));
        assertTrue(ConnectionPolicy.wantsKeepAlive(req(11, "Proxy-Connection", "close")), "only Connection counts");
        assertFalse(ConnectionPolicy.wantsKeepAlive(resp(10, BodyKind.CHUNKED, "Connection", "keep-alive",
                "Transfer-Encoding", "chunked")), "HTTP/1.0 with Transfer-Encoding: faulty framing, close after it");
    }

    @Test
    void persistenceIsWhatTheSenderAskedEvenAfterTheHeadIsRewrittenForTheOtherSide() {
        HttpHead resp = resp(11, BodyKind.LENGTH, "Connection", "close");
        ConnectionPolicy.prepareResponse(resp, 11, true); // strips the server's Connection: close
        assertFalse(resp.contains("Connection"));
        assertFalse(ConnectionPolicy.wantsKeepAlive(resp));
        assertFalse(ConnectionPolicy.serverKeepAlive(resp, ConnectionMode.KEEP_ALIVE));

        HttpHead old = resp(10, BodyKind.LENGTH);
        old.setVersion(11); // the client side speaks HTTP/1.1
        assertFalse(ConnectionPolicy.wantsKeepAlive(old));

        HttpHead req = req(11, "Connection", "close");
        ConnectionPolicy.prepareRequest(req, ConnectionMode.KEEP_ALIVE);
        assertFalse(ConnectionPolicy.wantsKeepAlive(req));
    }

    @Test
    void perSideDecisions() {
        HttpHead r11 = req(11);
        HttpHead len = resp(11, BodyKind.LENGTH);
        HttpHead srvClose = resp(11, BodyKind.CHUNKED, "Connection", "close");
        HttpHead untilClose = resp(11, BodyKind.UNTIL_CLOSE);

        assertTrue(ConnectionPolicy.clientKeepAlive(r11, len, ConnectionMode.KEEP_ALIVE));
        assertTrue(ConnectionPolicy.serverKeepAlive(len, ConnectionMode.KEEP_ALIVE));

        // The server closing does not close the client side.
        assertTrue(ConnectionPolicy.clientKeepAlive(r11, srvClose, ConnectionMode.KEEP_ALIVE));
        assertFalse(ConnectionPolicy.serverKeepAlive(srvClose, ConnectionMode.KEEP_ALIVE));

        // The client closing does not close the server side.
        HttpHead clientClose = req(11, "Connection", "close");
        assertFalse(ConnectionPolicy.clientKeepAlive(clientClose, len, ConnectionMode.KEEP_ALIVE));
        assertTrue(ConnectionPolicy.serverKeepAlive(len, ConnectionMode.KEEP_ALIVE));

        // A close-delimited body ends both.
        assertFalse(ConnectionPolicy.clientKeepAlive(r11, untilClose, ConnectionMode.KEEP_ALIVE));
        assertFalse(ConnectionPolicy.serverKeepAlive(untilClose, ConnectionMode.KEEP_ALIVE));

        // Modes.
        assertTrue(ConnectionPolicy.clientKeepAlive(r11, len, ConnectionMode.HTTP_SERVER_CLOSE));
        assertFalse(ConnectionPolicy.serverKeepAlive(len, ConnectionMode.HTTP_SERVER_CLOSE));
        assertFalse(ConnectionPolicy.clientKeepAlive(r11, len, ConnectionMode.HTTP_CLOSE));
        assertFalse(ConnectionPolicy.serverKeepAlive(len, ConnectionMode.HTTP_CLOSE));

        // HTTP/1.0 on either side.
        assertFalse(ConnectionPolicy.clientKeepAlive(req(10), len, ConnectionMode.KEEP_ALIVE));
        assertTrue(ConnectionPolicy.clientKeepAlive(req(10, "Connection", "keep-alive"), len, ConnectionMode.KEEP_ALIVE));
        assertFalse(ConnectionPolicy.serverKeepAlive(resp(10, BodyKind.LENGTH), ConnectionMode.KEEP_ALIVE));
        assertTrue(ConnectionPolicy.serverKeepAlive(resp(10, BodyKind.LENGTH, "Connection", "keep-alive"),
                ConnectionMode.KEEP_ALIVE));

        HttpHead upgrade = new HttpHead();
        upgrade.setStatusLine(101, null, 11);
        assertFalse(ConnectionPolicy.clientKeepAlive(r11, upgrade, ConnectionMode.KEEP_ALIVE));
    }

    @Test
    void stripHopByHop() {
        HttpHead h = req(11, "Host", "h", "Connection", "keep-alive, X-Secret, Content-Length, host",
                "X-Secret", "s", "Keep-Alive", "timeout=5", "Content-Length", "3", "Proxy-Connection", "x",
                "TE", "trailers", "Upgrade", "websocket", "connection", "transfer-encoding",
                "Transfer-Encoding", "chunked", "X-Keep", "k");
        ConnectionPolicy.stripHopByHop(h);
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < h.size(); i++) names.append(h.name(i)).append(' ');
        assertEquals("Host Content-Length Transfer-Encoding X-Keep ", names.toString());
    }

    @Test
    void prepareRequestAndResponse() {
        HttpHead r = req(10, "Connection", "keep-alive", "Keep-Alive", "timeout=1");
        ConnectionPolicy.prepareRequest(r, ConnectionMode.KEEP_ALIVE);
        assertEquals("keep-alive", r.get("connection"));
        assertFalse(r.contains("keep-alive"));

        r = req(11, "Connection", "keep-alive");
        ConnectionPolicy.prepareRequest(r, ConnectionMode.KEEP_ALIVE);
        assertFalse(r.contains("connection"), "HTTP/1.1 persists by default");

        r = req(11);
        ConnectionPolicy.prepareRequest(r, ConnectionMode.HTTP_SERVER_CLOSE);
        assertEquals("close", r.get("connection"));

        r = req(10);
        ConnectionPolicy.prepareRequest(r, ConnectionMode.HTTP_CLOSE);
        assertFalse(r.contains("connection"), "HTTP/1.0 closes by default");

        // TE keeps only its "trailers" token, announced in Connection (RFC 9110 §10.1.4).
        r = req(11, "TE", "trailers, gzip", "Connection", "TE");
        r.freezeTe();
        ConnectionPolicy.prepareRequest(r, ConnectionMode.HTTP_SERVER_CLOSE);
        assertEquals(List.of("trailers"), r.getAll("te"));
        assertEquals("close, TE", r.get("connection"));
        r = req(11, "TE", "gzip, trailers;q=0.5");
        r.freezeTe();
        ConnectionPolicy.prepareRequest(r, ConnectionMode.KEEP_ALIVE);
        assertFalse(r.contains("te"), "trailers with a parameter is not the trailers token (HAProxy drops it too)");
        assertFalse(r.contains("connection"));

        HttpHead s = resp(11, BodyKind.LENGTH, "Connection", "close");
        ConnectionPolicy.prepareResponse(s, 11, true);
        assertFalse(s.contains("connection"));
        s = resp(11, BodyKind.LENGTH);
        ConnectionPolicy.prepareResponse(s, 11, false);
        assertEquals("close", s.get("connection"));
        s = resp(11, BodyKind.LENGTH);
        ConnectionPolicy.prepareResponse(s, 10, true);
        assertEquals("keep-alive", s.get("connection"));
        s = resp(11, BodyKind.LENGTH);
        ConnectionPolicy.prepareResponse(s, 10, false);
        assertFalse(s.contains("connection"));
    }
}
