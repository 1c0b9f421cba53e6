package dev.epoxy.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {
    private static CommandLine parse(String... args) throws UsageException {
        return CommandLine.parse(args);
    }

    @Test
    void filesInOrder() throws Exception {
        CommandLine cl = parse("-f", "a.cfg", "-f", "conf.d", "-f", "b.cfg");
        assertEquals(List.of(Path.of("a.cfg"), Path.of("conf.d"), Path.of("b.cfg")), cl.configFiles());
        assertFalse(cl.checkOnly());
        assertFalse(cl.debug());
        assertFalse(cl.foreground());
        assertFalse(cl.help());
        assertEquals(CommandLine.VersionRequest.NONE, cl.version());
    }

    @Test
    void flags() throws Exception {
        CommandLine cl = parse("-c", "-d", "-db", "-f", "x.cfg");
        assertTrue(cl.checkOnly());
        assertTrue(cl.debug());
        assertTrue(cl.foreground());
        assertEquals(List.of(Path.of("x.cfg")), cl.configFiles());
    }

    @Test
    void filesAfterDoubleDash() throws Exception {
        CommandLine cl = parse("-f", "a.cfg", "--", "b.cfg", "-c");
        assertEquals(List.of(Path.of("a.cfg"), Path.of("b.cfg"), Path.of("-c")), cl.configFiles());
        assertFalse(cl.checkOnly(), "after -- everything is a file name");
    }

    @Test
    void versionAndHelpNeedNoFile() throws Exception {
        assertEquals(CommandLine.VersionRequest.SHORT, parse("-v").version());
        assertEquals(CommandLine.VersionRequest.VERBOSE, parse("-vv").version());
        assertEquals(CommandLine.VersionRequest.VERBOSE, parse("-vv", "-v").version());
        assertTrue(parse("-h").help());
    }

    @Test
    void lifecycleFlags() throws Exception {
        CommandLine cl = parse("-f", "a", "-D", "-q", "-dM", "-dMfail", "-p", "/run/e.pid", "-sf", "12", "34", "-d");
        assertTrue(cl.daemon() && cl.quiet() && cl.debug());
        assertEquals("/run/e.pid", cl.pidfile());
        assertEquals(java.util.List.of(12L, 34L), cl.oldPids());
        assertTrue(!cl.hardStopOld() && parse("-f", "a", "-st", "5").hardStopOld());
    }

    @Test
    void usageErrors() {
        assertEquals("unknown option '-y'", assertThrows(UsageException.class, () -> parse("-y", "-f", "a")).getMessage());
        assertTrue(assertThrows(UsageException.class, () -> parse("-x", "/s", "-f", "a")).getMessage().startsWith("'-x' is not supported"));
        assertTrue(assertThrows(UsageException.class, () -> parse("-W", "-f", "a")).getMessage().contains("master-worker"));
        assertEquals("'-sf' requires at least one process id",
                assertThrows(UsageException.class, () -> parse("-f", "a", "-sf")).getMessage());
        assertEquals("'-st' expects process ids (got '0')",
                assertThrows(UsageException.class, () -> parse("-f", "a", "-st", "0")).getMessage());
        assertEquals("unknown option '-vvv'", assertThrows(UsageException.class, () -> parse("-vvv")).getMessage());
        assertEquals("option '-f' requires a configuration file or directory argument",
                assertThrows(UsageException.class, () -> parse("-c", "-f")).getMessage());
        assertEquals("no configuration file specified (use -f <cfgfile>)",
                assertThrows(UsageException.class, () -> parse("-c")).getMessage());
        assertEquals("no configuration file specified (use -f <cfgfile>)",
                assertThrows(UsageException.class, () -> parse()).getMessage());
        assertEquals("unexpected argument 'a.cfg' (configuration files are given with -f)",
                assertThrows(UsageException.class, () -> parse("a.cfg")).getMessage());
        assertEquals("empty configuration file name", assertThrows(UsageException.class, () -> parse("-f", "")).getMessage());
    }

    @Test
    void usageAndVersionTexts() {
        assertTrue(CommandLine.usage().startsWith("Usage : epoxy [-f <cfgfile|cfgdir>]*"));
        assertTrue(CommandLine.usage().contains("-c check configuration and exit"));
        assertTrue(Version.text(false).startsWith("Epoxy version "));
        assertEquals(1, Version.text(false).lines().count());
        assertTrue(Version.text(true).startsWith(Version.text(false)));
        assertTrue(Version.text(true).contains("Java " + System.getProperty("java.version")));
    }
}
