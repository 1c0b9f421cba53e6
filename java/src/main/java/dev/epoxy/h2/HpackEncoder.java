package dev.epoxy.h2;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * HPACK header block encoder (RFC 7541), one per connection direction.
 *
 * <p>Per field: an exact static (or, with dynamic indexing, dynamic) table match becomes an
 * indexed field; otherwise a literal, naming the field by index when the name is in a table.
 * With dynamic indexing on, literals are inserted into the table ("with incremental indexing"),
 * except sensitive fields, which are sent "never indexed", and fields too large for the table.
 * With it off, literals are sent "without indexing" and the table stays empty. Strings are
 * Huffman-coded when that is not longer (and Huffman is enabled).
 *
 * <p>Names must already be lowercase (RFC 9113 section 8.2.1); the encoder does not touch them.
 *
 * <p>A block is {@link #beginBlock} followed by {@link #header} calls, or one {@link #encode}.
 * Every write checks for the worst-case room first and throws BufferOverflowException without
 * writing or changing the table, so a caller can flush and retry the same call.
 */
public final class HpackEncoder {
    /** Worst case for a size update: 1 prefix byte + 5 continuation bytes. */
    private static final int MAX_INT_LENGTH = 6;

    private final HpackTable table;
    private boolean dynamicIndexing = true;
    private boolean huffman = true;
    private int pendingMin = -1;   // smallest max size requested since the last block, or -1
    private int pendingFinal = -1; // last max size requested since the last block, or -1

    /**
     * @param tableSize dynamic table size both sides start with: 4096 in HTTP/2 (the default
     *                  SETTINGS_HEADER_TABLE_SIZE); no size update is sent for it
     */
    public HpackEncoder(int tableSize) {
        if (tableSize < 0) {
            throw new IllegalArgumentException("negative table size");
        }
        table = new HpackTable(tableSize);
    }

    /** Whether literals are inserted into and looked up in the dynamic table (default true). */
    public HpackEncoder setDynamicIndexing(boolean on) {
        dynamicIndexing = on;
        return this;
    }

    /** Whether strings are Huffman-coded when not longer than raw (default true). */
    public HpackEncoder setHuffman(boolean on) {
        huffman = on;
        return this;
    }

    /**
     * Changes the dynamic table maximum size. Call it with min(peer's SETTINGS_HEADER_TABLE_SIZE,
     * own memory cap) when the peer's setting changes. The change is signalled by size updates at
     * the start of the next block; when the size was lowered and raised again in between, the
     * smallest value is signalled first, as RFC 7541 section 4.2 requires.
     */
    public void setMaxTableSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative table size");
        }
        pendingMin = pendingMin < 0 ? size : Math.min(pendingMin, size);
        pendingFinal = size;
    }

    public int dynamicTableSize() {
        return table.size();
    }

    public int dynamicTableMaxSize() {
        return table.maxSize();
    }

    public int dynamicTableLength() {
        return table.count();
    }

    /** Name of dynamic entry {@code d} (1 = newest). */
    public String dynamicName(int d) {
        return table.name(d);
    }

    /** Value of dynamic entry {@code d} (1 = newest). */
    public String dynamicValue(int d) {
        return table.value(d);
    }

    /** Worst-case encoded size of one field, for sizing output buffers. */
    public static int maxFieldLength(int nameLen, int valueLen) {
        return MAX_INT_LENGTH + MAX_INT_LENGTH + nameLen + MAX_INT_LENGTH + valueLen;
    }

    /** Starts a header block: writes pending dynamic table size updates (at most 12 bytes). */
    public void beginBlock(ByteBuffer dst) {
        if (pendingFinal < 0) {
            return;
        }
        if (dst.remaining() < 2 * MAX_INT_LENGTH) {
            throw new BufferOverflowException();
        }
        // The smallest size reached matters: entries evicted then are gone for the peer too.
        if (pendingMin < table.maxSize() && pendingMin < pendingFinal) {
            writeInt(dst, 0x20, 5, pendingMin);
            table.setMaxSize(pendingMin);
        }
        if (pendingFinal != table.maxSize()) {
            writeInt(dst, 0x20, 5, pendingFinal);
            table.setMaxSize(pendingFinal);
        }
        pendingMin = -1;
        pendingFinal = -1;
    }

    /** Encodes a whole header list as one block ({@link #beginBlock} included). */
    public void encode(ByteBuffer dst, HeaderList headers) {
        beginBlock(dst);
        byte[] a = headers.array();
        for (int i = 0; i < headers.size(); i++) {
            header(dst, a, headers.nameOffset(i), headers.nameLength(i), a, headers.valueOffset(i),
                    headers.valueLength(i), headers.sensitive(i));
        }
    }

    /** Encodes one field given as text (ISO-8859-1, one char per octet). Allocates; for tools and tests. */
    public void header(ByteBuffer dst, String name, String value, boolean sensitive) {
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        header(dst, n, 0, n.length, v, 0, v.length, sensitive);
    }

    /**
     * Encodes one field.
     *
     * @param sensitive send as "literal never indexed" (e.g. authorization, short cookies, or a
     *                  field received that way)
     * @throws BufferOverflowException if {@code dst} has less than {@link #maxFieldLength} room
     */
    public void header(ByteBuffer dst, byte[] name, int nameOff, int nameLen,
                       byte[] value, int valueOff, int valueLen, boolean sensitive) {
        if (dst.remaining() < maxFieldLength(nameLen, valueLen)) {
            throw new BufferOverflowException();
        }
        int nameIndex = Hpack.staticNameIndex(name, nameOff, nameLen);
        int pairIndex = nameIndex == 0 ? 0 : Hpack.staticPairIndex(nameIndex, value, valueOff, valueLen);
        if (pairIndex == 0 && dynamicIndexing && table.count() > 0) {
            int found = table.find(name, nameOff, nameLen, value, valueOff, valueLen);
            if (found > 0) {
                pairIndex = Hpack.STATIC_TABLE_LENGTH + found;
            } else if (found < 0 && nameIndex == 0) {
                nameIndex = Hpack.STATIC_TABLE_LENGTH - found;
            }
        }
        if (pairIndex != 0 && !sensitive) {
            writeInt(dst, 0x80, 7, pairIndex);
            return;
        }
        if (sensitive) {
            writeInt(dst, 0x10, 4, nameIndex);
        } else if (dynamicIndexing && HpackTable.entrySize(nameLen, valueLen) <= table.maxSize()) {
            writeInt(dst, 0x40, 6, nameIndex);
            table.add(name, nameOff, nameLen, value, valueOff, valueLen);
        } else {
            writeInt(dst, 0x00, 4, nameIndex);
        }
        if (nameIndex == 0) {
            writeString(dst, name, nameOff, nameLen);
        }
        writeString(dst, value, valueOff, valueLen);
    }

    private void writeString(ByteBuffer dst, byte[] s, int off, int len) {
        if (huffman && len > 0) {
            // Not longer is enough (the RFC examples code "307" in 3 Huffman bytes too).
            int hlen = Huffman.encodedLength(s, off, len);
            if (hlen <= len) {
                writeInt(dst, 0x80, 7, hlen);
                Huffman.encode(s, off, len, dst);
                return;
            }
        }
        writeInt(dst, 0x00, 7, len);
        dst.put(s, off, len);
    }

    /** Writes {@code value} with an N-bit prefix, the other bits of the first byte from {@code high}. */
    static void writeInt(ByteBuffer dst, int high, int prefixBits, int value) {
        int mask = (1 << prefixBits) - 1;
        if (value < mask) {
            dst.put((byte) (high | value));
            return;
        }
        dst.put((byte) (high | mask));
        value -= mask;
        while (value >= 0x80) {
            dst.put((byte) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        dst.put((byte) value);
    }
}
