package dev.epoxy.stream;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The interim (1xx) hand-over between a producing and a consuming mux, shared by HTTP/1 and HTTP/2. */
class HttpChannelTest {
    @Test
    void interimHeadsGoOutOneByOneBeforeTheFinalOne() {
        HttpChannel ch = new HttpChannel(64);
        ch.head.setStatusLine(100, null, 11);
        ch.interimIn();
        assertTrue(ch.headIn && ch.interim);
        assertFalse(ch.headWritten(), "an interim head");
        assertFalse(ch.headIn || ch.interim || ch.headOut, "room for the next head");
        assertEquals(0, ch.head.size());

        ch.head.setStatusLine(103, null, 11);
        ch.head.add("Link", "</a.css>; rel=preload");
        ch.interimIn();
        assertFalse(ch.headWritten());
        assertEquals(0, ch.head.size(), "an interim head's fields do not stay for the final one");

        ch.head.setStatusLine(200, null, 11);
        ch.headIn = true;
        assertTrue(ch.headWritten(), "the final head");
        assertTrue(ch.headOut);
        assertEquals(200, ch.head.status(), "kept for the log");
    }
}
