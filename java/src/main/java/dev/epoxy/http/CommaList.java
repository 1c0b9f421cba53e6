package dev.epoxy.http;

/**
 * Walks the elements of a comma-separated field value (RFC 9110 §5.6.1, {@code #element}) in a
 * byte array, without allocating: an element is a {@code long} holding its start and end, with
 * the optional white space around it trimmed off.
 *
 * <pre>
 * for (long el = CommaList.first(a, off, end); el != CommaList.END; el = CommaList.next(a, el, end))
 *     use(CommaList.start(el), CommaList.end(el));
 * </pre>
 *
 * <p>Every element is visited, empty ones included: n commas separate n + 1 elements, so
 * {@code "a,"} is {@code a} and an empty element, and an empty value is one empty element. The
 * list syntax lets a recipient ignore empty elements (Connection, Transfer-Encoding, Expect do);
 * a field that is not a list may reject them (Content-Length does, as HAProxy does).
 */
public final class CommaList {
    private CommaList() {
    }

    /** Returned by {@link #next} after the last element. */
    public static final long END = -1;

    /** The first element of the value in {@code a[off, end)} (there is always one, maybe empty). */
    public static long first(byte[] a, int off, int end) {
        return element(a, off, end);
    }

    /** The element after {@code el}, or {@link #END}. */
    public static long next(byte[] a, long el, int end) {
        int p = end(el); // only white space lies between an element's end and its comma
        while (p < end && a[p] != ',') p++;
        return p < end ? element(a, p + 1, end) : END;
    }

    /** Where the element starts (its first byte that is not white space). */
    public static int start(long el) {
        return (int) (el >>> 32);
    }

    /** Where the element ends (exclusive, trailing white space excluded); equals start if empty. */
    public static int end(long el) {
        return (int) el;
    }

    /** The element starting at {@code p}: up to the next comma or {@code end}, trimmed. */
    private static long element(byte[] a, int p, int end) {
        int e = p;
        while (e < end && a[e] != ',') e++;
        int s = p;
        while (s < e && HttpChars.isOws(a[s])) s++;
        while (e > s && HttpChars.isOws(a[e - 1])) e--;
        return (long) s << 32 | e;
    }
}
