package dev.epoxy.config;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Test helpers: parse a text named t.cfg, or collect the errors it is rejected with. */
final class Cfg {
    static final String DEFAULTS = String.join("\n",
            "defaults",
            "    mode http",
            "    timeout client 5s",
            "    timeout server 5s",
            "    timeout connect 5s",
            "");

    private Cfg() {
    }

    static Config parse(String text) throws ConfigException {
        ConfigParser p = new ConfigParser(Map.of("EPOXY_TEST_PORT", "9123")::get);
        p.addText("t.cfg", text);
        return p.finish();
    }

    static List<String> errors(String text) {
        return assertThrows(ConfigException.class, () -> parse(text), "config should have been rejected").errors();
    }

    static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }
}
