package dev.epoxy.stream;

import java.nio.ByteBuffer;
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
 * Body bytes moving between off-heap buffers as the muxes do it: a connection's receive buffer
 * into the stream's {@link HttpChannel} ({@code put}), and from the channel into the other
 * connection's send buffer ({@code take}, which compacts). {@code channelHalfTakes} takes the
 * bytes in two halves, so the first compact has to move the rest. {@code rawDirectPut} is the
 * bare ByteBuffer.put(ByteBuffer) for reference.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BufferCopyBench {
    @Param({"64", "4096", "16384"})
    public int size;

    private final HttpChannel channel = new HttpChannel(16384);
    private ByteBuffer src;
    private ByteBuffer dst;

    @Setup
    public void setup() {
        src = ByteBuffer.allocateDirect(16384);
        dst = ByteBuffer.allocateDirect(16384);
        for (int i = 0; i < 16384; i++) src.put(i, (byte) i);
    }

    @Benchmark
    public int channelPutTake() {
        src.clear().limit(size);
        dst.clear();
        channel.put(src, size);
        return channel.take(dst, size);
    }

    @Benchmark
    public int channelHalfTakes() {
        src.clear().limit(size);
        dst.clear();
        channel.put(src, size);
        int n = channel.take(dst, size / 2);
        return n + channel.take(dst, size);
    }

    @Benchmark
    public ByteBuffer rawDirectPut() {
        src.clear().limit(size);
        dst.clear();
        return dst.put(src);
    }
}
