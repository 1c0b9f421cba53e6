package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.Wait;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Connections to an HTTP/2 server are reused and shared by the streams of their thread, as
 * HAProxy does: one connection carries sequential requests and concurrent streams, numbered in
 * the order their HEADERS go out (RFC 9113 §5.1.1), within the server's MAX_CONCURRENT_STREAMS; a
 * stream reset alone leaves the others; a connection the server leaves is not used again.
 */
class H2BackendReuseTest {
    private static final int HEADERS = 1, RST_STREAM = 3, GOAWAY = 7;

    private static String cfg(int threads, int serverPort) {
        return "global\n    nbthread " + threads + "\n"
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0 proto h2\n    default_backend be\n"
                + "frontend fe1\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + serverPort + " proto h2\n";
    }

    private static boolean ok(RawH2Server.Frames f, int id) throws IOException {
        f.headers(id, false, ":status", "200");
        f.data(id, "ok".getBytes(), true);
        return true;
    }

    /** The stream ids of the HEADERS each connection received, in the order received. */
    private static Map<Integer, List<Integer>> headersByConnection(RawH2Server srv) {
        Map<Integer, List<Integer>> m = new HashMap<>();
        synchronized (srv.frames) {
            for (String f : srv.frames) {
                String[] p = f.split(" ");
                if (Integer.parseInt(p[1]) == HEADERS)
                    m.computeIfAbsent(Integer.parseInt(p[0]), k -> new ArrayList<>()).add(Integer.parseInt(p[2]));
            }
        }
        return m;
    }

    @Test
    void sequentialRequestsShareOneConnection() throws Exception {
        try (RawH2Server srv = new RawH2Server((n, id, f) -> ok(f, id)); EpoxyUnderTest ep = new EpoxyUnderTest(cfg(1, srv.port()))) {
            try (RawClient c = new RawClient(ep.port("fe1"))) {
                for (int i = 0; i < 4; i++) {
                    c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawClient.Response r = c.read();
                    assertEquals(200, r.status);
                    assertEquals("ok", r.text());
                }
            }
            assertEquals(1, srv.connections.get());
            assertEquals(Map.of(1, List.of(1, 3, 5, 7)), headersByConnection(srv));
        }
    }

