package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import dev.epoxy.testutil.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server connection the proxy closes without a clean shutdown closes with a reset (HAProxy's
 * rule), so it leaves no TIME_WAIT on the proxy's side: with one server connection per client
 * request, thousands of them made every connect() search the TIME_WAITs for a free port.
 */
class ServerCloseTimeWaitTest {
    /** Sockets of this host whose remote port is {@code port}, by TCP state ("01" established, "06" TIME_WAIT). */
    private static long count(int port, String st) {
        String rem = String.format(":%04X", port);
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/net/tcp"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return lines.stream().skip(1).map(l -> l.trim().split("\\s+"))
                .filter(f -> f[2].endsWith(rem) && f[3].equals(st)).count();
    }

    @Test
    void serverConnectionsClosedByTheProxyLeaveNoTimeWait() throws Exception {
        String cfg = Epoxy.global(1, false)
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 5s\n"
                + "listen li\n    bind 127.0.0.1:0\n    http-reuse never\n";
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(cfg + "    server s1 127.0.0.1:" + be.port() + "\n")) {
            int port = ep.rt.port("li", 0);
            for (int i = 0; i < 20; i++) {
                try (RawClient c = new RawClient(port)) {
                    c.send("GET /r" + i + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    assertEquals(200, c.read().status);
                }
            }
            // The proxy closes each server connection once its client is gone.
            Wait.until("the proxy closed its server connections", 5000, () -> count(be.port(), "01") == 0);
            assertEquals(0, count(be.port(), "06"), "TIME_WAIT sockets toward the server on the proxy's side");
        }
    }
}
