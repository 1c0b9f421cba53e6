package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.EpoxyProcess;
import dev.epoxy.testutil.RefusedPort;
import dev.epoxy.testutil.Tools;
import dev.epoxy.testutil.Wait;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Sends the same requests through HAProxy 2.6 and through Epoxy, each with the same
 * configuration and its own fresh instance of the same backend, and compares their
 * {@code option httplog} lines field by field.
 *
 * <p>Compared exactly: frontend, backend/server, status, captured cookies, termination state,
 * actconn/feconn/beconn/srv_conn, retries, srv_queue/backend_queue, the request line, and for
 * each timer whether it is -1 (not reached) or not.
 *
 * <p>Excluded, and why:
 * <ul>
 * <li>client address and port: ephemeral ports differ between the two runs;
 * <li>the accept date: the runs happen at different times;
 * <li>timer values (Tq/Tw/Tc/Tr/Ta): wall-clock durations differ by scheduling; only -1 against
 *     "reached" is compared;
 * <li>bytes_read is not compared with HAProxy's number but each proxy with the bytes its client
 *     actually received: HAProxy 2.6 counts its internal HTX size (per start line 20 bytes of
 *     struct plus version, code and reason without separators; per header name and value
 *     without ": " and CRLF; 1 for the end of headers; then body bytes) and 0 for requests its
 *     HTTP/1 parser refused or that never completed; Epoxy counts every byte it sent to the client
 *     (status line, headers, body as framed). So HAProxy's line must equal the HTX size of the
 *     response its client received (0 for {@code <BADREQ>} lines), and Epoxy's line the exact
 *     byte count its client received (0 for a request the client abandoned, CR--, as HAProxy).
 * </ul>
 * Counters are compared exactly because the scenarios are sequential, every exchange ends with
 * the proxy closing or logging before the next connection is opened, and both proxies run one
 * thread, so a connection's close is processed before the next accept.
 */
class LogComparisonTest {
    private static final Pattern HTTPLOG = Pattern.compile("^(\\S+):(\\d+) \\[(\\S+)\\] (\\S+) (\\S+)/(\\S+) "
            + "(-?\\d+)/(-?\\d+)/(-?\\d+)/(-?\\d+)/(\\+?-?\\d+) (-?\\d+) (\\+?\\d+) (\\S+) (\\S+) (\\S{4}) "
            + "(\\d+)/(\\d+)/(\\d+)/(\\d+)/(\\+?\\d+) (\\d+)/(\\d+) \"(.*)\"$");

    /** One scenario's outcome: the log line and the bytes the client received. */
    record Outcome(String name, String line, byte[] received) {
    }

    private static String config(int fe, int be, int dead) {
        return "global\n    nbthread 1\n    log stdout format raw local0\n"
                + "defaults\n    mode http\n    log global\n    option httplog\n"
                + "    timeout connect 100ms\n    timeout client 1s\n    timeout server 5s\n"
                + "frontend fe\n    bind 127.0.0.1:" + fe + "\n"
                + "    http-request redirect location /elsewhere if { path /redir }\n"
                + "    http-request return status 200 content-type text/plain string \"local\" if { path /ret }\n"
                + "    use_backend nosrv if { path /nosrv }\n"
                + "    use_backend dead if { path /dead }\n"
                + "    use_backend l7 if { path /flaky }\n"
                + "    use_backend slowbe if { path /slow }\n"
                + "    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + be + "\n"
                + "backend slowbe\n    timeout server 300ms\n    server s1 127.0.0.1:" + be + "\n"
                + "backend l7\n    retry-on empty-response\n    server s1 127.0.0.1:" + be + "\n"
                + "backend dead\n    retries 2\n    server s1 127.0.0.1:" + dead + "\n"
                + "backend nosrv\n";
    }

