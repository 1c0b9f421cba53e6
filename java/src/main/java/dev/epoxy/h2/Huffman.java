package dev.epoxy.h2;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * The static Huffman code of HPACK (RFC 7541 section 5.2 and Appendix B).
 *
 * <p>The code is canonical: codes of equal length are consecutive and ordered by symbol, and each
 * length starts right after the last code of the previous length, shifted. So the table below only
 * lists the code length of each symbol (transcribed from Appendix B); the codes themselves are
 * derived at class load. Decoding walks a 4-bits-at-a-time state machine derived from the same
 * tree: one state per internal tree node, 16 transitions each.
 */
public final class Huffman {
    private Huffman() {
    }

    /** Symbol 256: end of string. Never valid inside the data; its prefix is the padding. */
    static final int EOS = 256;

    /** Code length in bits of each symbol 0..255 and EOS (RFC 7541 Appendix B). */
    private static final byte[] LENGTHS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,  // 0x00
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,  // 0x10
         6, 10, 10, 12, 13,  6,  8, 11, 10, 10,  8, 11,  8,  6,  6,  6,  // 0x20
         5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8, 15,  6, 12, 10,  // 0x30
        13,  6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  // 0x40
         7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8, 13, 19, 13, 14,  6,  // 0x50
        15,  5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5,  // 0x60
         6,  7,  6,  5,  5,  6,  7,  7,  7,  7,  7, 15, 11, 14, 13, 28,  // 0x70
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,  // 0x80
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,  // 0x90
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,  // 0xa0
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,  // 0xb0
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,  // 0xc0
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,  // 0xd0
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,  // 0xe0
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,  // 0xf0
        30,                                                              // EOS
    };

    /** Code of each symbol, right-aligned in an int (longest code is 30 bits). */
    private static final int[] CODES = new int[257];

    // Decoder state machine. State = internal tree node (0 = root, nothing pending).
    // For state s and nibble n, at index s*16+n:
    private static final short[] NEXT = new short[256 * 16];  // state after the 4 bits
    private static final short[] EMIT = new short[256 * 16];  // symbol completed on the way, or -1
    private static final boolean[] BAD = new boolean[256 * 16]; // the 4 bits run into EOS
    // Whether decoding may stop in this state: the pending bits are a valid padding, i.e. a
    // prefix of EOS (all ones) of at most 7 bits.
    private static final boolean[] ACCEPTS = new boolean[256];

    static {
        assignCanonicalCodes();
        buildDecoder();
    }

    private static void assignCanonicalCodes() {
        int code = 0;
        int symbolsDone = 0;
        for (int len = 1; len <= 30; len++) {
            for (int sym = 0; sym <= EOS; sym++) {
                if (LENGTHS[sym] == len) {
                    CODES[sym] = code++;
                    symbolsDone++;
                }
            }
            code <<= 1;
        }
        // A complete prefix code ends exactly on 2^30 at the last length.
        if (symbolsDone != 257 || code != 1 << 31) {
            throw new IllegalStateException("Huffman code lengths do not form a complete code");
        }
    }

    private static void buildDecoder() {
        // Binary tree: child[node*2+bit] is an internal node id (>0), or a leaf as ~symbol (<0).
        int[] child = new int[256 * 2];
        int[] depth = new int[256];
        boolean[] allOnes = new boolean[256];
        allOnes[0] = true;
        int nodes = 1;
        for (int sym = 0; sym <= EOS; sym++) {
            int len = LENGTHS[sym];
            int node = 0;
            for (int i = len - 1; i > 0; i--) {
                int bit = (CODES[sym] >>> i) & 1;
                int next = child[node * 2 + bit];
                if (next == 0) {
                    next = nodes++;
                    child[node * 2 + bit] = next;
                    depth[next] = depth[node] + 1;
                    allOnes[next] = allOnes[node] && bit == 1;
                }
                node = next;
            }
            child[node * 2 + (CODES[sym] & 1)] = ~sym;
        }
        if (nodes != 256) {
            throw new IllegalStateException("Huffman tree has " + nodes + " internal nodes, expected 256");
        }
        for (int state = 0; state < 256; state++) {
            ACCEPTS[state] = allOnes[state] && depth[state] <= 7;
            for (int nibble = 0; nibble < 16; nibble++) {
                int node = state;
                int emit = -1;
                boolean bad = false;
                for (int i = 3; i >= 0; i--) {
                    int next = child[node * 2 + ((nibble >>> i) & 1)];
                    if (next < 0) {
                        int sym = ~next;
                        if (sym == EOS) {
                            bad = true;
                            break;
                        }
                        // Codes are at least 5 bits long, so one nibble completes at most one.
                        emit = sym;
                        node = 0;
                    } else {
                        node = next;
                    }
                }
                int at = state * 16 + nibble;
                NEXT[at] = (short) node;
                EMIT[at] = (short) emit;
                BAD[at] = bad;
            }
        }
    }

    /** Code of a symbol (0..256), right-aligned; for tests and diagnostics. */
    static int code(int symbol) {
        return CODES[symbol];
    }

    /** Code length in bits of a symbol (0..256). */
    static int codeLength(int symbol) {
        return LENGTHS[symbol];
    }

    /** Bytes needed to Huffman-encode {@code src[off, off+len)}. */
    public static int encodedLength(byte[] src, int off, int len) {
        long bits = 0;
        for (int i = off, end = off + len; i < end; i++) {
            bits += LENGTHS[src[i] & 0xff];
        }
        return (int) ((bits + 7) >>> 3);
    }

    /**
     * Huffman-encodes {@code src[off, off+len)} at the position of {@code dst}, padding the last
     * byte with the most significant bits of EOS (ones).
     *
     * @return bytes written (equal to {@link #encodedLength})
     * @throws BufferOverflowException if {@code dst} lacks room (nothing written)
     */
    public static int encode(byte[] src, int off, int len, ByteBuffer dst) {
        int outLen = encodedLength(src, off, len);
        if (dst.remaining() < outLen) {
            throw new BufferOverflowException();
        }
        long acc = 0;  // pending bits, right-aligned
        int pending = 0;
        for (int i = off, end = off + len; i < end; i++) {
            int sym = src[i] & 0xff;
            acc = (acc << LENGTHS[sym]) | CODES[sym];
            pending += LENGTHS[sym];
            while (pending >= 8) {
                pending -= 8;
                dst.put((byte) (acc >>> pending));
            }
        }
        if (pending > 0) {
            dst.put((byte) ((acc << (8 - pending)) | (0xff >>> pending)));
        }
        return outLen;
    }

    /** Upper bound of the decoded length of {@code encodedLen} bytes (shortest code: 5 bits). */
    public static int maxDecodedLength(int encodedLen) {
        return (int) (((long) encodedLen * 8) / 5);
    }

    /**
     * Decodes {@code len} bytes of {@code src} from absolute index {@code off} (position untouched)
     * into {@code dst} from {@code dstOff}, which needs {@link #maxDecodedLength} bytes of room.
     *
     * @return decoded length
     * @throws H2Exception connection COMPRESSION_ERROR if the data contains EOS, or the padding is
     *         longer than 7 bits or not all ones
     */
    public static int decode(ByteBuffer src, int off, int len, byte[] dst, int dstOff) throws H2Exception {
        int state = 0;
        int out = dstOff;
        for (int i = off, end = off + len; i < end; i++) {
            int b = src.get(i) & 0xff;
            int at = state * 16 + (b >>> 4);
            if (BAD[at]) {
                throw badEos();
            }
            if (EMIT[at] >= 0) {
                dst[out++] = (byte) EMIT[at];
            }
            at = NEXT[at] * 16 + (b & 0x0f);
            if (BAD[at]) {
                throw badEos();
            }
            if (EMIT[at] >= 0) {
                dst[out++] = (byte) EMIT[at];
            }
            state = NEXT[at];
        }
        if (!ACCEPTS[state]) {
            throw H2Exception.connection(H2Error.COMPRESSION_ERROR,
                    "invalid Huffman padding (longer than 7 bits or not a prefix of EOS)");
        }
        return out - dstOff;
    }

    /** Convenience form of {@link #decode(ByteBuffer, int, int, byte[], int)} for arrays. */
    public static byte[] decode(byte[] src) throws H2Exception {
        byte[] out = new byte[maxDecodedLength(src.length)];
        int n = decode(ByteBuffer.wrap(src), 0, src.length, out, 0);
        return java.util.Arrays.copyOf(out, n);
    }

    private static H2Exception badEos() {
        return H2Exception.connection(H2Error.COMPRESSION_ERROR, "EOS symbol inside Huffman-coded string");
    }
}
