package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code option forwardfor}, {@code http-buffer-request}, {@code abortonclose}, {@code dontlognull}. */
class ProxyOptionsTest {
    private static Epoxy start(TestBackend be, String lines) throws Exception {
        return Epoxy.start(Epoxy.global(2, false)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "listen li\n    bind 127.0.0.1:" + Epoxy.freePort() + "\n" + lines
                + "    server s1 127.0.0.1:" + be.port() + "\n");
    }

    @Test
    void forwardforAddsTheClientAddress() throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = start(be, "    option forwardfor\n");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /f HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, c.read().status);
            assertEquals("127.0.0.1", be.received.peek().header("x-forwarded-for"));
        }
    }

    @Test
    void httpBufferRequestWaitsForTheWholeBodyAndMakesItRetryable() throws Exception {
        RetryTest.Flaky flaky = new RetryTest.Flaky(1, RetryTest.CLOSE);
        try (TestBackend be = new TestBackend(flaky);
             Epoxy ep = start(be, "    option http-buffer-request\n    retry-on empty-response\n");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
            Thread.sleep(300);
            assertEquals(0, be.connections.get(), "no server connection before the body is complete");
            c.send("56789");
            RawClient.Response r = c.read();
            assertEquals(200, r.status, "the complete request was kept and retried");
            assertEquals(2, be.requests.get());
        }
    }

    @Test
    void abortoncloseDropsTheRequestWhenTheClientLeaves() throws Exception {
        TestBackend.Handler slow = (r, out) -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return TestBackend.respond(x -> new Object[] {200, "late"}).handle(r, out);
        };
        try (TestBackend be = new TestBackend(slow); Epoxy ep = start(be, "    option abortonclose\n");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            Thread.sleep(100);
            long t0 = System.nanoTime();
            c.s.shutdownOutput();
            assertTrue(c.closedByPeer(), "closed without the response");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1000, "aborted at once, not after the server answered: " + ms + " ms");
        }
        try (TestBackend be = new TestBackend(slow); Epoxy ep = start(be, "");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            c.s.shutdownOutput();
            assertEquals("late", c.read().text(), "without the option the response still comes");
        }
    }

    @Test
    void dontlognullKeepsEmptyConnectionsOutOfTheLog() throws Exception {
        int quiet = Epoxy.freePort(), loud = Epoxy.freePort();
        Path cfg = EpoxyProcess.config("global\n    nbthread 1\n    log stdout format raw local0\n"
                + "defaults\n    mode http\n    log global\n    option httplog\n    timeout client 5s\n"
                + "    timeout server 5s\n    timeout connect 2s\n    timeout http-request 200ms\n"
                + "frontend quiet\n    bind 127.0.0.1:" + quiet + "\n    option dontlognull\n    default_backend none\n"
                + "frontend loud\n    bind 127.0.0.1:" + loud + "\n    default_backend none\n"
                + "backend none\n    server s 127.0.0.1:1\n");
        try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-f", cfg.toString())) {
            assertNotNull(p.awaitLine(p.stderr, "epoxy started", 20_000));
            for (int port : new int[] {quiet, loud})
                try (RawClient c = new RawClient(port)) {
                    assertEquals(408, c.read().status);
                }
            assertNotNull(p.awaitLine(p.stdout, " loud loud/<NOSRV> ", 3000), "the empty connection is logged without the option");
            assertTrue(p.stdout.stream().noneMatch(l -> l.contains(" quiet ")), "and not with it: " + p.stdout);
        }
    }
}
