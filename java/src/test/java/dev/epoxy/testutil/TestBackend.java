package dev.epoxy.testutil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP/1.1 server on 127.0.0.1 for end-to-end tests: one thread per connection, a
 * scripted answer per request, and counters of connections and requests, so tests can see
 * what the proxy did on the server side (reuse, retries, replayed bytes).
 */
public final class TestBackend implements AutoCloseable {
    /** A received request: head fields, raw bytes, which connection and its index on it. */
    public static final class Request {
        public String method, target, version;
        public final List<String[]> headers = new ArrayList<>();
        public byte[] body = new byte[0];
        public byte[] raw;
        public int connId;
        public int indexOnConn;

        public String header(String name) {
            for (String[] h : headers)
                if (h[0].equalsIgnoreCase(name))
                    return h[1];
            return null;
        }
    }

    /** What to do with a request. */
    public interface Handler {
        /** Writes the answer (or misbehaves); returns false to close the connection afterwards. */
        boolean handle(Request r, OutputStream out) throws IOException;
    }

    private final ServerSocket ss;
    private final Thread acceptor;
    private volatile Handler handler;
    private volatile boolean closed;
    /** Keep request bodies in memory; off for very large uploads, which are only counted. */
    public static volatile boolean storeBodies = true;
    public static final java.util.concurrent.atomic.AtomicLong bodyBytes = new java.util.concurrent.atomic.AtomicLong();
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    public final ConcurrentLinkedQueue<Request> received = new ConcurrentLinkedQueue<>();
    /**
     * Misbehaviours of real servers towards keep-alive connections, without a warning header:
     * close an idle connection after a random wait of up to {@code idleCloseMaxMs} (0: never),
     * and close right after a response with probability {@code closeAfterResponse}.
     */
    public volatile int idleCloseMaxMs;
    public volatile double closeAfterResponse;
    /** Connections the server closed by one of those behaviours. */
    public final AtomicInteger silentCloses = new AtomicInteger();
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());

    public TestBackend(Handler handler) throws IOException {
        this.handler = handler;
        this.ss = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "test-backend-" + ss.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A backend answering 200 with a small text body naming the request path. */
    public static TestBackend ok() throws IOException {
        return new TestBackend(respond(r -> new Object[] {200, "hello " + r.target + "\n"}));
    }

    /** Answers {status, body} with content-length, honouring the client's keep-alive wish. */
    public static Handler respond(Function<Request, Object[]> f) {
        return (r, out) -> {
            Object[] a = f.apply(r);
            int status = (Integer) a[0];
            byte[] body = a[1] instanceof byte[] ? (byte[]) a[1] : ((String) a[1]).getBytes(StandardCharsets.UTF_8);
            boolean close = "close".equalsIgnoreCase(r.header("connection"));
            String head = "HTTP/1.1 " + status + " X\r\ncontent-length: " + body.length + "\r\nx-conn: " + r.connId
                    + "\r\nx-index: " + r.indexOnConn + (close ? "\r\nconnection: close" : "") + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return !close;
        };
    }

    public void setHandler(Handler h) {
        handler = h;
    }

    public int port() {
        return ss.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = ss.accept();
                int id = connections.incrementAndGet();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s, id), "test-backend-conn-" + id);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int connId) {
        try (s) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            java.io.PushbackInputStream in = new java.io.PushbackInputStream(s.getInputStream(), 1);
            OutputStream out = s.getOutputStream();
            java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
            for (int index = 0; !closed; index++) {
                int idleMax = idleCloseMaxMs;
                if (index > 0 && idleMax > 0) {
                    s.setSoTimeout(1 + rnd.nextInt(idleMax));
                    int c;
                    try {
                        c = in.read();
                    } catch (java.net.SocketTimeoutException e) {
                        silentCloses.incrementAndGet();
                        return; // idle too long: close without a word
                    }
                    if (c < 0)
                        return;
                    in.unread(c);
                    s.setSoTimeout(30_000);
                }
                Request r = readRequest(in, out);
                if (r == null)
                    return;
                r.connId = connId;
                r.indexOnConn = index;
                requests.incrementAndGet();
                received.add(r);
                if (!handler.handle(r, out))
                    return;
                double p = closeAfterResponse;
                if (p > 0 && rnd.nextDouble() < p) {
                    silentCloses.incrementAndGet();
                    return;
                }
            }
        } catch (SocketException e) {
            // peer reset: normal in error tests
        } catch (IOException e) {
            // ignore: the test sees the effect on the proxy side
        }
    }

    /**
     * Reads one request (head and content-length or chunked body); null on a clean close. Like a
     * real server, answers "Expect: 100-continue" with an interim 100 before reading the body.
     */
    static Request readRequest(InputStream in, OutputStream out) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        StringBuilder line = new StringBuilder();
        List<String> lines = new ArrayList<>();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (raw.size() == 0)
                    return null;
                throw new IOException("eof in head");
            }
            raw.write(c);
            if (c == '\n') {
                String l = line.toString();
                line.setLength(0);
                if (l.isEmpty()) {
                    if (lines.isEmpty())
                        continue;
                    break;
                }
                lines.add(l);
            } else if (c != '\r') {
                line.append((char) c);
            }
        }
        Request r = new Request();
        String[] rl = lines.get(0).split(" ");
        r.method = rl[0];
        r.target = rl[1];
        r.version = rl[2];
        for (int i = 1; i < lines.size(); i++) {
            String l = lines.get(i);
            int colon = l.indexOf(':');
            r.headers.add(new String[] {l.substring(0, colon).trim(), l.substring(colon + 1).trim()});
        }
        if ("100-continue".equalsIgnoreCase(r.header("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        String cl = r.header("content-length");
        String te = r.header("transfer-encoding");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String size = readLine(in, raw);
                long n = Long.parseLong(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while (!readLine(in, raw).isEmpty()) {
                    }
                    break;
                }
                copy(in, n, body, raw);
                readLine(in, raw);
            }
        } else if (cl != null) {
            copy(in, Long.parseLong(cl), body, raw);
        }
        r.body = body.toByteArray();
        r.raw = raw.toByteArray();
        return r;
    }

    private static String readLine(InputStream in, ByteArrayOutputStream raw) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0)
                throw new IOException("eof in chunked body");
            raw.write(c);
            if (c != '\r')
                b.append((char) c);
        }
        raw.write(c);
        return b.toString();
    }

    private static void copy(InputStream in, long n, ByteArrayOutputStream body, ByteArrayOutputStream raw)
            throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0)
                throw new IOException("eof in body");
            bodyBytes.addAndGet(r);
            if (storeBodies)
                body.write(buf, 0, r);
            if (raw.size() < (1 << 20))
                raw.write(buf, 0, r);
            n -= r;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        ss.close();
        synchronized (sockets) {
            for (Socket s : sockets)
                try {
                    s.close();
                } catch (IOException ignored) {
                }
        }
    }
}
