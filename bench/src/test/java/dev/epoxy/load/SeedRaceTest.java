package dev.epoxy.load;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.config.ConfigParser;
import dev.epoxy.fd.FdHooks;
import dev.epoxy.proxy.ProxyRuntime;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HAProxy's seed-1 scenario, bounded: the bundled examples/seed-race.cfg (a listen reusing
 * server connections with {@code http-reuse always} and {@code retry-on all-retryable-errors}
 * towards a frontend whose 1 ms keep-alive timeout closes them almost at once), 3 threads,
 * driven for 20 s by one client opening a new connection per request. Idle connections are
 * taken over across threads while their server closes them: the fd race of the seed commit.
 * It must run without a stall: no second without a completed request, no request over 1 s,
 * no error.
 */
class SeedRaceTest {
    private static final int SECONDS = 20;

    /**
     * The bundled config as is (3 threads, one user), level- and edge-triggered; then 4 threads,
     * two users and yields injected in the racing windows of the fd table (its fault-injection
     * hooks), which makes the HAProxy bug reproduce within seconds when the pre-fix close order
     * is restored (see SeedSoak --pre-fix --widen).
     */
    @ParameterizedTest(name = "edge-triggered {0}, {1} threads, {2} users, widened {3}")
    @CsvSource({"false, 3, 1, false", "true, 3, 1, false", "false, 4, 2, true"})
    void seedScenarioRunsWithoutAStall(boolean edgeTriggered, int threads, int users, boolean widen) throws Exception {
        String cfg = Files.readString(Path.of("../examples/seed-race.cfg")).replace("nbthread 3", "nbthread " + threads);
        // "f" binds port 0 and is read back. "b" is f's server, so its port must be in the config
        // before the start: it gets a port free a moment ago. Should something else take it
        // meanwhile, b's bind fails at start and we start again on another port (bounded).
        cfg = cfg.replace("127.0.0.1:8001", "127.0.0.1:0");
        if (edgeTriggered)
            cfg = cfg.replace("#tune.fd.edge-triggered on", "tune.fd.edge-triggered on");
        assertEquals(edgeTriggered, cfg.contains("\n    tune.fd.edge-triggered on"));
        ProxyRuntime rt = null;
        for (int attempt = 1; rt == null; attempt++) {
            int back;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                back = s.getLocalPort();
            }
            ProxyRuntime candidate = new ProxyRuntime(ConfigParser.parse("seed-race.cfg", cfg.replace("127.0.0.1:8002", "127.0.0.1:" + back)));
            try {
                candidate.start();
                rt = candidate;
            } catch (java.io.IOException e) {
                candidate.close();
                if (attempt == 5)
                    throw e;
            }
        }
        int front = rt.port("f", 0);
        if (widen) {
            FdHooks.updateBitAfterGrab = fd -> Thread.yield();
            FdHooks.deleteAfterTgidReset = fd -> Thread.yield();
        }
        try {
            H1Load.Result r = new H1Load("127.0.0.1", front, "/", false, 1000).run(users, widen ? 15 : SECONDS, 10_000_000);
            System.out.println("seed scenario, edge-triggered=" + edgeTriggered + ", threads=" + threads + ", users="
                    + users + ", widened=" + widen + ": " + r);
            assertEquals(0, r.errors, r.toString());
            assertEquals(0, r.slow, "requests over 1 s: " + r);
            assertEquals(0, r.zeroSeconds(), "seconds without a completed request: " + r);
            assertTrue(r.requests >= 500, "the scenario really ran: " + r);
            int takeovers = rt.backend("f").servers.get(0).pools.takeovers.get();
            System.out.println("idle connections taken over across threads: " + takeovers);
        } finally {
            rt.close();
            FdHooks.clear();
        }
    }
}
