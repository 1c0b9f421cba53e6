package dev.epoxy.http;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one comma-separated list scanner (RFC 9110 §5.6.1) that the header rules share. */
class CommaListTest {
    /** The elements of {@code value} as found between the bytes {@code pad} on each side. */
    static List<String> elements(String value) {
        String pad = "xx";
        byte[] a = (pad + value + pad).getBytes(StandardCharsets.ISO_8859_1);
        int off = pad.length(), end = off + value.length();
        List<String> out = new ArrayList<>();
        for (long el = CommaList.first(a, off, end); el != CommaList.END; el = CommaList.next(a, el, end)) {
            int s = CommaList.start(el), e = CommaList.end(el);
            assertTrue(off <= s && s <= e && e <= end, "inside the value");
            out.add(new String(a, s, e - s, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    @Test
    void elementsAreTrimmedOfOptionalWhiteSpace() {
        assertEquals(List.of("close"), elements("close"));
        assertEquals(List.of("a", "b;q=1", "c d"), elements(" a ,\tb;q=1 ,c d\t"));
    }

    /**
     * n commas separate n + 1 elements, so a trailing comma and an empty value each give an
     * empty element. The old copies disagreed here: the Connection and hasToken loops stopped
     * before a trailing empty element, the framing ones visited it (which is how
     * "Content-Length: 5," and an empty Content-Length are refused).
     */
    @Test
    void emptyElementsAreVisited() {
        assertEquals(List.of(""), elements(""));
        assertEquals(List.of(""), elements("  "));
        assertEquals(List.of("a", ""), elements("a,"));
        assertEquals(List.of("", "a"), elements(",a"));
        assertEquals(List.of("a", "", "b"), elements("a, ,b"));
        assertEquals(List.of("", "", ""), elements(" , ,"));
    }

    @Test
    void theCallersRulesOnEmptyElements() {
        // Lists ignore them...
        HttpHead h = BodyFramingTest.req(11, "Connection", "close,", "Transfer-Encoding", ",chunked,");
        assertTrue(h.hasToken("Connection", "close"));
        assertNull(BodyFraming.request(h));
        assertEquals(BodyKind.CHUNKED, h.bodyKind());
        // ...Content-Length, not a list, refuses them, whether trailing or the whole value.
        assertEquals(BodyFraming.Error.CL_INVALID, BodyFraming.request(BodyFramingTest.req(11, "Content-Length", "5,")));
        assertEquals(BodyFraming.Error.CL_INVALID, BodyFraming.request(BodyFramingTest.req(11, "Content-Length", "")));
        assertEquals(BodyFraming.Error.CL_INVALID, BodyFraming.request(BodyFramingTest.req(11, "Content-Length", ",5")));
    }
}
