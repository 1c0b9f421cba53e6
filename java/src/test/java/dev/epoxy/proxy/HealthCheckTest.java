package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.Wait;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Health checks end to end: real servers on loopback that stop and start listening or change
 * their answers, the proxy's log received over UDP syslog, and client traffic through the proxy.
 */
@Timeout(60)
class HealthCheckTest {
    /** HAProxy 2.6's words, the numbers left free. */
    private static final Pattern DOWN = Pattern.compile("Server be/(\\w+) is DOWN, reason: [^,]+(, code: \\d+)?"
            + "(, info: \"[^\"]*\")?, check duration: \\d+ms\\. \\d+ active and 0 backup servers left\\. "
            + "\\d+ sessions active, 0 requeued, \\d+ remaining in queue\\.");
    private static final Pattern UP = Pattern.compile("Server be/(\\w+) is UP, reason: [^,]+(, code: \\d+)?, "
            + "check duration: \\d+ms\\. \\d+ active and 0 backup servers online\\. 0 sessions requeued, \\d+ total in queue\\.");

    /**
     * An HTTP/1.1 server on a fixed loopback port that can stop listening (the port is then held,
     * when the kernel lets us, by a bound, unconnected socket, so connections are refused and
     * nobody else takes it) and listen again. Answers every request with {@link #status} and {@link #body}, then closes.
     */
    static final class Switchable implements AutoCloseable {
        final int port;
        volatile int status = 200;
        volatile String body = "hello";
        final AtomicInteger requests = new AtomicInteger();
        private ServerSocket ss;
        private Socket holder;
        private Thread acceptor;

        Switchable() throws IOException {
            ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            port = ss.getLocalPort();
            startAcceptor(ss);
        }

        synchronized void stop() throws IOException {
            ss.close();
            holder = new Socket();
            holder.setReuseAddress(true);
            try {
                holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                // Connections of the old life still hold the port: then it stays unbound, which is
                // just as refused (the kernel hands out port 0 at random, another test is unlikely to take it).
            }
        }

        synchronized void listen() throws IOException {
            holder.close();
            ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
            startAcceptor(ss);
        }

