package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import org.junit.jupiter.api.Test;

/** {@code timeout http-request} (408 once a request has started) and {@code timeout http-keep-alive} (silent close). */
class ClientTimeoutsTest {
    private static Epoxy start(int be, String fe) throws Exception {
        return Epoxy.start(Epoxy.global(2, false)
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 5s\n    timeout connect 2s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n" + fe + "    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + be + "\n");
    }

    @Test
    void incompleteRequestGets408AfterHttpRequestTimeout() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be.port(), "    timeout http-request 300ms\n");
             RawClient c = new RawClient(ep.rt.port("fe", 0))) {
            long t0 = System.nanoTime();
            c.send("GET /slowloris HTTP/1.1\r\nHost: x\r\n");
            RawClient.Response r = c.read();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(408, r.status);
            assertTrue(ms >= 250 && ms < 3000, "after about 300 ms, took " + ms);
            assertTrue(c.closedByPeer());
            assertEquals(0, be.requests.get());
        }
    }

    @Test
    void idleKeepAliveConnectionClosesSilently() throws Exception {
        try (TestBackend be = TestBackend.ok();
             Epoxy ep = start(be.port(), "    timeout http-request 5s\n    timeout http-keep-alive 200ms\n");
             RawClient c = new RawClient(ep.rt.port("fe", 0))) {
            c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello /one\n", c.read().text());
            long t0 = System.nanoTime();
            assertTrue(c.closedByPeer(), "closed without a 408");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 150 && ms < 3000, "after about 200 ms idle, took " + ms);
        }
    }

    @Test
    void keepAliveTimerDoesNotCutARequestInProgress() throws Exception {
        try (TestBackend be = TestBackend.ok();
             Epoxy ep = start(be.port(), "    timeout http-request 2s\n    timeout http-keep-alive 100ms\n");
             RawClient c = new RawClient(ep.rt.port("fe", 0))) {
            c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, c.read().status);
            c.send("GET /two HTTP/1.1\r\n");
            // The client's pace, on purpose: it stays mid-request past the keep-alive timeout
            // (100 ms) and well within http-request (2 s). The answer below proves the cut did not happen.
            Thread.sleep(400);
            c.send("Host: x\r\n\r\n");
            assertEquals("hello /two\n", c.read().text());
        }
    }

    @Test
    void silentConnectionGets408LikeHAProxy() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be.port(), "    timeout http-request 200ms\n");
             RawClient c = new RawClient(ep.rt.port("fe", 0))) {
            assertEquals(408, c.read().status);
            assertTrue(c.closedByPeer());
        }
    }
}
