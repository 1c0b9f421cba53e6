package dev.epoxy.http;

import dev.epoxy.h1.H1Parser;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The header lookups a proxy does on every request once it is parsed (connection policy, Host,
 * framing), on the 11-field browser request of H1ParserBench.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HttpHeadBench {
    static final String REQUEST = dev.epoxy.h1.H1ParserBench.BROWSER_REQUEST;

    private final HttpHead head = new HttpHead();
    /** A head whose framing fields are lists for {@link CommaList}: two Content-Length elements, and a chunked one. */
    private final HttpHead lengthList = new HttpHead(), chunked = new HttpHead();

    @Setup
    public void setup() {
        byte[] b = REQUEST.getBytes(StandardCharsets.ISO_8859_1);
        if (new H1Parser(16384).parseRequest(ByteBuffer.wrap(b), head) != b.length) throw new IllegalStateException();
        parse("POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1024, 1024\r\nConnection: keep-alive, x-a\r\n\r\n", lengthList);
        parse("POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: ,chunked\r\n\r\n", chunked);
    }

    private static void parse(String request, HttpHead into) {
        byte[] b = request.getBytes(StandardCharsets.ISO_8859_1);
        if (new H1Parser(16384).parseRequest(ByteBuffer.wrap(b), into) != b.length) throw new IllegalStateException();
    }

    /** Connection tokens, Host presence, Expect, framing headers: what ConnectionPolicy and BodyFraming ask. */
    @Benchmark
    public void policyLookups(Blackhole bh) {
        bh.consume(head.hasToken("Connection", "close"));
        bh.consume(head.hasToken("Connection", "keep-alive"));
        bh.consume(head.indexOf("Host"));
        bh.consume(head.expectsContinue());
        bh.consume(head.contains("Transfer-Encoding"));
        bh.consume(head.contains("Content-Length"));
    }

    @Benchmark
    public int framing() {
        BodyFraming.Error e = BodyFraming.request(head);
        return e == null ? 0 : 1;
    }

    /** BodyFraming.request on list-valued Content-Length and Transfer-Encoding fields (the CommaList walks). */
    @Benchmark
    public void framingLists(Blackhole bh) {
        bh.consume(BodyFraming.request(chunked));
        bh.consume(lengthList.hasToken("Connection", "x-a"));
        // Two equal Content-Length elements collapse into one field the first time; the walk is the same after.
        bh.consume(BodyFraming.request(lengthList));
    }
}
