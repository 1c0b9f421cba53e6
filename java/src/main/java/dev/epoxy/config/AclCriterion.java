package dev.epoxy.config;

import java.util.List;
import java.util.function.Function;

/**
 * One ACL test: a sample fetch, a matching method and patterns (any pattern matching is a match).
 * Fetches: the request path (without query string) or one request header. For headers, the
 * value is cut at commas and each trimmed element is tried, like HAProxy's {@code hdr()} in an
 * ACL. Matching works on regions of the sample and allocates nothing.
 */
public record AclCriterion(Fetch fetch, String headerName, Match match, boolean ignoreCase, List<String> patterns) {

    public enum Fetch {
        /** The request path, without the query string. */
        PATH,
        /** A request header; {@code headerName} is its lower-case name. */
        HDR,
        /** The predefined {@code TRUE} ACL. */
        ALWAYS
    }

    /** HAProxy's matching methods (the {@code -m} names) that Epoxy implements. */
    public enum Match {
        STR, BEG, END, SUB, DIR, DOM, FOUND;

        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static final AclCriterion ALWAYS = new AclCriterion(Fetch.ALWAYS, null, Match.FOUND, false, List.of());

    public AclCriterion {
        patterns = List.copyOf(patterns);
    }

    /**
     * Evaluates against a request.
     *
     * @param path   the request path without query string (null when absent)
     * @param header returns the value of the header whose lower-case name is given, or null
     */
    public boolean test(String path, Function<String, String> header) {
        switch (fetch) {
            case ALWAYS:
                return true;
            case PATH:
                return path != null && testRegion(path, 0, path.length());
            default:
                String value = header.apply(headerName);
                if (value == null) {
                    return false;
                }
                int n = value.length();
                int start = 0;
                while (start <= n) {
                    int comma = value.indexOf(',', start);
                    int end = comma < 0 ? n : comma;
                    int a = start;
                    int b = end;
                    while (a < b && isSpace(value.charAt(a))) {
                        a++;
                    }
                    while (b > a && isSpace(value.charAt(b - 1))) {
                        b--;
                    }
                    if (testRegion(value, a, b)) {
                        return true;
                    }
                    if (comma < 0) {
                        break;
                    }
                    start = comma + 1;
                }
                return false;
        }
    }

    private boolean testRegion(String s, int from, int to) {
        if (match == Match.FOUND) {
            return true;
        }
        for (int i = 0; i < patterns.size(); i++) {
            if (matchOne(s, from, to, patterns.get(i))) {
                return true;
            }
        }
        return false;
    }

    private boolean matchOne(String s, int from, int to, String p) {
        int len = to - from;
        int plen = p.length();
        switch (match) {
            case STR:
                return len == plen && s.regionMatches(ignoreCase, from, p, 0, plen);
            case BEG:
                return len >= plen && s.regionMatches(ignoreCase, from, p, 0, plen);
            case END:
                return len >= plen && s.regionMatches(ignoreCase, to - plen, p, 0, plen);
            case SUB:
                for (int i = from; i + plen <= to; i++) {
                    if (s.regionMatches(ignoreCase, i, p, 0, plen)) {
                        return true;
                    }
                }
                return false;
            case DIR:
                return matchWord(s, from, to, p, "/?");
            case DOM:
                return matchWord(s, from, to, p, "/?.:");
            default:
                return false;
        }
    }

    /**
     * HAProxy's word match: the pattern (its own leading and trailing delimiters were removed
     * when parsing) must appear in the sample bounded by delimiters or the sample's ends.
     */
    private boolean matchWord(String s, int from, int to, String p, String delims) {
        int plen = p.length();
        if (plen == 0) {
            return false;
        }
        for (int i = from; i + plen <= to; i++) {
            boolean startOk = i == from || delims.indexOf(s.charAt(i - 1)) >= 0;
            if (!startOk) {
                continue;
            }
            int e = i + plen;
            boolean endOk = e == to || delims.indexOf(s.charAt(e)) >= 0;
            if (endOk && s.regionMatches(ignoreCase, i, p, 0, plen)) {
                return true;
            }
        }
        return false;
    }

    /** True when the criterion reads HTTP data (all but the constant ones). */
    public boolean needsHttp() {
        return fetch != Fetch.ALWAYS;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
