package dev.epoxy.h1;

import java.nio.ByteBuffer;
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
 * Decoding a whole chunked body of 16 KiB from an off-heap buffer into another, as the H1 mux
 * moves a chunked response into the stream's channel. {@code chunk} is the chunk size: 16 stresses
 * the framing state machine, 4096 is the common case (one chunk per server write).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChunkedDecoderBench {
    static final int BODY = 16384;

    @Param({"16", "4096"})
    public int chunk;

    private final ChunkedDecoder dec = new ChunkedDecoder(16384);
    private ByteBuffer in;
    private final ByteBuffer out = ByteBuffer.allocateDirect(BODY);

    @Setup
    public void setup() {
        StringBuilder sb = new StringBuilder();
        for (int sent = 0; sent < BODY; sent += chunk) {
            sb.append(Integer.toHexString(chunk)).append("\r\n");
            for (int i = 0; i < chunk; i++) sb.append((char) ('a' + i % 26));
            sb.append("\r\n");
        }
        sb.append("0\r\n\r\n");
        byte[] b = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        in = ByteBuffer.allocateDirect(b.length);
        in.put(b).flip();
        if (decode() != ChunkedDecoder.DONE || out.position() != BODY) throw new IllegalStateException("bad setup");
    }

    @Benchmark
    public int decode() {
        in.position(0);
        out.clear();
        dec.reset();
        return dec.decode(in, out);
    }
}