    @Test
    void epoxyLogsWhatHaproxyLogs() throws Exception {
        Tools.require("haproxy", "haproxy");
        List<Outcome> hap, epx;
        try (RefusedPort deadPort = new RefusedPort()) {
            int dead = deadPort.port();
            try (Backend be = new Backend()) {
                // HAProxy refuses port 0: its port is one the kernel just handed out and took back.
                int fe = Tools.freePort();
                Path cfg = EpoxyProcess.config(config(fe, be.port(), dead));
                Process p = new ProcessBuilder("/usr/sbin/haproxy", "-f", cfg.toString()).start();
                try {
                    LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
                    EpoxyProcess.pump(p.getInputStream(), out);
                    EpoxyProcess.pump(p.getErrorStream(), new LinkedBlockingQueue<>());
                    Wait.until("haproxy listens on " + fe, 5000, () -> Tools.accepts(fe));
                    line(out); // the probe connection, logged as CR-- <BADREQ>
                    hap = run(fe, out, be);
                } finally {
                    p.destroy();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            }
            try (Backend be = new Backend()) {
                Path cfg = EpoxyProcess.config(config(0, be.port(), dead));
                try (EpoxyProcess p = EpoxyProcess.start(List.of(), "-d", "-f", cfg.toString())) {
                    epx = run(p.awaitPort("fe", 20_000), p.stdout, be);
                }
            }
        }
        List<String> diffs = new ArrayList<>();
        for (int i = 0; i < hap.size(); i++)
            compare(hap.get(i), epx.get(i), diffs);
        assertTrue(diffs.isEmpty(), "differences from HAProxy 2.6:\n" + String.join("\n", diffs));
    }

    private static void compare(Outcome h, Outcome e, List<String> diffs) {
        Matcher a = HTTPLOG.matcher(h.line), b = HTTPLOG.matcher(e.line);
        if (!a.matches() || !b.matches()) {
            diffs.add(h.name + ": unparsable\n  haproxy: " + h.line + "\n  epoxy:   " + e.line);
            return;
        }
        String[] names = {null, "client_ip", "client_port", "accept_date", "frontend", "backend", "server",
            "Tq", "Tw", "Tc", "Tr", "Ta", "status", "bytes_read", "req_cookie", "res_cookie", "termination_state",
            "actconn", "feconn", "beconn", "srv_conn", "retries", "srv_queue", "backend_queue", "request"};
        List<String> bad = new ArrayList<>();
        for (int g = 4; g < names.length; g++) {
            String x = a.group(g), y = b.group(g);
            if (g >= 7 && g <= 11) { // timers: -1 or not
                if (x.equals("-1") != y.equals("-1"))
                    bad.add(names[g] + " " + x + " vs " + y);
            } else if (g == 13) {
                long hx = Long.parseLong(x), ey = Long.parseLong(y);
                long hExp = a.group(24).equals("<BADREQ>") || h.received.length == 0 ? 0 : htxSize(h.received);
                // A request the client abandoned (CR--) is logged with 0 bytes by both, though a
                // client that only shut its side does receive the 400 page.
                long eExp = b.group(16).equals("CR--") ? 0 : e.received.length;
                if (hx != hExp)
                    bad.add("bytes_read: haproxy logged " + hx + ", its HTX size of the response is " + hExp);
                if (ey != eExp)
                    bad.add("bytes_read: epoxy logged " + ey + ", its client received " + eExp);
            } else if (!x.equals(y)) {
                bad.add(names[g] + " " + x + " vs " + y);
            }
        }
        if (!bad.isEmpty())
            diffs.add(h.name + ": " + bad + "\n  haproxy: " + h.line + "\n  epoxy:   " + e.line);
    }

    /** HAProxy 2.6's count of an HTTP/1 response with a content-length body in HTX bytes. */
    static long htxSize(byte[] wire) {
        String s = new String(wire, StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        String[] lines = s.substring(0, end).split("\r\n");
        String[] sl = lines[0].split(" ", 3);
        long n = 20 + sl[0].length() + sl[1].length() + (sl.length > 2 ? sl[2].length() : 0);
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            String name = lines[i].substring(0, c).trim();
            if (name.equalsIgnoreCase("connection"))
                continue; // added by HAProxy's H1 mux on output, not part of the HTX message
            n += name.length() + lines[i].substring(c + 1).trim().length();
        }
        return n + 1 + (wire.length - end - 4);
    }

    // ---- the scenarios ----

    private static List<Outcome> run(int port, LinkedBlockingQueue<String> log, Backend be) throws Exception {
        List<Outcome> r = new ArrayList<>();
        String close = " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        r.add(simple("normal", port, log, "GET /ok" + close));
        r.add(simple("HTTP/1.0", port, log, "GET /ok HTTP/1.0\r\n\r\n"));
        r.add(simple("bad request", port, log, "GARBAGE\r\n\r\n"));
        r.add(simple("server timeout", port, log, "GET /slow" + close));
        r.add(simple("server close", port, log, "GET /close" + close));
        r.add(simple("l7 retry", port, log, "GET /flaky" + close));
        r.add(simple("connect retries", port, log, "GET /dead" + close));
        r.add(simple("redirect", port, log, "GET /redir" + close));
        r.add(simple("503 no server", port, log, "GET /nosrv" + close));
        r.add(simple("http-request return", port, log, "GET /ret" + close));
        // The client gives up while sending its body; the server has the head (CD, no status).
        try (Socket s = connect(port)) {
            s.getOutputStream().write("POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(be.waitArrived.tryAcquire(5, TimeUnit.SECONDS), "the server got the head");
        }
        r.add(new Outcome("client abort in body", line(log), new byte[0]));
        // The client stops in the middle of its head: 408 after timeout client (cR).
        try (Socket s = connect(port)) {
            s.getOutputStream().write("GET /ok HTTP/1.1\r\nHost".getBytes(StandardCharsets.ISO_8859_1));
            byte[] got = readAll(s);
            r.add(new Outcome("client timeout in head", line(log), got));
        }
        // The client closes in the middle of its head (CR).
        try (Socket s = connect(port)) {
            s.getOutputStream().write("GET /ok HTTP/1.1\r\nHost".getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            byte[] got = readAll(s);
            r.add(new Outcome("client abort in head", line(log), got));
        }
        // Counters: three connections that sent nothing and one request held by the server are
        // open while a normal request is logged (ac/fc 5, bc/sc 1).
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++)
                idle.add(connect(port));
            Socket held = connect(port);
            idle.add(held);
            held.getOutputStream().write(("GET /hold" + close).getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(be.holdArrived.tryAcquire(5, TimeUnit.SECONDS), "the server got the held request");
            r.add(simple("concurrent", port, log, "GET /ok" + close));
            be.release.countDown();
            byte[] got = readAll(held);
            r.add(new Outcome("held", line(log), got));
            for (int i = 0; i < 3; i++) {
                idle.get(i).close();
                r.add(new Outcome("empty connection " + i, line(log), new byte[0]));
            }
        } finally {
            for (Socket s : idle)
                s.close();
        }
        return r;
    }

    private static Outcome simple(String name, int port, LinkedBlockingQueue<String> log, String request)
            throws Exception {
        try (Socket s = connect(port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            byte[] got = readAll(s);
            return new Outcome(name, line(log), got);
        }
    }

    private static String line(LinkedBlockingQueue<String> log) throws InterruptedException {
        String l = log.poll(5, TimeUnit.SECONDS);
        return l == null ? "<no log line within 5 s>" : l;
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return s;
    }

    /** Everything until the proxy closes (bounded by the socket timeout). */
    private static byte[] readAll(Socket s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) > 0)
                b.write(buf, 0, n);
        } catch (java.net.SocketException reset) {
            // a reset after the response: what arrived counts
        }
        return b.toByteArray();
    }

