package dev.epoxy.load;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bench/soak/run.sh for 20 s on the packaged proxy (bin/epoxy): a rude origin, wrk, h2load and
 * checking and rude clients at once. The script fails on any lost or wrong answer, wrk or h2load
 * error, stall report or connection left open, and on a load that did nothing.
 */
class SoakTest {
    private static final int SECONDS = 20;

    @Test
    void misbehavingPeersLoseNothingAndLeaveNothing() throws Exception {
        Path out = Files.createTempFile("soak", ".txt");
        try {
            int rc = 2;
            // Exit status 2: one of its ports was taken (or a tool is missing); try other ports.
            for (int attempt = 1; attempt <= 5 && rc == 2; attempt++) {
                ProcessBuilder pb = new ProcessBuilder("bash", "soak/run.sh").redirectErrorStream(true)
                        .redirectOutput(out.toFile());
                pb.environment().put("DURATION", Integer.toString(SECONDS));
                pb.environment().put("PORT_BASE", Integer.toString(freePort()));
                Process p = pb.start();
                if (!p.waitFor(SECONDS + 150, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroy);
                    p.destroy();
                    fail("the soak did not end in time:\n" + Files.readString(out, StandardCharsets.UTF_8));
                }
                rc = p.exitValue();
            }
            String report = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, rc, report);
            assertTrue(report.contains("epoxy: every check passed"), report);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A port free a moment ago, below the range whose next two ports the script also takes. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return Math.min(s.getLocalPort(), 60000);
        }
    }
}
