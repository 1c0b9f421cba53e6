package dev.epoxy.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small HTTP/1.1 load generator in the spirit of h1load as used in HAProxy's seed-1 report:
 * a fixed number of concurrent users, each opening a new connection per request (or keeping it
 * alive), counting requests per second, errors and requests slower than a threshold.
 *
 * <p>Bounded by construction: it stops after {@code seconds} or {@code maxRequests}, whichever
 * comes first, and every socket has a read timeout.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.epoxy.load.H1Load URL [-c users] [-d seconds]
 * [-n maxRequests] [-k] [-s slowMs]}
 */
public final class H1Load {
    /** What one run measured. */
    public static final class Result {
        public final List<Long> perSecond = new ArrayList<>();
        public long requests, errors, slow;
        public long maxLatencyMicros;
        public final List<String> errorSamples = new ArrayList<>();

        public long zeroSeconds() {
            return perSecond.stream().filter(n -> n == 0).count();
        }

        @Override
        public String toString() {
            return "requests=" + requests + " errors=" + errors + " slow=" + slow
                    + " maxLatencyMs=" + maxLatencyMicros / 1000.0 + " perSecond=" + perSecond
                    + (errorSamples.isEmpty() ? "" : " firstErrors=" + errorSamples);
        }
    }

    private final String host;
    private final int port;
    private final String path;
    private final boolean keepAlive;
    private final long slowMicros;
    private final int timeoutMs;

    public H1Load(String host, int port, String path, boolean keepAlive, long slowMs) {
        this.host = host;
        this.port = port;
        this.path = path;
        this.keepAlive = keepAlive;
        this.slowMicros = slowMs * 1000;
        this.timeoutMs = (int) Math.max(5000, slowMs * 5);
    }

    public Result run(int users, int seconds, long maxRequests) throws InterruptedException {
        Result r = new Result();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long[] buckets = new long[seconds + 1];
        Thread[] ts = new Thread[users];
        for (int u = 0; u < users; u++) {
            ts[u] = new Thread(() -> user(r, start, end, buckets, maxRequests), "h1load-" + u);
            ts[u].start();
        }
        for (Thread t : ts)
            t.join();
        synchronized (r) {
            for (int i = 0; i < seconds; i++)
                r.perSecond.add(buckets[i]);
        }
        return r;
    }

    private void user(Result r, long start, long end, long[] buckets, long maxRequests) {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                + (keepAlive ? "" : "Connection: close\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII);
        Socket s = null;
        byte[] buf = new byte[16384];
        while (System.nanoTime() < end) {
            synchronized (r) {
                if (r.requests + r.errors >= maxRequests)
                    break;
            }
            long t0 = System.nanoTime();
            String error = null;
            try {
                if (s == null) {
                    s = new Socket();
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(timeoutMs);
                    s.connect(new InetSocketAddress(host, port), timeoutMs);
                }
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                boolean open = readResponse(s.getInputStream(), buf);
                if (!keepAlive || !open) {
                    s.close();
                    s = null;
                }
            } catch (IOException e) {
                error = e.toString();
                try {
                    if (s != null)
                        s.close();
                } catch (IOException ignored) {
                }
                s = null;
            }
            long t1 = System.nanoTime();
            long micros = (t1 - t0) / 1000;
            int sec = (int) ((t1 - start) / 1_000_000_000L);
            synchronized (r) {
                if (error != null) {
                    r.errors++;
                    if (r.errorSamples.size() < 5)
                        r.errorSamples.add(error);
                } else {
                    r.requests++;
                    if (sec < buckets.length)
                        buckets[sec]++;
                }
                if (micros > slowMicros)
                    r.slow++;
                r.maxLatencyMicros = Math.max(r.maxLatencyMicros, micros);
            }
        }
        try {
            if (s != null)
                s.close();
        } catch (IOException ignored) {
        }
    }

    /**
     * Reads one response: status line and headers, then a content-length or chunked body, or
     * until close. Returns whether the connection may be reused.
     */
    static boolean readResponse(InputStream in, byte[] buf) throws IOException {
        StringBuilder head = new StringBuilder();
        int prev3 = 0;
        while (true) {
            int c = in.read();
            if (c < 0)
                throw new IOException("connection closed before the response head ended");
            head.append((char) c);
            prev3 = (prev3 << 8 | c) & 0xffffffff;
            if (prev3 == 0x0d0a0d0a)
                break;
            if (head.length() > 65536)
                throw new IOException("response head too long");
        }
        String[] lines = head.toString().split("\r\n");
        if (!lines[0].startsWith("HTTP/1."))
            throw new IOException("bad status line: " + lines[0]);
        int status = Integer.parseInt(lines[0].substring(9, 12));
        long length = -1;
        boolean chunked = false, close = lines[0].startsWith("HTTP/1.0");
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i].toLowerCase();
            if (l.startsWith("content-length:"))
                length = Long.parseLong(l.substring(15).trim());
            else if (l.startsWith("transfer-encoding:") && l.contains("chunked"))
                chunked = true;
            else if (l.startsWith("connection:"))
                close = l.contains("close") || (close && !l.contains("keep-alive"));
        }
        if (status >= 500)
            throw new IOException("status " + status);
        if (status == 204 || status == 304)
            return !close;
        if (chunked) {
            while (true) {
                String size = readLine(in);
                long n = Long.parseLong(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while (!readLine(in).isEmpty()) {
                    }
                    return !close;
                }
                skip(in, n, buf);
                readLine(in);
            }
        }
        if (length >= 0) {
            skip(in, length, buf);
            return !close;
        }
        while (in.read(buf) >= 0) {
        }
        return false;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0)
                throw new IOException("truncated chunked body");
            if (c != '\r')
                b.append((char) c);
        }
        return b.toString();
    }

    private static void skip(InputStream in, long n, byte[] buf) throws IOException {
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0)
                throw new IOException("truncated body");
            n -= r;
        }
    }

    public static void main(String[] args) throws Exception {
        String url = null;
        int users = 1, seconds = 10;
        long max = Long.MAX_VALUE, slowMs = 1000;
        boolean ka = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-c": users = Integer.parseInt(args[++i]); break;
                case "-d": seconds = Integer.parseInt(args[++i]); break;
                case "-n": max = Long.parseLong(args[++i]); break;
                case "-s": slowMs = Long.parseLong(args[++i]); break;
                case "-k": ka = true; break;
                default: url = args[i];
            }
        }
        if (url == null || !url.startsWith("http://")) {
            System.err.println("usage: H1Load http://127.0.0.1:PORT/path [-c users] [-d seconds] [-n max] [-k] [-s slowMs]");
            System.exit(2);
        }
        String rest = url.substring(7);
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "/" : rest.substring(slash);
        int colon = hostPort.lastIndexOf(':');
        H1Load load = new H1Load(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)), path, ka, slowMs);
        Result r = load.run(users, seconds, max);
        for (int i = 0; i < r.perSecond.size(); i++)
            System.out.printf("%4d %8d req/s%n", i + 1, r.perSecond.get(i));
        System.out.println(r);
        System.exit(r.errors == 0 && r.slow == 0 && r.zeroSeconds() == 0 ? 0 : 1);
    }
}
