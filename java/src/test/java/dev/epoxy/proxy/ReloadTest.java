package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.TestBackend;
import dev.epoxy.testutil.Tools;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Seamless reload under load: Epoxy started as a process with {@code -f cfg}, then three times
 * {@code -f cfg -sf <oldpid>} while wrk (HTTP/1.1 keep-alive) or h2load (HTTP/2) runs. The new
 * process takes the listening sockets over (SCM_RIGHTS), the old one soft-stops and exits 0.
 */
class ReloadTest {
    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The client's output, each old process's exit code, and the processes (for their logs). */
    private record Run(Tools.Result client, List<Integer> oldExits, List<EpoxyProcess> processes) {
        /** Every access-log line (and drop report) the processes printed so far. */
        List<String> logLines() {
            List<String> lines = new ArrayList<>();
            for (EpoxyProcess p : processes)
                for (String l : p.stdout)
                    if (isAccessLine(l) || l.contains("dropped"))
                        lines.add(l);
            return lines;
        }

        static boolean isAccessLine(String l) {
            // wrk's requests, and h2load's as HAProxy logs HTTP/2 ones (absolute URI)
            return l.contains("\"GET / HTTP/1.1\"") || l.matches(".*\"GET http://[^ ]*/ HTTP/2.0\"$");
        }
    }

    private static Run reloadThreeTimes(TestBackend be, boolean h2, Path h2log) throws Exception {
        int port = freePort(), h2port = freePort();
        Path cfg = EpoxyProcess.config("global\n    nbthread 2\n    hard-stop-after 20s\n    log stdout format raw local0\n"
                + "defaults\n    mode http\n    log global\n    option httplog\n    timeout client 10s\n    timeout server 10s\n    timeout connect 2s\n"
                + "    timeout http-keep-alive 2s\n"
                + "frontend fe\n    bind 127.0.0.1:" + port + "\n    bind 127.0.0.1:" + h2port + " proto h2\n"
                + "    default_backend be\nbackend be\n    server s1 127.0.0.1:" + be.port() + "\n");
        List<EpoxyProcess> all = new ArrayList<>();
        try {
            EpoxyProcess cur = EpoxyProcess.start(List.of("-Xmx256m"), "-f", cfg.toString());
            all.add(cur);
            assertNotNull(cur.awaitLine(cur.stderr, "epoxy started", 20_000), "first process did not start: " + cur.stderr);
            CompletableFuture<Tools.Result> client = CompletableFuture.supplyAsync(() -> {
                try {
                    return h2
                            // A request count, not a duration (-D): at the end of a duration h2load
                            // drops the up to 100 streams in flight without a trace in its log,
                            // while the proxy logs them (answered, or CD-- when the connection
                            // went first; seen once, under strace). And at a GOAWAY an
                            // h2load connection gives up its remaining requests, so the H2 load
                            // reaches the first reload; the wrk test covers all three.
                            ? Tools.run(40, Tools.require("h2load", "nghttp2-client"), "-c", "10", "-m", "10", "-n", "200000",
                                    "--log-file=" + h2log, "http://127.0.0.1:" + h2port + "/")
                            : Tools.run(40, Tools.require("wrk", "wrk"), "-c", "20", "-t", "2", "-d", "6s",
                                    "http://127.0.0.1:" + port + "/");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // Wait until the client's traffic reaches the first process before the first reload.
            dev.epoxy.testutil.Wait.until("client traffic through the first process", 10_000,
                    () -> be.requests.get() >= 1000);
            List<Integer> exits = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                EpoxyProcess next = EpoxyProcess.start(List.of("-Xmx256m"), "-f", cfg.toString(), "-sf",
                        Long.toString(cur.process.pid()));
                all.add(next);
                assertNotNull(next.awaitLine(next.stderr, "epoxy started", 20_000), "reload " + i + " did not start: " + next.stderr);
                assertNotNull(cur.awaitLine(cur.stderr, "handed 2 listening socket(s)", 10_000),
                        "old process did not hand its listeners over: " + cur.stderr);
                exits.add(cur.waitFor(30));
                cur = next;
            }
            Tools.Result r = client.get(60, TimeUnit.SECONDS);
            assertTrue(cur.process.isAlive(), "the last process still runs");
            cur.close(); // a stop writes out the queued log lines before the process exits
            return new Run(r, exits, all);
        } finally {
            for (EpoxyProcess p : all)
                p.close();
        }
    }

    @Test
    void wrkAcrossThreeReloadsLosesNothing() throws Exception {
        try (TestBackend be = TestBackend.ok()) {
            Run run = reloadThreeTimes(be, false, null);
            String out = run.client().out();
            assertEquals(List.of(0, 0, 0), run.oldExits(), "each old process exits 0");
            assertFalse(out.contains("Socket errors"), out);
            assertFalse(out.contains("Non-2xx"), out);
            Matcher m = Pattern.compile("(\\d+) requests in").matcher(out);
            assertTrue(m.find() && Long.parseLong(m.group(1)) > 1000, out);
        }
    }

    @Test
    void h2loadAcrossThreeReloadsGetsOnlySuccessesOrUnsentRequests() throws Exception {
        Path log = Files.createTempFile("h2load", ".log");
        try (TestBackend be = TestBackend.ok()) {
            Run run = reloadThreeTimes(be, true, log);
            String out = run.client().out();
            assertEquals(List.of(0, 0, 0), run.oldExits(), "each old process exits 0");
            assertTrue(out.contains(" 0 3xx, 0 4xx, 0 5xx"), out);
            assertTrue(out.contains(" 0 timeout"), out);
            // h2load counts as "errored" the requests it submits on a connection after our final
            // GOAWAY: it neither sends them nor retries them elsewhere, and they have no status (-1).
            long answered = 0, unsent = 0;
            for (String l : Files.readAllLines(log)) {
                String[] f = l.split("\t");
                if (f.length < 2)
                    continue;
                if (f[1].equals("200"))
                    answered++;
                else if (f[1].equals("-1"))
                    unsent++;
                else
                    throw new AssertionError("unexpected request status: " + l);
            }
            assertTrue(answered > 1000, out);
            // They never reached the proxy: every process logs every stream it received, whatever
            // its end (an aborted one is logged too), and the logs hold exactly the answered ones.
            long want = answered;
            // If this runs out, the assertions below say what is missing (drop reports, lines per process).
            dev.epoxy.testutil.Wait.holds(10_000, () -> run.logLines().size() >= want);
            List<String> logged = run.logLines();
            assertFalse(logged.stream().anyMatch(l -> l.contains("dropped")), "log lines were dropped: "
                    + logged.stream().filter(l -> l.contains("dropped")).toList());
            assertTrue(logged.stream().allMatch(l -> l.contains(" 200 ")), "a stream ended without 200: "
                    + logged.stream().filter(l -> !l.contains(" 200 ")).findFirst().orElse(""));
            assertEquals(answered, logged.size(), () -> "requests the proxies logged vs requests h2load got answered; "
                    + "per process, lines logged and stderr: " + run.processes().stream()
                            .map(p -> p.stdout.stream().filter(Run::isAccessLine).count() + " " + p.stderr)
                            .toList());
            // Bounded by what can be in flight when a connection is told to go: 3 reloads x 10
            // connections x 10 streams.
            assertTrue(unsent <= 300, "unsent " + unsent + "\n" + out);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
