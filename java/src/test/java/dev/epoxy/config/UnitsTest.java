package dev.epoxy.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UnitsTest {
    @Test
    void timeUnits() {
        assertEquals(250, Units.parseTimeMs("250"));
        assertEquals(100, Units.parseTimeMs("100ms"));
        assertEquals(5000, Units.parseTimeMs("5s"));
        assertEquals(60_000, Units.parseTimeMs("1m"));
        assertEquals(7_200_000, Units.parseTimeMs("2h"));
        assertEquals(86_400_000, Units.parseTimeMs("1d"));
        assertEquals(1, Units.parseTimeMs("1us"), "microseconds round up so they never mean 'unset'");
        assertEquals(2, Units.parseTimeMs("1001us"));
        assertEquals(0, Units.parseTimeMs("0"));
        assertEquals(Integer.MAX_VALUE, Units.parseTimeMs("2147483647"));
    }

    @Test
    void timeInMicroseconds() {
        assertEquals(10, Units.parseTimeUs("10us"));
        assertEquals(1000, Units.parseTimeUs("1ms"));
        assertEquals(2000, Units.parseTimeUs("2"));
        assertEquals(1_000_000, Units.parseTimeUs("1s"));
        assertEquals(86_400_000_000L, Units.parseTimeUs("1d"));
        assertEquals(2_147_483_647_000L, Units.parseTimeUs("2147483647000us"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseTimeUs("2147483647001us"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseTimeUs("25d"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseTimeUs("10 us"));
    }

    @Test
    void timeErrors() {
        assertEquals("unexpected character 'x' in time value '5x' (units: us, ms, s, m, h, d)",
                assertThrows(IllegalArgumentException.class, () -> Units.parseTimeMs("5x")).getMessage());
        assertEquals("unexpected character '-' in time value '-1'",
                assertThrows(IllegalArgumentException.class, () -> Units.parseTimeMs("-1")).getMessage());
        assertEquals("timer overflow in '25d' (maximum value is 2147483647 ms or ~24.8 days)",
                assertThrows(IllegalArgumentException.class, () -> Units.parseTimeMs("25d")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.parseTimeMs("2147483648"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseTimeMs("99999999999999999999999"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseTimeMs(""));
        assertThrows(IllegalArgumentException.class, () -> Units.parseTimeMs("5 s"));
    }

    @Test
    void sizes() {
        assertEquals(16384, Units.parseSize("16384"));
        assertEquals(16384, Units.parseSize("16k"));
        assertEquals(16384, Units.parseSize("16K"));
        assertEquals(2 << 20, Units.parseSize("2m"));
        assertEquals(1 << 30, Units.parseSize("1g"));
        assertEquals("unexpected suffix 'kb' in size '16kb' (k, m or g)",
                assertThrows(IllegalArgumentException.class, () -> Units.parseSize("16kb")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.parseSize("2g"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseSize("k"));
    }

    @Test
    void unsigned() {
        assertEquals(42, Units.parseUnsigned("42", 100));
        assertEquals(-1, Units.parseUnsigned("101", 100));
        assertEquals(-1, Units.parseUnsigned("+1", 100));
        assertEquals(-1, Units.parseUnsigned("", 100));
        assertEquals(-1, Units.parseUnsigned("1k", 10000));
    }
}
