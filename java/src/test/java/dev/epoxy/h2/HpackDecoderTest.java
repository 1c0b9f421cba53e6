package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class HpackDecoderTest {

    static final String DATE1 = "Mon, 21 Oct 2013 20:13:21 GMT";
    static final String DATE2 = "Mon, 21 Oct 2013 20:13:22 GMT";
    static final String COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
    static final String LOCATION = "https://www.example.com";

    // RFC 7541 C.3 / C.4: three requests on one connection.
    static final String[][] REQ1 = {{":method", "GET"}, {":scheme", "http"}, {":path", "/"},
        {":authority", "www.example.com"}};
    static final String[][] REQ2 = {{":method", "GET"}, {":scheme", "http"}, {":path", "/"},
        {":authority", "www.example.com"}, {"cache-control", "no-cache"}};
    static final String[][] REQ3 = {{":method", "GET"}, {":scheme", "https"}, {":path", "/index.html"},
        {":authority", "www.example.com"}, {"custom-key", "custom-value"}};
    static final String[][] REQ_TABLE1 = {{":authority", "www.example.com"}};
    static final String[][] REQ_TABLE2 = {{"cache-control", "no-cache"}, {":authority", "www.example.com"}};
    static final String[][] REQ_TABLE3 = {{"custom-key", "custom-value"}, {"cache-control", "no-cache"},
        {":authority", "www.example.com"}};

    // RFC 7541 C.5 / C.6: three responses, 256-octet table, evictions in steps 2 and 3.
    static final String[][] RESP1 = {{":status", "302"}, {"cache-control", "private"}, {"date", DATE1},
        {"location", LOCATION}};
    static final String[][] RESP2 = {{":status", "307"}, {"cache-control", "private"}, {"date", DATE1},
        {"location", LOCATION}};
    static final String[][] RESP3 = {{":status", "200"}, {"cache-control", "private"}, {"date", DATE2},
        {"location", LOCATION}, {"content-encoding", "gzip"}, {"set-cookie", COOKIE}};
    static final String[][] RESP_TABLE1 = {{"location", LOCATION}, {"date", DATE1}, {"cache-control", "private"},
        {":status", "302"}};
    static final String[][] RESP_TABLE2 = {{":status", "307"}, {"location", LOCATION}, {"date", DATE1},
        {"cache-control", "private"}};
    static final String[][] RESP_TABLE3 = {{"set-cookie", COOKIE}, {"content-encoding", "gzip"}, {"date", DATE2}};

    static final String C3_1 = "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d";
    static final String C3_2 = "8286 84be 5808 6e6f 2d63 6163 6865";
    static final String C3_3 = "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65";
    static final String C4_1 = "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff";
    static final String C4_2 = "8286 84be 5886 a8eb 1064 9cbf";
    static final String C4_3 = "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf";
    static final String C5_1 = "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133"
            + "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d";
    static final String C5_2 = "4803 3330 37c1 c0bf";
    static final String C5_3 = "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d"
            + "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049"
            + "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31";
    static final String C6_1 = "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6"
            + "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3";
    static final String C6_2 = "4883 640e ffc1 c0bf";
    static final String C6_3 = "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab"
            + "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f"
            + "9587 3160 65c0 03ed 4ee5 b106 3d50 07";

    private static HeaderList decode(HpackDecoder d, String hex) throws H2Exception {
        HeaderList list = new HeaderList();
        ByteBuffer in = Hex.buffer(hex);
        assertTrue(d.decode(in, list));
        assertFalse(in.hasRemaining(), "block fully consumed");
        return list;
    }

    static void assertHeaders(String[][] expected, HeaderList actual) {
        assertEquals(expected.length, actual.size(), () -> "header count of " + actual);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], actual.name(i), "name " + i);
            assertEquals(expected[i][1], actual.value(i), "value " + i);
        }
    }

    private static void assertTable(String[][] expected, int expectedSize, HpackDecoder d) {
        assertEquals(expected.length, d.dynamicTableLength(), "dynamic table entries");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], d.dynamicName(i + 1), "dynamic name " + (i + 1));
            assertEquals(expected[i][1], d.dynamicValue(i + 1), "dynamic value " + (i + 1));
        }
        assertEquals(expectedSize, d.dynamicTableSize(), "dynamic table size");
    }

    private static void step(HpackDecoder d, String hex, String[][] headers, String[][] table, int size)
            throws H2Exception {
        assertHeaders(headers, decode(d, hex));
        assertTable(table, size, d);
    }

    // ---- C.2: one field per block, fresh decoder each ----

    @Test
    void c21LiteralWithIndexing() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        step(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
                new String[][] {{"custom-key", "custom-header"}}, new String[][] {{"custom-key", "custom-header"}}, 55);
    }

    @Test
    void c22LiteralWithoutIndexing() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        HeaderList list = decode(d, "040c 2f73 616d 706c 652f 7061 7468");
        assertHeaders(new String[][] {{":path", "/sample/path"}}, list);
        assertFalse(list.sensitive(0));
        assertTable(new String[0][], 0, d);
    }

    @Test
    void c23LiteralNeverIndexed() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        HeaderList list = decode(d, "1008 7061 7373 776f 7264 0673 6563 7265 74");
        assertHeaders(new String[][] {{"password", "secret"}}, list);
        assertTrue(list.sensitive(0), "never-indexed flag passed on");
        assertTable(new String[0][], 0, d);
    }

    @Test
    void c24IndexedField() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        step(d, "82", new String[][] {{":method", "GET"}}, new String[0][], 0);
    }

    // ---- C.3 - C.6: sequences sharing one decoder ----

    @Test
    void c3RequestsWithoutHuffman() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        step(d, C3_1, REQ1, REQ_TABLE1, 57);
        step(d, C3_2, REQ2, REQ_TABLE2, 110);
        step(d, C3_3, REQ3, REQ_TABLE3, 164);
    }

    @Test
    void c4RequestsWithHuffman() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        step(d, C4_1, REQ1, REQ_TABLE1, 57);
        step(d, C4_2, REQ2, REQ_TABLE2, 110);
        step(d, C4_3, REQ3, REQ_TABLE3, 164);
    }

    @Test
    void c5ResponsesWithoutHuffmanAndEviction() throws H2Exception {
        HpackDecoder d = new HpackDecoder(256, Settings.UNLIMITED);
        step(d, C5_1, RESP1, RESP_TABLE1, 222);
        step(d, C5_2, RESP2, RESP_TABLE2, 222);
        step(d, C5_3, RESP3, RESP_TABLE3, 215);
    }

    @Test
    void c6ResponsesWithHuffmanAndEviction() throws H2Exception {
        HpackDecoder d = new HpackDecoder(256, Settings.UNLIMITED);
        step(d, C6_1, RESP1, RESP_TABLE1, 222);
        step(d, C6_2, RESP2, RESP_TABLE2, 222);
        step(d, C6_3, RESP3, RESP_TABLE3, 215);
    }

    @Test
    void decodesFromPositionToLimitOfADirectBuffer() throws H2Exception {
        byte[] block = Hex.bytes(C4_1);
        ByteBuffer in = ByteBuffer.allocateDirect(block.length + 10);
        in.position(3);
        in.put(block);
        in.limit(3 + block.length).position(3);
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        HeaderList list = new HeaderList();
        assertTrue(d.decode(in, list));
        assertHeaders(REQ1, list);
        assertEquals(3 + block.length, in.position());
    }

    @Test
    void sinkRangesStayValidUntilTheNextBlock() throws H2Exception {
        // A sink that keeps references instead of copying: everything must still read right at
        // the end of the block, even though C.5.3 evicts the entries referenced earlier on.
        HpackDecoder d = new HpackDecoder(256, Settings.UNLIMITED);
        decode(d, C5_1);
        decode(d, C5_2);
        java.util.List<Object[]> refs = new java.util.ArrayList<>();
        assertTrue(d.decode(Hex.buffer(C5_3), (n, no, nl, v, vo, vl, s) -> refs.add(new Object[] {n, no, nl, v, vo, vl})));
        HeaderList copied = new HeaderList();
        for (Object[] r : refs) {
            copied.header((byte[]) r[0], (int) r[1], (int) r[2], (byte[]) r[3], (int) r[4], (int) r[5], false);
        }
        assertHeaders(RESP3, copied);
    }

    @Test
    void decodersOfOneThreadShareItsScratchWithoutMixingTheirBlocks() throws H2Exception {
        // The string arena is the thread's, not the decoder's: blocks of two connections that
        // alternate, with one whose strings outgrow any arena kept, each decode on their own.
        HpackDecoder requests = new HpackDecoder(4096, Settings.UNLIMITED);
        HpackDecoder responses = new HpackDecoder(256, Settings.UNLIMITED);
        String big = "v".repeat(100_000);
        HeaderList bigList = new HeaderList().add("x-big", big);
        ByteBuffer bigBlock = ByteBuffer.allocate(200_000);
        HpackEncoder enc = new HpackEncoder(4096);
        enc.setDynamicIndexing(false);
        enc.encode(bigBlock, bigList);
        String[][][] reqs = {REQ1, REQ2, REQ3};
        String[][][] resps = {RESP1, RESP2, RESP3};
        String[] reqBlocks = {C4_1, C4_2, C4_3};
        String[] respBlocks = {C6_1, C6_2, C6_3};
        for (int i = 0; i < 3; i++) {
            HeaderList r = new HeaderList();
            assertTrue(requests.decode(Hex.buffer(reqBlocks[i]), r));
            HeaderList big2 = new HeaderList();
            assertTrue(new HpackDecoder(4096, Settings.UNLIMITED).decode(bigBlock.duplicate().flip(), big2));
            assertEquals(big, big2.value(0));
            HeaderList s = new HeaderList();
            assertTrue(responses.decode(Hex.buffer(respBlocks[i]), s));
            assertHeaders(reqs[i], r);
            assertHeaders(resps[i], s);
        }
    }

    @Test
    void emptyBlockIsFine() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        HeaderList list = new HeaderList();
        assertTrue(d.decode(ByteBuffer.allocate(0), list));
        assertEquals(0, list.size());
    }

    // ---- dynamic table size updates ----

    @Test
    void sizeUpdateEvictsAndLimitsTheTable() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        decode(d, C3_1);
        decode(d, C3_2);
        assertEquals(110, d.dynamicTableSize());
        // Size update to 60: only the newest entry (53 octets) fits.
        step(d, "3f1d 82", new String[][] {{":method", "GET"}}, new String[][] {{"cache-control", "no-cache"}}, 53);
        assertEquals(60, d.dynamicTableMaxSize());
        // Size update to 0 then back to 4096 within one block start: table emptied.
        step(d, "20 3fe1 1f 82", new String[][] {{":method", "GET"}}, new String[0][], 0);
        assertEquals(4096, d.dynamicTableMaxSize());
    }

    @Test
    void sizeUpdateAboveTheLimitIsACompressionError() {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        assertCompressionError(d, "3fe2 1f"); // 4097
    }

    @Test
    void sizeUpdateAfterAFieldIsACompressionError() {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        assertCompressionError(d, "82 20");
    }

    @Test
    void loweredLimitRequiresASizeUpdateAtTheNextBlock() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        decode(d, C3_1);
        d.setMaxTableSizeLimit(100);
        assertCompressionError(d, "82");

        HpackDecoder ok = new HpackDecoder(4096, Settings.UNLIMITED);
        decode(ok, C3_1);
        ok.setMaxTableSizeLimit(100);
        assertCompressionError(ok, "3f64 82"); // 31 + 100 = 131 > 100 is refused too
        HpackDecoder ok2 = new HpackDecoder(4096, Settings.UNLIMITED);
        decode(ok2, C3_1);
        ok2.setMaxTableSizeLimit(100);
        step(ok2, "3f41 82", new String[][] {{":method", "GET"}}, REQ_TABLE1, 57); // 31 + 65 = 96
        step(ok2, "82", new String[][] {{":method", "GET"}}, REQ_TABLE1, 57); // no longer required
    }

    @Test
    void raisedLimitNeedsNoSizeUpdate() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        d.setMaxTableSizeLimit(8192);
        step(d, "82", new String[][] {{":method", "GET"}}, new String[0][], 0);
        step(d, "3fe1 3f 82", new String[][] {{":method", "GET"}}, new String[0][], 0); // 8192 now allowed
        assertEquals(8192, d.dynamicTableMaxSize());
    }

    // ---- max header list size ----

    @Test
    void headerListAboveTheLimitIsCutButTheTableStaysInSync() throws H2Exception {
        // REQ3 field sizes: 42, 44, 48, 57, 54. A limit of 140 lets the first three (134) through.
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        decode(d, C3_1);
        decode(d, C3_2);
        d.setMaxHeaderListSize(140);
        HeaderList list = new HeaderList();
        assertFalse(d.decode(Hex.buffer(C3_3), list));
        assertHeaders(new String[][] {{":method", "GET"}, {":scheme", "https"}, {":path", "/index.html"}}, list);
        // custom-key was still inserted: the next block can reference it (index 62).
        assertTable(REQ_TABLE3, 164, d);
        HeaderList next = new HeaderList();
        assertTrue(d.decode(Hex.buffer("be"), next));
        assertHeaders(new String[][] {{"custom-key", "custom-value"}}, next);
    }

    // ---- malformed blocks: all connection COMPRESSION_ERROR ----

    static void assertCompressionError(HpackDecoder d, String hex) {
        H2Exception e = assertThrows(H2Exception.class, () -> d.decode(Hex.buffer(hex), new HeaderList()));
        assertTrue(e.isConnectionError(), e::toString);
        assertEquals(H2Error.COMPRESSION_ERROR, e.error());
    }

    @Test
    void indexZeroIsAnError() {
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "80");
    }

    @Test
    void indexBeyondTheTablesIsAnError() throws H2Exception {
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        assertCompressionError(d, "be"); // 62 with an empty dynamic table
        HpackDecoder one = new HpackDecoder(4096, Settings.UNLIMITED);
        decode(one, C3_1);
        assertCompressionError(one, "bf"); // 63 with one dynamic entry
        // Literal whose name index is beyond the tables.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "7f00 0161");
    }

    @Test
    void integerOverflowIsAnError() {
        // 127 + 0x7f + (0x7f << 7) + ... + (0x0f << 28): well above 2^31-1.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "ff ff ff ff ff 0f");
        // Six continuation bytes of zero padding: refused even though the value is small.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "ff 80 80 80 80 80 00");
    }

    @Test
    void truncatedIntegerIsAnError() {
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "ff");
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "ff 80");
    }

    @Test
    void truncatedStringIsAnError() {
        // custom-key announced with 10 bytes, only 2 present.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "400a 6375");
        // Name present, value missing entirely.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "04");
        // String length itself truncated.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "047f");
    }

    @Test
    void hugeStringLengthIsAnErrorNotAnAllocation() {
        // Length 2^31-1 with a handful of bytes behind it.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "04 7f ff ff ff ff 07 61 61");
    }

    @Test
    void invalidHuffmanIsAnError() {
        // :authority literal, Huffman value 0x00: padding not all ones.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "4181 00");
        // Huffman value containing EOS.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "4184 ffff ffff");
        // Huffman value with a whole byte of padding.
        assertCompressionError(new HpackDecoder(4096, Settings.UNLIMITED), "4182 07ff");
    }

    @Test
    void failedBlockDoesNotLeaveBogusHeadersUnnoticed() {
        // The sink may have received fields before the error; the exception is what counts.
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        HeaderList list = new HeaderList();
        assertThrows(H2Exception.class, () -> d.decode(Hex.buffer("82 80"), list));
        assertEquals(1, list.size());
    }
}
