package dev.epoxy.h1;

import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpMethod;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * H1 head parsing and writing as the H1 mux does it per message: one parser and one HttpHead per
 * connection, reused; input in an off-heap buffer (the connection's receive buffer).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class H1ParserBench {
    /** A typical browser navigation request: 11 header fields, ~600 bytes. */
    public static final String BROWSER_REQUEST = "GET /articles/2024/05/epoll-and-java.html?ref=home&page=2 HTTP/1.1\r\n"
            + "Host: www.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Referer: https://www.example.com/\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=5f2b8c1d9e7a4f3b; theme=dark; _ga=GA1.2.1234567890.1716000000\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "\r\n";

    static final String MINIMAL_REQUEST = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    /** What nginx answers for a static file. */
    static final String RESPONSE = "HTTP/1.1 200 OK\r\n"
            + "Server: nginx/1.22.1\r\n"
            + "Date: Mon, 23 Nov 2026 11:09:35 GMT\r\n"
            + "Content-Type: text/html\r\n"
            + "Content-Length: 4096\r\n"
            + "Last-Modified: Mon, 23 Nov 2026 10:00:00 GMT\r\n"
            + "Connection: keep-alive\r\n"
            + "ETag: \"6565a1e0-1000\"\r\n"
            + "Accept-Ranges: bytes\r\n"
            + "\r\n";

    /**
     * Byte order of the input buffers: "native" (little-endian here) is what connections use
     * (Sys.allocate) and takes the parser's 8-bytes-at-a-time scan; "big" forces the byte-by-byte scan.
     */
    @Param({"native", "big"})
    public String order;

    private final H1Parser parser = new H1Parser(16384);
    private final HttpHead head = new HttpHead();
    private ByteBuffer browser;
    private ByteBuffer minimal;
    private ByteBuffer response;
    private final HttpHead parsedBrowser = new HttpHead();
    private final HttpHead parsedResponse = new HttpHead();
    private final ByteBuffer out = ByteBuffer.allocateDirect(16384);

    ByteBuffer direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer d = ByteBuffer.allocateDirect(b.length)
                .order("big".equals(order) ? ByteOrder.BIG_ENDIAN : ByteOrder.nativeOrder());
        d.put(b).flip();
        return d;
    }

    @Setup
    public void setup() {
        browser = direct(BROWSER_REQUEST);
        minimal = direct(MINIMAL_REQUEST);
        response = direct(RESPONSE);
        if (new H1Parser(16384).parseRequest(browser.duplicate(), parsedBrowser) != BROWSER_REQUEST.length()) {
            throw new IllegalStateException("browser request does not parse");
        }
        if (new H1Parser(16384).parseResponse(response.duplicate(), parsedResponse, HttpMethod.GET) != RESPONSE.length()) {
            throw new IllegalStateException("response does not parse");
        }
    }

    @Benchmark
    public int parseBrowserRequest() {
        browser.position(0);
        return parser.parseRequest(browser, head);
    }

    @Benchmark
    public int parseMinimalRequest() {
        minimal.position(0);
        return parser.parseRequest(minimal, head);
    }

    @Benchmark
    public int parseResponse() {
        response.position(0);
        return parser.parseResponse(response, head, HttpMethod.GET);
    }

    /** The head arriving in two reads: the first call returns NEED_MORE, the second completes. */
    @Benchmark
    public int parseBrowserRequestSplit() {
        browser.position(0).limit(300);
        int r = parser.parseRequest(browser, head);
        browser.limit(browser.capacity());
        return r + parser.parseRequest(browser, head);
    }

    @Benchmark
    public boolean writeBrowserRequest() {
        out.clear();
        return H1Writer.write(parsedBrowser, out);
    }

    @Benchmark
    public boolean writeResponse() {
        out.clear();
        return H1Writer.write(parsedResponse, out);
    }
}
