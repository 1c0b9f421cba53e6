package dev.epoxy.http;

/**
 * Request methods the proxy treats specially, plus OTHER for any other token (its exact spelling
 * stays in {@link HttpHead#method()}). Matching is case-sensitive, as methods are (RFC 9110 §9.1).
 */
public enum HttpMethod {
    GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH, OTHER;

    private final byte[] bytes = name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Identifies a method from its bytes without allocating. */
    public static HttpMethod of(byte[] b, int off, int len) {
        switch (len) {
            case 3:
                if (eq(b, off, GET)) return GET;
                if (eq(b, off, PUT)) return PUT;
                break;
            case 4:
                if (eq(b, off, POST)) return POST;
                if (eq(b, off, HEAD)) return HEAD;
                break;
            case 5:
                if (eq(b, off, TRACE)) return TRACE;
                if (eq(b, off, PATCH)) return PATCH;
                break;
            case 6:
                if (eq(b, off, DELETE)) return DELETE;
                break;
            case 7:
                if (eq(b, off, CONNECT)) return CONNECT;
                if (eq(b, off, OPTIONS)) return OPTIONS;
                break;
            default:
                break;
        }
        return OTHER;
    }

    /** Identifies a method from its name (case-sensitive). */
    /** RFC 9110 §9.2.2: the intended effect of several identical requests is that of one. */
    public boolean idempotent() {
        return this == GET || this == HEAD || this == PUT || this == DELETE || this == OPTIONS || this == TRACE;
    }

    public static HttpMethod of(String s) {
        for (HttpMethod m : values()) {
            if (m != OTHER && m.name().equals(s)) return m;
        }
        return OTHER;
    }

    private static boolean eq(byte[] b, int off, HttpMethod m) {
        byte[] mb = m.bytes;
        for (int i = 0; i < mb.length; i++) {
            if (b[off + i] != mb[i]) return false;
        }
        return true;
    }
}
