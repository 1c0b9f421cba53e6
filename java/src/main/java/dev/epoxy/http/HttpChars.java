package dev.epoxy.http;

/**
 * Byte classes from RFC 9110/9112 as lookup tables, shared by the H1 codec and the header helpers.
 * A table lookup per byte keeps the parser loops branch-light.
 */
public final class HttpChars {
    private HttpChars() {
    }

    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] URI = new boolean[256];
    private static final boolean[] FIELD_VALUE = new boolean[256];

    static {
        // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
        //         / DIGIT / ALPHA
        for (int c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (int c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;

        // Request-target bytes. Like HAProxy's default (without accept-invalid-http-request), visible
        // ASCII except the characters RFC 3986 never allows unescaped: " < > \ ^ ` { | }; and '#':
        // a fragment is never part of a request-target (RFC 9112 §3.2), and a server that cuts the
        // path there sees another path than the rules did (HAProxy refuses it: CVE-2023-45539).
        for (int c = 0x21; c < 0x7f; c++) URI[c] = true;
        for (char c : "\"<>\\^`{|}#".toCharArray()) URI[c] = false;

        // field-value bytes: VCHAR, SP, HTAB and obs-text; never NUL, CR, LF, other CTLs or DEL.
        FIELD_VALUE['\t'] = true;
        for (int c = 0x20; c < 0x7f; c++) FIELD_VALUE[c] = true;
        for (int c = 0x80; c < 0x100; c++) FIELD_VALUE[c] = true;
    }

    /** True if {@code b} may appear in a token (method, header name, transfer coding). */
    public static boolean isTchar(int b) {
        return TCHAR[b & 0xff];
    }

    /** True if {@code b} may appear unescaped in a request-target. */
    public static boolean isUriChar(int b) {
        return URI[b & 0xff];
    }

    /** True if {@code b} may appear in a header field value. */
    public static boolean isFieldValueChar(int b) {
        return FIELD_VALUE[b & 0xff];
    }

    /** True for optional white space (SP or HTAB). */
    public static boolean isOws(int b) {
        return b == ' ' || b == '\t';
    }

    /** ASCII lower-casing of one byte (header names are ASCII tokens). */
    public static int lower(int b) {
        b &= 0xff;
        return (b >= 'A' && b <= 'Z') ? b + 32 : b;
    }

    /** True if the string is a non-empty token. */
    public static boolean isToken(CharSequence s) {
        if (s.length() == 0) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xff || !TCHAR[c]) return false;
        }
        return true;
    }

    /** True if every char of the string is a legal field-value byte. */
    public static boolean isFieldValue(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xff || !FIELD_VALUE[c]) return false;
        }
        return true;
    }
}
