package dev.epoxy.h2;

import dev.epoxy.http.BodyKind;
import dev.epoxy.http.ConnectionPolicy;
import dev.epoxy.http.HttpChars;
import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpMethod;
import java.nio.charset.StandardCharsets;

/**
 * Translation between HTTP/2 header lists and the proxy's {@link HttpHead}, with the checks of
 * RFC 9113 section 8.2 and 8.3: a message failing them is malformed, which the caller answers
 * with a stream error of type PROTOCOL_ERROR. Methods return null when the list is acceptable,
 * else a short reason.
 *
 * <p>Requests become HTTP/1-shaped heads (version 20): {@code :authority} becomes Host (it wins
 * over a Host field), cookie fields are joined with "; " (RFC 9113 section 8.2.3), and the body
 * is LENGTH with a content-length, NONE when HEADERS ended the stream, else CHUNKED (unknown
 * length: an HTTP/1 server gets it chunked).
 */
final class H2Headers {
    private H2Headers() {
    }

    /**
     * Reasons {@link #toRequest} returns for a request that is well-formed HTTP/2 but not a valid
     * HTTP request: answered 400, as HAProxy 2.6 does (its h2 mux refuses them while building
     * the request line), rather than with a stream error.
     */
    static final String BAD_SCHEME = "invalid :scheme", BAD_METHOD = "invalid :method";

    /** Whether {@code err} from {@link #toRequest} is answered 400 rather than RST_STREAM. */
    static boolean isBadRequest(String err) {
        return err == BAD_SCHEME || err == BAD_METHOD;
    }

    /** RFC 3986 section 3.1: {@code ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )}. */
    static boolean validScheme(String s) {
        if (s.isEmpty())
            return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alpha = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
            if (!alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')))
                return false;
        }
        return true;
    }

    /** RFC 9110 section 9.1: a method is a token. */
    static boolean validMethod(String m) {
        return HttpChars.isToken(m);
    }

    private static final String[] CONNECTION_SPECIFIC = {"connection", "keep-alive", "proxy-connection",
        "transfer-encoding", "upgrade"};

    /** The decimal bytes of every status code, built once (no allocation per response, safely published). */
    private static final byte[][] STATUS_BYTES = new byte[1000][];

    static {
        for (int i = 100; i < 1000; i++)
            STATUS_BYTES[i] = Integer.toString(i).getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] status(int code) {
        return STATUS_BYTES[code];
    }

    private static boolean is(HeaderList f, int i, String name) {
        return f.nameEquals(i, name);
    }

    static final String PSEUDO_AFTER_REGULAR = "pseudo-header after a regular header";

    /** A pseudo-header field: its name starts with ':' (RFC 9113 section 8.3). */
    static boolean isPseudo(HeaderList f, int i) {
        return f.nameLength(i) > 0 && f.array()[f.nameOffset(i)] == ':';
    }

    /**
     * How many pseudo-header fields the list starts with, the index of its first regular field;
     * -1 when a pseudo-header comes after a regular field, which makes the message malformed
     * (RFC 9113 section 8.3: pseudo-headers precede regular fields). Only the pseudo-headers
     * before that index are left for the caller to check.
     */
    static int pseudoHeaders(HeaderList f) {
        int n = f.size();
        int firstRegular = 0;
        while (firstRegular < n && isPseudo(f, firstRegular))
            firstRegular++;
        for (int i = firstRegular + 1; i < n; i++) {
            if (isPseudo(f, i))
                return -1;
        }
        return firstRegular;
    }

    /** Checks a regular field: lowercase token name, value without NUL/CR/LF/CTL nor outer white space. */
    private static String checkField(HeaderList f, int i) {
        byte[] a = f.array();
        int nOff = f.nameOffset(i), nLen = f.nameLength(i);
        if (nLen == 0)
            return "empty header name";
        for (int k = 0; k < nLen; k++) {
            int b = a[nOff + k] & 0xff;
            if (!HttpChars.isTchar(b) || (b >= 'A' && b <= 'Z'))
                return "invalid or uppercase header name " + f.name(i);
        }
        int vOff = f.valueOffset(i), vLen = f.valueLength(i);
        for (int k = 0; k < vLen; k++) {
            if (!HttpChars.isFieldValueChar(a[vOff + k]))
                return "forbidden character in value of " + f.name(i);
        }
        if (vLen > 0 && (HttpChars.isOws(a[vOff]) || HttpChars.isOws(a[vOff + vLen - 1])))
            return "leading or trailing white space in value of " + f.name(i);
        for (String c : CONNECTION_SPECIFIC) {
            if (is(f, i, c))
                return "connection-specific header " + c;
        }
        if (is(f, i, "te") && !f.value(i).equals("trailers"))
            return "te other than trailers";
        return null;
    }

