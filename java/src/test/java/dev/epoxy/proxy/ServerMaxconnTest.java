package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import dev.epoxy.testutil.Wait;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Server {@code maxconn} with HAProxy's queue and {@code timeout queue}; {@code balance first|leastconn}. */
class ServerMaxconnTest {
    /**
     * A server taking {@code ms} per request (its pace, not an ordering) or, with a latch, holding
     * every request until the test opens it; records the requests it has now and at most at once.
     */
    static final class Slow implements TestBackend.Handler {
        final AtomicInteger now = new AtomicInteger(), peak = new AtomicInteger();
        final long ms;
        final CountDownLatch gate;

        Slow(long ms) {
            this.ms = ms;
            this.gate = null;
        }

        /** Holds each request until {@code gate} opens (at most 20 s, so a failed test does not hang). */
        Slow(CountDownLatch gate) {
            this.ms = 0;
            this.gate = gate;
        }

        @Override
        public boolean handle(TestBackend.Request r, java.io.OutputStream out) throws java.io.IOException {
            peak.accumulateAndGet(now.incrementAndGet(), Math::max);
            try {
                if (gate != null)
                    gate.await(20, TimeUnit.SECONDS);
                else
                    Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                now.decrementAndGet();
            }
            return TestBackend.respond(x -> new Object[] {200, "done " + x.target}).handle(r, out);
        }
    }

    private static Epoxy start(String lines) throws Exception {
        return Epoxy.start(Epoxy.global(3, false)
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 2s\n"
                + "listen li\n    bind 127.0.0.1:0\n" + lines);
    }

    private static List<CompletableFuture<RawClient.Response>> concurrent(int port, int n) {
        List<CompletableFuture<RawClient.Response>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String path = "/c" + i;
            fs.add(CompletableFuture.supplyAsync(() -> {
                try (RawClient c = new RawClient(port)) {
                    c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    return c.read();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        return fs;
    }

    @Test
    void requestsBeyondMaxconnWaitInTheQueue() throws Exception {
        Slow slow = new Slow(200);
        try (TestBackend be = new TestBackend(slow); Epoxy ep = start("    server s1 127.0.0.1:" + be.port() + " maxconn 1\n")) {
            long t0 = System.nanoTime();
            for (CompletableFuture<RawClient.Response> f : concurrent(ep.rt.port("li", 0), 4))
                assertEquals(200, f.get(10, TimeUnit.SECONDS).status);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(1, slow.peak.get(), "never more than maxconn requests at the server");
            assertTrue(ms >= 750, "four requests one after the other, took " + ms + " ms");
        }
    }

    @Test
    void queueTimeoutGives503() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Slow slow = new Slow(gate);
        try (TestBackend be = new TestBackend(slow);
             Epoxy ep = start("    timeout queue 200ms\n    server s1 127.0.0.1:" + be.port() + " maxconn 1\n")) {
            int port = ep.rt.port("li", 0);
            CompletableFuture<RawClient.Response> first = concurrent(port, 1).get(0);
            Wait.until("the first request holds the server's only slot", 10_000, () -> slow.now.get() == 1);
            long t0 = System.nanoTime();
            RawClient.Response second = concurrent(port, 1).get(0).get(10, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, second.status);
            // The slot is still taken (the server holds the first request until the gate opens):
            // the 503 comes from the queue timeout, not from a slot freed in time.
            assertEquals(1, slow.now.get(), "the first request is still at the server");
            assertFalse(first.isDone(), "the first request is still waiting for its answer");
            assertTrue(ms >= 150 && ms < 5000, "after the queue timeout, took " + ms);
            gate.countDown();
            assertEquals(200, first.get(10, TimeUnit.SECONDS).status);
        }
    }

    @Test
    void balanceFirstFillsTheFirstServerFirst() throws Exception {
        try (TestBackend a = TestBackend.ok(); TestBackend b = TestBackend.ok();
             Epoxy ep = start("    balance first\n    server a 127.0.0.1:" + a.port() + " maxconn 2\n"
                     + "    server b 127.0.0.1:" + b.port() + " maxconn 2\n")) {
            for (int i = 0; i < 5; i++)
                try (RawClient c = new RawClient(ep.rt.port("li", 0))) {
                    c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertEquals(200, c.read().status);
                }
            assertEquals(5, a.requests.get());
            assertEquals(0, b.requests.get());
        }
    }

    @Test
    void leastconnAvoidsTheBusyServer() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Slow slowA = new Slow(gate);
        try (TestBackend a = new TestBackend(slowA); TestBackend b = TestBackend.ok();
             Epoxy ep = start("    balance leastconn\n    server a 127.0.0.1:" + a.port() + "\n"
                     + "    server b 127.0.0.1:" + b.port() + "\n")) {
            int port = ep.rt.port("li", 0);
            // Send requests one at a time until one lands on "a", which holds it (the gate is
            // closed) while quick ones on "b" complete: each is waited for at the server it reached.
            List<CompletableFuture<RawClient.Response>> busy = new ArrayList<>();
            while (slowA.now.get() == 0 && busy.size() < 4) {
                busy.addAll(concurrent(port, 1));
                int sent = busy.size();
                Wait.until("request " + sent + " reached a server", 10_000,
                        () -> slowA.now.get() + b.requests.get() >= sent);
            }
            assertEquals(1, slowA.now.get(), "one slow request in progress on a");
            // The requests that went to b must have given their slot back before leastconn counts:
            // b receiving a request is not b's stream ending (a CI run picked a on that tie).
            Server sb = ep.rt.backend("li").servers.get(1);
            Wait.until("b's earlier requests ended", 10_000, () -> sb.served() == 0);
            int before = b.requests.get();
            Server sa = ep.rt.backend("li").servers.get(0);
            for (int i = 0; i < 3; i++)
                try (RawClient c = new RawClient(port)) {
                    // Likewise the previous quick request: its client has the response, but its
                    // stream may not have ended yet, and a tie (a 1, b 1) picks a.
                    Wait.until("b's previous quick request ended", 10_000, () -> sb.served() == 0);
                    String before3 = "before: a.served=" + sa.served() + " b.served=" + sb.served() + " a.now=" + slowA.now.get()
                            + " b.requests=" + b.requests.get();
                    c.send("GET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertEquals(200, c.read().status, before3 + "; after: a.now=" + slowA.now.get() + " b.requests="
                            + b.requests.get() + " a.served=" + sa.served());
                }
            assertEquals(before + 3, b.requests.get(), "all three went to the idle server b");
            gate.countDown();
            for (CompletableFuture<RawClient.Response> f : busy)
                assertEquals(200, f.get(10, TimeUnit.SECONDS).status);
        }
    }
}
