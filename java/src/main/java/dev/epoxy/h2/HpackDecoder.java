package dev.epoxy.h2;

import java.nio.ByteBuffer;

/**
 * HPACK header block decoder (RFC 7541), one per connection direction.
 *
 * <p>Every decoding failure is a connection COMPRESSION_ERROR: once a block is only partly
 * decoded, this side's dynamic table may differ from the peer's, and nothing after can be trusted.
 *
 * <p>Allocation: string literals are decoded into a reusable arena, one per thread (a block is
 * decoded within one call, and the sink copies what it keeps, so no idle connection holds one);
 * indexed fields are passed straight from the static table or the dynamic entry. The only
 * per-field allocation is the copy made when a field is inserted into the dynamic table.
 */
public final class HpackDecoder {
    private static final int ARENA_KEEP = 64 * 1024; // arenas above this are dropped after use

    private final HpackTable table;
    private int maxTableSizeLimit;      // our SETTINGS_HEADER_TABLE_SIZE, as acknowledged by the peer
    private boolean sizeUpdateRequired; // the limit went below the table size: next block must shrink it
    private long maxHeaderListSize;

    private static final ThreadLocal<byte[]> ARENA = ThreadLocal.withInitial(() -> new byte[512]);

    private byte[] arena; // the thread's arena, during decode only
    private int arenaLen;

    // Cursor over the block being decoded; fields to keep the helpers' signatures simple.
    private ByteBuffer in;
    private int pos;
    private int end;
    private int strOff; // last string read: arena range
    private int strLen;
    private long listSize;    // header list size so far (name + value + 32 per field)
    private boolean complete; // every field so far went to the sink

    /**
     * @param maxTableSize      dynamic table size both sides start with, and the limit for size
     *                          updates: our SETTINGS_HEADER_TABLE_SIZE (4096 unless changed)
     * @param maxHeaderListSize limit of the decoded header list size (name + value + 32 per
     *                          field); {@link Settings#UNLIMITED} for none
     */
    public HpackDecoder(int maxTableSize, long maxHeaderListSize) {
        if (maxTableSize < 0 || maxHeaderListSize < 0) {
            throw new IllegalArgumentException("negative limit");
        }
        this.table = new HpackTable(maxTableSize);
        this.maxTableSizeLimit = maxTableSize;
        this.maxHeaderListSize = maxHeaderListSize;
    }

