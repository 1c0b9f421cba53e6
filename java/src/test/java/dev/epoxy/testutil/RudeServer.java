package dev.epoxy.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1 server that behaves the way real ones do and our well-mannered test servers do not.
 * Each response follows the {@link Manner} named by the first path segment ({@code /close/x},
 * {@code /http10/x}...), or a random legal one for {@code /mixed/x}. The body is {@code size}
 * bytes (query {@code ?size=N}, default 2000) of a pattern the client can check.
 */
public final class RudeServer implements AutoCloseable {
    public enum Manner {
        /** HTTP/1.1 with "Connection: close", then closes: old app servers, CGI. */
        CLOSE,
        /** An HTTP/1.0 response without keep-alive, then closes. */
        HTTP10,
        /** HTTP/1.1 without Content-Length or chunking: the body ends when the connection does. */
        NO_LENGTH,
        /** Keep-alive, but the body goes out in small pieces with pauses between them. */
        DRIBBLE,
        /** Keep-alive, and then the idle connection is closed after 0-3 ms, racing reuse. */
        IDLE_CLOSE,
        /** Chunked and kept alive, the polite case. */
        CHUNKED,
        /** Half of the body, then a reset (RST): the response cannot complete. */
        RESET_MID_BODY;

        static final Manner[] LEGAL = {CLOSE, HTTP10, NO_LENGTH, DRIBBLE, IDLE_CLOSE, CHUNKED};
    }

    private final ServerSocket ss;
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean closed;
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();

    public RudeServer() throws IOException {
        ss = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "rude-server-" + ss.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return ss.getLocalPort();
    }

    /** The body every response carries for a given size: a checkable pattern. */
    public static byte[] body(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++)
            b[i] = (byte) ('a' + i % 26);
        return b;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = ss.accept();
                connections.incrementAndGet();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "rude-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (!closed) {
                TestBackend.Request r = TestBackend.readRequest(in, out);
                if (r == null)
                    return;
                requests.incrementAndGet();
                if (!answer(r, s, out))
                    return;
            }
        } catch (IOException e) {
            // the proxy closed or reset: its side of the story is what the test looks at
        } finally {
            sockets.remove(s);
        }
    }

    /** Writes the response; false when the connection must end. */
    private boolean answer(TestBackend.Request r, Socket s, OutputStream out) throws IOException {
        String path = r.target;
        int q = path.indexOf("?size=");
        int size = q < 0 ? 2000 : Integer.parseInt(path.substring(q + 6));
        String first = path.length() > 1 ? path.substring(1, Math.max(1, path.indexOf('/', 1))) : "";
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Manner m = first.equals("mixed") ? Manner.LEGAL[rnd.nextInt(Manner.LEGAL.length)]
                : Manner.valueOf(first.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        byte[] body = body(size);
        switch (m) {
            case CLOSE:
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\nConnection: close\r\n\r\n", body);
                return false;
            case HTTP10:
                write(out, "HTTP/1.0 200 OK\r\nContent-Length: " + size + "\r\n\r\n", body);
                return false;
            case NO_LENGTH:
                write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", body);
                return false;
            case DRIBBLE: {
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int piece = Math.max(1, size / 8);
                for (int off = 0; off < size; off += piece) {
                    out.write(body, off, Math.min(piece, size - off));
                    out.flush();
                    pause(1);
                }
                return true;
            }
            case IDLE_CLOSE: {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n", body);
                // Close while idle, at a random moment: whether the proxy has already picked the
                // connection for the next request or not is up to the race.
                pause(rnd.nextInt(4));
                return false;
            }
            case CHUNKED: {
                StringBuilder h = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
                int half = size / 2;
                chunk(out, body, 0, half);
                chunk(out, body, half, size - half);
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return true;
            }
            case RESET_MID_BODY:
            default:
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, 0, size / 2);
                out.flush();
                s.setSoLinger(true, 0); // close() now sends RST
                return false;
        }
    }

    private static void chunk(OutputStream out, byte[] b, int off, int len) throws IOException {
        if (len == 0)
            return;
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b, off, len);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static void write(OutputStream out, String head, byte[] body) throws IOException {
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private static void pause(int ms) {
        if (ms <= 0)
            return;
        try {
            Thread.sleep(ms); // the server's pace, not a way to order the test's events
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        ss.close();
        synchronized (sockets) {
            for (Socket s : new ArrayList<>(sockets))
                try {
                    s.close();
                } catch (IOException ignored) {
                }
        }
    }
}
