package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1 clients and a reused server connection that closes without one byte of response: an
 * idempotent request is sent again on a fresh connection instead of the client connection
 * being closed under it.
 */
class StaleReuseTest {
    private static String cfg(int threads, int bePort) throws java.io.IOException {
        return Epoxy.global(threads, false)
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 5s\n"
                + "listen li\n    bind 127.0.0.1:0\n    http-reuse always\n"
                + "    server s1 127.0.0.1:" + bePort + "\n";
    }

    @Test
    void idempotentRequestOnAStaleConnectionIsRetried() throws Exception {
        TestBackend.Handler ok = TestBackend.respond(r -> new Object[] {200, "conn=" + r.connId + " index=" + r.indexOnConn});
        try (TestBackend be = new TestBackend((r, out) -> r.indexOnConn >= 1 && r.target.startsWith("/stale") ? false : ok.handle(r, out));
                Epoxy ep = Epoxy.start(cfg(1, be.port())); RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("conn=1 index=0", c.read().text());
            c.send("GET /stale HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertEquals("conn=2 index=0", r.text());
        }
    }

    /**
     * A server that announces its idle close with a 408 as a reused connection's request
     * arrives: the request is sent again on a fresh connection, a POST with its body too (RFC
     * 9110 §15.5.9), and the client never sees the 408. On a fresh connection a 408 is the
     * server's answer and is forwarded.
     */
    @Test
    void a408OnAReusedConnectionIsSentAgainOnAFreshOne() throws Exception {
        TestBackend.Handler ok = TestBackend.respond(r -> new Object[] {200, "conn=" + r.connId + " index=" + r.indexOnConn
                + " body=" + r.body.length});
        TestBackend.Handler late = (r, out) -> {
            out.write("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".getBytes());
            out.flush();
            return false;
        };
        try (TestBackend be = new TestBackend((r, out) -> (r.indexOnConn >= 1 && r.target.startsWith("/late")
                        || r.target.startsWith("/always408") ? late : ok).handle(r, out));
                Epoxy ep = Epoxy.start(cfg(1, be.port())); RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("conn=1 index=0 body=0", c.read().text());
            c.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status);
            assertEquals("conn=2 index=0 body=0", r.text());
            c.send("POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
            r = c.read();
            assertEquals(200, r.status);
            assertEquals("conn=3 index=0 body=5", r.text());
            c.send("GET /always408 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals(408, c.read().status);
        }
    }

    /** Keep-alive GETs from 3 clients, server closing connections at random: 0 failures. */
    @Test
    void loadWithAServerClosingKeepAliveConnectionsAtRandom() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(cfg(3, be.port()))) {
            be.closeAfterResponse = 0.05;
            be.idleCloseMaxMs = 3;
            int port = ep.rt.port("li", 0);
            AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger();
            StringBuffer errors = new StringBuffer();
            long deadline = System.currentTimeMillis() + 60_000;
            Thread[] ts = new Thread[3];
            for (int t = 0; t < ts.length; t++) {
                ts[t] = new Thread(() -> {
                    for (int conn = 0; conn < 40 && System.currentTimeMillis() < deadline; conn++) {
                        try (RawClient c = new RawClient(port)) {
                            for (int i = 0; i < 25; i++) {
                                c.send("GET /r" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                                RawClient.Response r = c.read();
                                if (r.status == 200) {
                                    ok.incrementAndGet();
                                } else {
                                    failed.incrementAndGet();
                                    errors.append(r.status).append(' ');
                                }
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            errors.append(e).append(' ');
                        }
                    }
                });
                ts[t].start();
            }
            for (Thread t : ts)
                t.join(90_000);
            System.out.println("h1 stale-load: " + ok.get() + " ok, " + failed.get() + " failed, server silent closes " + be.silentCloses.get());
            assertEquals(0, failed.get(), errors.toString());
            assertEquals(3000, ok.get());
            assertTrue(be.silentCloses.get() > 50, "silent closes " + be.silentCloses.get());
        }
    }
}
