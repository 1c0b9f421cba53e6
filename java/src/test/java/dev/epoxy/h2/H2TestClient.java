package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A small scriptable HTTP/2 client for tests: sends exactly the frames a test asks for (valid
 * or not) and records what comes back as text events ("HEADERS 1 200 es=false", "DATA 1 5
 * es=true", "RST_STREAM 3 1", "GOAWAY 0 1", "PING ack ...", "EOF"). A reader thread decodes the
 * server's frames, acknowledges its SETTINGS and credits received DATA (unless told not to).
 */
final class H2TestClient implements AutoCloseable {
    final Socket socket;
    private final OutputStream out;
    private final Events events = new Events();

    /** Every event so far; {@link #expect} searches all of them, so arrival order does not matter. */
    static final class Events {
        private final java.util.List<String> all = new java.util.ArrayList<>();

        synchronized void add(String e) {
            all.add(e);
            notifyAll();
        }

        synchronized String await(Predicate<String> p, long timeoutMs) throws InterruptedException {
            long end = System.currentTimeMillis() + timeoutMs;
            int from = 0;
            while (true) {
                for (; from < all.size(); from++)
                    if (p.test(all.get(from)))
                        return all.get(from);
                long left = end - System.currentTimeMillis();
                if (left <= 0)
                    return null;
                wait(left);
            }
        }

        synchronized String first(Predicate<String> p) {
            for (String e : all)
                if (p.test(e))
                    return e;
            return null;
        }

        synchronized int count(Predicate<String> p) {
            int n = 0;
            for (String e : all)
                if (p.test(e))
                    n++;
            return n;
        }

        synchronized String dump() {
            return String.join(" | ", all);
        }
    }
    final Map<Integer, ByteArrayOutputStream> bodies = new ConcurrentHashMap<>();
    final Map<Integer, HeaderList> heads = new ConcurrentHashMap<>();
    private final HpackEncoder enc = new HpackEncoder(4096);
    private final HpackDecoder dec = new HpackDecoder(4096, Settings.UNLIMITED);
    volatile boolean autoCredit = true;
    private final Thread reader;

    H2TestClient(int port) throws IOException {
        this(port, 0, null);
    }

    /** Frames received so far, in order, as "TYPE stream" (DATA counted in {@link #dataBytes}). */
    final java.util.List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final java.util.concurrent.atomic.AtomicLong dataBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.CountDownLatch readGate;

    /**
     * A client with a small receive buffer ({@code rcvBuf} > 0) whose reader thread waits for
     * {@code readGate} before reading anything: the server's output then piles up.
     */
    H2TestClient(int port, int rcvBuf, java.util.concurrent.CountDownLatch readGate) throws IOException {
        this.readGate = readGate;
        socket = new Socket();
        if (rcvBuf > 0)
            socket.setReceiveBufferSize(rcvBuf);
        socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(20_000);
        out = socket.getOutputStream();
        ByteBuffer b = ByteBuffer.allocate(64);
        FrameWriter.writePreface(b);
        FrameWriter.writeSettings(b, new Settings());
        send(b);
        reader = new Thread(this::readLoop, "h2-test-client");
        reader.setDaemon(true);
        reader.start();
    }

    synchronized void send(ByteBuffer b) throws IOException {
        b.flip();
        out.write(b.array(), b.arrayOffset(), b.limit());
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        synchronized (this) {
            out.write(bytes);
            out.flush();
        }
    }

    /** HEADERS for a request; {@code extra} is name, value, name, value... (sent as given). */
    void request(int id, String method, String path, boolean endStream, String... extra) throws IOException {
        HeaderList h = new HeaderList();
        if (method != null)
            h.add(":method", method);
        h.add(":scheme", "http");
        h.add(":authority", "test.example");
        if (path != null)
            h.add(":path", path);
        for (int i = 0; i < extra.length; i += 2)
            h.add(extra[i], extra[i + 1]);
        headers(id, h, endStream);
    }

    synchronized void headers(int id, HeaderList h, boolean endStream) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(65536);
        enc.encode(block, h);
        block.flip();
        ByteBuffer b = ByteBuffer.allocate(block.remaining() + 1024);
        FrameWriter.writeHeaders(b, id, block, endStream, 16384);
        send(b);
    }

    /** DATA within the server's flow-control windows (waits for WINDOW_UPDATE, at most 10 s, unless the stream is reset). */
    void data(int id, byte[] data, boolean endStream) throws IOException {
        int off = 0;
        do {
            int n;
            synchronized (windows) {
                long end = System.currentTimeMillis() + 10_000;
                while ((n = (int) Math.min(connWindow, windows.getOrDefault(id, 65535L))) <= 0 && data.length > 0) {
                    long left = end - System.currentTimeMillis();
                    if (reset.contains(id))
                        throw new IOException("stream " + id + " was reset");
                    if (left <= 0)
                        throw new IOException("no window to send on stream " + id);
                    try {
                        windows.wait(left);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                n = Math.min(Math.min(n, 16384), data.length - off);
                connWindow -= n;
                windows.put(id, windows.getOrDefault(id, 65535L) - n);
            }
            ByteBuffer b = ByteBuffer.allocate(n + 9);
            FrameWriter.writeData(b, id, ByteBuffer.wrap(data, off, n), n, endStream && off + n == data.length);
            send(b);
            off += n;
        } while (off < data.length);
    }

    private final Map<Integer, Long> windows = new java.util.HashMap<>();
    /** Streams the server reset: {@link #data} stops waiting for their window. Guarded by windows. */
    private final java.util.Set<Integer> reset = new java.util.HashSet<>();
    private long connWindow = 65535;

    /**
     * Lets the server send all it can: the largest initial stream window and connection window,
     * and no credit given back per DATA frame (tests of a client that stops reading).
     */
    void grantLargestWindows() throws IOException {
        autoCredit = false;
        ByteBuffer b = ByteBuffer.allocate(64);
        FrameWriter.writeSettings(b, new Settings().with(Settings.INITIAL_WINDOW_SIZE, H2Frame.MAX_WINDOW_SIZE));
        send(b);
        windowUpdate(0, H2Frame.MAX_WINDOW_SIZE - 65535);
    }

    void rst(int id, H2Error e) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(13);
        FrameWriter.writeRstStream(b, id, e);
        send(b);
    }

    void windowUpdate(int id, int inc) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(13);
        FrameWriter.writeWindowUpdate(b, id, inc);
        send(b);
    }

    void ping(long v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(17);
        FrameWriter.writePing(b, false, v);
        send(b);
    }

    /** Raw frame: header fields and payload exactly as given. */
    void frame(int type, int flags, int id, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        FrameHeader.write(b, payload.length, type, flags, id);
        b.put(payload);
        send(b);
    }

    /** Waits for an event (past or future) matching {@code p}; fails with the events seen on timeout. */
    String expect(Predicate<String> p, long timeoutMs) throws InterruptedException {
        String e = events.await(p, timeoutMs);
        if (e == null)
            fail("no matching event within " + timeoutMs + " ms; saw: " + events.dump());
        return e;
    }

    /** The first event (past or future) matching {@code p} within {@code timeoutMs}, or null. */
    String within(Predicate<String> p, long timeoutMs) throws InterruptedException {
        return events.await(p, timeoutMs);
    }

    /** The first event so far matching {@code p}, or null (does not wait). */
    String events(Predicate<String> p) {
        return events.first(p);
    }

    /** How many events so far are exactly {@code e}. */
    int count(String e) {
        return events.count(e::equals);
    }

    String expect(String prefix) throws InterruptedException {
        return expect(e -> e.startsWith(prefix), 10_000);
    }

    String body(int id) {
        ByteArrayOutputStream b = bodies.get(id);
        return b == null ? "" : b.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private void readLoop() {
        FrameDecoder d = new FrameDecoder(false);
        ByteBuffer in = ByteBuffer.allocate(1 << 17);
        in.limit(0);
        byte[] tmp = new byte[65536];
        FrameListener l = new Listener();
        try {
            InputStream is = socket.getInputStream();
            if (readGate != null)
                readGate.await();
            while (true) {
                d.decode(in, l);
                int n = is.read(tmp);
                if (n < 0)
                    break;
                in.compact();
                in.put(tmp, 0, n);
                in.flip();
            }
            events.add("EOF");
        } catch (H2Exception e) {
            events.add("CLIENT-ERROR " + e);
        } catch (IOException e) {
            events.add("EOF " + e.getMessage());
        } catch (InterruptedException e) {
            events.add("EOF interrupted");
        }
    }

    private final class Listener implements FrameListener {
        private final ByteBuffer block = ByteBuffer.allocate(1 << 17);
        private int blockStream;
        private boolean blockEs;

        @Override
        public void onData(int id, ByteBuffer data, boolean es, int fc) throws H2Exception {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            dataBytes.addAndGet(b.length);
            bodies.computeIfAbsent(id, k -> new ByteArrayOutputStream()).write(b, 0, b.length);
            if (autoCredit && fc > 0) {
                try {
                    windowUpdate(0, fc);
                    if (!es)
                        windowUpdate(id, fc);
                } catch (IOException ignored) {
                    // closed
                }
            }
            events.add("DATA " + id + " " + b.length + " es=" + es);
            if (es)
                events.add("END " + id);
        }

        @Override
        public void onHeaders(int id, ByteBuffer fragment, boolean es, boolean eh) throws H2Exception {
            block.clear();
            block.put(fragment);
            blockStream = id;
            blockEs = es;
            if (eh)
                done();
        }

        @Override
        public void onContinuation(int id, ByteBuffer fragment, boolean eh) throws H2Exception {
            block.put(fragment);
            if (eh)
                done();
        }

        private void done() throws H2Exception {
            block.flip();
            HeaderList h = new HeaderList();
            dec.decode(block, h);
            heads.put(blockStream, h);
            String status = "";
            for (int i = 0; i < h.size(); i++)
                if (h.nameEquals(i, ":status"))
                    status = h.value(i);
            events.add("HEADERS " + blockStream + " " + status + " es=" + blockEs);
            if (blockEs)
                events.add("END " + blockStream);
        }

        @Override
        public void onRstStream(int id, long code) {
            events.add("RST_STREAM " + id + " " + code);
            synchronized (windows) {
                reset.add(id);
                windows.notifyAll();
            }
        }

        @Override
        public void onSettings(boolean ack, Settings s) throws H2Exception {
            if (!ack) {
                try {
                    ByteBuffer b = ByteBuffer.allocate(9);
                    FrameWriter.writeSettingsAck(b);
                    send(b);
                } catch (IOException ignored) {
                    // closed
                }
            }
            // After the ACK went out: a test that saw this event knows the client sends nothing unasked.
            events.add("SETTINGS ack=" + ack + (ack ? "" : " " + s));
        }

        @Override
        public void onPing(boolean ack, long data) {
            events.add("PING ack=" + ack + " " + Long.toHexString(data));
        }

        @Override
        public void onGoAway(int last, long code, ByteBuffer debug) {
            byte[] b = new byte[debug.remaining()];
            debug.get(b);
            order.add("GOAWAY after " + dataBytes.get());
            events.add("GOAWAY " + last + " " + code + " " + new String(b, java.nio.charset.StandardCharsets.ISO_8859_1));
        }

        @Override
        public void onWindowUpdate(int id, int inc) {
            synchronized (windows) {
                if (id == 0)
                    connWindow += inc;
                else
                    windows.put(id, windows.getOrDefault(id, 65535L) + inc);
                windows.notifyAll();
            }
            events.add("WINDOW_UPDATE " + id + " " + inc);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