    /** Parses a content-length value; -2 when invalid. */
    private static long parseLength(HeaderList f, int i) {
        byte[] a = f.array();
        int off = f.valueOffset(i), len = f.valueLength(i);
        if (len == 0 || len > 18)
            return -2;
        long v = 0;
        for (int k = 0; k < len; k++) {
            int b = a[off + k];
            if (b < '0' || b > '9')
                return -2;
            v = v * 10 + (b - '0');
        }
        return v;
    }

    /**
     * The content-length of the fields from {@code from} on: -1 without one, -2 when one is not a
     * decimal number or two differ (identical ones are one, RFC 9110 section 8.6).
     */
    static long contentLength(HeaderList f, int from) {
        long length = -1;
        for (int i = from; i < f.size(); i++) {
            if (!is(f, i, "content-length"))
                continue;
            long v = parseLength(f, i);
            if (v < 0 || length >= 0 && v != length)
                return -2;
            length = v;
        }
        return length;
    }

    /** Fills {@code h} with the request in {@code f}. */
    static String toRequest(HeaderList f, HttpHead h, boolean endStream) {
        h.clear();
        String method = null, scheme = null, authority = null, path = null;
        int n = f.size();
        int firstRegular = pseudoHeaders(f);
        if (firstRegular < 0)
            return PSEUDO_AFTER_REGULAR;
        for (int i = 0; i < firstRegular; i++) {
            String v = f.value(i);
            if (is(f, i, ":method")) {
                if (method != null)
                    return "duplicate :method";
                method = v;
            } else if (is(f, i, ":scheme")) {
                if (scheme != null)
                    return "duplicate :scheme";
                scheme = v;
            } else if (is(f, i, ":authority")) {
                if (authority != null)
                    return "duplicate :authority";
                authority = v;
            } else if (is(f, i, ":path")) {
                if (path != null)
                    return "duplicate :path";
                path = v;
            } else {
                return "unknown or response pseudo-header " + f.name(i);
            }
        }
        if (method == null)
            return "missing :method";
        if (method.equals("CONNECT"))
            return "CONNECT is not supported over HTTP/2";
        if (scheme == null || path == null || scheme.isEmpty())
            return "missing :scheme or :path";
        if (!validMethod(method))
            return BAD_METHOD;
        if (!validScheme(scheme))
            return BAD_SCHEME;
        if (path.isEmpty())
            return "empty :path";
        if (path.charAt(0) != '/' && !(path.equals("*") && method.equals("OPTIONS")))
            return "invalid :path";
        if (authority != null) {
            for (int k = 0; k < authority.length(); k++) {
                char c = authority.charAt(k);
                if (c <= ' ' || c >= 0x7f || c == '@')
                    return "invalid :authority";
            }
        }
        try {
            h.setRequestLine(method, path, 20);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        long length = contentLength(f, firstRegular);
        if (length == -2)
            return "invalid content-length";
        StringBuilder cookie = null;
        byte[] a = f.array();
        boolean host = false, lengthKept = false;
        for (int i = firstRegular; i < n; i++) {
            String err = checkField(f, i);
            if (err != null)
                return err;
            if (is(f, i, "content-length")) {
                if (lengthKept)
                    continue; // identical duplicate: keep one
                lengthKept = true;
            } else if (is(f, i, "host")) {
                if (authority != null)
                    continue; // :authority wins (RFC 9113 section 8.3.1)
                if (host)
                    return "duplicate host";
                host = true;
            } else if (is(f, i, "cookie")) {
                if (cookie == null)
                    cookie = new StringBuilder(f.valueLength(i) + 32);
                else
                    cookie.append("; ");
                cookie.append(new String(a, f.valueOffset(i), f.valueLength(i), StandardCharsets.ISO_8859_1));
                continue;
            }
            h.addHeader(a, f.nameOffset(i), f.nameLength(i), f.valueOffset(i), f.valueLength(i));
        }
        if (authority != null && !authority.isEmpty())
            h.add("host", authority);
        h.freezeTe();
        if (cookie != null)
            h.add("cookie", cookie.toString());
        if (length >= 0) {
            if (endStream && length > 0)
                return "content-length " + length + " but the stream ended with HEADERS";
            h.setBody(BodyKind.LENGTH, length);
        } else {
            h.setBody(endStream ? BodyKind.NONE : BodyKind.CHUNKED, -1);
        }
        return null;
    }

    /**
     * The target HAProxy logs for a request that {@link #toRequest} accepted: the absolute form
     * {@code scheme://authority/path} when it has an {@code :authority} (without the scheme's
     * default port, and without the path for {@code *}), else null (the path as it is).
     */
    static String absoluteUri(HeaderList f) {
        String scheme = null, authority = null, path = null;
        for (int i = 0; i < f.size() && isPseudo(f, i); i++) {
            if (is(f, i, ":scheme"))
                scheme = f.value(i);
            else if (is(f, i, ":authority"))
                authority = f.value(i);
            else if (is(f, i, ":path"))
                path = f.value(i);
        }
        if (authority == null)
            return null;
        String defaultPort = scheme.equalsIgnoreCase("http") ? ":80" : scheme.equalsIgnoreCase("https") ? ":443" : null;
        if (defaultPort != null && authority.endsWith(defaultPort))
            authority = authority.substring(0, authority.length() - defaultPort.length());
        return scheme + "://" + authority + (path.equals("*") ? "" : path);
    }

    /** Fills {@code h} with the response in {@code f}; status 1xx gives an interim head. */
    static String toResponse(HeaderList f, HttpHead h) {
        h.clear();
        int status = -1;
        int n = f.size();
        int firstRegular = pseudoHeaders(f);
        if (firstRegular < 0)
            return PSEUDO_AFTER_REGULAR;
        for (int i = 0; i < firstRegular; i++) {
            if (!is(f, i, ":status") || status >= 0)
                return "unexpected pseudo-header " + f.name(i);
            String v = f.value(i);
            if (v.length() != 3)
                return "invalid :status";
            try {
                status = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                return "invalid :status";
            }
            if (status < 100)
                return "invalid :status";
        }
        if (status < 0)
            return "missing :status";
        if (status == 101)
            return "101 is not allowed in HTTP/2";
        h.setStatusLine(status, null, 20);
        long length = contentLength(f, firstRegular);
        if (length == -2)
            return "invalid content-length";
        byte[] a = f.array();
        boolean lengthKept = false;
        for (int i = firstRegular; i < n; i++) {
            String err = checkField(f, i);
            if (err != null)
                return err;
            if (is(f, i, "content-length")) {
                if (lengthKept)
                    continue; // identical duplicate: keep one
                lengthKept = true;
            }
            h.addHeader(a, f.nameOffset(i), f.nameLength(i), f.valueOffset(i), f.valueLength(i));
        }
        h.setBody(length >= 0 ? BodyKind.LENGTH : BodyKind.CHUNKED, length);
        return null;
    }

    /** Whether trailers (or any list that must not carry pseudo-headers) are acceptable. */
    static String checkTrailers(HeaderList f) {
        for (int i = 0; i < f.size(); i++) {
            if (isPseudo(f, i))
                return "pseudo-header in trailers";
            String err = checkField(f, i);
            if (err != null)
                return err;
        }
        return null;
    }

    /**
     * Appends the regular fields of an HTTP/1-shaped head to {@code f}: hop-by-hop
     * fields removed (Connection and what it names, Keep-Alive, Proxy-Connection, TE, Upgrade),
     * Transfer-Encoding and Host dropped, names lowercased, content-length kept only for a
     * LENGTH body.
     */
    static void appendRegular(HeaderList f, HttpHead h, boolean request) {
        ConnectionPolicy.stripHopByHop(h);
        byte[] a = h.arena();
        for (int i = 0; i < h.size(); i++) {
            if (h.nameIs(i, "transfer-encoding") || request && h.nameIs(i, "host"))
                continue;
            if (h.nameIs(i, "content-length") && h.bodyKind() != BodyKind.LENGTH)
                continue;
            f.headerLowercaseName(a, h.nameOffset(i), h.nameLength(i), h.valueOffset(i), h.valueLength(i));
        }
    }

    /** Fills {@code f} with a request for an HTTP/2 server. */
    static void fromRequest(HeaderList f, HttpHead h) {
        f.clear();
        if (h.method() == HttpMethod.CONNECT)
            throw new IllegalArgumentException("CONNECT cannot be forwarded to an HTTP/2 server");
        f.add(":method", h.methodName());
        f.add(":scheme", "http");
        String authority = h.authority();
        if (authority != null && !authority.isEmpty())
            f.add(":authority", authority);
        String target = h.target();
        f.add(":path", target.equals("*") ? "*" : h.pathAndQuery());
        appendRegular(f, h, true);
    }

    /** Fills {@code f} with a response for an HTTP/2 client. */
    static void fromResponse(HeaderList f, HttpHead h) {
        f.clear();
        byte[] s = status(h.status());
        f.header(STATUS, 0, STATUS.length, s, 0, s.length, false);
        appendRegular(f, h, false);
    }

    private static final byte[] STATUS = ":status".getBytes(StandardCharsets.ISO_8859_1);
}
