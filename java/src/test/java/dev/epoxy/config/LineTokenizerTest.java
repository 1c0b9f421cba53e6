package dev.epoxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LineTokenizerTest {
    private static final Function<String, String> ENV = Map.of("HOST", "127.0.0.1", "EMPTY", "", "PORT", "8080")::get;

    private static List<String> split(String line) throws LineTokenizer.SyntaxError {
        return LineTokenizer.split(line, ENV);
    }

    @Test
    void wordsAndComments() throws Exception {
        assertEquals(List.of("bind", ":8001"), split("    bind :8001"));
        assertEquals(List.of("timeout", "http-keep-alive", "1"), split("\ttimeout http-keep-alive 1  # one ms"));
        assertEquals(List.of(), split("    #tune.fd.edge-triggered on   # can speed up the issue"));
        assertEquals(List.of(), split("   \t "));
        assertEquals(List.of("a"), split("a#comment glued to a word"));
    }

    @Test
    void quotes() throws Exception {
        assertEquals(List.of("a b", "c"), split("\"a b\" c"));
        assertEquals(List.of("a # b"), split("'a # b'"));
        assertEquals(List.of("it's"), split("\"it's\""));
        assertEquals(List.of("say\"hi\""), split("'say\"hi\"'"));
        assertEquals(List.of("abcdef"), split("ab\"cd\"'ef'"), "quoted pieces glue into one word");
        assertEquals(List.of("", "x"), split("\"\" x"), "an empty quoted string is an empty word");
        assertEquals(List.of("a\\nb"), split("'a\\nb'"), "no escapes inside single quotes");
    }

    @Test
    void escapes() throws Exception {
        assertEquals(List.of("a b"), split("a\\ b"));
        assertEquals(List.of("#x"), split("\\#x"));
        assertEquals(List.of("\\"), split("\\\\"));
        assertEquals(List.of("'\""), split("\\'\\\""));
        assertEquals(List.of("a\tb\nc\rd"), split("a\\tb\\nc\\rd"));
        assertEquals(List.of("AZ"), split("\\x41\\x5a"));
        assertEquals(List.of("\\1"), split("\\1"), "unknown escapes are kept as written");
        assertEquals(List.of("$x"), split("\"\\$x\""), "escaped dollar inside double quotes");
        assertEquals(List.of("\\$x"), split("\\$x"), "outside quotes \\$ is not an escape");
    }

    @Test
    void environmentVariables() throws Exception {
        assertEquals(List.of("127.0.0.1:8080"), split("\"${HOST}:${PORT}\""));
        assertEquals(List.of("127.0.0.1:8080"), split("\"$HOST:$PORT\""));
        assertEquals(List.of("${HOST}"), split("${HOST}"), "variables are only expanded inside double quotes");
        assertEquals(List.of("${HOST}"), split("'${HOST}'"));
        assertEquals(List.of("x"), split("\"x${UNSET}\""), "unset variables expand to nothing");
        assertEquals(List.of("dflt"), split("\"${UNSET-dflt}\""));
        assertEquals(List.of(""), split("\"${EMPTY-dflt}\""), "defaults replace unset variables only, not empty ones");
        assertEquals(List.of("a$", "b"), split("\"a$\" b"));
    }

    @Test
    void errors() {
        assertEquals("unmatched double quote",
                assertThrows(LineTokenizer.SyntaxError.class, () -> split("bind \"abc")).getMessage());
        assertEquals("unmatched single quote",
                assertThrows(LineTokenizer.SyntaxError.class, () -> split("bind 'abc")).getMessage());
        assertEquals("truncated or invalid hexadecimal sequence at position 3 (expected \\xNN)",
                assertThrows(LineTokenizer.SyntaxError.class, () -> split("ab\\xZZ")).getMessage());
        assertEquals("missing '}' after variable name at position 2",
                assertThrows(LineTokenizer.SyntaxError.class, () -> split("\"${HOST\"")).getMessage());
        assertEquals("variable expansion into several words '${HOST[*]}' is not supported",
                assertThrows(LineTokenizer.SyntaxError.class, () -> split("\"${HOST[*]}\"")).getMessage());
    }
}
