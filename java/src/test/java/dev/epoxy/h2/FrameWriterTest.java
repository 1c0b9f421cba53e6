package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameWriterTest {

    private final ByteBuffer out = ByteBuffer.allocate(70_000);

    private String written() {
        out.flip();
        return Hex.of(out);
    }

    /** Decodes everything written so far; {@code server}: it starts with the client preface. */
    private List<String> decodeWritten(boolean server) throws H2Exception {
        out.flip();
        Recorder rec = new Recorder();
        new FrameDecoder(server).decode(out, rec);
        assertEquals(0, out.remaining());
        return rec.events;
    }

    @Test
    void exactBytesOfFixedFrames() {
        FrameWriter.writeRstStream(out, 1, H2Error.CANCEL);
        FrameWriter.writePing(out, true, 0x0102030405060708L);
        FrameWriter.writeWindowUpdate(out, 0, 0x7fffffff);
        FrameWriter.writeSettingsAck(out);
        FrameWriter.writeGoAway(out, 5, H2Error.ENHANCE_YOUR_CALM, "hi".getBytes(StandardCharsets.US_ASCII));
        FrameWriter.writeDataHeader(out, 3, 100, true);
        assertEquals(("000004 03 00 00000001 00000008"
                + "000008 06 01 00000000 0102030405060708"
                + "000004 08 00 00000000 7fffffff"
                + "000000 04 01 00000000"
                + "00000a 07 00 00000000 00000005 0000000b 6869"
                + "000064 00 01 00000003").replace(" ", ""), written());
    }

    @Test
    void prefaceSettingsAndFramesRoundTrip() throws H2Exception {
        FrameWriter.writePreface(out);
        Settings s = new Settings().with(Settings.ENABLE_PUSH, 0).with(Settings.MAX_CONCURRENT_STREAMS, 100)
                .with(Settings.INITIAL_WINDOW_SIZE, 1 << 20);
        FrameWriter.writeSettings(out, s);
        FrameWriter.writeData(out, 1, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 3, false);
        FrameWriter.writeData(out, 1, ByteBuffer.allocate(0), 0, true);
        FrameWriter.writeGoAway(out, 0, H2Error.NO_ERROR, null);
        FrameWriter.writePing(out, false, -1L);
        assertEquals(List.of("SETTINGS ack=false " + s, "DATA 1 010203 es=false fc=3", "DATA 1  es=true fc=0",
                "GOAWAY last=0 0 ", "PING ack=false ffffffffffffffff"), decodeWritten(true));
    }

    @Test
    void writeDataTakesOnlyTheGivenLength() {
        ByteBuffer src = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
        FrameWriter.writeData(out, 1, src, 3, false);
        assertEquals(3, src.position());
        assertEquals(4, src.limit());
    }

    @Test
    void headersAreSplitIntoContinuations() throws H2Exception {
        FrameWriter.writeSettings(out, new Settings());
        byte[] block = new byte[40_000];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) i;
        }
        ByteBuffer src = ByteBuffer.wrap(block);
        int before = out.position();
        FrameWriter.writeHeaders(out, 7, src, true, 16_384);
        assertEquals(FrameWriter.headersLength(40_000, 16_384), out.position() - before);
        assertEquals(40_000 + 3 * 9, out.position() - before);
        assertEquals(0, src.remaining());

        out.flip();
        FrameHeader h = new FrameHeader();
        h.readAt(out, before);
        assertEquals("HEADERS[len=16384, flags=0x1, stream=7]", h.toString());
        h.readAt(out, before + 9 + 16_384);
        assertEquals("CONTINUATION[len=16384, flags=0x0, stream=7]", h.toString());
        h.readAt(out, before + 2 * (9 + 16_384));
        assertEquals("CONTINUATION[len=7232, flags=0x4, stream=7]", h.toString());

        // Reassembled through the decoder, the fragments are the block.
        ByteBuffer joined = ByteBuffer.allocate(40_000);
        FrameListener collect = new Recorder() {
            @Override
            public void onHeaders(int id, ByteBuffer fragment, boolean es, boolean eh) {
                joined.put(fragment);
            }

            @Override
            public void onContinuation(int id, ByteBuffer fragment, boolean eh) {
                joined.put(fragment);
            }
        };
        new FrameDecoder(false).decode(out, collect);
        assertEquals(ByteBuffer.wrap(block), joined.flip());
    }

    @Test
    void smallAndEmptyBlocksAreOneHeadersFrame() throws H2Exception {
        FrameWriter.writeSettings(out, new Settings());
        FrameWriter.writeHeaders(out, 1, Hex.buffer("8286"), false, 16_384);
        FrameWriter.writeHeaders(out, 3, ByteBuffer.allocate(0), true, 16_384);
        assertEquals(List.of("SETTINGS ack=false", "HEADERS 1 8286 es=false eh=true", "HEADERS 3  es=true eh=true"),
                decodeWritten(false));
    }

    @Test
    void shortBufferWritesNothing() {
        ByteBuffer small = ByteBuffer.allocate(20);
        ByteBuffer block = ByteBuffer.allocate(30);
        assertThrows(BufferOverflowException.class, () -> FrameWriter.writeHeaders(small, 1, block, false, 16_384));
        assertEquals(0, block.position());
        assertThrows(BufferOverflowException.class, () -> FrameWriter.writeGoAway(small, 1, H2Error.NO_ERROR, new byte[4]));
        assertThrows(BufferOverflowException.class, () -> FrameWriter.writeData(small, 1, ByteBuffer.allocate(12), 12, false));
        assertEquals(0, small.position());
    }

    @Test
    void illegalArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> FrameWriter.writeWindowUpdate(out, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameWriter.writeRstStream(out, 0, H2Error.CANCEL));
        assertThrows(IllegalArgumentException.class, () -> FrameWriter.writeDataHeader(out, 0, 1, false));
        assertThrows(IllegalArgumentException.class, () -> FrameWriter.writeHeaders(out, 1, ByteBuffer.allocate(1), false, 100));
        assertEquals(0, out.position());
    }
}
