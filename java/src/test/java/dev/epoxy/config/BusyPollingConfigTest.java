package dev.epoxy.config;

import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** HAProxy's {@code busy-polling} and {@code no busy-polling} in {@code global}: off by default. */
class BusyPollingConfigTest {
    @Test
    void offByDefaultOnWhenGivenNegationTurnsItOff() throws Exception {
        assertFalse(Cfg.parse(lines("global", "    nbthread 1")).global().busyPolling());
        assertTrue(Cfg.parse(lines("global", "    busy-polling")).global().busyPolling());
        assertFalse(Cfg.parse(lines("global", "    busy-polling", "    no busy-polling")).global().busyPolling());
        assertTrue(Cfg.parse(lines("global", "    no busy-polling", "    busy-polling")).global().busyPolling());
    }

    @Test
    void badLinesAreFileLineErrors() {
        assertEquals(List.of("t.cfg:2: 'busy-polling' cannot handle unexpected argument 'on'."),
                Cfg.errors(lines("global", "    busy-polling on")));
        assertEquals(List.of("t.cfg:2: 'no busy-polling' cannot handle unexpected argument 'now'."),
                Cfg.errors(lines("global", "    no busy-polling now")));
        assertEquals(List.of("t.cfg:2: 'no' in 'global' is only supported for 'busy-polling'"),
                Cfg.errors(lines("global", "    no daemon")));
        assertEquals(List.of("t.cfg:2: 'no' in 'global' is only supported for 'busy-polling'"),
                Cfg.errors(lines("global", "    no")));
    }
}
