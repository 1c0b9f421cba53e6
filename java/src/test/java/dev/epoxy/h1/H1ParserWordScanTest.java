package dev.epoxy.h1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpMethod;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The end-of-head scan skips 8 bytes at a time in little-endian buffers. Every result (length,
 * error status and offset, parsed head) must equal the byte-by-byte scan of a big-endian buffer
 * holding the same bytes, whatever the feeding pattern and the buffer offset.
 */
class H1ParserWordScanTest {
    static final String[] HEADS = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /x HTTP/1.1\nHost: a\n\n",
        "\r\n\r\nPOST /upload/some/longer/path?with=query HTTP/1.1\r\nHost: example.com\r\n"
                + "Content-Length: 12\r\nUser-Agent: a rather long user agent string to span words\r\n\r\nbody",
        "GET /a HTTP/1.1\r\nA: 1\r\nBB: 22\r\nCCC: 333\r\nDDDD: 4444\r\nEEEEE: 55555\r\nF: \r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: a\r\nBad\rValue: x\r\n\r\n",
        "G@T / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n",
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n",
        "HTTP/1.1 204 No Content\nDate: Mon, 23 Nov 2026 11:09:35 GMT\n\n",
        "HTTX/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: y\r\n \r\n\r\n",
    };

    record Outcome(int result, int errorStatus, int errorOffset, int position, String head) {
    }

    static Outcome parse(String s, ByteOrder order, boolean direct, int offset, int step) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(b.length + offset + 8) : ByteBuffer.allocate(b.length + offset + 8);
        buf.order(order);
        buf.position(offset);
        buf.put(b);
        buf.position(offset).limit(offset);
        H1Parser p = new H1Parser(H1ParserTest.MAX);
        HttpHead h = new HttpHead();
        boolean response = s.startsWith("HTTP") || s.startsWith("HTTX");
        int r = 0;
        while (true) {
            buf.limit(Math.min(offset + b.length, buf.limit() + step));
            r = response ? p.parseResponse(buf, h, HttpMethod.GET) : p.parseRequest(buf, h);
            if (r != H1Parser.NEED_MORE || buf.limit() == offset + b.length) break;
        }
        String head = r > 0 ? H1ParserTest.describe(h) : "";
        return new Outcome(r, p.errorStatus(), p.errorOffset(), buf.position() - offset, head);
    }

    @Test
    void wordScanAgreesWithByteScan() {
        for (String s : HEADS) {
            for (int offset = 0; offset < 9; offset++) {
                for (int step : new int[] {1, 3, 7, 8, 9, 64, 100_000}) {
                    Outcome ref = parse(s, ByteOrder.BIG_ENDIAN, false, offset, step);
                    assertEquals(ref, parse(s, ByteOrder.LITTLE_ENDIAN, true, offset, step), s + " offset " + offset + " step " + step);
                    assertEquals(ref, parse(s, ByteOrder.LITTLE_ENDIAN, false, offset, step), s + " offset " + offset + " step " + step);
                }
            }
        }
    }

    @Test
    void randomHeadsAgree() {
        Random rnd = new Random(42);
        String alphabet = "abcXYZ-: \t\r\n/;=,0123456789";
        for (int k = 0; k < 2000; k++) {
            StringBuilder sb = new StringBuilder(rnd.nextBoolean() ? "GET /p HTTP/1.1\r\n" : "HTTP/1.1 200 OK\r\n");
            int n = rnd.nextInt(120);
            for (int i = 0; i < n; i++) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            if (rnd.nextBoolean()) sb.append("\r\n\r\n");
            String s = sb.toString();
            int step = 1 + rnd.nextInt(20);
            int offset = rnd.nextInt(9);
            assertEquals(parse(s, ByteOrder.BIG_ENDIAN, false, offset, step),
                    parse(s, ByteOrder.LITTLE_ENDIAN, true, offset, step), s);
        }
    }
}
