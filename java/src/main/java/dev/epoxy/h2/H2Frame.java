package dev.epoxy.h2;

import java.nio.charset.StandardCharsets;

/** HTTP/2 frame constants (RFC 9113 sections 4 and 6). */
public final class H2Frame {
    private H2Frame() {
    }

    /** Size of the fixed frame header: 24-bit length, type, flags, 31-bit stream id. */
    public static final int HEADER_LENGTH = 9;

    public static final int TYPE_DATA = 0x0;
    public static final int TYPE_HEADERS = 0x1;
    public static final int TYPE_PRIORITY = 0x2;
    public static final int TYPE_RST_STREAM = 0x3;
    public static final int TYPE_SETTINGS = 0x4;
    public static final int TYPE_PUSH_PROMISE = 0x5;
    public static final int TYPE_PING = 0x6;
    public static final int TYPE_GOAWAY = 0x7;
    public static final int TYPE_WINDOW_UPDATE = 0x8;
    public static final int TYPE_CONTINUATION = 0x9;

    public static final int FLAG_END_STREAM = 0x1;   // DATA, HEADERS
    public static final int FLAG_ACK = 0x1;          // SETTINGS, PING
    public static final int FLAG_END_HEADERS = 0x4;  // HEADERS, PUSH_PROMISE, CONTINUATION
    public static final int FLAG_PADDED = 0x8;       // DATA, HEADERS, PUSH_PROMISE
    public static final int FLAG_PRIORITY = 0x20;    // HEADERS

    /** Initial and minimum SETTINGS_MAX_FRAME_SIZE. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16_384;
    /** Largest legal SETTINGS_MAX_FRAME_SIZE (2^24-1). */
    public static final int MAX_MAX_FRAME_SIZE = (1 << 24) - 1;
    /** Initial flow-control window of the connection and of new streams. */
    public static final int DEFAULT_INITIAL_WINDOW_SIZE = 65_535;
    /** Largest flow-control window (2^31-1). */
    public static final int MAX_WINDOW_SIZE = Integer.MAX_VALUE;
    /** Default SETTINGS_HEADER_TABLE_SIZE. */
    public static final int DEFAULT_HEADER_TABLE_SIZE = 4096;

    /** The client connection preface, sent before the client's first SETTINGS frame. */
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    public static final int PREFACE_LENGTH = PREFACE.length;

    /** A copy of the 24-byte client connection preface. */
    public static byte[] preface() {
        return PREFACE.clone();
    }

    static byte prefaceByte(int i) {
        return PREFACE[i];
    }

    /** Name of a frame type for logs; unknown types as "UNKNOWN(0x..)". */
    public static String typeName(int type) {
        switch (type) {
            case TYPE_DATA: return "DATA";
            case TYPE_HEADERS: return "HEADERS";
            case TYPE_PRIORITY: return "PRIORITY";
            case TYPE_RST_STREAM: return "RST_STREAM";
            case TYPE_SETTINGS: return "SETTINGS";
            case TYPE_PUSH_PROMISE: return "PUSH_PROMISE";
            case TYPE_PING: return "PING";
            case TYPE_GOAWAY: return "GOAWAY";
            case TYPE_WINDOW_UPDATE: return "WINDOW_UPDATE";
            case TYPE_CONTINUATION: return "CONTINUATION";
            default: return "UNKNOWN(0x" + Integer.toHexString(type) + ")";
        }
    }
}