    /**
     * The backend: /ok answers 200, /slow never answers, /close closes at once, /flaky closes
     * its first request and answers the next, /wait never answers (and reports the head),
     * /hold answers once released.
     */
    static final class Backend implements AutoCloseable {
        final ServerSocket ss = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        final java.util.concurrent.Semaphore waitArrived = new java.util.concurrent.Semaphore(0);
        final java.util.concurrent.Semaphore holdArrived = new java.util.concurrent.Semaphore(0);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicInteger flaky = new AtomicInteger();
        final List<Socket> conns = Collections.synchronizedList(new ArrayList<>());

        Backend() throws IOException {
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try {
                        Socket c = ss.accept();
                        conns.add(c);
                        Thread h = new Thread(() -> serve(c));
                        h.setDaemon(true);
                        h.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return ss.getLocalPort();
        }

        private void serve(Socket c) {
            try (c) {
                InputStream in = c.getInputStream();
                OutputStream out = c.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null)
                        return;
                    String path = head.split(" ")[1];
                    switch (path) {
                        case "/slow":
                        case "/wait":
                            if (path.equals("/wait"))
                                waitArrived.release();
                            closed.await(10, TimeUnit.SECONDS);
                            return;
                        case "/close":
                            return;
                        case "/flaky":
                            if (flaky.incrementAndGet() == 1)
                                return;
                            break;
                        case "/hold":
                            holdArrived.release();
                            release.await(10, TimeUnit.SECONDS);
                            break;
                        default:
                    }
                    byte[] body = "hello world 12345".getBytes(StandardCharsets.US_ASCII);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length
                            + "\r\nContent-Type: text/plain\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the proxy closed
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c, state = 0;
            while ((c = in.read()) >= 0) {
                b.write(c);
                state = (c == '\n' && (state == 1 || state == 3)) ? state + 1 : (c == '\r' && (state == 0 || state == 2)) ? state + 1 : 0;
                if (state == 4)
                    return b.toString(StandardCharsets.ISO_8859_1);
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            closed.countDown();
            ss.close();
            synchronized (conns) {
                for (Socket s : conns)
                    s.close();
            }
        }
    }
}