    /**
     * Changes the limit for the peer's dynamic table size updates. Call it when the peer
     * acknowledges a SETTINGS frame carrying a new SETTINGS_HEADER_TABLE_SIZE. If the limit drops
     * below the current table size, the peer must start its next header block with a size update
     * to at most the new limit (RFC 7541 section 4.2); a block that does not is rejected.
     */
    public void setMaxTableSizeLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("negative table size limit");
        }
        maxTableSizeLimit = limit;
        if (limit < table.maxSize()) {
            sizeUpdateRequired = true;
        }
    }

    public void setMaxHeaderListSize(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("negative header list size limit");
        }
        maxHeaderListSize = limit;
    }

    /** Current dynamic table size in octets (RFC 7541 section 4.1 accounting). */
    public int dynamicTableSize() {
        return table.size();
    }

    /** Current dynamic table maximum size, as last set by the peer's size updates. */
    public int dynamicTableMaxSize() {
        return table.maxSize();
    }

    /** Number of dynamic table entries. */
    public int dynamicTableLength() {
        return table.count();
    }

    /** Name of dynamic entry {@code d} (1 = newest), for diagnostics and tests. */
    public String dynamicName(int d) {
        return table.name(d);
    }

    /** Value of dynamic entry {@code d} (1 = newest), for diagnostics and tests. */
    public String dynamicValue(int d) {
        return table.value(d);
    }

    /**
     * Decodes one complete header block (HEADERS fragment plus any CONTINUATION fragments,
     * concatenated) from the position to the limit of {@code block}, and consumes it.
     *
     * <p>If the decoded header list grows past the maximum header list size, later fields are
     * still decoded (so the dynamic table stays in sync) but no longer passed to the sink, and
     * false is returned: the caller should refuse the message (e.g. 431, or RST_STREAM) and may
     * keep the connection.
     *
     * @return true if every field was passed to the sink, false if the list was too large
     * @throws H2Exception connection COMPRESSION_ERROR for any malformed block
     */
    public boolean decode(ByteBuffer block, HeaderSink sink) throws H2Exception {
        in = block;
        pos = block.position();
        end = block.limit();
        prepareArena(end - pos);
        listSize = 0;
        complete = true;
        boolean fieldSeen = false;
        try {
            while (pos < end) {
                int b = in.get(pos) & 0xff;
                if ((b & 0xe0) == 0x20) {
                    // Dynamic table size update (6.3): only before the first field of a block.
                    if (fieldSeen) {
                        throw error("dynamic table size update after a header field");
                    }
                    int newSize = readInt(5);
                    if (newSize > maxTableSizeLimit) {
                        throw error("dynamic table size update to " + newSize + " above the limit " + maxTableSizeLimit);
                    }
                    table.setMaxSize(newSize);
                    sizeUpdateRequired = false;
                    continue;
                }
                if (sizeUpdateRequired) {
                    throw error("header block must start with a dynamic table size update to at most "
                            + maxTableSizeLimit);
                }
                fieldSeen = true;
                if ((b & 0x80) != 0) {
                    indexed(sink);
                } else {
                    // 01xxxxxx with incremental indexing; 0000xxxx without; 0001xxxx never indexed
                    boolean incremental = (b & 0x40) != 0;
                    boolean sensitive = !incremental && (b & 0x10) != 0;
                    literal(incremental ? 6 : 4, incremental, sensitive, sink);
                }
            }
        } finally {
            block.position(pos);
            in = null;
            if (arena.length <= ARENA_KEEP)
                ARENA.set(arena);
            arena = null;
        }
        return complete;
    }

    private void indexed(HeaderSink sink) throws H2Exception {
        int index = readInt(7);
        if (index == 0) {
            throw error("indexed header field with index 0");
        }
        if (index <= Hpack.STATIC_TABLE_LENGTH) {
            byte[] n = Hpack.STATIC_NAMES[index];
            byte[] v = Hpack.STATIC_VALUES[index];
            emit(sink, n, 0, n.length, v, 0, v.length, false);
            return;
        }
        int d = dynamicIndex(index);
        byte[] e = table.entry(d);
        int nl = table.nameLength(d);
        emit(sink, e, 0, nl, e, nl, e.length - nl, false);
    }

    private void literal(int prefixBits, boolean incremental, boolean sensitive, HeaderSink sink) throws H2Exception {
        int index = readInt(prefixBits);
        byte[] name;
        int nameOff;
        int nameLen;
        if (index == 0) {
            readString();
            name = arena;
            nameOff = strOff;
            nameLen = strLen;
        } else if (index <= Hpack.STATIC_TABLE_LENGTH) {
            name = Hpack.STATIC_NAMES[index];
            nameOff = 0;
            nameLen = name.length;
        } else {
            int d = dynamicIndex(index);
            name = table.entry(d);
            nameOff = 0;
            nameLen = table.nameLength(d);
        }
        readString();
        if (incremental) {
            table.add(name, nameOff, nameLen, arena, strOff, strLen);
        }
        emit(sink, name, nameOff, nameLen, arena, strOff, strLen, sensitive);
    }

    private void emit(HeaderSink sink, byte[] n, int no, int nl, byte[] v, int vo, int vl, boolean sensitive) {
        listSize += (long) nl + vl + Hpack.ENTRY_OVERHEAD;
        if (listSize > maxHeaderListSize) {
            complete = false; // and stays so: a list with a hole in it is worse than a cut one
        }
        if (complete) {
            sink.header(n, no, nl, v, vo, vl, sensitive);
        }
    }

    private int dynamicIndex(int index) throws H2Exception {
        int d = index - Hpack.STATIC_TABLE_LENGTH;
        if (d > table.count()) {
            throw error("header index " + index + " beyond the tables (" + table.count() + " dynamic entries)");
        }
        return d;
    }

    /**
     * Reads an integer with an N-bit prefix (RFC 7541 section 5.1). Values above 2^31-1 are
     * rejected, and so is a representation with more than 5 continuation bytes (padding with
     * 0x80 bytes would otherwise be unbounded work).
     */
    private int readInt(int prefixBits) throws H2Exception {
        int mask = (1 << prefixBits) - 1;
        int value = in.get(pos++) & mask;
        if (value < mask) {
            return value;
        }
        long v = value;
        for (int shift = 0; ; shift += 7) {
            if (pos >= end) {
                throw error("truncated integer");
            }
            if (shift > 28) {
                throw error("integer representation too long");
            }
            int b = in.get(pos++) & 0xff;
            v += (long) (b & 0x7f) << shift;
            if (v > Integer.MAX_VALUE) {
                throw error("integer overflow");
            }
            if ((b & 0x80) == 0) {
                return (int) v;
            }
        }
    }

    /** Reads a string literal (RFC 7541 section 5.2) into the arena; sets strOff/strLen. */
    private void readString() throws H2Exception {
        if (pos >= end) {
            throw error("truncated header field: string literal missing");
        }
        boolean huffman = (in.get(pos) & 0x80) != 0;
        int len = readInt(7);
        if (len > end - pos) {
            throw error("string literal of " + len + " bytes overruns the block (" + (end - pos) + " left)");
        }
        strOff = arenaLen;
        if (huffman) {
            strLen = Huffman.decode(in, pos, len, arena, arenaLen);
        } else {
            in.get(pos, arena, arenaLen, len);
            strLen = len;
        }
        arenaLen += strLen;
        pos += len;
    }

    /**
     * Makes the arena large enough for every string of the block, so it never moves while the
     * sink may hold ranges of it: decoded strings total at most 8/5 of the block size.
     */
    private void prepareArena(int blockLen) {
        int needed = Huffman.maxDecodedLength(blockLen) + 8;
        arena = ARENA.get();
        if (arena.length < needed) {
            arena = new byte[needed];
        }
        arenaLen = 0;
    }

    private static H2Exception error(String message) {
        return H2Exception.connection(H2Error.COMPRESSION_ERROR, "HPACK: " + message);
    }
}
