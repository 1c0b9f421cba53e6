package dev.epoxy.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The start line and header fields of one HTTP request or response, independent of the wire
 * version: the H1 codec fills and serialises it, the H2 mux will translate it to and from HPACK.
 *
 * <p>Storage is compact and reusable: all bytes (method, target, reason, header names and values)
 * live in one growable {@code byte[]} arena and are addressed by offset/length pairs. The H1 parser
 * copies the raw head into the arena in one bulk copy and only records offsets, so parsing a request
 * allocates nothing once the arena and index have grown to their working size. Strings are made only
 * when a caller asks for one. {@link #clear()} resets the instance for the next message on the
 * connection.
 *
 * <p>Header names keep their case (H1 output writes them as received); every lookup by name is
 * ASCII case-insensitive. Headers are kept in order. Removing a header only drops its index entry;
 * its bytes stay in the arena until {@link #clear()}.
 *
 * <p>Not thread-safe: one instance belongs to one stream.
 */
public final class HttpHead {
    /** ints per header in {@link #hdr}: name offset, name length, value offset, value length. */
    private static final int F = 4;
    private static final byte[] NO_BYTES = new byte[0];
    private static final int[] NO_INTS = new int[0];
    /** First arena and index sizes: a short request or response head without growing. */
    private static final int MIN_ARENA = 256;
    private static final int MIN_HEADERS = 8;

    private byte[] arena;
    private int used;
    private int[] hdr;
    private int count;

    private boolean request;
    private HttpMethod method = HttpMethod.OTHER;
    private int methodOff;
    private int methodLen;
    private int targetOff;
    private int targetLen;
    private int version = 11;
    private int status;
    private int reasonOff;
    private int reasonLen;

    private BodyKind bodyKind = BodyKind.NONE;
    private long contentLength = -1;
    private boolean persistent = true;
    private boolean teTrailers;

    // Strings materialised on demand; dropped whenever the underlying range changes.
    private String methodStr;
    private String targetStr;

    /**
     * Storage is taken on first use and grows to the working size: a head that is never filled
     * (the response of a stream reset at once, as an HTTP/2 rapid reset makes 1000 of per
     * connection) costs no arena. A 1 KiB arena and a 16-header index made at construction were
     * 2.6 kB per HTTP/2 stream; under that flood they outran the young generation and the heap
     * grew to 80 MB of garbage (MemoryAttackTest).
     */
    public HttpHead() {
        arena = NO_BYTES;
        hdr = NO_INTS;
    }

    public HttpHead(int initialBytes, int initialHeaders) {
        arena = new byte[Math.max(64, initialBytes)];
        hdr = new int[Math.max(4, initialHeaders) * F];
    }

    /**
     * Makes this head a copy of {@code o}: its bytes and fields, its start line, its framing and
     * the flags frozen when it was parsed. Keeps this head's storage when it is large enough, so
     * copying into a head that is reused allocates nothing once warm.
     */
    public void copyFrom(HttpHead o) {
        if (arena.length < o.used)
            arena = new byte[Math.max(o.used, MIN_ARENA)];
        System.arraycopy(o.arena, 0, arena, 0, o.used);
        used = o.used;
        if (hdr.length < o.count * F)
            hdr = new int[Math.max(o.count, MIN_HEADERS) * F];
        System.arraycopy(o.hdr, 0, hdr, 0, o.count * F);
        count = o.count;
        request = o.request;
        method = o.method;
        methodOff = o.methodOff;
        methodLen = o.methodLen;
        targetOff = o.targetOff;
        targetLen = o.targetLen;
        version = o.version;
        status = o.status;
        reasonOff = o.reasonOff;
        reasonLen = o.reasonLen;
        bodyKind = o.bodyKind;
        contentLength = o.contentLength;
        persistent = o.persistent;
        teTrailers = o.teTrailers;
        methodStr = o.methodStr;
        targetStr = o.targetStr;
    }

    /** Forgets everything so the instance can hold the next message; keeps the grown storage. */
    public void clear() {
        used = 0;
        count = 0;
        request = false;
        method = HttpMethod.OTHER;
        methodOff = methodLen = targetOff = targetLen = reasonOff = reasonLen = 0;
        version = 11;
        status = 0;
        bodyKind = BodyKind.NONE;
        contentLength = -1;
        persistent = true;
        teTrailers = false;
        methodStr = null;
        targetStr = null;
    }

    // ------------------------------------------------------------------ start line

    public boolean isRequest() {
        return request;
    }

    /** The method class; {@link HttpMethod#OTHER} for extension methods (see {@link #methodName()}). */
    public HttpMethod method() {
        return method;
    }

    /** The method exactly as spelled; allocates only for extension methods. */
    public String methodName() {
        if (method != HttpMethod.OTHER) return method.name();
        if (methodStr == null) methodStr = str(methodOff, methodLen);
        return methodStr;
    }

    /** The request-target exactly as received (origin, absolute, authority or asterisk form). */
    public String target() {
        if (targetStr == null) targetStr = str(targetOff, targetLen);
        return targetStr;
    }

    /** 10 for HTTP/1.0, 11 for HTTP/1.1, 20 for HTTP/2. */
    public int version() {
        return version;
    }

    public int status() {
        return status;
    }

    /** The reason phrase as received; empty if none. */
    public String reason() {
        return str(reasonOff, reasonLen);
    }

    /** Makes this a request head. The method must be a token, the target visible ASCII. */
    public void setRequestLine(String methodName, String target, int version) {
        if (!HttpChars.isToken(methodName)) throw new IllegalArgumentException("invalid method: " + methodName);
        request = true;
        methodLen = methodName.length();
        methodOff = appendString(methodName);
        method = HttpMethod.of(arena, methodOff, methodLen);
        methodStr = null;
        setTarget(target);
        setVersion(version);
    }

    /** Makes this a response head; a null or empty reason means "none" (writers use the default). */
    public void setStatusLine(int status, String reason, int version) {
        request = false;
        setStatus(status, reason);
        setVersion(version);
    }

    public void setTarget(String target) {
        if (target.isEmpty()) throw new IllegalArgumentException("empty request-target");
        for (int i = 0; i < target.length(); i++) {
            if (!HttpChars.isUriChar(target.charAt(i) > 0xff ? 0 : target.charAt(i))) {
                throw new IllegalArgumentException("invalid request-target: " + target);
            }
        }
        targetLen = target.length();
        targetOff = appendString(target);
        targetStr = target;
    }

    public void setVersion(int version) {
        if (version != 10 && version != 11 && version != 20) {
            throw new IllegalArgumentException("unsupported version " + version);
        }
        this.version = version;
    }

    public void setStatus(int status, String reason) {
        if (status < 100 || status > 999) throw new IllegalArgumentException("invalid status " + status);
        if (reason != null && !HttpChars.isFieldValue(reason)) {
            throw new IllegalArgumentException("invalid reason phrase");
        }
        this.status = status;
        if (reason == null || reason.isEmpty()) {
            reasonOff = reasonLen = 0;
        } else {
            reasonLen = reason.length();
            reasonOff = appendString(reason);
        }
    }

    // ------------------------------------------------------------------ body framing

    /** Body delimitation decided by {@link BodyFraming} (or set by a mux). */
    /**
     * Whether the sender asked to keep its connection open, as the message arrived (HAProxy's
     * H1_MF_CONN_* flags): fixed by {@link #freezePersistence()} when the head is parsed, so that
     * rewriting the fields and the version for the other side never changes it. True for a head
     * that was built rather than parsed.
     */
    public boolean persistent() {
        return persistent;
    }

    /**
     * Records from the Connection field and the version whether the sender wants persistence. An
     * HTTP/1.0 message with Transfer-Encoding never persists (RFC 9112 §6.1: faulty framing, close
     * after it).
     */
    public void freezePersistence() {
        persistent = !hasToken("Connection", "close") && (version != 10
                || hasToken("Connection", "keep-alive") && !contains("Transfer-Encoding"));
    }

    /**
     * Whether the request's TE field offered "trailers" as it arrived: the one TE token forwarded
     * (TE is hop-by-hop and the other codings are refused for responses anyway), as HAProxy does.
     * Fixed by {@link #freezeTe()} when the head is parsed.
     */
    public boolean teTrailers() {
        return teTrailers;
    }

    /** Records whether a TE field lists the bare "trailers" token (no parameters). */
    public void freezeTe() {
        teTrailers = hasToken("TE", "trailers");
    }

    public BodyKind bodyKind() {
        return bodyKind;
    }

    /** Body length for {@link BodyKind#LENGTH}, otherwise -1. */
    public long contentLength() {
        return contentLength;
    }

    public void setBody(BodyKind kind, long length) {
        this.bodyKind = kind;
        this.contentLength = kind == BodyKind.LENGTH ? length : -1;
    }

    /** True if the message carries body bytes (or may, for chunked / close-delimited / tunnel). */
    public boolean hasBody() {
        return bodyKind != BodyKind.NONE && !(bodyKind == BodyKind.LENGTH && contentLength == 0);
    }

    // ------------------------------------------------------------------ headers

    /** Number of header fields. */
    public int size() {
        return count;
    }

    public String name(int i) {
        check(i);
        return str(hdr[i * F], hdr[i * F + 1]);
    }

    public String value(int i) {
        check(i);
        return str(hdr[i * F + 2], hdr[i * F + 3]);
    }

    /** True if header {@code i} has this name (ASCII case-insensitive); allocation-free. */
    public boolean nameIs(int i, String name) {
        check(i);
        return equalsIgnoreCase(hdr[i * F], hdr[i * F + 1], name);
    }

    /** True if header {@code i}'s value equals {@code v} ignoring ASCII case; allocation-free. */
    public boolean valueEqualsIgnoreCase(int i, String v) {
        check(i);
        return equalsIgnoreCase(hdr[i * F + 2], hdr[i * F + 3], v);
    }

    /** Index of the first header named {@code name}, or -1. */
    public int indexOf(String name) {
        return indexOf(name, 0);
    }

    /** Index of the first header named {@code name} at or after {@code from}, or -1. */
    public int indexOf(String name, int from) {
        for (int i = Math.max(0, from); i < count; i++) {
            if (equalsIgnoreCase(hdr[i * F], hdr[i * F + 1], name)) return i;
        }
        return -1;
    }

    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    /** Value of the first header named {@code name}, or null. */
    public String get(String name) {
        int i = indexOf(name, 0);
        return i < 0 ? null : value(i);
    }

    /** Values of every header named {@code name}, in order (one entry per field line). */
    public List<String> getAll(String name) {
        List<String> out = new ArrayList<>(2);
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) out.add(value(i));
        return out;
    }

    /** Appends a header. Name must be a token, value must not contain CR, LF, NUL or other CTLs. */
    public void add(String name, String value) {
        if (!HttpChars.isToken(name)) throw new IllegalArgumentException("invalid header name: " + name);
        if (!HttpChars.isFieldValue(value)) throw new IllegalArgumentException("invalid value for header " + name);
        int nOff = appendString(name);
        int vOff = appendString(value);
        rawAddHeader(nOff, name.length(), vOff, value.length());
    }

    /** Removes every header named {@code name}, then appends one with {@code value}. */
    public void set(String name, String value) {
        remove(name);
        add(name, value);
    }

    /** Replaces the value of header {@code i}, keeping its name and position. */
    public void setValue(int i, String value) {
        check(i);
        if (!HttpChars.isFieldValue(value)) throw new IllegalArgumentException("invalid header value");
        hdr[i * F + 2] = appendString(value);
        hdr[i * F + 3] = value.length();
    }

    /** Removes every header named {@code name}; returns how many were removed. */
    public int remove(String name) {
        int removed = 0;
        for (int i = count - 1; i >= 0; i--) {
            if (equalsIgnoreCase(hdr[i * F], hdr[i * F + 1], name)) {
                removeAt(i);
                removed++;
            }
        }
        return removed;
    }

    /** Removes every header whose name equals arena bytes [off, off+len) ignoring case. */
    public int removeNamed(int off, int len) {
        int removed = 0;
        for (int i = count - 1; i >= 0; i--) {
            if (rangeEqualsIgnoreCase(hdr[i * F], hdr[i * F + 1], off, len)) {
                removeAt(i);
                removed++;
            }
        }
        return removed;
    }

    public void removeAt(int i) {
        check(i);
        System.arraycopy(hdr, (i + 1) * F, hdr, i * F, (count - i - 1) * F);
        count--;
    }

    /**
     * True if any header named {@code name} lists {@code token} among its comma-separated elements
     * (ASCII case-insensitive, optional white space around elements ignored), e.g.
     * {@code hasToken("Connection", "close")}. Allocation-free.
     */
    public boolean hasToken(String name, String token) {
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            int end = hdr[i * F + 2] + hdr[i * F + 3];
            for (long el = CommaList.first(arena, hdr[i * F + 2], end); el != CommaList.END; el = CommaList.next(arena, el, end)) {
                int s = CommaList.start(el);
                if (equalsIgnoreCase(s, CommaList.end(el) - s, token)) return true;
            }
        }
        return false;
    }

    /** True for an HTTP/1.1 request carrying "Expect: 100-continue" (RFC 9110 §10.1.1). */
    public boolean expectsContinue() {
        return request && version >= 11 && hasToken("Expect", "100-continue");
    }

    // ------------------------------------------------------------------ target helpers

    /**
     * The authority the request is for: the target itself for CONNECT, the authority of an
     * absolute-form target (without user info), else the first Host header; null if none.
     */
    public String authority() {
        if (method == HttpMethod.CONNECT) return target();
        int start = absoluteAuthorityStart();
        if (start >= 0) {
            int end = authorityEnd(start);
            int s = start;
            for (int p = start; p < end; p++) {
                if (arena[p] == '@') s = p + 1;
            }
            return str(s, end - s);
        }
        return get("Host");
    }

    /** The path without the query: "/a/b" for "/a/b?x", "/" for "http://h" and "*" for "*"; null for CONNECT. */
    public String path() {
        if (method == HttpMethod.CONNECT) return null;
        int s = pathStart();
        int end = targetOff + targetLen;
        int e = s;
        while (e < end && arena[e] != '?' && arena[e] != '#') e++;
        return e == s ? "/" : str(s, e - s);
    }

    /** Path and query as sent to an origin server: "/a?x" for both "/a?x" and "http://h/a?x". */
    public String pathAndQuery() {
        if (method == HttpMethod.CONNECT) return null;
        int s = pathStart();
        int end = targetOff + targetLen;
        if (s == end) return "/";
        return arena[s] == '?' ? "/" + str(s, end - s) : str(s, end - s);
    }

    /** The query (after '?', without it), or null if the target has none. */
    public String query() {
        if (method == HttpMethod.CONNECT) return null;
        int end = targetOff + targetLen;
        for (int p = pathStart(); p < end; p++) {
            if (arena[p] == '?') return str(p + 1, end - p - 1);
        }
        return null;
    }

    /** True if the target is in absolute form (scheme "://" ...). */
    public boolean isAbsoluteForm() {
        return method != HttpMethod.CONNECT && absoluteAuthorityStart() >= 0;
    }

    /** The scheme of an absolute-form target, lower-cased ("http" for "HTTP://h/"), else null. */
    public String absoluteScheme() {
        if (method == HttpMethod.CONNECT) return null;
        int start = absoluteAuthorityStart();
        return start < 0 ? null : str(targetOff, start - 3 - targetOff).toLowerCase(java.util.Locale.ROOT);
    }

    private int pathStart() {
        int start = absoluteAuthorityStart();
        return start < 0 ? targetOff : authorityEnd(start);
    }

    /** Offset just after "scheme://" if the target is absolute-form, else -1. */
    private int absoluteAuthorityStart() {
        int p = targetOff;
        int end = targetOff + targetLen;
        if (p >= end || !isAlpha(arena[p])) return -1;
        p++;
        while (p < end && (isAlpha(arena[p]) || (arena[p] >= '0' && arena[p] <= '9')
                || arena[p] == '+' || arena[p] == '-' || arena[p] == '.')) {
            p++;
        }
        if (end - p < 3 || arena[p] != ':' || arena[p + 1] != '/' || arena[p + 2] != '/') return -1;
        return p + 3;
    }

    private int authorityEnd(int start) {
        int end = targetOff + targetLen;
        int p = start;
        while (p < end && arena[p] != '/' && arena[p] != '?' && arena[p] != '#') p++;
        return p;
    }

    private static boolean isAlpha(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    // ------------------------------------------------------------------ raw access for codecs

    /**
     * The backing bytes. Offsets returned by the *Offset methods index into this array; it may be
     * replaced when the head grows, so fetch it again after any mutation.
     */
    public byte[] arena() {
        return arena;
    }

    public int methodOffset() {
        return methodOff;
    }

    public int methodLength() {
        return methodLen;
    }

    public int targetOffset() {
        return targetOff;
    }

    public int targetLength() {
        return targetLen;
    }

    public int reasonOffset() {
        return reasonOff;
    }

    public int reasonLength() {
        return reasonLen;
    }

    public int nameOffset(int i) {
        check(i);
        return hdr[i * F];
    }

    public int nameLength(int i) {
        check(i);
        return hdr[i * F + 1];
    }

    public int valueOffset(int i) {
        check(i);
        return hdr[i * F + 2];
    }

    public int valueLength(int i) {
        check(i);
        return hdr[i * F + 3];
    }

    /**
     * Codec entry point: clears the head and bulk-copies {@code len} bytes of {@code src} starting at
     * absolute index {@code index} into the arena (at offset 0), leaving {@code src}'s position alone.
     * Returns the arena so the caller can parse it and record ranges with the raw* methods.
     */
    public byte[] loadRaw(ByteBuffer src, int index, int len) {
        clear();
        ensure(len);
        src.get(index, arena, 0, len);
        used = len;
        return arena;
    }

    /** Codec entry point: request line from arena ranges (already validated by the caller). */
    public void rawRequestLine(HttpMethod m, int mOff, int mLen, int tOff, int tLen, int version) {
        request = true;
        method = m;
        methodOff = mOff;
        methodLen = mLen;
        targetOff = tOff;
        targetLen = tLen;
        this.version = version;
        methodStr = null;
        targetStr = null;
    }

    /** Codec entry point: status line from arena ranges (already validated by the caller). */
    public void rawStatusLine(int status, int rOff, int rLen, int version) {
        request = false;
        this.status = status;
        reasonOff = rOff;
        reasonLen = rLen;
        this.version = version;
    }

    /** Codec entry point: appends a header whose name and value are arena ranges. */
    public void rawAddHeader(int nOff, int nLen, int vOff, int vLen) {
        if ((count + 1) * F > hdr.length) hdr = java.util.Arrays.copyOf(hdr, Math.max(hdr.length * 2, MIN_HEADERS * F));
        int b = count * F;
        hdr[b] = nOff;
        hdr[b + 1] = nLen;
        hdr[b + 2] = vOff;
        hdr[b + 3] = vLen;
        count++;
    }

    /** Codec entry point: appends a header copied from {@code src} (already validated by the caller). */
    public void addHeader(byte[] src, int nOff, int nLen, int vOff, int vLen) {
        ensure(nLen + vLen);
        int n = used;
        System.arraycopy(src, nOff, arena, n, nLen);
        System.arraycopy(src, vOff, arena, n + nLen, vLen);
        used += nLen + vLen;
        rawAddHeader(n, nLen, n + nLen, vLen);
    }

    // ------------------------------------------------------------------ internals

    /** ASCII case-insensitive comparison of arena bytes [off, off+len) with {@code s}. */
    public boolean equalsIgnoreCase(int off, int len, String s) {
        if (len != s.length()) return false;
        for (int k = 0; k < len; k++) {
            char c = s.charAt(k);
            if (c > 0x7f) {
                if ((arena[off + k] & 0xff) != c) return false;
            } else if (HttpChars.lower(arena[off + k]) != HttpChars.lower(c)) {
                return false;
            }
        }
        return true;
    }

    private boolean rangeEqualsIgnoreCase(int aOff, int aLen, int bOff, int bLen) {
        if (aLen != bLen) return false;
        for (int k = 0; k < aLen; k++) {
            if (HttpChars.lower(arena[aOff + k]) != HttpChars.lower(arena[bOff + k])) return false;
        }
        return true;
    }

    private String str(int off, int len) {
        return len == 0 ? "" : new String(arena, off, len, StandardCharsets.ISO_8859_1);
    }

    private void check(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("header " + i + " of " + count);
    }

    private void ensure(int extra) {
        if (used + extra > arena.length) {
            arena = java.util.Arrays.copyOf(arena, Math.max(Math.max(arena.length * 2, used + extra), MIN_ARENA));
        }
    }

    /** Appends a Latin-1 string (callers validated chars <= 0xff) and returns its offset. */
    private int appendString(String s) {
        int n = s.length();
        ensure(n);
        int off = used;
        for (int k = 0; k < n; k++) arena[off + k] = (byte) s.charAt(k);
        used += n;
        return off;
    }

    /** Debug rendering in H1 syntax. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        String v = version == 10 ? "HTTP/1.0" : version == 11 ? "HTTP/1.1" : "HTTP/2";
        if (request) {
            sb.append(methodName()).append(' ').append(target()).append(' ').append(v);
        } else {
            sb.append(v).append(' ').append(status).append(' ').append(reason());
        }
        sb.append('\n');
        for (int i = 0; i < count; i++) sb.append(name(i)).append(": ").append(value(i)).append('\n');
        return sb.toString();
    }
}
