package dev.epoxy.h2;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** HPACK constants and the static table (RFC 7541 Appendix A). */
public final class Hpack {
    private Hpack() {
    }

    /** Number of static table entries; dynamic entries are indexed from 62. */
    public static final int STATIC_TABLE_LENGTH = 61;

    /** Per-entry overhead in the table size accounting (RFC 7541 section 4.1). */
    public static final int ENTRY_OVERHEAD = 32;

    private static final String[][] STATIC = {
        {":authority", ""},
        {":method", "GET"},
        {":method", "POST"},
        {":path", "/"},
        {":path", "/index.html"},
        {":scheme", "http"},
        {":scheme", "https"},
        {":status", "200"},
        {":status", "204"},
        {":status", "206"},
        {":status", "304"},
        {":status", "400"},
        {":status", "404"},
        {":status", "500"},
        {"accept-charset", ""},
        {"accept-encoding", "gzip, deflate"},
        {"accept-language", ""},
        {"accept-ranges", ""},
        {"accept", ""},
        {"access-control-allow-origin", ""},
        {"age", ""},
        {"allow", ""},
        {"authorization", ""},
        {"cache-control", ""},
        {"content-disposition", ""},
        {"content-encoding", ""},
        {"content-language", ""},
        {"content-length", ""},
        {"content-location", ""},
        {"content-range", ""},
        {"content-type", ""},
        {"cookie", ""},
        {"date", ""},
        {"etag", ""},
        {"expect", ""},
        {"expires", ""},
        {"from", ""},
        {"host", ""},
        {"if-match", ""},
        {"if-modified-since", ""},
        {"if-none-match", ""},
        {"if-range", ""},
        {"if-unmodified-since", ""},
        {"last-modified", ""},
        {"link", ""},
        {"location", ""},
        {"max-forwards", ""},
        {"proxy-authenticate", ""},
        {"proxy-authorization", ""},
        {"range", ""},
        {"referer", ""},
        {"refresh", ""},
        {"retry-after", ""},
        {"server", ""},
        {"set-cookie", ""},
        {"strict-transport-security", ""},
        {"transfer-encoding", ""},
        {"user-agent", ""},
        {"vary", ""},
        {"via", ""},
        {"www-authenticate", ""},
    };

    // Index 1..61; slot 0 unused so indexes read as in the RFC.
    static final byte[][] STATIC_NAMES = new byte[STATIC_TABLE_LENGTH + 1][];
    static final byte[][] STATIC_VALUES = new byte[STATIC_TABLE_LENGTH + 1][];

    // Open-addressing hash of distinct static names -> lowest index with that name. Entries that
    // share a name are adjacent in the table, so the encoder scans forward from there for a value.
    private static final int NAME_SLOTS = 128;
    private static final byte[] NAME_INDEX = new byte[NAME_SLOTS];

    static {
        for (int i = 1; i <= STATIC_TABLE_LENGTH; i++) {
            STATIC_NAMES[i] = STATIC[i - 1][0].getBytes(StandardCharsets.US_ASCII);
            STATIC_VALUES[i] = STATIC[i - 1][1].getBytes(StandardCharsets.US_ASCII);
            if (i > 1 && STATIC[i - 1][0].equals(STATIC[i - 2][0])) {
                continue; // same name as the previous entry, already hashed
            }
            int slot = hash(STATIC_NAMES[i], 0, STATIC_NAMES[i].length);
            while (NAME_INDEX[slot] != 0) {
                slot = (slot + 1) & (NAME_SLOTS - 1);
            }
            NAME_INDEX[slot] = (byte) i;
        }
    }

    private static int hash(byte[] b, int off, int len) {
        int h = len;
        for (int i = off, end = off + len; i < end; i++) {
            h = h * 31 + b[i];
        }
        return (h ^ (h >>> 7)) & (NAME_SLOTS - 1);
    }

    /** Name of static entry {@code index} (1..61). */
    public static String staticName(int index) {
        return STATIC[index - 1][0];
    }

    /** Value of static entry {@code index} (1..61), "" for name-only entries. */
    public static String staticValue(int index) {
        return STATIC[index - 1][1];
    }

    /** Lowest static index whose name is {@code name[off, off+len)}, or 0 if none. */
    static int staticNameIndex(byte[] name, int off, int len) {
        int slot = hash(name, off, len);
        for (int idx; (idx = NAME_INDEX[slot]) != 0; slot = (slot + 1) & (NAME_SLOTS - 1)) {
            if (equal(STATIC_NAMES[idx], name, off, len)) {
                return idx;
            }
        }
        return 0;
    }

    /**
     * Static index of the exact pair, searching from {@code nameIndex} (as returned by
     * {@link #staticNameIndex}), or 0 if only the name matches.
     */
    static int staticPairIndex(int nameIndex, byte[] value, int off, int len) {
        byte[] name = STATIC_NAMES[nameIndex];
        for (int i = nameIndex; i <= STATIC_TABLE_LENGTH && Arrays.equals(STATIC_NAMES[i], name); i++) {
            if (equal(STATIC_VALUES[i], value, off, len)) {
                return i;
            }
        }
        return 0;
    }

    static boolean equal(byte[] a, byte[] b, int off, int len) {
        return a.length == len && Arrays.equals(a, 0, len, b, off, off + len);
    }
}
