package dev.epoxy.h2;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * HPACK encode and decode: the three requests of RFC 7541 C.3 (raw) and C.4 (Huffman), which
 * exercise the dynamic table, and a realistic browser request both the first time on a
 * connection (literals, Huffman, table inserts) and when repeated (every field indexed).
 *
 * <p>To repeat a sequence that depends on an empty dynamic table, the first block of each op
 * starts with two size updates (to 0, then back to 4096), which empties the table without
 * allocating a new decoder; the encoder gets the same through setMaxTableSize(0) and (4096).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HpackBench {
    /** Size update to 0, then to 4096 (31 + 4065 = 0x3f 0xe1 0x1f). */
    static final String RESET = "20 3fe11f ";
    static final String[] C3 = {
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    };
    static final String[] C4 = {
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    };

    static final String[][] BROWSER = {
        {":method", "GET"}, {":scheme", "https"}, {":authority", "www.example.com"},
        {":path", "/articles/2024/05/epoll-and-java.html?ref=home&page=2"},
        {"user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"},
        {"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"},
        {"accept-language", "en-US,en;q=0.5"}, {"accept-encoding", "gzip, deflate, br, zstd"},
        {"referer", "https://www.example.com/"},
        {"cookie", "session=5f2b8c1d9e7a4f3b; theme=dark; _ga=GA1.2.1234567890.1716000000"},
        {"upgrade-insecure-requests", "1"}, {"sec-fetch-dest", "document"}, {"sec-fetch-mode", "navigate"},
        {"sec-fetch-site", "same-origin"},
    };

    static final String[][] RESPONSE = {
        {":status", "200"}, {"server", "nginx/1.22.1"}, {"date", "Mon, 23 Nov 2026 11:09:35 GMT"},
        {"content-type", "text/html"}, {"content-length", "4096"},
        {"last-modified", "Mon, 23 Nov 2026 10:00:00 GMT"}, {"etag", "\"6565a1e0-1000\""},
        {"accept-ranges", "bytes"},
    };

    private final HeaderList sink = new HeaderList();
    private final ByteBuffer dst = ByteBuffer.allocateDirect(8192);

    private ByteBuffer[] c3;
    private ByteBuffer[] c4;
    private final HpackDecoder rfcDecoder = new HpackDecoder(4096, Settings.UNLIMITED);
    private final HpackEncoder rfcEncoder = new HpackEncoder(4096);
    private final HeaderList[] c4Lists = new HeaderList[3];

    private final HeaderList browser = list(BROWSER);
    private final HeaderList response = list(RESPONSE);
    private ByteBuffer browserFirst;
    private ByteBuffer browserRepeat;
    private final HpackDecoder browserDecoder = new HpackDecoder(4096, Settings.UNLIMITED);
    private final HpackEncoder firstEncoder = new HpackEncoder(4096);
    private final HpackEncoder repeatEncoder = new HpackEncoder(4096);
    private final HpackEncoder responseEncoder = new HpackEncoder(4096);

    static HeaderList list(String[][] fields) {
        HeaderList l = new HeaderList();
        for (String[] f : fields) l.add(f[0], f[1]);
        return l;
    }

    static ByteBuffer hex(String s) {
        String h = s.replace(" ", "");
        ByteBuffer b = ByteBuffer.allocateDirect(h.length() / 2);
        for (int i = 0; i < h.length(); i += 2) b.put((byte) Integer.parseInt(h.substring(i, i + 2), 16));
        return b.flip();
    }

    static ByteBuffer copy(ByteBuffer heap) {
        ByteBuffer d = ByteBuffer.allocateDirect(heap.remaining());
        d.put(heap.duplicate()).flip();
        return d;
    }

    @Setup
    public void setup() throws H2Exception {
        c3 = new ByteBuffer[] {hex(RESET + C3[0]), hex(C3[1]), hex(C3[2])};
        c4 = new ByteBuffer[] {hex(RESET + C4[0]), hex(C4[1]), hex(C4[2])};
        HpackDecoder d = new HpackDecoder(4096, Settings.UNLIMITED);
        for (int r = 0; r < 3; r++) {
            for (ByteBuffer b : c4) {
                sink.clear();
                d.decode(b.duplicate(), sink);
            }
        }
        // C.4.3 decodes to 5 fields, ending with custom-key: custom-value.
        if (sink.size() != 5 || !sink.value(4).equals("custom-value")) throw new IllegalStateException(sink.toString());
        c4Lists[0] = list(new String[][] {{":method", "GET"}, {":scheme", "http"}, {":path", "/"},
            {":authority", "www.example.com"}});
        c4Lists[1] = list(new String[][] {{":method", "GET"}, {":scheme", "http"}, {":path", "/"},
            {":authority", "www.example.com"}, {"cache-control", "no-cache"}});
        c4Lists[2] = list(new String[][] {{":method", "GET"}, {":scheme", "https"}, {":path", "/index.html"},
            {":authority", "www.example.com"}, {"custom-key", "custom-value"}});

        HpackEncoder e = new HpackEncoder(4096);
        e.setMaxTableSize(0);
        e.setMaxTableSize(4096);
        ByteBuffer b = ByteBuffer.allocate(8192);
        e.encode(b, browser);
        browserFirst = copy(b.flip());
        b.clear();
        e.encode(b, browser);
        browserRepeat = copy(b.flip());
        browserDecoder.decode(browserFirst.duplicate(), sink.clear());
        repeatEncoder.encode(dst.clear(), browser);
        responseEncoder.encode(dst.clear(), response);
    }

    @Benchmark
    public int decodeRfcC3() throws H2Exception {
        return decodeAll(c3);
    }

    @Benchmark
    public int decodeRfcC4Huffman() throws H2Exception {
        return decodeAll(c4);
    }

    private int decodeAll(ByteBuffer[] blocks) throws H2Exception {
        int n = 0;
        for (ByteBuffer b : blocks) {
            b.position(0);
            sink.clear();
            rfcDecoder.decode(b, sink);
            n += sink.size();
        }
        return n;
    }

    @Benchmark
    public int encodeRfcC4Huffman() {
        rfcEncoder.setMaxTableSize(0);
        rfcEncoder.setMaxTableSize(4096);
        dst.clear();
        for (HeaderList l : c4Lists) rfcEncoder.encode(dst, l);
        return dst.position();
    }

    /** First request on a connection: literals with Huffman, 14 dynamic table inserts. */
    @Benchmark
    public int decodeBrowserFirst() throws H2Exception {
        browserFirst.position(0);
        browserDecoder.decode(browserFirst, sink.clear());
        return sink.size();
    }

    /** The same request again on the connection: 14 indexed fields. */
    @Benchmark
    public int decodeBrowserRepeat() throws H2Exception {
        browserRepeat.position(0);
        browserDecoder.decode(browserRepeat, sink.clear());
        return sink.size();
    }

    @Benchmark
    public int encodeBrowserFirst() {
        firstEncoder.setMaxTableSize(0);
        firstEncoder.setMaxTableSize(4096);
        dst.clear();
        firstEncoder.encode(dst, browser);
        return dst.position();
    }

    @Benchmark
    public int encodeBrowserRepeat() {
        dst.clear();
        repeatEncoder.encode(dst, browser);
        return dst.position();
    }

    /** An nginx response head, table warm: what a proxy encodes per response to an H2 client. */
    @Benchmark
    public int encodeResponseRepeat() {
        dst.clear();
        responseEncoder.encode(dst, response);
        return dst.position();
    }
}
