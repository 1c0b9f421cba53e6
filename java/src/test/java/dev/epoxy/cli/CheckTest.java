package dev.epoxy.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code -c} output and exit codes, HAProxy style. */
class CheckTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int check(Path... files) {
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            return Check.run(List.of(files), o, e);
        }
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static final String VALID = String.join("\n", "defaults", "    mode http", "    timeout client 5s",
            "    timeout server 5s", "    timeout connect 5s", "frontend fe", "    bind 127.0.0.1:8080",
            "    default_backend be", "backend be", "    server s1 127.0.0.1:8081", "");

    @Test
    void valid(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("ok.cfg"), VALID);
        assertEquals(0, check(f));
        assertEquals("Configuration file is valid\n", out());
        assertEquals("", err());
    }

    @Test
    void validWithWarnings(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("warn.cfg"), VALID + "backend empty\n");
        assertEquals(0, check(f));
        assertEquals("Warnings were found.\nConfiguration file is valid\n", out());
        assertEquals("[WARNING] " + f + ":11: backend 'empty' has no server\n", err());
    }

    @Test
    void invalidPrintsEveryErrorAsAlert(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("bad.cfg"), VALID.replace("    server s1 127.0.0.1:8081",
                "    server s1 127.0.0.1:8081 check agent-check\n    foo") + "backend empty\n");
        assertEquals(1, check(f));
        assertEquals("", out());
        assertEquals(String.join("\n",
                "[WARNING] " + f + ":12: backend 'empty' has no server",
                "[ALERT] " + f + ":10: server 's1' : 'agent-check' is not supported by Epoxy",
                "[ALERT] " + f + ":11: unknown keyword 'foo' in 'backend' section",
                "[ALERT] Fatal errors found in configuration.", ""), err());
    }

    @Test
    void severalFilesAndCommandLine(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("a.cfg"), "global\n    nbthread 2\n");
        Path b = Files.writeString(dir.resolve("b.cfg"), VALID);
        CommandLine cl = CommandLine.parse(new String[] {"-c", "-f", a.toString(), "-f", b.toString()});
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            assertEquals(0, Check.run(cl, o, e));
        }
        assertEquals("Configuration file is valid\n", out());
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path f = dir.resolve("missing.cfg");
        assertEquals(1, check(f));
        assertEquals("[ALERT] " + f + ": could not open configuration file: No such file or directory\n"
                + "[ALERT] Fatal errors found in configuration.\n", err());
    }

    @Test
    void loadReturnsTheConfigOrNull(@TempDir Path dir) throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.cfg"), VALID + "backend empty\n");
        Path bad = Files.writeString(dir.resolve("bad.cfg"), "global\n    nbthread 0\n");
        try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            dev.epoxy.config.Config c = Check.load(List.of(ok), e);
            assertEquals("be", c.frontend("fe").defaultBackend());
            assertEquals(null, Check.load(List.of(bad), e));
        }
        assertEquals(String.join("\n",
                "[WARNING] " + ok + ":11: backend 'empty' has no server",
                "[ALERT] " + bad + ":2: 'nbthread' value must be between 1 and 64 (was 0)",
                "[ALERT] Fatal errors found in configuration.", ""), err());
        assertEquals("", out());
    }
}
