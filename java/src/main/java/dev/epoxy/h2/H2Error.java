package dev.epoxy.h2;

/** HTTP/2 error codes (RFC 9113 section 7), as carried by RST_STREAM and GOAWAY. */
public enum H2Error {
    NO_ERROR(0x0),
    PROTOCOL_ERROR(0x1),
    INTERNAL_ERROR(0x2),
    FLOW_CONTROL_ERROR(0x3),
    SETTINGS_TIMEOUT(0x4),
    STREAM_CLOSED(0x5),
    FRAME_SIZE_ERROR(0x6),
    REFUSED_STREAM(0x7),
    CANCEL(0x8),
    COMPRESSION_ERROR(0x9),
    CONNECT_ERROR(0xa),
    ENHANCE_YOUR_CALM(0xb),
    INADEQUATE_SECURITY(0xc),
    HTTP_1_1_REQUIRED(0xd);

    private static final H2Error[] BY_CODE = values();

    private final int code;

    H2Error(int code) {
        this.code = code;
    }

    /** The 32-bit code on the wire. */
    public int code() {
        return code;
    }

    /**
     * The error for a code received from the peer, or null when the code is not one of ours.
     * RFC 9113 section 7: unknown codes must not trigger special behaviour; callers may treat
     * null as INTERNAL_ERROR.
     */
    public static H2Error forCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }
}
