package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlowWindowTest {

    @Test
    void consumeAndCredit() throws H2Exception {
        FlowWindow w = new FlowWindow(1, 65_535);
        w.consume(65_000);
        assertEquals(535, w.size());
        w.credit(1000);
        assertEquals(1535, w.available());
        w.consume(1535);
        assertEquals(0, w.available());
    }

    @Test
    void consumingMoreThanTheWindowIsAFlowControlErrorOfItsScope() throws H2Exception {
        FlowWindow stream = new FlowWindow(5, 10);
        H2Exception e = assertThrows(H2Exception.class, () -> stream.consume(11));
        assertTrue(e.isStreamError());
        assertEquals(5, e.streamId());
        assertEquals(H2Error.FLOW_CONTROL_ERROR, e.error());
        assertEquals(10, stream.size(), "unchanged");

        FlowWindow conn = new FlowWindow(0, 10);
        H2Exception c = assertThrows(H2Exception.class, () -> conn.consume(11));
        assertTrue(c.isConnectionError());
        assertEquals(H2Error.FLOW_CONTROL_ERROR, c.error());
    }

    @Test
    void creditUpToTwoToThe31MinusOne() throws H2Exception {
        FlowWindow w = new FlowWindow(0, 65_535);
        w.credit(Integer.MAX_VALUE - 65_535);
        assertEquals(Integer.MAX_VALUE, w.size());
        H2Exception e = assertThrows(H2Exception.class, () -> w.credit(1));
        assertTrue(e.isConnectionError());
        assertEquals(H2Error.FLOW_CONTROL_ERROR, e.error());
        assertEquals(Integer.MAX_VALUE, w.size(), "unchanged");

        FlowWindow s = new FlowWindow(3, Integer.MAX_VALUE);
        H2Exception se = assertThrows(H2Exception.class, () -> s.credit(Integer.MAX_VALUE));
        assertTrue(se.isStreamError());
        assertEquals(3, se.streamId());
        assertEquals(H2Error.FLOW_CONTROL_ERROR, se.error());
    }

    @Test
    void initialWindowDeltaMayGoNegative() throws H2Exception {
        FlowWindow w = new FlowWindow(1, 65_535);
        w.consume(60_000);
        w.applyInitialWindowDelta(16_384 - 65_535); // peer lowered SETTINGS_INITIAL_WINDOW_SIZE
        assertEquals(5_535 - 49_151, w.size());
        assertEquals(0, w.available());
        assertThrows(H2Exception.class, () -> w.consume(1));
        w.credit(50_000);
        assertEquals(6_384, w.size());
    }

    @Test
    void initialWindowDeltaOverflowIsAConnectionErrorEvenForAStream() throws H2Exception {
        FlowWindow w = new FlowWindow(7, 65_535);
        w.credit(Integer.MAX_VALUE - 65_535 - 10);
        H2Exception e = assertThrows(H2Exception.class, () -> w.applyInitialWindowDelta(11));
        assertTrue(e.isConnectionError());
        assertEquals(H2Error.FLOW_CONTROL_ERROR, e.error());
        assertEquals(Integer.MAX_VALUE - 10, w.size(), "unchanged");
        w.applyInitialWindowDelta(10);
        assertEquals(Integer.MAX_VALUE, w.size());
    }

    @Test
    void badArgumentsAreProgrammingErrors() {
        assertThrows(IllegalArgumentException.class, () -> new FlowWindow(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new FlowWindow(0, -1).size());
        FlowWindow w = new FlowWindow(0, 10);
        assertThrows(IllegalArgumentException.class, () -> w.credit(0));
        assertThrows(IllegalArgumentException.class, () -> w.consume(-1));
    }
}
