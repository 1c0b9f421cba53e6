package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.stream.IdlePools;
import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import dev.epoxy.testutil.Wait;
import org.junit.jupiter.api.Test;

/**
 * HAProxy's connection modes ({@code option http-keep-alive|http-server-close|httpclose}),
 * host-based routing, and the idle pool purge ({@code pool-purge-delay}).
 */
class ConnectionModesTest {
    private static Epoxy start(TestBackend be, String proxyLines) throws Exception {
        return Epoxy.start(Epoxy.global(2, false)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "listen li\n    bind 127.0.0.1:0\n" + proxyLines
                + "    server s1 127.0.0.1:" + be.port() + "\n");
    }

    @Test
    void httpServerCloseKeepsTheClientAndClosesTheServerSide() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be, "    option http-server-close\n");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            for (int i = 0; i < 3; i++) {
                c.send("GET /s" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(200, r.status);
                assertNull(r.header("connection"), "the client side stays open");
            }
            assertEquals(3, be.connections.get(), "one server connection per request");
            for (TestBackend.Request r : be.received)
                assertEquals("close", r.header("connection"), "the server is asked to close");
        }
    }

    @Test
    void httpcloseClosesBothSides() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be, "    option httpclose\n");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /once HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
            assertEquals("close", be.received.peek().header("connection"));
        }
    }

    @Test
    void useBackendByHostHeader() throws Exception {
        try (TestBackend a = new TestBackend(TestBackend.respond(r -> new Object[] {200, "a"}));
             TestBackend b = new TestBackend(TestBackend.respond(r -> new Object[] {200, "b"}));
             Epoxy ep = Epoxy.start(Epoxy.global(1, false)
                     + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                     + "frontend fe\n    bind 127.0.0.1:0\n"
                     + "    use_backend bb if { hdr(host) -i b.example }\n    default_backend aa\n"
                     + "backend aa\n    server s 127.0.0.1:" + a.port() + "\n"
                     + "backend bb\n    server s 127.0.0.1:" + b.port() + "\n");
             RawClient c = new RawClient(ep.rt.port("fe", 0))) {
            c.send("GET / HTTP/1.1\r\nHost: B.Example\r\n\r\n");
            assertEquals("b", c.read().text());
            c.send("GET / HTTP/1.1\r\nHost: other\r\n\r\n");
            assertEquals("a", c.read().text());
        }
    }

    @Test
    void idleConnectionsArePurgedAfterPoolPurgeDelay() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(Epoxy.global(1, false)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "listen li\n    bind 127.0.0.1:0\n    http-reuse always\n"
                + "    server s1 127.0.0.1:" + be.port() + " pool-purge-delay 200ms\n")) {
            int port = ep.rt.port("li", 0);
            // Four clients at once: four server connections in use, then idle in the pool.
            RawClient[] cs = new RawClient[4];
            for (int i = 0; i < cs.length; i++) {
                cs[i] = new RawClient(port);
                cs[i].send("GET /slowish HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            for (RawClient c : cs) {
                assertEquals(200, c.read().status);
                c.close();
            }
            IdlePools pools = ep.rt.backend("li").servers.get(0).pools;
            // Pooling happens on the proxy's side after the response went out: wait for it rather
            // than catch it in time (the first purge comes 200 ms after a connection is pooled).
            Wait.until("idle connections pooled", 10_000, () -> pools.size() >= 1);
            Wait.until("purged, half per delay", 10_000, () -> pools.size() == 0);
        }
    }
}
