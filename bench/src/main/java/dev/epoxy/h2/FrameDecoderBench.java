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
 * Frame decoding of what a client sends on a busy H2 connection: per stream a HEADERS frame (a
 * 40-byte header block, END_HEADERS), a 1 KiB DATA frame with END_STREAM and a connection
 * WINDOW_UPDATE; plus one PING. 10 streams = 31 frames per op, from an off-heap buffer.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FrameDecoderBench {
    static final int STREAMS = 10;
    static final int FRAMES = STREAMS * 3 + 1;

    private final FrameDecoder decoder = new FrameDecoder(false);
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    private final Counter listener = new Counter();

    /** Touches every payload the way a mux would look at it, without copying. */
    static final class Counter implements FrameListener {
        long bytes;
        int frames;

        @Override
        public void onData(int streamId, ByteBuffer data, boolean endStream, int flowControlLength) {
            bytes += data.remaining() + data.get(data.position());
            frames++;
        }

        @Override
        public void onHeaders(int streamId, ByteBuffer fragment, boolean endStream, boolean endHeaders) {
            bytes += fragment.remaining();
            frames++;
        }

        @Override
        public void onContinuation(int streamId, ByteBuffer fragment, boolean endHeaders) {
            frames++;
        }

        @Override
        public void onRstStream(int streamId, long errorCode) {
            frames++;
        }

        @Override
        public void onSettings(boolean ack, Settings settings) {
            frames++;
        }

        @Override
        public void onPing(boolean ack, long data) {
            bytes += data;
            frames++;
        }

        @Override
        public void onGoAway(int lastStreamId, long errorCode, ByteBuffer debugData) {
            frames++;
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) {
            bytes += increment;
            frames++;
        }
    }

    @Setup
    public void setup() throws H2Exception {
        ByteBuffer settings = ByteBuffer.allocate(64);
        FrameWriter.writeSettings(settings, new Settings());
        decoder.decode(settings.flip(), listener);

        ByteBuffer block = ByteBuffer.allocate(40);
        for (int i = 0; i < 40; i++) block.put((byte) (0x80 | (i % 60 + 1)));
        ByteBuffer body = ByteBuffer.allocate(1024);
        in.clear();
        for (int s = 0; s < STREAMS; s++) {
            int id = 2 * s + 1;
            FrameWriter.writeHeaders(in, id, block.clear(), false, H2Frame.DEFAULT_MAX_FRAME_SIZE);
            FrameWriter.writeData(in, id, body.clear(), 1024, true);
            FrameWriter.writeWindowUpdate(in, 0, 1024);
        }
        FrameWriter.writePing(in, false, 42L);
        in.flip();
        if (decode() != FRAMES) throw new IllegalStateException("frames");
    }

    @Benchmark
    public int decode() throws H2Exception {
        in.position(0);
        return decoder.decode(in, listener);
    }
}
