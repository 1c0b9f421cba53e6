package dev.epoxy.h2;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 server (clear text, prior knowledge) that misbehaves on request: a thread per
 * connection reads the preface and every frame, acknowledges SETTINGS, and hands each request's
 * HEADERS to a {@link Responder}, which writes what it likes with {@link Frames} (the proxy's own
 * FrameWriter and HpackEncoder). Loopback only.
 */
final class RawH2Server implements AutoCloseable {
    /** Answers one request; false ends the connection. */
    interface Responder {
        boolean answer(int connection, int streamId, Frames out) throws IOException, InterruptedException;
    }

    /** Frames to the proxy, each written and flushed at once. */
    static final class Frames {
        private final OutputStream out;
        private final HpackEncoder enc = new HpackEncoder(4096).setDynamicIndexing(false);

        Frames(OutputStream out) {
            this.out = out;
        }

        /** HEADERS from name/value pairs. */
        void headers(int id, boolean endStream, String... nameValues) throws IOException {
            HeaderList h = new HeaderList();
            for (int i = 0; i < nameValues.length; i += 2)
                h.add(nameValues[i], nameValues[i + 1]);
            ByteBuffer block = ByteBuffer.allocate(4096);
            enc.encode(block, h);
            block.flip();
            ByteBuffer b = ByteBuffer.allocate(block.remaining() + 64);
            FrameWriter.writeHeaders(b, id, block, endStream, 16384);
            send(b);
        }

        void data(int id, byte[] data, boolean endStream) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(data.length + 64);
            FrameWriter.writeData(b, id, ByteBuffer.wrap(data), data.length, endStream);
            send(b);
        }

        void rstStream(int id, H2Error error) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(64);
            FrameWriter.writeRstStream(b, id, error);
            send(b);
        }

        void goAway(int lastStreamId, H2Error error) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(64);
            FrameWriter.writeGoAway(b, lastStreamId, error, null);
            send(b);
        }

        /** Writes are whole frames even when a responder answers from another thread. */
        private synchronized void send(ByteBuffer b) throws IOException {
            out.write(b.array(), 0, b.position());
            out.flush();
        }
    }

    final ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    /** Connections accepted so far; the responder gets the count including its own. */
    final AtomicInteger connections = new AtomicInteger();
    /** Every frame received after the preface, in order: "connection type streamId" (types as numbers). */
    final java.util.List<String> frames = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final Responder responder;
    private final Settings settings;

    RawH2Server(Responder responder) throws IOException {
        this(new Settings(), responder);
    }

    /** With {@code settings} in the server's SETTINGS frame. */
    RawH2Server(Settings settings, Responder responder) throws IOException {
        this.settings = settings;
        this.responder = responder;
        Thread t = new Thread(this::acceptLoop, "raw-h2-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return ss.getLocalPort();
    }

    private void acceptLoop() {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                int n = connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s, n), "raw-h2-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int n) {
        try (s) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            Frames f = new Frames(out);
            in.readFully(new byte[H2Frame.PREFACE_LENGTH]);
            ByteBuffer b = ByteBuffer.allocate(64);
            FrameWriter.writeSettings(b, settings);
            f.send(b);
            while (true) {
                int len = in.readUnsignedShort() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte(), flags = in.readUnsignedByte(), id = in.readInt() & 0x7fffffff;
                in.readFully(new byte[len]);
                frames.add(n + " " + type + " " + id);
                if (type == H2Frame.TYPE_SETTINGS && (flags & H2Frame.FLAG_ACK) == 0) {
                    b.clear();
                    FrameWriter.writeSettingsAck(b);
                    f.send(b);
                }
                if (type == H2Frame.TYPE_HEADERS && !responder.answer(n, id, f))
                    return;
            }
        } catch (IOException | InterruptedException e) {
            // the proxy closed, or the test is over
        }
    }

    @Override
    public void close() throws IOException {
        ss.close();
    }
}
