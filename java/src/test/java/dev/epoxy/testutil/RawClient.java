package dev.epoxy.testutil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A plain-socket HTTP/1.1 client that shows exactly what went over the wire. */
public final class RawClient implements AutoCloseable {
    public static final class Response {
        public int status;
        public String statusLine;
        public final Map<String, String> headers = new LinkedHashMap<>();
        public byte[] body = new byte[0];

        public String header(String n) {
            return headers.get(n.toLowerCase(Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public final Socket s;
    private final InputStream in;
    private final OutputStream out;

    public RawClient(int port) throws IOException {
        s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    public RawClient send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawClient send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    /** Reads one response; {@code head} true for a response to HEAD (no body). */
    public Response read(boolean head) throws IOException {
        Response r = new Response();
        String line;
        do {
            line = readLine();
        } while (line.isEmpty());
        r.statusLine = line;
        r.status = Integer.parseInt(line.substring(9, 12));
        while (!(line = readLine()).isEmpty()) {
            int c = line.indexOf(':');
            r.headers.merge(line.substring(0, c).trim().toLowerCase(Locale.ROOT), line.substring(c + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        if (head || r.status == 204 || r.status == 304 || r.status < 200)
            return r;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String te = r.header("transfer-encoding");
        String cl = r.header("content-length");
        if (te != null && te.contains("chunked")) {
            while (true) {
                long n = Long.parseLong(readLine().split(";")[0].trim(), 16);
                if (n == 0) {
                    while (!readLine().isEmpty()) {
                    }
                    break;
                }
                body.write(in.readNBytes((int) n));
                readLine();
            }
        } else if (cl != null) {
            byte[] b = in.readNBytes(Integer.parseInt(cl));
            if (b.length != Integer.parseInt(cl))
                throw new IOException("truncated body: " + b.length + " of " + cl);
            body.write(b);
        } else {
            body.write(in.readAllBytes());
        }
        r.body = body.toByteArray();
        return r;
    }

    public Response read() throws IOException {
        return read(false);
    }

    /** True when the server closed the connection (read returns EOF within the socket timeout). */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    /**
     * True when nothing at all (no byte, no close) arrives for {@code ms}: a bounded read for
     * tests checking that the proxy holds on, where no later event could prove it.
     */
    public boolean silentFor(long ms) throws IOException {
        int before = s.getSoTimeout();
        s.setSoTimeout((int) ms);
        try {
            in.read();
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        } catch (java.net.SocketException e) {
            return false;
        } finally {
            s.setSoTimeout(before);
        }
    }

    private String readLine() throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0)
                throw new IOException("connection closed; got so far: '" + b + "'");
            if (c != '\r')
                b.append((char) c);
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        s.close();
    }
}
