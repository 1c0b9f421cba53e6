package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.stream.IdlePools;
import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import dev.epoxy.testutil.Wait;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code http-reuse} modes, ported from HAProxy's http_reuse_*.vtc: which request goes on which
 * server connection, seen from the server (its connection number and the request's index on
 * it). Run with 1, 3 and 4 threads: with several threads, reuse across client connections
 * needs an idle connection taken over from another thread.
 */
class ReuseTest {
    /** Thread counts and trigger modes: 1, 3 and 4 threads level-triggered, 1 and 4 edge-triggered. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> modes() {
        return java.util.stream.Stream.of(args(1, false), args(3, false), args(4, false), args(1, true), args(4, true));
    }

    private static org.junit.jupiter.params.provider.Arguments args(int threads, boolean et) {
        return org.junit.jupiter.params.provider.Arguments.of(threads, et);
    }

    private static String cfg(int threads, boolean et, int be, String extra) {
        return Epoxy.global(threads, et)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "listen li\n    bind 127.0.0.1:0\n" + extra
                + "    server s1 127.0.0.1:" + be + "\n";
    }

    /**
     * One client connection sending {@code n} requests; returns "conn:index" per response once
     * the proxy has torn the client's session down, so its server connection is in the idle
     * pool (or closed) before the next client comes.
     */
    private static List<String> client(Epoxy ep, int n) throws IOException, InterruptedException {
        List<String> seen = new ArrayList<>();
        try (RawClient c = new RawClient(ep.port("li"))) {
            for (int i = 0; i < n; i++) {
                c.send("GET /r" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(200, r.status);
                seen.add(r.header("x-conn") + ":" + r.header("x-index"));
            }
        }
        ep.awaitNoConnections("li");
        return seen;
    }

    private static int index(String connIndex) {
        return Integer.parseInt(connIndex.split(":")[1]);
    }

    @ParameterizedTest(name = "nbthread {0}, edge-triggered {1}")
    @MethodSource("modes")
    void never(int threads, boolean et) throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(cfg(threads, et, be.port(), "    http-reuse never\n"))) {
            Set<String> conns = new HashSet<>();
            for (int c = 0; c < 3; c++) {
                List<String> s = client(ep, 2);
                assertEquals(0, index(s.get(0)), "each client's first request opens a connection");
                assertEquals(1, index(s.get(1)), "its second request reuses that connection");
                assertEquals(s.get(0).split(":")[0], s.get(1).split(":")[0]);
                conns.add(s.get(0).split(":")[0]);
            }
            assertEquals(3, conns.size(), "connections are private to their client");
            assertEquals(3, be.connections.get());
        }
    }

    @ParameterizedTest(name = "nbthread {0}, edge-triggered {1}")
    @MethodSource("modes")
    void safe(int threads, boolean et) throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(cfg(threads, et, be.port(), ""))) {
            List<String> c1 = client(ep, 2);
            assertEquals(List.of(0, 1), List.of(index(c1.get(0)), index(c1.get(1))));
            List<String> c2 = client(ep, 2);
            assertEquals(0, index(c2.get(0)), "a first request never reuses a shared connection in safe mode");
            assertTrue(index(c2.get(1)) >= 1, "a later request does: " + c2);
            assertEquals(2, be.connections.get());
        }
    }

    @ParameterizedTest(name = "nbthread {0}, edge-triggered {1}")
    @MethodSource("modes")
    void aggressive(int threads, boolean et) throws Exception {
        try (TestBackend be = TestBackend.ok();
             Epoxy ep = Epoxy.start(cfg(threads, et, be.port(), "    http-reuse aggressive\n"))) {
            client(ep, 1);
            List<String> c2 = client(ep, 2);
            assertEquals(0, index(c2.get(0)), "no connection is proven safe yet: the first request opens one");
            assertTrue(index(c2.get(1)) >= 1, c2.toString());
            List<String> c3 = client(ep, 1);
            assertTrue(index(c3.get(0)) >= 2, "a first request reuses the connection proven safe: " + c3);
            assertEquals(2, be.connections.get());
        }
    }

    @ParameterizedTest(name = "nbthread {0}, edge-triggered {1}")
    @MethodSource("modes")
    void always(int threads, boolean et) throws Exception {
        try (TestBackend be = TestBackend.ok();
             Epoxy ep = Epoxy.start(cfg(threads, et, be.port(), "    http-reuse always\n"))) {
            for (int c = 0; c < 8; c++) {
                List<String> s = client(ep, 1);
                assertEquals(c, index(s.get(0)), "client " + c + " reuses the one idle connection");
            }
            assertEquals(1, be.connections.get());
            int takeovers = ep.rt.backend("li").servers.get(0).pools.takeovers.get();
            if (threads > 1)
                assertTrue(takeovers >= 1, "clients on other threads took the connection over: " + takeovers);
            else
                assertEquals(0, takeovers);
        }
    }

    @Test
    void idlePoolSharedOffKeepsEachThreadToItsOwnConnections() throws Exception {
        try (TestBackend be = TestBackend.ok();
             Epoxy ep = Epoxy.start(cfg(4, false, be.port(), "    http-reuse always\n")
                     .replace("nbthread 4\n", "nbthread 4\n    tune.idle-pool.shared off\n"))) {
            for (int c = 0; c < 8; c++)
                client(ep, 1);
            // Clients land on the threads round-robin: each thread opens its own connection and
            // reuses it, never another thread's.
            assertEquals(0, ep.rt.backend("li").servers.get(0).pools.takeovers.get());
            assertEquals(4, be.connections.get());
        }
    }

    @ParameterizedTest(name = "nbthread {0}, edge-triggered {1}")
    @MethodSource("modes")
    void idleConnectionClosedByTheServerIsDropped(int threads, boolean et) throws Exception {
        // The server answers without announcing a close, then closes while the connection is idle.
        try (TestBackend be = new TestBackend((r, out) -> {
            TestBackend.respond(x -> new Object[] {200, "once"}).handle(r, out);
            return false;
        }); Epoxy ep = Epoxy.start(cfg(threads, et, be.port(), "    http-reuse always\n"))) {
            IdlePools pools = ep.rt.backend("li").servers.get(0).pools;
            for (int i = 0; i < 5; i++) {
                client(ep, 1);
                Wait.until("the closed idle connection left the pool", 5000, () -> pools.size() == 0);
            }
            assertEquals(5, be.connections.get());
        }
    }

    @ParameterizedTest(name = "nbthread {0}, edge-triggered {1}")
    @MethodSource("modes")
    void poolMaxConnZeroDisablesSharing(int threads, boolean et) throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(Epoxy.global(threads, et)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "listen li\n    bind 127.0.0.1:0\n    http-reuse always\n"
                + "    server s1 127.0.0.1:" + be.port() + " pool-max-conn 0\n")) {
            for (int c = 0; c < 3; c++)
                assertEquals(0, index(client(ep, 1).get(0)));
            assertEquals(3, be.connections.get());
        }
    }

    @ParameterizedTest(name = "nbthread {0}, edge-triggered {1}")
    @MethodSource("modes")
    void surplusIdleConnectionsAreNotKept(int threads, boolean et) throws Exception {
        // In safe mode first requests never reuse, so each new client opens a connection; without
        // HAProxy's admission rule every one of them would be pooled (an fd leak under load).
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(cfg(threads, et, be.port(), ""))) {
            IdlePools pools = ep.rt.backend("li").servers.get(0).pools;
            for (int c = 0; c < 20; c++) {
                assertEquals(0, index(client(ep, 1).get(0)));
                assertTrue(pools.size() <= threads, "idle connections kept: " + pools.size());
            }
            assertEquals(20, be.connections.get());
        }
    }
}
