package dev.epoxy.load;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * bench/soak/run.sh for 20 s on the packaged proxy (bin/epoxy): a rude origin, wrk, h2load and
 * checking and rude clients at once. The script fails on any lost or wrong answer, wrk or h2load
 * error, stall report or connection left open, and on a load that did nothing. Twice: at
 * nbthread 2 level-triggered (the defaults), and at nbthread 1 edge-triggered, whose paths differ.
 */
class SoakTest {
    private static final int SECONDS = 20;

    @ParameterizedTest(name = "nbthread {0}, edge-triggered={1}")
    @CsvSource({"2, false", "1, true"})
    void misbehavingPeersLoseNothingAndLeaveNothing(int nbthread, boolean et) throws Exception {
        Path out = Files.createTempFile("soak", ".txt");
        try {
            int rc = 2;
            // Exit status 2: one of its ports was taken (or a tool is missing); try other ports.
            for (int attempt = 1; attempt <= 5 && rc == 2; attempt++) {
                ProcessBuilder pb = new ProcessBuilder("bash", "soak/run.sh").redirectErrorStream(true)
                        .redirectOutput(out.toFile());
                pb.environment().put("DURATION", Integer.toString(SECONDS));
                pb.environment().put("PORT_BASE", Integer.toString(portBase()));
                pb.environment().put("NBTHREAD", Integer.toString(nbthread));
                pb.environment().put("ET", et ? "1" : "0");
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

    /**
     * The script's four ports, below the kernel's ephemeral range: there no client connection of another
     * test holds a port as its local end, which would make the proxy's bind fail.
     */
    private static int portBase() throws IOException {
        String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
        int low = Integer.parseInt(range[0]);
        return 10000 + ThreadLocalRandom.current().nextInt(Math.max(1, low - 10000 - 20));
    }
}
