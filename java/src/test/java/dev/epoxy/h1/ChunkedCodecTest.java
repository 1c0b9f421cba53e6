package dev.epoxy.h1;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.http.HttpHead;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkedCodecTest {
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Result of decoding: payload, trailers, final status, bytes left in the input. */
    record Decoded(String payload, String trailers, int status, int leftover) {
    }

    static String trailers(HttpHead t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < t.size(); i++) sb.append(t.name(i)).append('=').append(t.value(i)).append(';');
        return sb.toString();
    }

    /** Feeds {@code in} in pieces ending at the given cut points, through decode() with a small output. */
    static Decoded decodeSplit(byte[] in, int[] cuts, int outSize) {
        ChunkedDecoder d = new ChunkedDecoder(1024);
        HttpHead t = new HttpHead();
        d.keepTrailers(t);
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        ByteBuffer out = ByteBuffer.allocate(outSize);
        ByteBuffer b = ByteBuffer.wrap(in);
        int status = ChunkedDecoder.NEED_INPUT;
        for (int c = 0; c <= cuts.length && status != ChunkedDecoder.DONE && status != ChunkedDecoder.ERROR; c++) {
            b.limit(c < cuts.length ? cuts[c] : in.length);
            while (true) {
                status = d.decode(b, out);
                out.flip();
                payload.write(out.array(), 0, out.limit());
                out.clear();
                if (status != ChunkedDecoder.OUTPUT_FULL) break;
            }
        }
        b.limit(in.length);
        return new Decoded(str(payload.toByteArray()), trailers(t), status, b.remaining());
    }

    static Decoded decodeWhole(String s) {
        return decodeSplit(bytes(s), new int[0], 4096);
    }

    @Test
    void simpleMessage() {
        Decoded r = decodeWhole("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\nGET /next");
        assertEquals("hello, world", r.payload());
        assertEquals(ChunkedDecoder.DONE, r.status());
        assertEquals("GET /next".length(), r.leftover(), "decoder stops right after the message");
        assertEquals("", r.trailers());
    }

    @Test
    void extensionsHexCaseAndBareLfInTrailers() {
        Decoded r = decodeWhole("A;name=value;flag\r\n0123456789\r\na \t;x=\"q\"\r\nabcdefghij\r\n0;last\r\n\r\n");
        assertEquals("0123456789abcdefghij", r.payload());
        assertEquals(ChunkedDecoder.DONE, r.status());
        // As HAProxy 3.4: a bare LF ends a trailer line or the final empty line, as in heads.
        Decoded lf = decodeWhole("3\r\nabc\r\n0\r\nT: v\n\n");
        assertEquals("abc", lf.payload());
        assertEquals(ChunkedDecoder.DONE, lf.status());
        Decoded zeros = decodeWhole("00000000000000000000003\r\nxyz\r\n000\r\n\r\n");
        assertEquals("xyz", zeros.payload());
    }

    @Test
    void trailersKeptOrSkipped() {
        String msg = "4\r\ndata\r\n0\r\nX-Checksum:  abc \r\nX-Other:v\r\n\r\nrest";
        Decoded kept = decodeWhole(msg);
        assertEquals("X-Checksum=abc;X-Other=v;", kept.trailers());
        assertEquals(4, kept.leftover());

        ChunkedDecoder d = new ChunkedDecoder(1024); // no keepTrailers: skipped but still validated
        ByteBuffer in = ByteBuffer.wrap(bytes(msg));
        ByteBuffer out = ByteBuffer.allocate(64);
        assertEquals(ChunkedDecoder.DONE, d.decode(in, out));
        assertEquals(4, out.position());
        assertEquals(4, in.remaining());
    }

    @Test
    void everySplitPointGivesSameResult() {
        String msg = "1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n3\r\n123\r\n0\r\nT1: one\r\nT2: two\r\n\r\nNEXT";
        byte[] in = bytes(msg);
        Decoded whole = decodeWhole(msg);
        assertEquals("abcdefghijklmnopqrstuvwxyz123", whole.payload());
        assertEquals("T1=one;T2=two;", whole.trailers());
        for (int cut = 0; cut <= in.length; cut++) {
            for (int outSize : new int[] {1, 7, 4096}) {
                assertEquals(whole, decodeSplit(in, new int[] {cut}, outSize), "cut " + cut + " out " + outSize);
            }
        }
        int[] each = new int[in.length];
        for (int i = 0; i < in.length; i++) each[i] = i;
        assertEquals(whole, decodeSplit(in, each, 3), "byte by byte");
    }

    @Test
    void lowLevelNextAndConsume() {
        ChunkedDecoder d = new ChunkedDecoder(64);
        ByteBuffer in = ByteBuffer.wrap(bytes("6\r\nabcdef\r\n0\r\n\r\n"));
        int r = d.next(in);
        assertEquals(6, r);
        assertEquals(3, in.position(), "framing consumed, payload not");
        assertEquals(6, d.chunkRemaining());
        d.consume(in, 2); // take only part of it
        assertEquals(4, d.chunkRemaining());
        assertEquals(4, d.next(in));
        assertThrows(IllegalStateException.class, () -> d.consume(in, 5));
        d.consume(in, 4);
        assertEquals(ChunkedDecoder.DONE, d.next(in));
        assertTrue(d.isDone());
        assertFalse(in.hasRemaining());
        assertEquals(ChunkedDecoder.DONE, d.next(in), "stays done");

        d.reset();
        ByteBuffer partial = ByteBuffer.wrap(bytes("10\r\nabc"));
        assertEquals(3, d.next(partial), "bounded by input");
        d.consume(partial, 3);
        assertEquals(ChunkedDecoder.NEED_MORE, d.next(partial));
        assertEquals(13, d.chunkRemaining());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "x\r\n",                    // not hex
        "\r\n",                     // empty size
        ";ext\r\n",                 // extension without size
        "5\r\nhelloX",              // no CRLF after data
        "5\r\nhello\rX",            // CR not followed by LF after data
        "5\rX",                     // CR not followed by LF after size
        "5 x\r\n",                  // garbage after size
        "-5\r\n",                   // sign
        "0x5\r\n",                  // C-style prefix
        "5;a\u0001b\r\n",           // control character in extension
        "4000000000000001\r\n",     // above 2^62
        "fffffffffffffffff\r\n",    // above 2^64
        "0\r\n folded: x\r\n\r\n",  // obs-fold in trailers
        "0\r\nNoColon\r\n\r\n",     // trailer without colon
        "0\r\n: v\r\n\r\n",         // empty trailer name
        "0\r\nBad Name: v\r\n\r\n", // space in trailer name
        "0\r\nX: a\u0000\r\n\r\n",  // NUL in trailer value
        "0\r\nX: a\rb\r\n\r\n",     // bare CR in trailer value
        "0\r\n\rX",                 // bad final CRLF
        " 5\r\nhello\r\n",          // leading space before the size
        "10000000000000005\r\n",    // 2^64 + 5: must not wrap to 5
        "5;a\u0000\r\nhello\r\n",   // NUL in extension
        "5\r\nhelloworld\r\n",      // chunk longer than its size
        "0\r\nGET / HTTP/1.1\r\n\r\n", // last chunk without its final CRLF, then a request
        "3\nabc\r\n0\r\n\r\n",        // bare LF after the size (HAProxy 3.4: 400)
        "3;x=y\nabc\r\n",            // bare LF after an extension
        "3\r\nabc\n0\r\n\r\n",        // bare LF after the data
        "3\r\nabc\r\n0\n\r\n",        // bare LF after the last chunk's size
    })
    void errors(String s) {
        ChunkedDecoder d = new ChunkedDecoder(1024);
        int r = d.decode(ByteBuffer.wrap(bytes(s)), ByteBuffer.allocate(64));
        assertEquals(ChunkedDecoder.ERROR, r, s);
        assertTrue(d.isError());
        assertNotNull(d.errorReason());
        assertEquals(ChunkedDecoder.ERROR, d.next(ByteBuffer.wrap(bytes("0\r\n\r\n"))), "error is sticky");
    }

    /** Every error form, checked in place: ERROR at once, nothing consumed, the reason kept. */
    @ParameterizedTest
    @ValueSource(strings = {
        "-5\r\nhello\r\n0\r\n\r\n",
        "0x5\r\nhello\r\n0\r\n\r\n",
        " 5\r\nhello\r\n0\r\n\r\n",
        "10000000000000005\r\nhello\r\n0\r\n\r\n",
        "5;a\u0000\r\nhello\r\n0\r\n\r\n",
        "5\r\nhelloXX0\r\n\r\n",
        "5\r\nhelloworld\r\n0\r\n\r\n",
        "5\r\nhello\r\n0\r\n\rX",
        "5\r\nhello\r\n0\r\nGET / HTTP/1.1\r\n\r\n",
        "5\r\nhello\r\n-3\r\nabc\r\n",
    })
    void checkFindsErrorsWithoutConsuming(String s) {
        ChunkedDecoder d = new ChunkedDecoder(1024);
        ByteBuffer in = ByteBuffer.wrap(bytes(s));
        assertEquals(ChunkedDecoder.ERROR, d.check(in), s);
        assertEquals(0, in.position(), "nothing consumed");
        assertNotNull(d.errorReason());
    }

    @Test
    void checkAcceptsValidPrefixesAndWholeMessages() {
        String msg = "5\r\nhello\r\n1;x=y\r\n!\r\n0\r\nT: v\r\n\r\n";
        for (int cut = 0; cut < msg.length(); cut++) {
            ChunkedDecoder d = new ChunkedDecoder(1024);
            ByteBuffer in = ByteBuffer.wrap(bytes(msg.substring(0, cut)));
            assertEquals(ChunkedDecoder.NEED_INPUT, d.check(in), "prefix of " + cut);
            assertEquals(0, in.position());
        }
        ChunkedDecoder d = new ChunkedDecoder(1024);
        ByteBuffer in = ByteBuffer.wrap(bytes(msg + "GET / HTTP/1.1\r\n"));
        assertEquals(ChunkedDecoder.DONE, d.check(in), "a whole message, then a pipelined request");
        assertEquals(0, in.position());
    }

    @Test
    void maximumChunkSizeAccepted() {
        ChunkedDecoder d = new ChunkedDecoder(16);
        ByteBuffer in = ByteBuffer.wrap(bytes("4000000000000000\r\nab"));
        assertEquals(2, d.next(in));
        assertEquals(1L << 62, d.chunkRemaining());
    }

    @Test
    void trailerSectionLimit() {
        String t = "0\r\nX: " + "v".repeat(100) + "\r\n\r\n";
        ChunkedDecoder small = new ChunkedDecoder(50);
        assertEquals(ChunkedDecoder.ERROR, small.decode(ByteBuffer.wrap(bytes(t)), ByteBuffer.allocate(8)));
        assertEquals("trailer section too large", small.errorReason());
        ChunkedDecoder big = new ChunkedDecoder(200);
        assertEquals(ChunkedDecoder.DONE, big.decode(ByteBuffer.wrap(bytes(t)), ByteBuffer.allocate(8)));
    }

    @Test
    void needInputUntilComplete() {
        ChunkedDecoder d = new ChunkedDecoder(64);
        ByteBuffer out = ByteBuffer.allocate(64);
        assertEquals(ChunkedDecoder.NEED_INPUT, d.decode(ByteBuffer.wrap(bytes("3\r\nab")), out));
        assertEquals(ChunkedDecoder.NEED_INPUT, d.decode(ByteBuffer.wrap(bytes("c\r\n0\r\n")), out));
        assertFalse(d.isDone());
        assertEquals(ChunkedDecoder.DONE, d.decode(ByteBuffer.wrap(bytes("\r\n")), out));
        assertEquals(3, out.position());
    }

    // ------------------------------------------------------------------ encoder

    @Test
    void encoderExactBytes() {
        ByteBuffer out = ByteBuffer.allocate(64);
        assertTrue(ChunkedEncoder.writeChunkHeader(out, 255));
        assertTrue(ChunkedEncoder.writeChunkEnd(out));
        assertTrue(ChunkedEncoder.writeChunkHeader(out, 1));
        assertTrue(ChunkedEncoder.writeChunkHeader(out, 0x1000));
        assertEquals("ff\r\n\r\n1\r\n1000\r\n", str(java.util.Arrays.copyOf(out.array(), out.position())));
        assertThrows(IllegalArgumentException.class, () -> ChunkedEncoder.writeChunkHeader(ByteBuffer.allocate(8), 0));

        assertEquals(1, ChunkedEncoder.hexDigits(0));
        assertEquals(1, ChunkedEncoder.hexDigits(15));
        assertEquals(2, ChunkedEncoder.hexDigits(16));
        assertEquals(16, ChunkedEncoder.hexDigits(Long.MAX_VALUE));

        HttpHead t = new HttpHead();
        t.add("X-Sum", "42");
        ByteBuffer last = ByteBuffer.allocate(64);
        assertTrue(ChunkedEncoder.writeLastChunk(last, t));
        assertEquals("0\r\nX-Sum: 42\r\n\r\n", str(java.util.Arrays.copyOf(last.array(), last.position())));
        ByteBuffer plain = ByteBuffer.allocate(5);
        assertTrue(ChunkedEncoder.writeLastChunk(plain, null));
        assertEquals("0\r\n\r\n", str(plain.array()));
    }

    @Test
    void encoderNeverWritesPartially() {
        ByteBuffer out = ByteBuffer.allocate(3);
        assertFalse(ChunkedEncoder.writeChunkHeader(out, 0x100));
        assertEquals(0, out.position());
        HttpHead t = new HttpHead();
        t.add("A", "b");
        ByteBuffer small = ByteBuffer.allocate(ChunkedEncoder.lastChunkSize(t) - 1);
        assertFalse(ChunkedEncoder.writeLastChunk(small, t));
        assertEquals(0, small.position());

        ByteBuffer src = ByteBuffer.wrap(bytes("abcdef"));
        ByteBuffer tiny = ByteBuffer.allocate(5); // "1\r\n" + 1 byte + "\r\n" = 6 > 5
        assertEquals(0, ChunkedEncoder.encodeChunk(src, tiny));
        assertEquals(0, tiny.position());
        assertEquals(0, src.position());
    }

    @Test
    void encodeChunkFillsAvailableRoom() {
        ByteBuffer src = ByteBuffer.wrap(bytes("abcdefghijklmnopqrstuvwxyz"));
        ByteBuffer out = ByteBuffer.allocate(12);
        int n = ChunkedEncoder.encodeChunk(src, out);
        assertEquals(7, n); // "7\r\n" + 7 + "\r\n" = 12
        assertEquals("7\r\nabcdefg\r\n", str(out.array()));
        assertEquals(7, src.position());

        // 16 payload bytes need 2 hex digits: room 21 fits 15 (1 digit) but not 16 (2 digits).
        ByteBuffer src2 = ByteBuffer.wrap(new byte[100]);
        assertEquals(15, ChunkedEncoder.encodeChunk(src2, ByteBuffer.allocate(20)));
        assertEquals(16, ChunkedEncoder.encodeChunk(src2, ByteBuffer.allocate(22)));
    }

    /** Random payloads and trailers, encoded into random-sized buffers, decoded at random splits. */
    @Test
    void randomRoundTrips() {
        Random rnd = new Random(7);
        for (int round = 0; round < 150; round++) {
            byte[] payload = new byte[rnd.nextInt(3000)];
            rnd.nextBytes(payload);
            HttpHead t = new HttpHead();
            int nt = rnd.nextInt(3);
            for (int i = 0; i < nt; i++) t.add("T" + i, "v" + rnd.nextInt(1000));

            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            ByteBuffer src = ByteBuffer.wrap(payload);
            while (src.hasRemaining()) {
                ByteBuffer out = ByteBuffer.allocate(6 + rnd.nextInt(600));
                int n = ChunkedEncoder.encodeChunk(src, out);
                assertTrue(n > 0);
                wire.write(out.array(), 0, out.position());
            }
            ByteBuffer end = ByteBuffer.allocate(ChunkedEncoder.lastChunkSize(t));
            assertTrue(ChunkedEncoder.writeLastChunk(end, t));
            assertFalse(end.hasRemaining());
            wire.write(end.array(), 0, end.position());
            byte[] in = wire.toByteArray();

            int[] cuts = new int[rnd.nextInt(8)];
            for (int i = 0; i < cuts.length; i++) cuts[i] = rnd.nextInt(in.length + 1);
            java.util.Arrays.sort(cuts);
            Decoded d = decodeSplit(in, cuts, 1 + rnd.nextInt(500));
            assertEquals(ChunkedDecoder.DONE, d.status());
            assertEquals(str(payload), d.payload());
            assertEquals(trailers(t), d.trailers());
            assertEquals(0, d.leftover());
        }
    }
}
