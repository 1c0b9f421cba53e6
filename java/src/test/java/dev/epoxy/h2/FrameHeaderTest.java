package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FrameHeaderTest {

    @Test
    void writesAndReadsNineBytes() {
        ByteBuffer b = ByteBuffer.allocate(9);
        FrameHeader.write(b, 0xabcdef, H2Frame.TYPE_HEADERS, H2Frame.FLAG_END_HEADERS | H2Frame.FLAG_PADDED, 0x7fffffff);
        assertEquals("abcdef 01 0c 7fffffff".replace(" ", ""), Hex.of(b.flip()));
        FrameHeader h = new FrameHeader().read(b);
        assertEquals(9, b.position());
        assertEquals(0xabcdef, h.length);
        assertEquals(H2Frame.TYPE_HEADERS, h.type);
        assertTrue(h.hasFlag(H2Frame.FLAG_PADDED));
        assertEquals(0x7fffffff, h.streamId);
    }

    @Test
    void reservedBitIsDroppedOnRead() {
        FrameHeader h = new FrameHeader().readAt(Hex.buffer("000000 08 00 80000003"), 0);
        assertEquals(3, h.streamId);
        assertEquals("WINDOW_UPDATE[len=0, flags=0x0, stream=3]", h.toString());
    }

    @Test
    void refusesBadValuesAndShortBuffers() {
        assertThrows(IllegalArgumentException.class, () -> FrameHeader.write(ByteBuffer.allocate(9), 1 << 24, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> FrameHeader.write(ByteBuffer.allocate(9), 0, 0, 0, -1));
        ByteBuffer eight = ByteBuffer.allocate(8);
        assertThrows(BufferOverflowException.class, () -> FrameHeader.write(eight, 0, 0, 0, 1));
        assertEquals(0, eight.position());
    }

    @Test
    void errorCodesMapBothWays() {
        for (H2Error e : H2Error.values()) {
            assertEquals(e, H2Error.forCode(e.code()));
        }
        assertEquals(0xd, H2Error.HTTP_1_1_REQUIRED.code());
        assertEquals(null, H2Error.forCode(0xe));
        assertEquals(null, H2Error.forCode(0xffffffffL));
    }
}
