package dev.epoxy.h2;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An HPACK dynamic table (RFC 7541 section 2.3.2 and 4): a FIFO of name/value entries, newest
 * first, bounded by a size in octets where each entry counts name + value + 32.
 *
 * <p>Each entry is one immutable byte array (name bytes then value bytes). Entries are never
 * overwritten in place, so a reference handed out stays valid after the entry is evicted; that is
 * what lets the decoder pass table entries to its sink without copying.
 */
final class HpackTable {
    private byte[][] entries = new byte[4][];  // ring, capacity a power of two (grows)
    private int[] nameLengths = new int[4];
    private int oldest;  // ring slot of the oldest entry
    private int count;
    private int size;    // sum of entry sizes, RFC accounting
    private int maxSize;

    HpackTable(int maxSize) {
        this.maxSize = maxSize;
    }

    int count() {
        return count;
    }

    int size() {
        return size;
    }

    int maxSize() {
        return maxSize;
    }

    /** Changes the maximum size, evicting oldest entries until the table fits. */
    void setMaxSize(int newMax) {
        maxSize = newMax;
        evictUntil(newMax);
    }

    static int entrySize(int nameLen, int valueLen) {
        return nameLen + valueLen + Hpack.ENTRY_OVERHEAD;
    }

    /**
     * Inserts an entry as the newest. The bytes are copied before anything is evicted, so the name
     * may come from an entry that this insertion evicts (RFC 7541 section 4.4). An entry larger
     * than the maximum size empties the table and is not added.
     */
    void add(byte[] name, int nameOff, int nameLen, byte[] value, int valueOff, int valueLen) {
        int needed = entrySize(nameLen, valueLen);
        if (needed > maxSize) {
            evictUntil(0);
            return;
        }
        byte[] entry = new byte[nameLen + valueLen];
        System.arraycopy(name, nameOff, entry, 0, nameLen);
        System.arraycopy(value, valueOff, entry, nameLen, valueLen);
        evictUntil(maxSize - needed);
        if (count == entries.length) {
            grow();
        }
        int slot = (oldest + count) & (entries.length - 1);
        entries[slot] = entry;
        nameLengths[slot] = nameLen;
        count++;
        size += needed;
    }

    private void evictUntil(int target) {
        while (size > target) {
            int slot = oldest;
            size -= entries[slot].length + Hpack.ENTRY_OVERHEAD;
            entries[slot] = null;
            oldest = (oldest + 1) & (entries.length - 1);
            count--;
        }
    }

    private void grow() {
        int n = entries.length;
        byte[][] e = new byte[n * 2][];
        int[] l = new int[n * 2];
        for (int i = 0; i < count; i++) {
            int from = (oldest + i) & (n - 1);
            e[i] = entries[from];
            l[i] = nameLengths[from];
        }
        entries = e;
        nameLengths = l;
        oldest = 0;
    }

    private int slot(int d) {
        if (d < 1 || d > count) {
            throw new IndexOutOfBoundsException("dynamic index " + d + " of " + count);
        }
        return (oldest + count - d) & (entries.length - 1);
    }

    /** Bytes of entry {@code d} (1 = newest): name at [0, nameLength), value after it. */
    byte[] entry(int d) {
        return entries[slot(d)];
    }

    int nameLength(int d) {
        return nameLengths[slot(d)];
    }

    int valueLength(int d) {
        int s = slot(d);
        return entries[s].length - nameLengths[s];
    }

    String name(int d) {
        return new String(entry(d), 0, nameLength(d), StandardCharsets.ISO_8859_1);
    }

    String value(int d) {
        return new String(entry(d), nameLength(d), valueLength(d), StandardCharsets.ISO_8859_1);
    }

    /**
     * Finds {@code name}/{@code value}, newest first: the dynamic index (1-based) of an exact
     * match, else minus the index of the newest entry with that name, else 0.
     */
    int find(byte[] name, int nameOff, int nameLen, byte[] value, int valueOff, int valueLen) {
        int nameOnly = 0;
        for (int d = 1; d <= count; d++) {
            int s = (oldest + count - d) & (entries.length - 1);
            byte[] e = entries[s];
            if (nameLengths[s] != nameLen || !Arrays.equals(e, 0, nameLen, name, nameOff, nameOff + nameLen)) {
                continue;
            }
            if (e.length - nameLen == valueLen && Arrays.equals(e, nameLen, e.length, value, valueOff, valueOff + valueLen)) {
                return d;
            }
            if (nameOnly == 0) {
                nameOnly = -d;
            }
        }
        return nameOnly;
    }
}