    /**
     * Many concurrent streams: far fewer connections than requests, and on each connection the
     * ids rise in the order the server receives them. Before ids were given when HEADERS went
     * out, a stream that opened a connection got id 1 and could be overtaken by streams that
     * joined the connection once it was up: the server took HEADERS 1 after 3 as a closed
     * stream's and never answered (h2load behind nghttpd: 1-2 of 500 requests waited for
     * {@code timeout server} in 10 of 12 runs). The race is at the start, while connections
     * open, hence fresh proxies: this test saw it in 1 of 3 runs of one round per thread count
     * with the old numbering.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void concurrentStreamsShareConnectionsInIdOrder(int threads) throws Exception {
        for (int round = 0; round < 4; round++) {
            try (RawH2Server srv = new RawH2Server((n, id, f) -> ok(f, id)); EpoxyUnderTest ep = new EpoxyUnderTest(cfg(threads, srv.port()))) {
                EpoxyUnderTest.Run r = EpoxyUnderTest.run(60, "h2load", "-n", "500", "-c", "5", "-m", "10",
                        "http://127.0.0.1:" + ep.port("fe") + "/");
                assertTrue(r.text().contains("500 succeeded, 0 failed"), r.text());
                assertTrue(srv.connections.get() < 100, srv.connections.get() + " connections for 500 requests");
                headersByConnection(srv).forEach((conn, ids) -> {
                    for (int i = 1; i < ids.size(); i++)
                        assertTrue(ids.get(i) > ids.get(i - 1), "connection " + conn + " opened streams in the order " + ids);
                });
            }
        }
    }

    @Test
    void aStreamResetAloneLeavesTheOthersOnTheConnection() throws Exception {
        // Stream 1 of the first connection is never answered; every other stream is, at once.
        try (RawH2Server srv = new RawH2Server((n, id, f) -> n == 1 && id == 1 || ok(f, id));
                EpoxyUnderTest ep = new EpoxyUnderTest(cfg(1, srv.port()));
                H2TestClient c = new H2TestClient(ep.port("fe"))) {
            c.request(1, "GET", "/held", true);
            assertTrue(Wait.holds(5_000, () -> headersByConnection(srv).containsKey(1)));
            c.request(3, "GET", "/a", true);
            c.expect("END 3");
            assertEquals("ok", c.body(3));
            c.rst(1, H2Error.CANCEL);
            assertTrue(Wait.holds(5_000, () -> srv.frames.contains("1 " + RST_STREAM + " 1")), srv.frames.toString());
            c.request(5, "GET", "/b", true);
            c.expect("END 5");
            assertEquals("ok", c.body(5));
            assertEquals(1, srv.connections.get());
            assertEquals(List.of(1, 3, 5), headersByConnection(srv).get(1));
        }
    }

    @Test
    void theServersStreamLimitIsKept() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Settings one = new Settings().with(Settings.MAX_CONCURRENT_STREAMS, 1);
        // The first stream is answered only when the test says so, from another thread.
        try (RawH2Server srv = new RawH2Server(one, (n, id, f) -> {
                    if (n == 1 && id == 1) {
                        Thread t = new Thread(() -> {
                            try {
                                release.await();
                                ok(f, id);
                            } catch (Exception e) {
                                // the test is over
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                        return true;
                    }
                    return ok(f, id);
                });
                EpoxyUnderTest ep = new EpoxyUnderTest(cfg(1, srv.port()));
                H2TestClient c = new H2TestClient(ep.port("fe"))) {
            c.request(1, "GET", "/held", true);
            assertTrue(Wait.holds(5_000, () -> headersByConnection(srv).containsKey(1)));
            c.request(3, "GET", "/a", true);
            c.expect("END 3");
            release.countDown();
            c.expect("END 1");
            assertEquals(2, srv.connections.get());
            assertEquals(List.of(1), headersByConnection(srv).get(1), "the first connection carried one stream at a time");
        }
    }

    /**
     * {@code http-reuse always}: the first request of an HTTP/1 connection whose body is not all
     * here cannot be sent again, and the client will not retry it, so it gets a new connection
     * rather than an idle one the server may be closing. Here the first server connection closes
     * at its second request, without an answer: a GET that meets it is sent again, the POST
     * never meets it (it got a 502 before).
     */
    @Test
    void aFirstRequestThatCannotBeSentAgainGetsANewConnection() throws Exception {
        try (RawH2Server srv = new RawH2Server((n, id, f) -> n == 1 && id > 1 ? false : ok(f, id));
                EpoxyUnderTest ep = new EpoxyUnderTest(cfg(1, srv.port()).replace("\nbackend be\n", "\nbackend be\n    http-reuse always\n"))) {
            try (RawClient a = new RawClient(ep.port("fe1"))) {
                a.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, a.read().status);
            }
            try (RawClient b = new RawClient(ep.port("fe1"))) {
                b.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
                RawClient.Response r = b.read();
                if (r.status == 100)
                    r = b.read();
                assertEquals(200, r.status);
            }
            assertEquals(Map.of(1, List.of(1), 2, List.of(1)), headersByConnection(srv));
            try (RawClient c = new RawClient(ep.port("fe1"))) {
                c.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, c.read().status);
            }
        }
    }

    /** The idle pool's purge closes a connection gracefully: GOAWAY(NO_ERROR, last stream 0), then the close. */
    @Test
    void anIdleConnectionIsClosedWithAGoAway() throws Exception {
        try (RawH2Server srv = new RawH2Server((n, id, f) -> ok(f, id));
                EpoxyUnderTest ep = new EpoxyUnderTest(cfg(1, srv.port()).replace(srv.port() + " proto h2\n", srv.port() + " proto h2 pool-purge-delay 100ms\n"));
                RawClient c = new RawClient(ep.port("fe1"))) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, c.read().status);
            assertTrue(Wait.holds(5_000, () -> srv.frames.contains("1 " + GOAWAY + " 0")), srv.frames.toString());
        }
    }

    @Test
    void aConnectionTheServerLeavesIsNotUsedAgain() throws Exception {
        // Connection 1 announces GOAWAY with its first answer; connection 2 closes after its
        // first answer; later ones answer normally.
        try (RawH2Server srv = new RawH2Server((n, id, f) -> {
                    if (n == 1)
                        f.goAway(id, H2Error.NO_ERROR);
                    ok(f, id);
                    return n != 2;
                });
                EpoxyUnderTest ep = new EpoxyUnderTest(cfg(1, srv.port()));
                RawClient c = new RawClient(ep.port("fe1"))) {
            for (int i = 0; i < 3; i++) {
                c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(200, r.status);
                assertEquals("ok", r.text());
                Thread.sleep(100); // the close, if any, is seen before the next request
            }
            assertEquals(3, srv.connections.get());
            assertEquals(Map.of(1, List.of(1), 2, List.of(1), 3, List.of(1)), headersByConnection(srv));
        }
    }
}
