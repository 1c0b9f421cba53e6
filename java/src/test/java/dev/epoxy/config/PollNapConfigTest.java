package dev.epoxy.config;

import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code tune.poll-nap} in {@code global}: a time from 0 to 1 ms, off (0) by default. */
class PollNapConfigTest {
    @Test
    void defaultAndValues() throws Exception {
        assertEquals(0, Cfg.parse(lines("global", "    nbthread 1")).global().pollNapUs());
        assertEquals(10, Cfg.parse(lines("global", "    tune.poll-nap 10us")).global().pollNapUs());
        assertEquals(0, Cfg.parse(lines("global", "    tune.poll-nap 10us", "    tune.poll-nap 0")).global().pollNapUs());
        assertEquals(50, Cfg.parse(lines("global", "    tune.poll-nap 50us")).global().pollNapUs());
        assertEquals(1000, Cfg.parse(lines("global", "    tune.poll-nap 1ms")).global().pollNapUs());
        assertEquals(1000, Cfg.parse(lines("global", "    tune.poll-nap 1")).global().pollNapUs(), "bare numbers are ms");
    }

    @Test
    void badLinesAreFileLineErrors() {
        assertEquals(List.of("t.cfg:2: 'tune.poll-nap' expects a time from 0 to 1ms, not '2ms'"),
                Cfg.errors(lines("global", "    tune.poll-nap 2ms")));
        assertEquals(List.of("t.cfg:2: 'tune.poll-nap' expects a time from 0 to 1ms"),
                Cfg.errors(lines("global", "    tune.poll-nap")));
        assertEquals(List.of("t.cfg:2: 'tune.poll-nap' cannot handle unexpected argument 'us'."),
                Cfg.errors(lines("global", "    tune.poll-nap 10 us")));
        assertEquals(List.of("t.cfg:2: 'tune.poll-nap': unexpected character 'x' in time value '5x' (units: us, ms, s, m, h, d)"),
                Cfg.errors(lines("global", "    tune.poll-nap 5x")));
    }
}
