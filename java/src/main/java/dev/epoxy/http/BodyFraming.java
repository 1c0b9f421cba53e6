package dev.epoxy.http;

/**
 * Decides how a message body is delimited from its head (RFC 9112 §6.3) and records the result in
 * {@link HttpHead#setBody}. Requests are judged strictly because a proxy that frames a request
 * differently from the next hop enables request smuggling; responses come from our own servers and
 * are judged more leniently where the RFC allows (close-delimited instead of rejected).
 *
 * <p>Side effects on the head, so that what is forwarded can never be framed two ways:
 * <ul>
 *   <li>a response with both Transfer-Encoding and Content-Length loses its Content-Length;</li>
 *   <li>several Content-Length fields or a list of identical values collapse into one field.</li>
 * </ul>
 */
public final class BodyFraming {
    private BodyFraming() {
    }

    /** Why a head's framing was rejected; requests answer {@link #requestStatus}, responses 502. */
    public enum Error {
        TE_AND_CL(400, "request has both Transfer-Encoding and Content-Length"),
        TE_IN_HTTP10(400, "Transfer-Encoding in an HTTP/1.0 request"),
        TE_INVALID(400, "malformed Transfer-Encoding"),
        TE_CHUNKED_TWICE(400, "chunked transfer coding applied more than once"),
        TE_NOT_ONLY_CHUNKED(400, "transfer coding other than chunked"),
        /** Chunked last, so the body is delimited, but under a coding not applied here: HAProxy's 422. */
        TE_CODING_BEFORE_CHUNKED(422, "transfer coding other than chunked before chunked"),
        CL_INVALID(400, "invalid Content-Length"),
        CL_CONFLICT(400, "conflicting Content-Length values");

        /** Status to answer a request with this defect (a bad response always becomes 502). */
        public final int requestStatus;
        public final String message;

        Error(int requestStatus, String message) {
            this.requestStatus = requestStatus;
            this.message = message;
        }
    }

    /** Status sent to the client when a server response is malformed. */
    public static final int BAD_RESPONSE_STATUS = 502;

    /**
     * Sets the body kind of a request head: CHUNKED, LENGTH or NONE. Returns null if acceptable,
     * otherwise the defect (answer {@link Error#requestStatus} and close).
     */
    public static Error request(HttpHead h) {
        boolean hasTe = h.contains("Transfer-Encoding");
        boolean hasCl = h.contains("Content-Length");
        if (hasTe) {
            if (hasCl) return Error.TE_AND_CL;
            if (h.version() == 10) return Error.TE_IN_HTTP10;
            int te = scanCodings(h);
            if (te == TE_BAD) return Error.TE_INVALID;
            if (te == TE_TWICE) return Error.TE_CHUNKED_TWICE;
            if (te == TE_CHUNKED_LAST) return Error.TE_CODING_BEFORE_CHUNKED;
            if (te != TE_CHUNKED_ONLY) return Error.TE_NOT_ONLY_CHUNKED;
            h.setBody(BodyKind.CHUNKED, -1);
            return null;
        }
        if (hasCl) {
            Error e = contentLength(h);
            if (e != null) return e;
            h.setBody(BodyKind.LENGTH, h.contentLength());
            return null;
        }
        h.setBody(BodyKind.NONE, -1);
        return null;
    }

    /**
     * Sets the body kind of a response head given the method of the request it answers. Returns
     * null if acceptable, otherwise the defect (answer the client {@link #BAD_RESPONSE_STATUS}).
     */
    public static Error response(HttpHead h, HttpMethod requestMethod) {
        int st = h.status();
        if (requestMethod == HttpMethod.HEAD || st < 200 || st == 204 || st == 304) {
            h.setBody(BodyKind.NONE, -1);
            return null;
        }
        if (requestMethod == HttpMethod.CONNECT && st < 300) {
            h.setBody(BodyKind.TUNNEL, -1);
            return null;
        }
        if (h.contains("Transfer-Encoding")) {
            int te = scanCodings(h);
            if (te == TE_BAD) return Error.TE_INVALID;
            if (te == TE_TWICE) return Error.TE_CHUNKED_TWICE;
            // Another coding (gzip, chunked / chunked, gzip / gzip alone) would have to be
            // forwarded with its declaration intact; HAProxy 2.6 refuses such responses (502).
            if (te != TE_CHUNKED_ONLY) return Error.TE_NOT_ONLY_CHUNKED;
            // Transfer-Encoding overrides Content-Length; drop it so it is never forwarded.
            h.remove("Content-Length");
            // Chunked even from an HTTP/1.0 server, as HAProxy 2.6 decodes it; RFC 9112 §6.1 calls
            // that framing faulty, so the connection is not kept (HttpHead.freezePersistence).
            h.setBody(BodyKind.CHUNKED, -1);
            return null;
        }
        if (h.contains("Content-Length")) {
            Error e = contentLength(h);
            if (e != null) return e;
            h.setBody(BodyKind.LENGTH, h.contentLength());
            return null;
        }
        h.setBody(BodyKind.UNTIL_CLOSE, -1);
        return null;
    }

