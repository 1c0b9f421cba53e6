package dev.epoxy.h2;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A reusable list of header fields stored in one growing byte arena: a {@link HeaderSink} that
 * copies what it receives, and an input for {@link HpackEncoder#encode}. After warm-up,
 * {@link #clear()} and refilling allocate nothing.
 */
public final class HeaderList implements HeaderSink {
    private static final int FIELDS = 5; // nameOff, nameLen, valueOff, valueLen, sensitive

    private byte[] data = new byte[256];
    private int dataLen;
    private int[] meta = new int[16 * FIELDS];
    private int count;

    public HeaderList clear() {
        dataLen = 0;
        count = 0;
        return this;
    }

    public int size() {
        return count;
    }

    @Override
    public void header(byte[] name, int nameOff, int nameLen, byte[] value, int valueOff, int valueLen, boolean sensitive) {
        if ((count + 1) * FIELDS > meta.length) {
            meta = Arrays.copyOf(meta, meta.length * 2);
        }
        if (dataLen + nameLen + valueLen > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, dataLen + nameLen + valueLen));
        }
        int m = count * FIELDS;
        meta[m] = dataLen;
        meta[m + 1] = nameLen;
        System.arraycopy(name, nameOff, data, dataLen, nameLen);
        dataLen += nameLen;
        meta[m + 2] = dataLen;
        meta[m + 3] = valueLen;
        System.arraycopy(value, valueOff, data, dataLen, valueLen);
        dataLen += valueLen;
        meta[m + 4] = sensitive ? 1 : 0;
        count++;
    }

    /** Appends a field from one array, its name lower-cased (HTTP/2 field names are lowercase). */
    public void headerLowercaseName(byte[] a, int nameOff, int nameLen, int valueOff, int valueLen) {
        int at = dataLen;
        header(a, nameOff, nameLen, a, valueOff, valueLen, false);
        for (int i = at; i < at + nameLen; i++) {
            byte b = data[i];
            if (b >= 'A' && b <= 'Z')
                data[i] = (byte) (b + 32);
        }
    }

    /** Appends a field given as text (ISO-8859-1: one char per octet). */
    public HeaderList add(String name, String value) {
        return add(name, value, false);
    }

    public HeaderList add(String name, String value, boolean sensitive) {
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        header(n, 0, n.length, v, 0, v.length, sensitive);
        return this;
    }

    /** The arena holding every name and value; valid until the next change of this list. */
    public byte[] array() {
        return data;
    }

    public int nameOffset(int i) {
        return meta[check(i) * FIELDS];
    }

    public int nameLength(int i) {
        return meta[check(i) * FIELDS + 1];
    }

    public int valueOffset(int i) {
        return meta[check(i) * FIELDS + 2];
    }

    public int valueLength(int i) {
        return meta[check(i) * FIELDS + 3];
    }

    public boolean sensitive(int i) {
        return meta[check(i) * FIELDS + 4] != 0;
    }

    public String name(int i) {
        return new String(data, nameOffset(i), nameLength(i), StandardCharsets.ISO_8859_1);
    }

    public String value(int i) {
        return new String(data, valueOffset(i), valueLength(i), StandardCharsets.ISO_8859_1);
    }

    /** Whether field {@code i} is named {@code name} (exact, byte-wise). */
    public boolean nameEquals(int i, String name) {
        int off = nameOffset(i);
        int len = nameLength(i);
        if (len != name.length()) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            if ((data[off + k] & 0xff) != name.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("header " + i + " of " + count);
        }
        return i;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ", ").append(name(i)).append(": ").append(value(i));
        }
        return sb.append(']').toString();
    }
}
