package dev.epoxy.h1;

import dev.epoxy.http.BodyFraming;
import dev.epoxy.http.HttpChars;
import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpMethod;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Incremental HTTP/1.x head parser (request line or status line, then header fields, RFC 9112).
 *
 * <p>Usage: call {@link #parseRequest} / {@link #parseResponse} whenever bytes arrive. The buffer
 * (heap or direct) holds the head starting at its position, possibly incomplete. Results:
 * <ul>
 *   <li>{@code > 0}: the head is complete and stored in {@code out}; that many bytes (including any
 *       empty lines skipped before it) were consumed and the buffer position was advanced past
 *       them. The body, or the next pipelined message, starts at the new position.</li>
 *   <li>{@link #NEED_MORE} (0): incomplete; nothing consumed. Read more and call again.</li>
 *   <li>{@code < 0}: the head is invalid; {@code -result} is the HTTP status to answer (400, 414,
 *       431, 505 for requests; always 502 for responses). {@link #errorReason()} says why.
 *       Nothing is consumed; the connection should be closed after the error response.</li>
 * </ul>
 *
 * <p>Between calls that returned NEED_MORE the caller may append bytes and may move the unread
 * bytes within (or to another) buffer, but must not consume any of them: the parser remembers how
 * far it scanned relative to the position so that a head arriving byte by byte is scanned once.
 * Call {@link #reset()} if the stream of bytes is abandoned.
 *
 * <p>The whole head, including leading empty lines, must fit in {@code maxHeadSize} bytes
 * (tune.bufsize); a longer one is refused with 414 (request line not even complete) or 431.
 *
 * <p>Strictness follows HAProxy's defaults: tokens for method and field names; no white space
 * between a field name and the colon; no obs-fold; CR only as part of CRLF (a bare LF ends a line
 * too); no NUL or other control characters in values; request-targets limited to visible ASCII
 * minus {@code " < > \ ^ ` { | } #}; HTTP/1.2 to 1.9 read as 1.1, versions other than 1.x answered 505.
 *
 * <p>A parser instance belongs to one connection (not thread-safe) and allocates nothing per
 * message once {@code out} has grown to its working size.
 */
public final class H1Parser {
    /** Result: the head is incomplete. */
    public static final int NEED_MORE = 0;
    /**
     * HAProxy's default tune.http.maxhdr (101). As in HAProxy 2.6 (checked by experiment), a
     * message may carry fewer header fields than this: at most 100 by default.
     */
    public static final int DEFAULT_MAX_HEADERS = 101;

    // End-of-head detector states.
    private static final int S_LEAD = 0;    // skipping empty lines before the start line
    private static final int S_LEAD_CR = 1; // saw CR while skipping; LF must follow
    private static final int S_TEXT = 2;    // inside a line
    private static final int S_LF = 3;      // just after a LF ending a non-empty line
    private static final int S_LF_CR = 4;   // LF then CR: LF next ends the head

    private final int maxHead;
    private final int maxHeaders;

    // Scan progress across NEED_MORE results, relative to the buffer position.
    private int scanned;
    private int state = S_LEAD;
    private int headStart;
    private int firstLineEnd = -1;
    private boolean pastMethod;

    private int errorStatus;
    private String errorReason;
    private int errorOffset = -1;

    /** @param maxHeadSize largest accepted head in bytes (normally tune.bufsize) */
    public H1Parser(int maxHeadSize) {
        this(maxHeadSize, DEFAULT_MAX_HEADERS);
    }

    /** @param maxHeaders tune.http.maxhdr: a head with this many header fields or more is refused */
    public H1Parser(int maxHeadSize, int maxHeaders) {
        if (maxHeadSize < 16) throw new IllegalArgumentException("maxHeadSize too small: " + maxHeadSize);
        this.maxHead = maxHeadSize;
        this.maxHeaders = maxHeaders;
    }

    /** Forgets any partial scan (the next call starts from scratch). */
    public void reset() {
        scanned = 0;
        state = S_LEAD;
        headStart = 0;
        firstLineEnd = -1;
        pastMethod = false;
    }

    /** Status of the last error (0 if the last call did not fail). */
    public int errorStatus() {
        return errorStatus;
    }

    /** Why the last call failed, or null. Constant strings, no allocation. */
    public String errorReason() {
        return errorReason;
    }

    /** Byte offset (relative to the buffer position) where the last error was detected, or -1. */
    public int errorOffset() {
        return errorOffset;
    }

    /** Parses a request head. See the class comment for the result convention. */
    public int parseRequest(ByteBuffer buf, HttpHead out) {
        return parse(buf, out, true, null);
    }

    /**
     * Parses a response head to a request made with {@code requestMethod} (which decides whether a
     * body may follow: none after HEAD, a tunnel after a 2xx to CONNECT). A 1xx interim response
     * (e.g. 100 Continue) is returned like any other; the final response follows it, so call again
     * while {@code out.status() < 200}, except after 101 where the protocol changes.
     */
    public int parseResponse(ByteBuffer buf, HttpHead out, HttpMethod requestMethod) {
        return parse(buf, out, false, requestMethod);
    }

    private int parse(ByteBuffer buf, HttpHead out, boolean request, HttpMethod reqMethod) {
        errorStatus = 0;
        errorReason = null;
        errorOffset = -1;
        int pos = buf.position();
        int avail = buf.limit() - pos;
        if (scanned > avail) reset(); // the caller discarded bytes: start over
        int end = findEnd(buf, pos, avail, request);
        if (end < 0) {
            reset();
            return end;
        }
        if (end == 0) {
            if (avail >= maxHead) {
                int st = !request ? 502 : firstLineEnd < 0 ? 414 : 431;
                String why = firstLineEnd < 0 ? (request ? "request line too long" : "status line too long")
                        : "header section too large";
                reset();
                return fail(st, why, maxHead);
            }
            return NEED_MORE;
        }
        int start = headStart;
        reset();
        byte[] a = out.loadRaw(buf, pos + start, end - start);
        int r = request ? parseRequestHead(a, end - start, out) : parseResponseHead(a, end - start, out, reqMethod);
        if (r < 0) {
            if (errorOffset >= 0) errorOffset += start;
            return r;
        }
        buf.position(pos + end);
        return end;
    }

    /**
     * Continues scanning for the empty line ending the head. Returns the offset just past it, 0 if
     * not found yet, or a negative status for garbage detected early (so a client speaking another
     * protocol is refused at once instead of after a timeout).
     */
    private int findEnd(ByteBuffer buf, int pos, int avail, boolean request) {
        int limit = Math.min(avail, maxHead);
        int i = scanned;
        int st = state;
        // Inside a line only LF matters once the start-line checks are over, so little-endian
        // buffers (the connections' native-order ones) are skipped 8 bytes per read up to the
        // next LF: per-byte get(int) on a direct buffer was the parser's largest cost.
        boolean words = buf.order() == ByteOrder.LITTLE_ENDIAN;
        while (i < limit) {
            if (words && st == S_TEXT && limit - i >= 8
                    && (firstLineEnd >= 0 || (request ? pastMethod : i - headStart >= 5))) {
                long lf = lfMask(buf.getLong(pos + i));
                if (lf == 0) {
                    i += 8;
                    continue;
                }
                i += Long.numberOfTrailingZeros(lf) >>> 3; // exact for the lowest LF byte
            }
            int b = buf.get(pos + i);
            switch (st) {
                case S_LEAD:
                    if (b == '\n') {
                        headStart = i + 1;
                    } else if (b == '\r') {
                        st = S_LEAD_CR;
                    } else {
                        st = S_TEXT;
                        i--; // re-examine as the first byte of the start line
                    }
                    break;
                case S_LEAD_CR:
                    if (b != '\n') return fail(request ? 400 : 502, "CR not followed by LF", i);
                    headStart = i + 1;
                    st = S_LEAD;
                    break;
                case S_TEXT:
                    if (b == '\n') {
                        st = S_LF;
                        if (firstLineEnd < 0) {
                            firstLineEnd = i;
                            // An HTTP/0.9 request line ("GET /") is refused at once, as HAProxy
                            // does, rather than waiting for header lines that will not come.
                            if (request && !hasThreeWords(buf, pos + headStart, pos + i))
                                return fail(400, "missing HTTP version", i);
                        }
                    } else if (firstLineEnd < 0) {
                        if (request) {
                            // Method phase: until the first SP only token characters may appear.
                            if (!pastMethod) {
                                if (b == ' ') {
                                    pastMethod = true;
                                } else if (!HttpChars.isTchar(b)) {
                                    return fail(400, "invalid character in method", i);
                                }
                            }
                        } else if (i - headStart < 5 && b != "HTTP/".charAt(i - headStart)) {
                            return fail(502, "response does not start with HTTP/", i);
                        }
                    }
                    break;
                case S_LF:
                    if (b == '\n') {
                        scanned = 0;
                        return i + 1;
                    }
                    st = b == '\r' ? S_LF_CR : S_TEXT;
                    break;
                default: // S_LF_CR
                    if (b == '\n') {
                        scanned = 0;
                        return i + 1;
                    }
                    st = S_TEXT;
                    break;
            }
            i++;
        }
        scanned = i;
        state = st;
        return 0;
    }

    /**
     * The request line in {@code [from, to)} (the LF excluded, a CR before it ignored) has a
     * third word after the method and the target. Only a line without one is refused here; the
     * full parse checks the rest once the head is complete.
     */
    private static boolean hasThreeWords(ByteBuffer buf, int from, int to) {
        if (to > from && buf.get(to - 1) == '\r') to--;
        int k = from;
        for (int word = 0; word < 2; word++) {
            while (k < to && buf.get(k) != ' ') k++;
            while (k < to && buf.get(k) == ' ') k++;
        }
        return k < to;
    }

    /**
     * High bit set in every byte of {@code w} that is LF, possibly also in bytes above the first
     * LF (borrow), never below it: the lowest set bit locates the first LF in a little-endian word.
     */
    private static long lfMask(long w) {
        long v = w ^ 0x0a0a0a0a0a0a0a0aL;
        return (v - 0x0101010101010101L) & ~v & 0x8080808080808080L;
    }

    // ------------------------------------------------------------------ full parse

    private int parseRequestHead(byte[] a, int n, HttpHead h) {
        int p = 0;
        while (HttpChars.isTchar(a[p])) p++;
        int mLen = p;
        if (mLen == 0 || a[p] != ' ') return fail(400, "malformed method", p);
        while (a[p] == ' ') p++;
        int ts = p;
        while (HttpChars.isUriChar(a[p])) p++;
        int tLen = p - ts;
        if (tLen == 0) return fail(400, "missing request-target", p);
        if (a[p] != ' ') {
            if (a[p] == '\n' || a[p] == '\r') return fail(400, "missing HTTP version", p);
            return fail(400, "invalid character in request-target", p);
        }
        while (a[p] == ' ') p++;
        int ver = version(a, p, n);
        if (ver < 0) {
            return ver == -505 ? fail(505, "unsupported HTTP version", p) : fail(400, "malformed HTTP version", p);
        }
        p = eol(a, p + 8);
        if (p < 0) return fail(400, "garbage after HTTP version", 0);

        HttpMethod m = HttpMethod.of(a, 0, mLen);
        h.rawRequestLine(m, 0, mLen, ts, tLen, ver);
        if (!validTargetForm(a, m, ts, tLen, h)) return fail(400, "request-target form not allowed", ts);

        p = headers(a, p, h, true);
        if (p < 0) return p;

        // RFC 9112 §3.2: several Host fields make the target ambiguous (identical copies tolerated).
        int first = h.indexOf("Host");
        if (first >= 0) {
            for (int i = h.indexOf("Host", first + 1); i >= 0; i = h.indexOf("Host", i + 1)) {
                if (!sameValue(h, first, i)) return fail(400, "conflicting Host headers", 0);
            }
        }
        // RFC 9112 §3.2.2: with an absolute-form target the authority is the host. As HAProxy
        // does, the target is forwarded as received and a Host that names another authority is
        // refused; a missing Host is made from the target, so the server never sees two hosts.
        if (h.isAbsoluteForm()) {
            String auth = h.authority();
            if (auth.isEmpty()) return fail(400, "empty authority in absolute-form target", ts);
            if (first < 0) {
                h.add("Host", auth);
            } else if (!sameAuthority(h.absoluteScheme(), auth, h.value(first))) {
                return fail(400, "Host disagrees with the absolute-form target", 0);
            }
        }
        BodyFraming.Error e = BodyFraming.request(h);
        if (e != null) return fail(e.requestStatus, e.message, 0);
        // RFC 6455 §4.1: a WebSocket opening handshake carries its key; HAProxy 2.6 refuses one
        // without it (400) before a server is chosen.
        if (websocketHandshake(h) && !h.contains("Sec-WebSocket-Key"))
            return fail(400, "WebSocket upgrade without Sec-WebSocket-Key", 0);
        h.freezePersistence();
        h.freezeTe();
        return n;
    }

    private int parseResponseHead(byte[] a, int n, HttpHead h, HttpMethod reqMethod) {
        int ver = version(a, 0, n);
        if (ver < 0) return fail(502, ver == -505 ? "unsupported HTTP version" : "malformed HTTP version", 0);
        int p = 8;
        if (a[p] != ' ') return fail(502, "malformed status line", p);
        while (a[p] == ' ') p++;
        int status = 0;
        for (int k = 0; k < 3; k++, p++) {
            int d = a[p] - '0';
            if (d < 0 || d > 9) return fail(502, "malformed status code", p);
            status = status * 10 + d;
        }
        if (status < 100) return fail(502, "malformed status code", p);
        int rs = p;
        int rLen = 0;
        if (a[p] == ' ') {
            rs = ++p;
            while (HttpChars.isFieldValueChar(a[p])) p++;
            rLen = p - rs;
        }
        p = eol(a, p);
        if (p < 0) return fail(502, "malformed status line", rs + rLen);
        h.rawStatusLine(status, rs, rLen, ver);

        p = headers(a, p, h, false);
        if (p < 0) return p;
        BodyFraming.Error e = BodyFraming.response(h, reqMethod == null ? HttpMethod.GET : reqMethod);
        if (e != null) return fail(BodyFraming.BAD_RESPONSE_STATUS, e.message, 0);
        // RFC 6455 §4.2.2: a server accepting the switch to WebSocket answers the key; HAProxy 2.6
        // refuses a 101 to websocket without Sec-WebSocket-Accept (502).
        if (status == 101 && websocketHandshake(h) && !h.contains("Sec-WebSocket-Accept"))
            return fail(502, "switch to WebSocket without Sec-WebSocket-Accept", 0);
        h.freezePersistence();
        return n;
    }

    /** "Connection: upgrade" with "websocket" among the Upgrade tokens (HAProxy's CONN_UPG and UPG_WEBSOCKET). */
    private static boolean websocketHandshake(HttpHead h) {
        return h.hasToken("Connection", "upgrade") && h.hasToken("Upgrade", "websocket");
    }

    /** Parses header lines from {@code p} through the empty line; returns the end or a failure. */
    private int headers(byte[] a, int p, HttpHead h, boolean request) {
        int bad = request ? 400 : 502;
        int count = 0;
        while (true) {
            int b = a[p];
            if (b == '\n') return p + 1;
            if (b == '\r') {
                if (a[p + 1] == '\n') return p + 2;
                return fail(bad, "CR not followed by LF", p);
            }
            if (HttpChars.isOws(b)) return fail(bad, "obsolete line folding", p);
            int ns = p;
            while (HttpChars.isTchar(a[p])) p++;
            int ne = p;
            if (a[p] != ':') {
                if (HttpChars.isOws(a[p])) return fail(bad, "white space before colon", p);
                return fail(bad, ne == ns ? "empty header name" : "invalid character in header name", p);
            }
            if (ne == ns) return fail(bad, "empty header name", p);
            p++;
            while (HttpChars.isOws(a[p])) p++;
            int vs = p;
            while (HttpChars.isFieldValueChar(a[p])) p++;
            int ve = p;
            if (a[p] == '\r') {
                if (a[p + 1] != '\n') return fail(bad, "CR inside header value", p);
                p += 2;
            } else if (a[p] == '\n') {
                p++;
            } else {
                return fail(bad, "invalid character in header value", p);
            }
            while (ve > vs && HttpChars.isOws(a[ve - 1])) ve--;
            // HAProxy answers 400 (request) or 502 (response), not 431.
            if (++count >= maxHeaders) return fail(bad, "too many headers", ns);
            h.rawAddHeader(ns, ne - ns, vs, ve - vs);
        }
    }

    /**
     * "HTTP/x.y" at {@code p}: 10 or 11; -505 for another well-formed version; -400 if malformed.
     * A later HTTP/1 minor version (1.2 to 1.9) is 11: RFC 9110 §2.5 has a recipient treat it as
     * the highest minor version it supports, and HAProxy 2.6 serves it as HTTP/1.1 too.
     */
    private static int version(byte[] a, int p, int n) {
        if (n - p < 9) return -400; // 8 bytes plus at least the LF
        if (a[p] != 'H' || a[p + 1] != 'T' || a[p + 2] != 'T' || a[p + 3] != 'P' || a[p + 4] != '/'
                || a[p + 6] != '.') {
            return -400;
        }
        int major = a[p + 5] - '0';
        int minor = a[p + 7] - '0';
        if (major < 0 || major > 9 || minor < 0 || minor > 9) return -400;
        if (major == 1 && minor >= 1) return 11;
        if (major == 1 && minor == 0) return 10;
        return -505;
    }

    /** Index after the line ending at {@code p} (CRLF or bare LF), or -1 if something else is there. */
    private static int eol(byte[] a, int p) {
        if (a[p] == '\n') return p + 1;
        if (a[p] == '\r' && a[p + 1] == '\n') return p + 2;
        return -1;
    }

    /**
     * RFC 9112 §3.2: CONNECT takes authority-form (host:port) only, "*" is for OPTIONS only, any
     * other method takes origin-form ("/...") or absolute-form ("scheme://...").
     */
    private static boolean validTargetForm(byte[] a, HttpMethod m, int ts, int tLen, HttpHead h) {
        if (m == HttpMethod.CONNECT) {
            if (a[ts] == '/' || a[ts] == '*') return false;
            boolean colon = false;
            for (int k = ts; k < ts + tLen; k++) {
                if (a[k] == '/' || a[k] == '?' || a[k] == '#') return false;
                if (a[k] == ':') colon = true;
            }
            return colon && a[ts + tLen - 1] != ':';
        }
        if (a[ts] == '/') return true;
        if (tLen == 1 && a[ts] == '*') return m == HttpMethod.OPTIONS;
        return h.isAbsoluteForm();
    }

    /**
     * Two authorities name the same host and port: compared ignoring case, and with the scheme's
     * default port (80 for http, 443 for https) or an empty port equal to none, as HAProxy 2.6 does.
     */
    private static boolean sameAuthority(String scheme, String a, String b) {
        return normalAuthority(scheme, a).equals(normalAuthority(scheme, b));
    }

    private static String normalAuthority(String scheme, String a) {
        a = a.toLowerCase(java.util.Locale.ROOT);
        String dflt = "http".equals(scheme) ? ":80" : "https".equals(scheme) ? ":443" : null;
        if (dflt != null && a.endsWith(dflt)) return a.substring(0, a.length() - dflt.length());
        if (a.endsWith(":")) return a.substring(0, a.length() - 1);
        return a;
    }

    private static boolean sameValue(HttpHead h, int i, int j) {
        int len = h.valueLength(i);
        if (len != h.valueLength(j)) return false;
        byte[] a = h.arena();
        int x = h.valueOffset(i);
        int y = h.valueOffset(j);
        for (int k = 0; k < len; k++) {
            if (HttpChars.lower(a[x + k]) != HttpChars.lower(a[y + k])) return false;
        }
        return true;
    }

    private int fail(int status, String reason, int offset) {
        errorStatus = status;
        errorReason = reason;
        errorOffset = offset;
        return -status;
    }
}
