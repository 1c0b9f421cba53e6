package dev.epoxy.h2;

import static dev.epoxy.h2.HpackDecoderTest.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HpackEncoderTest {

    private static HeaderList list(String[][] fields) {
        HeaderList l = new HeaderList();
        for (String[] f : fields) {
            l.add(f[0], f[1]);
        }
        return l;
    }

    private static String encode(HpackEncoder e, String[][] fields) {
        ByteBuffer out = ByteBuffer.allocate(4096);
        e.encode(out, list(fields));
        out.flip();
        return Hex.of(out);
    }

    private static void assertEncodes(HpackEncoder e, String[][] fields, String expectedHex, int tableSize) {
        assertEquals(expectedHex.replace(" ", ""), encode(e, fields));
        assertEquals(tableSize, e.dynamicTableSize());
    }

    // With incremental indexing and Huffman-when-shorter, the encoder makes exactly the RFC's choices.

    @Test
    void c3RequestsWithoutHuffmanByteForByte() {
        HpackEncoder e = new HpackEncoder(4096).setHuffman(false);
        assertEncodes(e, REQ1, C3_1, 57);
        assertEncodes(e, REQ2, C3_2, 110);
        assertEncodes(e, REQ3, C3_3, 164);
        assertEquals("custom-key", e.dynamicName(1));
        assertEquals(":authority", e.dynamicName(3));
    }

    @Test
    void c4RequestsWithHuffmanByteForByte() {
        HpackEncoder e = new HpackEncoder(4096);
        assertEncodes(e, REQ1, C4_1, 57);
        assertEncodes(e, REQ2, C4_2, 110);
        assertEncodes(e, REQ3, C4_3, 164);
    }

    @Test
    void c5ResponsesWithoutHuffmanByteForByte() {
        HpackEncoder e = new HpackEncoder(256).setHuffman(false);
        assertEncodes(e, RESP1, C5_1, 222);
        assertEncodes(e, RESP2, C5_2, 222);
        assertEncodes(e, RESP3, C5_3, 215);
        assertEquals(3, e.dynamicTableLength());
        assertEquals("set-cookie", e.dynamicName(1));
        assertEquals(DATE2, e.dynamicValue(3));
    }

    @Test
    void c6ResponsesWithHuffmanByteForByte() {
        HpackEncoder e = new HpackEncoder(256);
        assertEncodes(e, RESP1, C6_1, 222);
        assertEncodes(e, RESP2, C6_2, 222);
        assertEncodes(e, RESP3, C6_3, 215);
    }

    @Test
    void integerRepresentationsOfC1() {
        ByteBuffer b = ByteBuffer.allocate(8);
        HpackEncoder.writeInt(b, 0, 5, 10);
        HpackEncoder.writeInt(b, 0, 5, 1337);
        HpackEncoder.writeInt(b, 0, 8, 42);
        b.flip();
        assertEquals("0a1f9a0a2a", Hex.of(b));
    }

    @Test
    void randomRoundTripsKeepBothTablesInSync() throws H2Exception {
        Random rnd = new Random(9113);
        String[] names = {"x-a", "x-b", "cookie", "content-type", "accept", ":path", "x-long-header-name", "date"};
        for (boolean indexing : new boolean[] {true, false}) {
            HpackEncoder enc = new HpackEncoder(4096).setDynamicIndexing(indexing);
            HpackDecoder dec = new HpackDecoder(4096, Settings.UNLIMITED);
            enc.setMaxTableSize(300); // small: forces evictions
            for (int block = 0; block < 300; block++) {
                HeaderList in = new HeaderList();
                int n = 1 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) {
                    String value = rnd.nextInt(3) == 0 ? "" : Integer.toString(rnd.nextInt(20), 36).repeat(1 + rnd.nextInt(40));
                    in.add(names[rnd.nextInt(names.length)], value, rnd.nextInt(10) == 0);
                }
                ByteBuffer out = ByteBuffer.allocate(8192);
                enc.encode(out, in);
                out.flip();
                HeaderList got = new HeaderList();
                assertTrue(dec.decode(out, got));
                assertEquals(in.toString(), got.toString(), "block " + block);
                for (int i = 0; i < n; i++) {
                    assertEquals(in.sensitive(i), got.sensitive(i), "sensitive flag, block " + block);
                }
                assertEquals(enc.dynamicTableSize(), dec.dynamicTableSize(), "table sizes");
                assertEquals(enc.dynamicTableLength(), dec.dynamicTableLength(), "table lengths");
                for (int d = 1; d <= enc.dynamicTableLength(); d++) {
                    assertEquals(enc.dynamicName(d), dec.dynamicName(d));
                    assertEquals(enc.dynamicValue(d), dec.dynamicValue(d));
                }
                if (!indexing) {
                    assertEquals(0, dec.dynamicTableLength(), "nothing indexed without dynamic indexing");
                }
            }
        }
    }

    @Test
    void staticTableLookupFindsEveryEntry() {
        for (int i = 1; i <= Hpack.STATIC_TABLE_LENGTH; i++) {
            byte[] n = Hpack.staticName(i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] v = Hpack.staticValue(i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            int nameIndex = Hpack.staticNameIndex(n, 0, n.length);
            assertTrue(nameIndex >= 1 && nameIndex <= i && Hpack.staticName(nameIndex).equals(Hpack.staticName(i)));
            assertTrue(nameIndex == 1 || !Hpack.staticName(nameIndex - 1).equals(Hpack.staticName(i)), "lowest index");
            assertEquals(i, Hpack.staticPairIndex(nameIndex, v, 0, v.length));
        }
        byte[] unknown = "x-unknown".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(0, Hpack.staticNameIndex(unknown, 0, unknown.length));
        assertEquals(":authority", Hpack.staticName(1));
        assertEquals("www-authenticate", Hpack.staticName(61));
        assertEquals("gzip, deflate", Hpack.staticValue(16));
    }

    @Test
    void staticFullMatchIsOneByte() {
        HpackEncoder e = new HpackEncoder(4096);
        ByteBuffer out = ByteBuffer.allocate(64);
        e.header(out, ":status", "404", false);
        e.header(out, "accept-encoding", "gzip, deflate", false);
        out.flip();
        assertEquals("8d90", Hex.of(out));
        assertEquals(0, e.dynamicTableLength());
    }

    @Test
    void sensitiveFieldsAreNeverIndexed() throws H2Exception {
        HpackEncoder e = new HpackEncoder(4096).setHuffman(false);
        ByteBuffer out = ByteBuffer.allocate(64);
        e.beginBlock(out);
        e.header(out, "authorization", "secret", true);
        // Even a full static match is sent as a never-indexed literal when sensitive.
        e.header(out, ":method", "GET", true);
        out.flip();
        // 0001 + 4-bit prefix index 23 (15 + 8), value "secret"; then index 2 never indexed + "GET".
        assertEquals("1f08 06 736563726574 12 03 474554".replace(" ", ""), Hex.of(out));
        assertEquals(0, e.dynamicTableLength());
        HeaderList got = new HeaderList();
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        assertTrue(d.decode(out, got));
        assertTrue(got.sensitive(0) && got.sensitive(1));
        assertEquals(0, d.dynamicTableLength());
    }

    @Test
    void fieldLargerThanTheTableIsNotIndexed() {
        HpackEncoder e = new HpackEncoder(64).setHuffman(false);
        ByteBuffer out = ByteBuffer.allocate(256);
        e.header(out, "x-big", "v".repeat(40), false); // 5 + 40 + 32 = 77 > 64
        out.flip();
        assertEquals(0x00, out.get(0) & 0xff, "literal without indexing, new name");
        assertEquals(0, e.dynamicTableLength());
    }

    @Test
    void dynamicMatchesAreReused() {
        HpackEncoder e = new HpackEncoder(4096).setHuffman(false);
        ByteBuffer out = ByteBuffer.allocate(256);
        e.header(out, "x-a", "1", false);
        int first = out.position();
        e.header(out, "x-a", "1", false);   // exact dynamic match: index 62
        e.header(out, "x-a", "2", false);   // name from the dynamic table: literal, name index 62
        out.flip();
        assertEquals(0xbe, out.get(first) & 0xff);
        assertEquals(0x7e, out.get(first + 1) & 0xff);
    }

    @Test
    void tableSizeUpdatesSignalTheMinimumThenTheFinalSize() throws H2Exception {
        HpackEncoder e = new HpackEncoder(4096).setHuffman(false);
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        ByteBuffer out = ByteBuffer.allocate(256);
        e.encode(out, list(REQ1));
        out.flip();
        d.decode(out, new HeaderList());
        assertEquals(1, d.dynamicTableLength());

        e.setMaxTableSize(0);
        e.setMaxTableSize(4096);
        out.clear();
        e.encode(out, list(new String[][] {{":method", "GET"}}));
        out.flip();
        assertEquals("20 3fe11f 82".replace(" ", ""), Hex.of(out));
        d.decode(out, new HeaderList());
        assertEquals(0, d.dynamicTableLength());
        assertEquals(4096, d.dynamicTableMaxSize());

        // Unchanged size: nothing emitted.
        e.setMaxTableSize(4096);
        out.clear();
        e.beginBlock(out);
        assertEquals(0, out.position());

        // Lowered: the decoder whose limit went down gets the update it requires.
        e.setMaxTableSize(100);
        d.setMaxTableSizeLimit(100);
        out.clear();
        e.encode(out, list(REQ1));
        out.flip();
        assertEquals(0x3f, out.get(0) & 0xff);
        HeaderList got = new HeaderList();
        d.decode(out, got);
        assertHeaders(REQ1, got);
        assertEquals(100, d.dynamicTableMaxSize());
    }

    @Test
    void shortBufferWritesNothingAndLeavesTheTableAlone() {
        HpackEncoder e = new HpackEncoder(4096);
        ByteBuffer small = ByteBuffer.allocate(10);
        assertThrows(BufferOverflowException.class, () -> e.header(small, "custom-key", "custom-value", false));
        assertEquals(0, small.position());
        assertEquals(0, e.dynamicTableLength());
    }
}
