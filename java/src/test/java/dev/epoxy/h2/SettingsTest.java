package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static void assertRefused(H2Error expected, int id, long value) {
        H2Exception e = assertThrows(H2Exception.class, () -> new Settings().set(id, value));
        assertTrue(e.isConnectionError());
        assertEquals(expected, e.error());
    }

    @Test
    void defaultsAreTheRfcValues() {
        Settings s = new Settings();
        assertEquals(4096, s.headerTableSize());
        assertTrue(s.enablePush());
        assertEquals(Settings.UNLIMITED, s.maxConcurrentStreams());
        assertEquals(65_535, s.initialWindowSize());
        assertEquals(16_384, s.maxFrameSize());
        assertEquals(Settings.UNLIMITED, s.maxHeaderListSize());
        assertTrue(s.isEmpty());
        assertEquals(0, s.payloadLength());
    }

    @Test
    void enablePushMustBeZeroOrOne() throws H2Exception {
        assertFalse(new Settings().set(Settings.ENABLE_PUSH, 0).enablePush());
        assertTrue(new Settings().set(Settings.ENABLE_PUSH, 1).enablePush());
        assertRefused(H2Error.PROTOCOL_ERROR, Settings.ENABLE_PUSH, 2);
    }

    @Test
    void initialWindowSizeUpToTwoToThe31MinusOne() throws H2Exception {
        assertEquals(Integer.MAX_VALUE, new Settings().set(Settings.INITIAL_WINDOW_SIZE, 0x7fffffffL).initialWindowSize());
        assertEquals(0, new Settings().set(Settings.INITIAL_WINDOW_SIZE, 0).initialWindowSize());
        assertRefused(H2Error.FLOW_CONTROL_ERROR, Settings.INITIAL_WINDOW_SIZE, 0x80000000L);
    }

    @Test
    void maxFrameSizeWithinBounds() throws H2Exception {
        assertEquals(16_384, new Settings().set(Settings.MAX_FRAME_SIZE, 16_384).maxFrameSize());
        assertEquals(16_777_215, new Settings().set(Settings.MAX_FRAME_SIZE, 16_777_215).maxFrameSize());
        assertRefused(H2Error.PROTOCOL_ERROR, Settings.MAX_FRAME_SIZE, 16_383);
        assertRefused(H2Error.PROTOCOL_ERROR, Settings.MAX_FRAME_SIZE, 16_777_216);
    }

    @Test
    void otherParametersTakeAny32BitValue() throws H2Exception {
        Settings s = new Settings().set(Settings.HEADER_TABLE_SIZE, 0xffffffffL).set(Settings.MAX_CONCURRENT_STREAMS, 0)
                .set(Settings.MAX_HEADER_LIST_SIZE, 1);
        assertEquals(0xffffffffL, s.headerTableSize());
        assertEquals(0, s.maxConcurrentStreams());
        assertEquals(1, s.maxHeaderListSize());
    }

    @Test
    void unknownIdsAreIgnored() throws H2Exception {
        Settings s = new Settings().set(0x0, 5).set(0x8, 1).set(0xffff, 123);
        assertTrue(s.isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new Settings().with(0x8, 1));
    }

    @Test
    void applyFromCopiesOnlyWhatIsSet() throws H2Exception {
        Settings current = new Settings().set(Settings.MAX_FRAME_SIZE, 20_000);
        Settings frame = new Settings().set(Settings.INITIAL_WINDOW_SIZE, 1000);
        current.applyFrom(frame);
        assertEquals(20_000, current.maxFrameSize());
        assertEquals(1000, current.initialWindowSize());
        assertTrue(current.isSet(Settings.INITIAL_WINDOW_SIZE));
        assertFalse(current.isSet(Settings.HEADER_TABLE_SIZE));
    }

    @Test
    void payloadListsSetParametersInIdOrder() {
        Settings s = new Settings().with(Settings.MAX_CONCURRENT_STREAMS, 100).with(Settings.ENABLE_PUSH, 0);
        assertEquals(12, s.payloadLength());
        ByteBuffer b = ByteBuffer.allocate(12);
        s.writePayload(b);
        assertEquals("0002 00000000 0003 00000064".replace(" ", ""), Hex.of(b.flip()));
    }

    @Test
    void withRefusesInvalidLocalValues() {
        assertThrows(IllegalArgumentException.class, () -> new Settings().with(Settings.MAX_FRAME_SIZE, 100));
        assertThrows(IllegalArgumentException.class, () -> new Settings().with(Settings.HEADER_TABLE_SIZE, -1));
    }
}
