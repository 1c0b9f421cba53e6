package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import dev.epoxy.testutil.Wait;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code option forwardfor}, {@code http-buffer-request}, {@code abortonclose}, {@code dontlognull}. */
class ProxyOptionsTest {
    private static Epoxy start(TestBackend be, String lines) throws Exception {
        return Epoxy.start(Epoxy.global(2, false)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "listen li\n    bind 127.0.0.1:0\n" + lines
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
            // "The proxy waits" has no later event to prove it: a bounded read (generous, the
            // connect would take well under a millisecond) during which nothing comes back and
            // no server connection is opened.
            assertTrue(c.silentFor(300), "no answer before the body is complete");
            assertEquals(0, be.connections.get(), "no server connection before the body is complete");
            c.send("56789");
            RawClient.Response r = c.read();
            assertEquals(200, r.status, "the complete request was kept and retried");
            assertEquals(2, be.requests.get());
        }
    }

    @Test
    void abortoncloseDropsTheRequestWhenTheClientLeaves() throws Exception {
        // The server holds the request until the test opens the gate (bounded, so a failure does not hang).
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        TestBackend.Handler held = (r, out) -> {
            try {
                gate.await(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return TestBackend.respond(x -> new Object[] {200, "late"}).handle(r, out);
        };
        try (TestBackend be = new TestBackend(held); Epoxy ep = start(be, "    option abortonclose\n");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            Wait.until("the request reached the server", 10_000, () -> be.requests.get() == 1);
            long t0 = System.nanoTime();
            c.s.shutdownOutput();
            assertTrue(c.closedByPeer(), "closed without the response");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // The gate is still closed: the server has not answered, so the abort did not wait for it.
            assertEquals(1, gate.getCount(), "the server had not answered");
            assertTrue(ms < 5000, "aborted at once, took " + ms + " ms");
        } finally {
            gate.countDown();
        }
        TestBackend.Handler slow = (r, out) -> {
            // The server's pace: it answers 1.5 s late, which gives the proxy ample time to see the
            // client's FIN first. No event shows the proxy has seen a FIN it ignores, so this is a
            // generous bound rather than a wait on a condition.
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return TestBackend.respond(x -> new Object[] {200, "late"}).handle(r, out);
        };
        try (TestBackend be = new TestBackend(slow); Epoxy ep = start(be, "");
             RawClient c = new RawClient(ep.rt.port("li", 0))) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            Wait.until("the request reached the server", 10_000, () -> be.requests.get() == 1);
            c.s.shutdownOutput();
            assertEquals("late", c.read().text(), "without the option the response still comes");
        }
    }

    @Test
    void dontlognullKeepsEmptyConnectionsOutOfTheLog() throws Exception {
        Path cfg = EpoxyProcess.config("global\n    nbthread 1\n    log stdout format raw local0\n"
                + "defaults\n    mode http\n    log global\n    option httplog\n    timeout client 5s\n"
                + "    timeout server 5s\n    timeout connect 2s\n    timeout http-request 200ms\n"
                + "frontend quiet\n    bind 127.0.0.1:0\n    option dontlognull\n    default_backend none\n"
                + "frontend loud\n    bind 127.0.0.1:0\n    default_backend none\n"
                + "backend none\n    server s 127.0.0.1:1\n");
        try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-d", "-f", cfg.toString())) {
            int quiet = p.awaitPort("quiet", 20_000), loud = p.awaitPort("loud", 5000);
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
