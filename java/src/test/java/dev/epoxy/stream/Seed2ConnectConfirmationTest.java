package dev.epoxy.stream;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.config.Config;
import dev.epoxy.config.ConfigParser;
import dev.epoxy.conn.Connection;
import dev.epoxy.fd.FdTable;
import dev.epoxy.http.BodyKind;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.proxy.Backend;
import dev.epoxy.proxy.Frontend;
import dev.epoxy.proxy.Server;
import dev.epoxy.stream.StreamConnector.State;
import dev.epoxy.sys.SockAddr;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Seed 2 (HAProxy "do not confirm a connection from the frontend path"), driven step by step on a
 * real poller thread with a real server socket: the backend connection's connect has completed
 * in the kernel but the poller has not reported it yet when the frontend side asks for a lazy
 * forward. That forward must neither send nor move the connector out of CON; the report from the
 * connection's own I/O path must then confirm it and wake the stream, well before
 * {@code timeout connect}.
 */
class Seed2ConnectConfirmationTest {
    private static final long CONNECT_TIMEOUT_MS = 5000;

    @Test
    void lazyForwardFromTheFrontendNeverConfirmsAPendingConnect() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
             Pollers pollers = new Pollers(new FdTable(65536), 1, false)) {
            pollers.start();
            Poller p = pollers.get(0);
            Config cfg = ConfigParser.parse("seed2.cfg", "defaults\n    mode http\n    timeout connect "
                    + CONNECT_TIMEOUT_MS + "\n    timeout client 10s\n    timeout server 10s\n"
                    + "frontend fe\n    bind 127.0.0.1:1\n    default_backend be\n"
                    + "backend be\n    server s1 127.0.0.1:" + server.getLocalPort() + "\n");
            Backend be = new Backend("be");
            be.timeoutConnect = CONNECT_TIMEOUT_MS;
            be.timeoutServer = 10_000;
            be.servers.add(new Server(be, "s1", SockAddr.of("127.0.0.1", server.getLocalPort()), false));
            Frontend fe = new Frontend(cfg.frontend("fe"), 16384, new dev.epoxy.conn.BufferPool(1, dev.epoxy.h2.H2Conn.bufferSizeFor(16384)), Map.of("be", be), null);

            AtomicReference<Stream> streamRef = new AtomicReference<>();
            CompletableFuture<String> afterFrontPath = new CompletableFuture<>();
            long t0 = System.nanoTime();
            p.execute(() -> {
                try {
                    HttpChannel req = new HttpChannel(16384), res = new HttpChannel(16384);
                    req.head.setRequestLine("POST", "/upload", 11);
                    req.head.add("Host", "x");
                    req.head.add("Content-Length", "5");
                    req.head.setBody(BodyKind.LENGTH, 5);
                    req.headIn = true;
                    req.data.put("hello".getBytes(StandardCharsets.US_ASCII));
                    req.eom = true;
                    Stream s = new Stream(p, new StubOrigin(fe), new StubFront(), req, res, p.nowMs());
                    streamRef.set(s);
                    s.run(); // routes, assigns the server and starts the connect: CON
                    State afterConnect = s.scb.state();
                    Connection back = s.scb.ep.conn();
                    // The frontend's I/O path now asks for a lazy forward, before the poller has
                    // had a chance to report the (already completed) connect.
                    boolean forwarded = s.scb.chkSnd();
                    afterFrontPath.complete(afterConnect + " " + forwarded + " " + s.scb.state() + " "
                            + back.connecting() + " " + back.pendingOut());
                } catch (Throwable e) {
                    afterFrontPath.completeExceptionally(e);
                }
            });
            assertEquals("CON false CON true 0", afterFrontPath.get(5, TimeUnit.SECONDS),
                    "state after connect, lazy forward result, state after it, still connecting, bytes queued");

            // Only the connection's own I/O report confirms it, and it wakes the stream, which sends.
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout((int) CONNECT_TIMEOUT_MS);
                InputStream in = accepted.getInputStream();
                byte[] head = new byte[16];
                int n = in.readNBytes(head, 0, head.length);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals("POST /upload HTT", new String(head, 0, n, StandardCharsets.US_ASCII));
                assertTrue(ms < 1000, "request forwarded " + ms + " ms after the connect, far below timeout connect");
            }
            CompletableFuture<State> st = new CompletableFuture<>();
            p.execute(() -> st.complete(streamRef.get().scb.state()));
            assertEquals(State.EST, st.get(5, TimeUnit.SECONDS));
        }
    }

    static final class StubOrigin implements Stream.Origin {
        private final Frontend fe;

        StubOrigin(Frontend fe) {
            this.fe = fe;
        }

        @Override public Frontend frontend() { return fe; }
        @Override public String clientAddr() { return "127.0.0.1"; }
        @Override public int clientPort() { return 1; }
        @Override public boolean firstRequest() { return true; }
        @Override public BackendConn takeOwnedServerConn(ServerModel srv) { return null; }
        @Override public void keepServerConn(BackendConn conn) { conn.close(false); }
    }

    /** The client side is below the layer under test: a stub that accepts whatever is sent. */
    static final class StubFront implements Endpoint {
        @Override public boolean receive(HttpChannel ch) { return false; }
        @Override public boolean send(HttpChannel ch) { return false; }
        @Override public boolean failed() { return false; }
        @Override public void detach(boolean reusable) {}
        @Override public Connection conn() { return null; }
    }
}
