package dev.epoxy.config;

import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code tune.stall-report <time>} in {@code global}: default 5 s, 0 = off, HAProxy time units. */
class StallReportConfigTest {
    @Test
    void defaultAndValues() throws Exception {
        assertEquals(5000, Cfg.parse(lines("global", "    nbthread 1")).global().stallReportMs());
        assertEquals(0, Cfg.parse(lines("global", "    tune.stall-report 0")).global().stallReportMs());
        assertEquals(250, Cfg.parse(lines("global", "    tune.stall-report 250ms")).global().stallReportMs());
        assertEquals(120_000, Cfg.parse(lines("global", "    tune.stall-report 2m")).global().stallReportMs());
        assertEquals(1, Cfg.parse(lines("global", "    tune.stall-report 10us")).global().stallReportMs());
    }

    @Test
    void badValuesAreFileLineErrors() {
        assertEquals(List.of("t.cfg:2: 'tune.stall-report': unexpected character 'x' in time value '5x'"
                        + " (units: us, ms, s, m, h, d)"),
                Cfg.errors(lines("global", "    tune.stall-report 5x")));
        assertEquals(List.of("t.cfg:3: 'tune.stall-report': unexpected character 'o' in time value 'off'"),
                Cfg.errors(lines("global", "    nbthread 1", "    tune.stall-report off")));
        assertEquals(List.of("t.cfg:2: 'tune.stall-report' expects a time (0 turns the stall report off)"),
                Cfg.errors(lines("global", "    tune.stall-report")));
        assertEquals(List.of("t.cfg:2: 'tune.stall-report' cannot handle unexpected argument 's'."),
                Cfg.errors(lines("global", "    tune.stall-report 5 s")));
        assertEquals(List.of("t.cfg:2: 'tune.stall-report': timer overflow in '30d' (maximum value is 2147483647 ms or ~24.8 days)"),
                Cfg.errors(lines("global", "    tune.stall-report 30d")));
    }

    @Test
    void notAllowedOutsideGlobal() {
        List<String> errs = Cfg.errors(lines("defaults", "    tune.stall-report 1s"));
        assertEquals(1, errs.size(), errs.toString());
        assertEquals(true, errs.get(0).startsWith("t.cfg:2: "), errs.toString());
    }
}