    // Outcome of scanning the Transfer-Encoding list: a negative failure, or a set of flags.
    private static final int TE_BAD = -1;
    private static final int TE_TWICE = -2;
    private static final int TE_CHUNKED_ONLY = 1;
    private static final int TE_OTHER_CODING = 2;
    private static final int TE_CHUNKED_LAST = 3;

    /**
     * Walks every Transfer-Encoding field as one comma-separated list of codings (optionally with
     * ";param" parts). Returns TE_BAD if malformed or empty, TE_TWICE if chunked appears more than
     * once, TE_CHUNKED_ONLY if chunked is the one coding, TE_CHUNKED_LAST if other codings come
     * before it, else TE_OTHER_CODING (chunked missing or not last).
     */
    private static int scanCodings(HttpHead h) {
        byte[] a = h.arena();
        int chunkedSeen = 0;
        boolean other = false, chunkedLast = false;
        int elements = 0;
        for (int i = h.indexOf("Transfer-Encoding"); i >= 0; i = h.indexOf("Transfer-Encoding", i + 1)) {
            int end = h.valueOffset(i) + h.valueLength(i);
            for (long el = CommaList.first(a, h.valueOffset(i), end); el != CommaList.END; el = CommaList.next(a, el, end)) {
                int s = CommaList.start(el);
                int e = CommaList.end(el);
                int t = s;
                while (t < e && HttpChars.isTchar(a[t])) t++;
                int rest = t;
                while (rest < e && HttpChars.isOws(a[rest])) rest++;
                if (s == e) {
                    // empty list element: allowed by the list syntax, ignored
                } else if (t == s || (rest < e && a[rest] != ';')) {
                    return TE_BAD;
                } else {
                    elements++;
                    if (h.equalsIgnoreCase(s, t - s, "chunked")) {
                        if (rest < e) return TE_BAD; // chunked takes no parameters
                        chunkedSeen++;
                        chunkedLast = true;
                    } else {
                        other = true;
                        chunkedLast = false;
                    }
                }
            }
        }
        if (elements == 0) return TE_BAD;
        if (chunkedSeen > 1) return TE_TWICE;
        if (!other && chunkedSeen == 1) return TE_CHUNKED_ONLY;
        return chunkedLast ? TE_CHUNKED_LAST : TE_OTHER_CODING;
    }

    /**
     * Parses every Content-Length field as a list of decimal values that must all be equal
     * (RFC 9110 §8.6), stores the value, and collapses duplicates into a single field.
     */
    private static Error contentLength(HttpHead h) {
        byte[] a = h.arena();
        long value = -1;
        int elements = 0;
        for (int i = h.indexOf("Content-Length"); i >= 0; i = h.indexOf("Content-Length", i + 1)) {
            int end = h.valueOffset(i) + h.valueLength(i);
            for (long el = CommaList.first(a, h.valueOffset(i), end); el != CommaList.END; el = CommaList.next(a, el, end)) {
                int s = CommaList.start(el);
                int t = CommaList.end(el);
                if (s == t) return Error.CL_INVALID; // "5," too: Content-Length is not a list (RFC 9110 §8.6)
                long v = 0;
                for (int k = s; k < t; k++) {
                    int d = a[k] - '0';
                    if (d < 0 || d > 9) return Error.CL_INVALID;
                    if (v > (Long.MAX_VALUE - d) / 10) return Error.CL_INVALID;
                    v = v * 10 + d;
                }
                if (value >= 0 && v != value) return Error.CL_CONFLICT;
                value = v;
                elements++;
            }
        }
        h.setBody(BodyKind.LENGTH, value);
        if (elements > 1) {
            h.set("Content-Length", Long.toString(value));
        }
        return null;
    }
}
