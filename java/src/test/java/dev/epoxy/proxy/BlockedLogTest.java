package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.RawClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Epoxy logs to a stdout pipe that nobody reads: the pipe fills, the log writer thread blocks,
 * and proxying must go on at full speed while the per-thread log rings drop lines and count them.
 * Once stdout is read again, the drops are reported there.
 */
class BlockedLogTest {
    @Test
    void aBlockedStdoutDoesNotStallProxyingAndDropsAreCounted() throws Exception {
        Path cfg = EpoxyProcess.config("global\n    nbthread 1\n    log stdout format raw local0\n"
                + "defaults\n    mode http\n    log global\n    option httplog\n    timeout client 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n"
                + "    http-request return status 200 content-type text/plain string \"ok\"\n");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.epoxy.Main", "-d", "-f", cfg.toString());
        Process p = new ProcessBuilder(cmd).start(); // stdout: a pipe nobody reads for now
        try {
            LinkedBlockingQueue<String> err = new LinkedBlockingQueue<>();
            EpoxyProcess.pump(p.getErrorStream(), err);
            int port = listeningPort(err, 20_000);
            // About 110 bytes per line: a 64 KiB pipe holds ~600 lines, a ring 1024 more.
            int n = 4000;
            long t0 = System.nanoTime();
            for (int c = 0; c < 4; c++) {
                try (RawClient client = new RawClient(port)) {
                    for (int i = 0; i < n / 4; i++) {
                        client.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
                        assertEquals(200, client.read().status); // 10 s socket timeout: a stall fails here
                    }
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 60_000, n + " requests took " + ms + " ms");
            // Read stdout again: the writer thread resumes and reports what it dropped.
            LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
            EpoxyProcess.pump(p.getInputStream(), out);
            String report = null;
            long deadline = System.currentTimeMillis() + 10_000;
            int lines = 0;
            while (report == null && System.currentTimeMillis() < deadline) {
                String l = out.poll(100, TimeUnit.MILLISECONDS);
                if (l == null)
                    continue;
                if (l.contains("log messages dropped"))
                    report = l;
                else
                    lines++;
            }
            assertTrue(report != null, "a drop report on stdout after " + lines + " lines");
            long dropped = Long.parseLong(report.trim().split(" ")[0]);
            assertTrue(dropped > 0 && dropped < n, report);
            assertTrue(lines + dropped <= n, lines + " lines and " + dropped + " drops for " + n + " requests");
            assertTrue(await(err, "log messages dropped", 5000), "also reported on stderr");
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The port of frontend fe, from the "'fe' listening on HOST:PORT" line that -d prints. */
    private static int listeningPort(LinkedBlockingQueue<String> err, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            String l = err.poll(100, TimeUnit.MILLISECONDS);
            java.util.regex.Matcher m = l == null ? null : java.util.regex.Pattern.compile("'fe' listening on \\S*:(\\d+)").matcher(l);
            if (m != null && m.find())
                return Integer.parseInt(m.group(1));
        }
        throw new AssertionError("epoxy did not start listening");
    }

    private static boolean await(LinkedBlockingQueue<String> q, String text, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            String l = q.poll(100, TimeUnit.MILLISECONDS);
            if (l != null && l.contains(text))
                return true;
        }
        return false;
    }
}
