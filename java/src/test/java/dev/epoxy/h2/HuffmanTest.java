package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HuffmanTest {

    // Every Huffman-coded string of RFC 7541 Appendix C.4 and C.6.
    private static final String[][] RFC_STRINGS = {
        {"f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"},
        {"a8eb 1064 9cbf", "no-cache"},
        {"25a8 49e9 5ba9 7d7f", "custom-key"},
        {"25a8 49e9 5bb8 e8b4 bf", "custom-value"},
        {"6402", "302"},
        {"640e ff", "307"},
        {"aec3 771a 4b", "private"},
        {"d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff", "Mon, 21 Oct 2013 20:13:21 GMT"},
        {"d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff", "Mon, 21 Oct 2013 20:13:22 GMT"},
        {"9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3", "https://www.example.com"},
        {"9bd9 ab", "gzip"},
        {"94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
            "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"},
    };

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] encode(byte[] src) {
        ByteBuffer out = ByteBuffer.allocate(Huffman.encodedLength(src, 0, src.length));
        int n = Huffman.encode(src, 0, src.length, out);
        assertEquals(out.capacity(), n);
        assertEquals(n, out.position());
        return out.array();
    }

    @Test
    void derivedCodesMatchAppendixB() {
        // Spot checks of the canonical derivation against Appendix B rows.
        assertEquals(0x1ff8, Huffman.code(0));
        assertEquals(13, Huffman.codeLength(0));
        assertEquals(0x14, Huffman.code(' '));
        assertEquals(0x0, Huffman.code('0'));
        assertEquals(0x3, Huffman.code('a'));
        assertEquals(0x5c, Huffman.code(':'));
        assertEquals(0x7ffc, Huffman.code('<'));
        assertEquals(0xfffe6, Huffman.code(128));
        assertEquals(0x3ffffffc, Huffman.code(10));
        assertEquals(30, Huffman.codeLength(10));
        assertEquals(0x7fffff0, Huffman.code(254));
        assertEquals(0x3ffffee, Huffman.code(255));
        assertEquals(0x3fffffff, Huffman.code(Huffman.EOS));
        assertEquals(30, Huffman.codeLength(Huffman.EOS));
    }

    @Test
    void decodesEveryRfcExample() throws H2Exception {
        for (String[] c : RFC_STRINGS) {
            assertEquals(c[1], new String(Huffman.decode(Hex.bytes(c[0])), StandardCharsets.ISO_8859_1), c[0]);
        }
    }

    @Test
    void encodesEveryRfcExample() {
        for (String[] c : RFC_STRINGS) {
            assertEquals(c[0].replace(" ", ""), Hex.of(encode(ascii(c[1]))), c[1]);
        }
    }

    @Test
    void roundTripsEveryOctet() throws H2Exception {
        for (int b = 0; b < 256; b++) {
            byte[] one = {(byte) b};
            assertArrayEquals(one, Huffman.decode(encode(one)), "octet " + b);
        }
        Random rnd = new Random(7541);
        for (int round = 0; round < 200; round++) {
            byte[] src = new byte[rnd.nextInt(300)];
            rnd.nextBytes(src);
            assertArrayEquals(src, Huffman.decode(encode(src)));
        }
    }

    @Test
    void decodesAtAnOffsetWithoutMovingTheBuffer() throws H2Exception {
        ByteBuffer in = ByteBuffer.allocateDirect(10);
        in.put(new byte[] {0x55, 0x55}).put(Hex.bytes("9bd9 ab")).flip();
        byte[] out = new byte[20];
        int n = Huffman.decode(in, 2, 3, out, 4);
        assertEquals("gzip", new String(out, 4, n, StandardCharsets.ISO_8859_1));
        assertEquals(0, in.position());
    }

    @Test
    void emptyStringIsEmpty() throws H2Exception {
        assertEquals(0, Huffman.decode(new byte[0]).length);
        assertEquals(0, Huffman.encodedLength(new byte[0], 0, 0));
    }

    @Test
    void rejectsEosInTheData() {
        // 32 one bits: the 30-bit EOS code completes inside the data.
        H2Exception e = assertThrows(H2Exception.class, () -> Huffman.decode(Hex.bytes("ffff ffff")));
        assertTrue(e.isConnectionError());
        assertEquals(H2Error.COMPRESSION_ERROR, e.error());
        // EOS after a valid symbol: '0' (00000) then 30 ones, then padding.
        assertThrows(H2Exception.class, () -> Huffman.decode(Hex.bytes("07ff ffff ff")));
    }

    @Test
    void rejectsPaddingLongerThanSevenBits() throws H2Exception {
        assertEquals("0", new String(Huffman.decode(Hex.bytes("07")), StandardCharsets.ISO_8859_1));
        H2Exception e = assertThrows(H2Exception.class, () -> Huffman.decode(Hex.bytes("07ff")));
        assertEquals(H2Error.COMPRESSION_ERROR, e.error());
        // A lone 0xff byte: 8 bits of padding, no symbol.
        assertThrows(H2Exception.class, () -> Huffman.decode(Hex.bytes("ff")));
    }

    @Test
    void rejectsPaddingThatIsNotAllOnes() {
        // '0' followed by three zero bits, which are not a prefix of EOS.
        H2Exception e = assertThrows(H2Exception.class, () -> Huffman.decode(Hex.bytes("00")));
        assertEquals(H2Error.COMPRESSION_ERROR, e.error());
        // "private" is 39 bits: its one padding bit cleared.
        assertThrows(H2Exception.class, () -> Huffman.decode(Hex.bytes("aec3 771a 4a")));
    }

    @Test
    void encodeChecksRoomFirst() {
        byte[] src = ascii("www.example.com");
        ByteBuffer small = ByteBuffer.allocate(5);
        assertThrows(BufferOverflowException.class, () -> Huffman.encode(src, 0, src.length, small));
        assertEquals(0, small.position());
    }
}