        private void startAcceptor(ServerSocket s) {
            acceptor = new Thread(() -> {
                while (!s.isClosed()) {
                    try {
                        Socket c = s.accept();
                        Thread t = new Thread(() -> serve(c));
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "switchable-" + port);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(Socket c) {
            try (c) {
                c.setSoTimeout(5000);
                var in = c.getInputStream();
                byte[] buf = new byte[4096];
                StringBuilder head = new StringBuilder();
                while (head.indexOf("\r\n\r\n") < 0) {
                    int n = in.read(buf);
                    if (n < 0)
                        return;
                    head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
                requests.incrementAndGet();
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                OutputStream out = c.getOutputStream();
                out.write(("HTTP/1.1 " + status + (status == 200 ? " OK" : " Internal Server Error") + "\r\ncontent-length: "
                        + b.length + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                out.flush();
            } catch (IOException ignored) {
                // the proxy's check or client went away
            }
        }

        @Override
        public synchronized void close() throws IOException {
            ss.close();
            if (holder != null)
                holder.close();
        }
    }

    /** Log lines received over UDP syslog ({@code format raw}). */
    static final class LogSink implements AutoCloseable {
        final DatagramSocket sock = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        final List<String> lines = new ArrayList<>();

        LogSink() throws IOException {
            sock.setSoTimeout(200);
        }

        /** Receives until a line matching {@code p} arrives (within {@code ms}); returns it. */
        String await(Pattern p, long ms) throws IOException {
            long end = System.currentTimeMillis() + ms;
            for (String l : lines)
                if (p.matcher(l).find())
                    return l;
            while (System.currentTimeMillis() < end) {
                byte[] b = new byte[2048];
                DatagramPacket d = new DatagramPacket(b, b.length);
                try {
                    sock.receive(d);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                String l = new String(b, 0, d.getLength(), StandardCharsets.UTF_8).trim();
                lines.add(l);
                if (p.matcher(l).find())
                    return l;
            }
            throw new AssertionError("no log line matching " + p + " in " + lines);
        }

        @Override
        public void close() {
            sock.close();
        }
    }

    private static String config(int threads, int logPort, String backend) {
        return Epoxy.global(threads, false)
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    log 127.0.0.1:" + logPort + " format raw local0\n" + backend;
    }

    private static int get(Epoxy ep) throws Exception {
        try (RawClient c = new RawClient(ep.port("fe"))) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            return c.read().status;
        }
    }

    /**
     * One state, three views: a server the checks took DOWN shows DOWN (with its check columns)
     * in {@code show stat}, in the stats page's CSV and HTML, and in {@code haproxy_server_status},
     * all built from the same rows; its backend stays UP on the other server.
     */
    @Test
    void aServerDownByChecksShowsDownInShowStatTheStatsPageAndPrometheus() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("epoxy-hc");
        java.nio.file.Path sock = dir.resolve("admin.sock");
        try (dev.epoxy.testutil.RefusedPort refused = new dev.epoxy.testutil.RefusedPort(); Switchable s2 = new Switchable();
                Epoxy ep = Epoxy.start(Epoxy.global(2, false) + "    stats socket " + sock + " level admin\n"
                        + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n"
                        + "frontend fe\n    bind 127.0.0.1:0\n"
                        + "    http-request use-service prometheus-exporter if { path /metrics }\n"
                        + "    stats enable\n    stats uri /stats\n    default_backend be\n"
                        + "backend be\n    server s1 127.0.0.1:" + refused.port() + " check inter 100 fall 2 rise 2\n"
                        + "    server s2 127.0.0.1:" + s2.port + " check inter 100 fall 2 rise 2\n")) {
            Server srv1 = ep.rt.backend("be").servers.get(0);
            Wait.until("s1 DOWN by its checks", 10_000, () -> srv1.state.effective() == ServerState.Effective.DOWN);

            String stat = cli(sock, "show stat");
            String[] hdr = stat.substring(2, stat.indexOf('\n')).split(",", -1);
            java.util.Map<String, String> s1 = csvRow(stat, hdr, "be,s1,");
            assertEquals("DOWN", s1.get("status"), stat);
            assertEquals("L4CON", s1.get("check_status"));
            assertEquals("Layer4 connection problem", s1.get("check_desc"));
            assertEquals("0", s1.get("check_health"));
            assertEquals("1", s1.get("chkdown"));
            assertEquals("UP", csvRow(stat, hdr, "be,s2,").get("status"));
            java.util.Map<String, String> be = csvRow(stat, hdr, "be,BACKEND,");
            assertEquals("UP", be.get("status"));
            assertEquals("1", be.get("act"), "one usable server");

            String page = httpGet(ep, "/stats;csv");
            assertTrue(page.startsWith(stat.substring(0, stat.indexOf('\n'))), "the page's CSV has show stat's header");
            assertEquals("DOWN", csvRow(page, hdr, "be,s1,").get("status"), page);
            assertEquals("", csvRow(page, hdr, "be,s1,").get("addr"), "no server address on the page");
            String html = httpGet(ep, "/stats");
            assertTrue(html.contains("<tr class=\"active_down\" data-row=\"s1\">"), html);

            String metrics = httpGet(ep, "/metrics");
            assertTrue(metrics.contains("\nhaproxy_server_status{proxy=\"be\",server=\"s1\",state=\"DOWN\"} 1\n"), metrics);
            assertTrue(metrics.contains("\nhaproxy_server_status{proxy=\"be\",server=\"s1\",state=\"UP\"} 0\n"), metrics);
            assertTrue(metrics.contains("\nhaproxy_server_status{proxy=\"be\",server=\"s2\",state=\"UP\"} 1\n"), metrics);
            assertTrue(metrics.contains("\nhaproxy_backend_active_servers{proxy=\"be\"} 1\n"), metrics);
        } finally {
            java.nio.file.Files.deleteIfExists(sock);
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    /** One CSV line, starting with {@code prefix}, as column name to value. */
    private static java.util.Map<String, String> csvRow(String csv, String[] hdr, String prefix) {
        for (String l : csv.split("\n"))
            if (l.startsWith(prefix)) {
                String[] v = l.split(",", -1);
                java.util.Map<String, String> m = new java.util.HashMap<>();
                for (int i = 0; i < hdr.length && i < v.length; i++)
                    m.putIfAbsent(hdr[i], v[i]);
                return m;
            }
        throw new AssertionError(prefix + " not in " + csv);
    }

    private static String cli(java.nio.file.Path sock, String cmd) throws IOException {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(sock));
            ch.write(java.nio.ByteBuffer.wrap((cmd + "\n").getBytes(StandardCharsets.US_ASCII)));
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String httpGet(Epoxy ep, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", ep.port("fe"))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(r.startsWith("HTTP/1.1 200"), r);
            return r.substring(r.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    void aServerThatStopsListeningIsTakenOutAfterFallChecksAndPutBackAfterRise() throws Exception {
        try (Switchable s1 = new Switchable(); Switchable s2 = new Switchable(); LogSink log = new LogSink();
                Epoxy ep = Epoxy.start(config(2, log.sock.getLocalPort(),
                        "    option redispatch\n    retries 3\n"
                                + "    server s1 127.0.0.1:" + s1.port + " check inter 100 fall 3 rise 2\n"
                                + "    server s2 127.0.0.1:" + s2.port + " check inter 100 fall 3 rise 2\n"))) {
            Server srv1 = ep.rt.backend("be").servers.get(0);
            for (int i = 0; i < 20; i++)
                assertEquals(200, get(ep));
            assertTrue(s1.requests.get() > 0 && s2.requests.get() > 0, "both servers carry traffic");

            s1.stop();
            long failed = 0;
            int sent = 0;
            // Traffic goes on while the checks notice; redispatch carries the refused attempts to s2.
            // It stops after the second failed check (of fall 3), so that the DOWN line's
            // "sessions active" is not a race: a request of this loop that is retrying on s1 at
            // the instant of the third check counts there (it read "1 sessions active" once in a
            // fresh-clone CI run).
            while (srv1.state.snapshot().failedChecks() < 2 && sent < 2000) {
                if (get(ep) != 200)
                    failed++;
                sent++;
            }
            String down = log.await(DOWN, 5000);
            assertEquals("Server be/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", "
                    + "check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, "
                    + "0 remaining in queue.", down.replaceAll("duration: \\d+ms", "duration: 0ms"));
            ServerState.Snapshot st = srv1.state.snapshot();
            assertEquals(ServerState.Effective.DOWN, st.state());
            assertEquals(0, st.health());
            assertTrue(st.failedChecks() >= 3, "fall 3: three failed checks before DOWN, got " + st.failedChecks());

            long connectsAtDown = srv1.counters.sum(dev.epoxy.metrics.Counters.CONN_TOT);
            int s2Before = s2.requests.get();
            for (int i = 0; i < 50; i++)
                if (get(ep) != 200)
                    failed++;
            assertEquals(0, failed, "no request failed while s1 went down");
            assertEquals(connectsAtDown, srv1.counters.sum(dev.epoxy.metrics.Counters.CONN_TOT), "a DOWN server gets no traffic");
            assertEquals(s2Before + 50, s2.requests.get(), "s2 carries everything");

            s1.listen();
            String up = log.await(UP, 5000);
            assertEquals("Server be/s1 is UP, reason: Layer4 check passed, check duration: 0ms. 2 active and 0 backup "
                    + "servers online. 0 sessions requeued, 0 total in queue.", up.replaceAll("duration: \\d+ms", "duration: 0ms"));
            assertEquals(ServerState.Effective.UP, srv1.state.effective());
            int s1Before = s1.requests.get();
            for (int i = 0; i < 10; i++)
                assertEquals(200, get(ep));
            assertTrue(s1.requests.get() > s1Before, "s1 carries traffic again");
        }
    }

    @Test
    void httpchkTakesOutAServerAnswering500AndPutsItBackOn200() throws Exception {
        try (Switchable s1 = new Switchable(); Switchable s2 = new Switchable(); LogSink log = new LogSink();
                Epoxy ep = Epoxy.start(config(1, log.sock.getLocalPort(),
                        "    option httpchk GET /health\n"
                                + "    server s1 127.0.0.1:" + s1.port + " check inter 100 fall 2 rise 2\n"
                                + "    server s2 127.0.0.1:" + s2.port + " check inter 100 fall 2 rise 2\n"))) {
            Server srv1 = ep.rt.backend("be").servers.get(0);
            s1.status = 500;
            String down = log.await(DOWN, 5000);
            assertEquals("Server be/s1 is DOWN, reason: Layer7 wrong status, code: 500, info: \"Internal Server Error\", "
                    + "check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, "
                    + "0 remaining in queue.", down.replaceAll("duration: \\d+ms", "duration: 0ms"));
            assertEquals(ServerState.CheckStatus.L7STS, srv1.state.snapshot().last().status());
            int s1Before = s1.requests.get();
            for (int i = 0; i < 10; i++)
                assertEquals(200, get(ep));
            // Only checks reach s1 now; the client requests all went to s2.
            assertEquals(ServerState.Effective.DOWN, srv1.state.effective());
            s1.status = 200;
            String up = log.await(UP, 5000);
            assertEquals("Server be/s1 is UP, reason: Layer7 check passed, code: 200, check duration: 0ms. 2 active and 0 "
                    + "backup servers online. 0 sessions requeued, 0 total in queue.", up.replaceAll("duration: \\d+ms", "duration: 0ms"));
            assertTrue(s1.requests.get() > s1Before);
        }
    }

    @Test
    void expectStringAndAllServersDownGives503() throws Exception {
        try (Switchable s1 = new Switchable(); LogSink log = new LogSink();
                Epoxy ep = Epoxy.start(config(1, log.sock.getLocalPort(),
                        "    option httpchk\n    http-check send meth GET uri /status ver HTTP/1.1 hdr Host example.com\n"
                                + "    http-check expect string alive\n"
                                + "    server s1 127.0.0.1:" + s1.port + " check inter 100 fall 1 rise 1\n"))) {
            s1.body = "alive and well";
            Server srv1 = ep.rt.backend("be").servers.get(0);
            Wait.until("a passed check", 5000, () -> srv1.state.snapshot().last() != null);
            assertEquals(ServerState.CheckStatus.L7OK, srv1.state.snapshot().last().status());
            assertEquals(200, get(ep));
            s1.body = "sick";
            String down = log.await(DOWN, 5000);
            assertEquals("Server be/s1 is DOWN, reason: Layer7 invalid response, info: \"HTTP content check did not match\", "
                    + "check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, "
                    + "0 remaining in queue.", down.replaceAll("duration: \\d+ms", "duration: 0ms"));
            assertEquals("backend be has no server available!", log.await(Pattern.compile("no server available"), 5000));
            assertEquals(503, get(ep), "no usable server: 503 as HAProxy");
            s1.body = "alive again";
            log.await(UP, 5000);
            assertEquals(200, get(ep));
        }
    }

    @Test
    void theCheckRequestIsHAProxys() throws Exception {
        dev.epoxy.config.HttpCheck h = dev.epoxy.config.HttpCheck.DEFAULT.with("GET", "/h", "HTTP/1.1");
        h = new dev.epoxy.config.HttpCheck(h.method(), h.uri(), h.version(),
                List.of(new String[] {"Host", "example.com"}, new String[] {"X-A", "b"}), null);
        assertEquals("GET /h HTTP/1.1\r\nhost: example.com\r\nx-a: b\r\nconnection: close\r\n\r\n",
                new String(HealthCheck.request(h), StandardCharsets.ISO_8859_1));
        assertEquals("OPTIONS / HTTP/1.0\r\nconnection: close\r\n\r\n",
                new String(HealthCheck.request(dev.epoxy.config.HttpCheck.DEFAULT), StandardCharsets.ISO_8859_1));
    }
}
