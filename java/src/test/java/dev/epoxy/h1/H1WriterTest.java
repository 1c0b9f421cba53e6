package dev.epoxy.h1;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpMethod;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class H1WriterTest {
    static String written(ByteBuffer out) {
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void requestExactBytes() {
        HttpHead h = new HttpHead();
        h.setRequestLine("POST", "/submit?a=1", 11);
        h.add("Host", "example.com");
        h.add("content-length", "3");
        ByteBuffer out = ByteBuffer.allocateDirect(256);
        assertTrue(H1Writer.write(h, out));
        String expected = "POST /submit?a=1 HTTP/1.1\r\nHost: example.com\r\ncontent-length: 3\r\n\r\n";
        assertEquals(expected.length(), H1Writer.size(h));
        assertEquals(expected, written(out));
    }

    @Test
    void responseExactBytesAndDefaultReason() {
        HttpHead h = new HttpHead();
        h.setStatusLine(404, "Nope", 10);
        h.add("X-A", "b");
        ByteBuffer out = ByteBuffer.allocate(256);
        assertTrue(H1Writer.write(h, out));
        assertEquals("HTTP/1.0 404 Nope\r\nX-A: b\r\n\r\n", written(out));

        h.clear();
        h.setStatusLine(503, null, 11);
        out.clear();
        assertTrue(H1Writer.write(h, out));
        assertEquals("HTTP/1.1 503 Service Unavailable\r\n\r\n", written(out));
        assertEquals("HTTP/1.1 503 Service Unavailable\r\n\r\n".length(), H1Writer.size(h));

        h.clear();
        h.setStatusLine(200, "OK", 20); // from H2: written as HTTP/1.1
        out.clear();
        assertTrue(H1Writer.write(h, out));
        assertEquals("HTTP/1.1 200 OK\r\n\r\n", written(out));
    }

    @Test
    void allOrNothing() {
        HttpHead h = new HttpHead();
        h.setRequestLine("GET", "/", 11);
        h.add("Host", "h");
        int size = H1Writer.size(h);
        ByteBuffer out = ByteBuffer.allocate(size - 1);
        assertFalse(H1Writer.write(h, out));
        assertEquals(0, out.position());
        ByteBuffer exact = ByteBuffer.allocate(size);
        assertTrue(H1Writer.write(h, exact));
        assertFalse(exact.hasRemaining());
    }

    @Test
    void parseThenWriteIsIdentityForCanonicalInput() {
        String req = "DELETE /items/7 HTTP/1.1\r\nHost: api\r\nX-Trace: a, b\r\nContent-Length: 0\r\n\r\n";
        HttpHead h = new HttpHead();
        assertEquals(req.length(), new H1Parser(4096).parseRequest(ByteBuffer.wrap(req.getBytes(StandardCharsets.ISO_8859_1)), h));
        ByteBuffer out = ByteBuffer.allocate(256);
        assertTrue(H1Writer.write(h, out));
        assertEquals(req, written(out));

        String resp = "HTTP/1.1 200 Fine\r\nServer: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertTrue(new H1Parser(4096).parseResponse(ByteBuffer.wrap(resp.getBytes(StandardCharsets.ISO_8859_1)), h, HttpMethod.GET) > 0);
        out.clear();
        assertTrue(H1Writer.write(h, out));
        assertEquals(resp, written(out));
    }

    @Test
    void writesEditedHead() {
        String req = "GET /old HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nX-Drop: 1\r\n\r\n";
        HttpHead h = new HttpHead();
        new H1Parser(4096).parseRequest(ByteBuffer.wrap(req.getBytes(StandardCharsets.ISO_8859_1)), h);
        h.setTarget("/new");
        h.remove("x-drop");
        h.set("Connection", "close");
        h.add("X-Forwarded-For", "127.0.0.1");
        ByteBuffer out = ByteBuffer.allocate(256);
        assertTrue(H1Writer.write(h, out));
        assertEquals("GET /new HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n", written(out));
    }
}
