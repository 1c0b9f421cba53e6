package dev.epoxy.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line as operators use it, in a separate process: -c, -vv, startup, logs. */
class CommandLineProcessTest {
    @Test
    void checkAcceptsTheBundledExamples() throws Exception {
        for (String f : List.of("../examples/quickstart.cfg", "../examples/seed-race.cfg")) {
            try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-c", "-f", f)) {
                assertEquals(0, p.waitFor(30), f);
                assertNotNull(p.awaitLine(p.stdout, "Configuration file is valid", 2000), f);
            }
        }
    }

    @Test
    void checkReportsFileAndLineAndExits1() throws Exception {
        Path cfg = EpoxyProcess.config("global\n    nbthread 2\ndefaults\n    mode http\n"
                + "frontend fe\n    bind 127.0.0.1:8080\n    bogus-keyword 1\n    default_backend nowhere\n");
        try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-c", "-f", cfg.toString())) {
            assertEquals(1, p.waitFor(30));
            String err = p.awaitLine(p.stderr, cfg + ":7:", 2000);
            assertNotNull(err, "an [ALERT] naming file:line of the bad keyword; stderr was " + p.stderr);
            assertTrue(err.startsWith("[ALERT] "), err);
            assertTrue(err.contains("bogus-keyword"), err);
        }
    }

    @Test
    void startingWithABadConfigFailsTheSameWay() throws Exception {
        Path cfg = EpoxyProcess.config("global\n    nbthread zero\n");
        try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-f", cfg.toString())) {
            assertEquals(1, p.waitFor(30));
            assertNotNull(p.awaitLine(p.stderr, cfg + ":2:", 2000), "stderr: " + p.stderr);
        }
    }

    @Test
    void versionVerboseNamesTheRuntime() throws Exception {
        try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-vv")) {
            assertEquals(0, p.waitFor(30));
            assertNotNull(p.awaitLine(p.stdout, "Epoxy version", 2000));
            assertNotNull(p.awaitLine(p.stdout, "JNA", 2000));
        }
    }

    @Test
    void httplogLineForEachRequest() throws Exception {
        try (TestBackend be = TestBackend.ok()) {
            Path cfg = EpoxyProcess.config("global\n    nbthread 2\n    log stdout format raw local0\n"
                    + "defaults\n    mode http\n    log global\n    option httplog\n"
                    + "    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                    + "frontend web\n    bind 127.0.0.1:0\n    default_backend app\n"
                    + "backend app\n    server srv1 127.0.0.1:" + be.port() + "\n");
            try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-d", "-f", cfg.toString())) {
                int port = p.awaitPort("web", 20_000);
                assertNotNull(p.awaitLine(p.stderr, "epoxy started", 20_000), "startup summary; stderr " + p.stderr);
                try (RawClient c = new RawClient(port)) {
                    c.send("GET /logged?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
                    assertEquals(200, c.read().status);
                }
                String line = p.awaitLine(p.stdout, "GET /logged", 5000);
                assertNotNull(line, "one log line; stdout " + p.stdout);
                // %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r
                assertTrue(line.matches("127\\.0\\.0\\.1:\\d+ \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] web app/srv1 "
                        + "\\d+/\\d+/\\d+/\\d+/\\d+ 200 \\d+ - - ---- \\d+/\\d+/\\d+/\\d+/\\d+ \\d+/\\d+ \"GET /logged\\?x=1 HTTP/1\\.1\""),
                        line);
            }
        }
    }

    @Test
    void logFormatsPutHAProxysHeaders() throws Exception {
        try (TestBackend be = TestBackend.ok()) {
            Path cfg = EpoxyProcess.config("global\n    nbthread 1\n"
                    + "defaults\n    mode http\n    option httplog\n"
                    + "    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                    + "frontend shortfmt\n    bind 127.0.0.1:0\n    log stdout format short local0\n    default_backend app\n"
                    + "frontend fivefmt\n    bind 127.0.0.1:0\n    log stdout format rfc5424 local1\n    default_backend app\n"
                    + "backend app\n    server srv1 127.0.0.1:" + be.port() + "\n");
            try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-d", "-f", cfg.toString())) {
                int a = p.awaitPort("shortfmt", 20_000), b = p.awaitPort("fivefmt", 5000);
                assertNotNull(p.awaitLine(p.stderr, "epoxy started", 20_000), "stderr " + p.stderr);
                for (int port : new int[] {a, b})
                    try (RawClient c = new RawClient(port)) {
                        c.send("GET /f HTTP/1.1\r\nHost: a\r\n\r\n");
                        assertEquals(200, c.read().status);
                    }
                // short: the severity alone (info = 6, as HAProxy 2.6 writes it); rfc5424: local1.info = 17*8+6 = 142
                String s = p.awaitLine(p.stdout, " shortfmt app/srv1 ", 5000);
                assertNotNull(s, "stdout " + p.stdout);
                assertTrue(s.startsWith("<6>127.0.0.1:"), s);
                String r = p.awaitLine(p.stdout, " fivefmt app/srv1 ", 5000);
                assertNotNull(r, "stdout " + p.stdout);
                assertTrue(r.matches("<142>1 \\d{4}-\\d\\d-\\d\\dT\\S+ \\S+ epoxy \\d+ - - 127\\.0\\.0\\.1:.*"), r);
            }
        }
    }
}
