package dev.epoxy.h2;

import java.nio.ByteBuffer;

/** Test helper: hex dumps as written in the RFCs ("8286 8441 ..."). */
final class Hex {
    private Hex() {
    }

    static byte[] bytes(String hex) {
        String s = hex.replaceAll("\\s+", "");
        if (s.length() % 2 != 0) {
            throw new IllegalArgumentException("odd hex length: " + hex);
        }
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static ByteBuffer buffer(String hex) {
        return ByteBuffer.wrap(bytes(hex));
    }

    static String of(ByteBuffer b) {
        StringBuilder sb = new StringBuilder();
        for (int i = b.position(); i < b.limit(); i++) {
            sb.append(String.format("%02x", b.get(i) & 0xff));
        }
        return sb.toString();
    }

    static String of(byte[] b) {
        return of(ByteBuffer.wrap(b));
    }
}
