package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private static final String EMPTY_SETTINGS = "000000 04 00 00000000";

    /** A frame as hex: 24-bit length computed from the payload. */
    static String frame(int type, int flags, int streamId, String payloadHex) {
        String p = payloadHex.replace(" ", "");
        return String.format("%06x%02x%02x%08x%s", p.length() / 2, type, flags, streamId, p);
    }

    private final FrameDecoder decoder = new FrameDecoder(false);
    private final Recorder rec = new Recorder();

    /** Feeds the initial SETTINGS plus the given frames; returns the events after the SETTINGS. */
    private List<String> feed(String... frames) throws H2Exception {
        ByteBuffer in = Hex.buffer(EMPTY_SETTINGS + String.join("", frames));
        decoder.decode(in, rec);
        assertFalse(in.hasRemaining(), "every complete frame consumed");
        return rec.events.subList(1, rec.events.size());
    }

    private H2Exception connectionError(H2Error expected, String... frames) {
        H2Exception e = assertThrows(H2Exception.class, () -> feed(frames));
        assertTrue(e.isConnectionError(), e::toString);
        assertEquals(0, e.streamId());
        assertEquals(expected, e.error(), e::toString);
        assertTrue(decoder.failed());
        return e;
    }

    private H2Exception streamError(H2Error expected, int streamId, String... frames) {
        H2Exception e = assertThrows(H2Exception.class, () -> feed(frames));
        assertTrue(e.isStreamError(), e::toString);
        assertEquals(streamId, e.streamId());
        assertEquals(expected, e.error(), e::toString);
        assertFalse(decoder.failed());
        return e;
    }

    // ---- preface and first frame ----

    @Test
    void serverReadsClientPrefaceThenSettings() throws H2Exception {
        FrameDecoder server = new FrameDecoder(true);
        byte[] preface = H2Frame.preface();
        ByteBuffer in = ByteBuffer.allocate(100);
        in.put(preface, 0, 10).flip();
        assertEquals(0, server.decode(in, rec));
        assertFalse(in.hasRemaining());
        in.clear();
        in.put(preface, 10, preface.length - 10).put(Hex.bytes(frame(4, 0, 0, "0003 00000064"))).flip();
        assertEquals(1, server.decode(in, rec));
        assertEquals(List.of("SETTINGS ack=false " + new Settings().set(Settings.MAX_CONCURRENT_STREAMS, 100)), rec.events);
    }

    @Test
    void http1RequestIsRejectedAtTheFirstByte() {
        FrameDecoder server = new FrameDecoder(true);
        ByteBuffer in = ByteBuffer.wrap("GET".getBytes(StandardCharsets.US_ASCII));
        H2Exception e = assertThrows(H2Exception.class, () -> server.decode(in, rec));
        assertTrue(e.isConnectionError());
        assertEquals(H2Error.PROTOCOL_ERROR, e.error());
    }

    @Test
    void firstFrameMustBeSettings() {
        FrameDecoder d = new FrameDecoder(false);
        H2Exception e = assertThrows(H2Exception.class, () -> d.decode(Hex.buffer(frame(6, 0, 0, "0000000000000000")), rec));
        assertEquals(H2Error.PROTOCOL_ERROR, e.error());
        assertTrue(e.isConnectionError());
        FrameDecoder d2 = new FrameDecoder(false);
        H2Exception ack = assertThrows(H2Exception.class, () -> d2.decode(Hex.buffer(frame(4, 1, 0, "")), rec));
        assertEquals(H2Error.PROTOCOL_ERROR, ack.error());
    }

    // ---- incremental input ----

    @Test
    void framesSplitAtEveryByteDecodeTheSame() throws H2Exception {
        String all = EMPTY_SETTINGS + frame(0, 1, 1, "68656c6c6f") + frame(6, 0, 0, "0102030405060708")
                + frame(1, 4, 3, "8286");
        byte[] bytes = Hex.bytes(all);
        ByteBuffer buf = ByteBuffer.allocate(64);
        int frames = 0;
        for (byte b : bytes) {
            buf.put(b).flip();
            frames += decoder.decode(buf, rec);
            buf.compact();
        }
        assertEquals(4, frames);
        assertEquals(0, buf.position(), "nothing left over");
        assertEquals(List.of("SETTINGS ack=false", "DATA 1 68656c6c6f es=true fc=5", "PING ack=false 102030405060708",
                "HEADERS 3 8286 es=false eh=true"), rec.events);
    }

    @Test
    void partialFrameIsLeftInTheBuffer() throws H2Exception {
        ByteBuffer in = Hex.buffer(EMPTY_SETTINGS + frame(0, 0, 1, "01020304").substring(0, 24));
        assertEquals(1, decoder.decode(in, rec));
        assertEquals(9, in.position(), "positioned at the start of the incomplete frame");
    }

    @Test
    void oversizedFrameFailsBeforeItsPayloadArrives() {
        // Header only: DATA of 16385 bytes on stream 1.
        connectionError(H2Error.FRAME_SIZE_ERROR, "004001 00 00 00000001");
    }

    @Test
    void largerMaxFrameSizeIsHonoured() throws H2Exception {
        decoder.setMaxFrameSize(32768);
        String payload = "ab".repeat(20000);
        assertEquals(List.of("DATA 1 " + payload + " es=false fc=20000"), feed(frame(0, 0, 1, payload)));
    }

    @Test
    void connectionErrorIsFinal() {
        H2Exception first = connectionError(H2Error.PROTOCOL_ERROR, frame(0, 0, 0, "00"));
        H2Exception again = assertThrows(H2Exception.class, () -> decoder.decode(Hex.buffer(frame(6, 0, 0, "0000000000000000")), rec));
        assertSame(first, again);
    }

    @Test
    void pauseStopsAfterTheCurrentFrame() throws H2Exception {
        ByteBuffer in = Hex.buffer(EMPTY_SETTINGS + frame(6, 0, 0, "0000000000000001") + frame(6, 0, 0, "0000000000000002"));
        FrameListener pausing = new Recorder() {
            @Override
            public void onPing(boolean ack, long data) throws H2Exception {
                super.onPing(ack, data);
                decoder.pause();
            }
        };
        assertEquals(2, decoder.decode(in, pausing));
        assertEquals(9 + 17, in.position(), "after SETTINGS and the first PING");
        assertEquals(1, decoder.decode(in, pausing));
        assertFalse(in.hasRemaining());
    }

    @Test
    void reservedBitOfStreamIdIsIgnored() throws H2Exception {
        assertEquals(List.of("DATA 5 aa es=false fc=1"), feed("000001 00 00 80000005 aa"));
    }

    @Test
    void listenerStreamErrorConsumesTheFrameAndDecodingGoesOn() throws H2Exception {
        feed();
        FrameListener refusing = new Recorder() {
            @Override
            public void onData(int streamId, ByteBuffer data, boolean endStream, int fc) throws H2Exception {
                throw H2Exception.stream(streamId, H2Error.STREAM_CLOSED, "closed");
            }
        };
        ByteBuffer in = Hex.buffer(frame(0, 0, 1, "aa") + frame(8, 0, 0, "00000010"));
        H2Exception e = assertThrows(H2Exception.class, () -> decoder.decode(in, refusing));
        assertEquals(H2Error.STREAM_CLOSED, e.error());
        assertEquals(10, in.position());
        assertEquals(1, decoder.decode(in, rec));
        assertEquals("WINDOW_UPDATE 0 16", rec.events.get(rec.events.size() - 1));
    }

    // ---- DATA ----

    @Test
    void dataPlainAndPadded() throws H2Exception {
        assertEquals(List.of(
                "DATA 1 0102 es=false fc=2",
                "DATA 3 0102 es=true fc=6",   // pad length 3: 1 + 2 + 3 bytes count against windows
                "DATA 5  es=false fc=4"),     // all padding
                feed(frame(0, 0, 1, "0102"), frame(0, 0x9, 3, "03 0102 000000"), frame(0, 0x8, 5, "03 000000")));
    }

    @Test
    void dataOnStreamZero() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(0, 0, 0, "01"));
    }

    @Test
    void dataPaddingAsLongAsThePayload() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(0, 0x8, 1, "04 000000"));
    }

    @Test
    void dataPaddedWithoutPadLength() {
        connectionError(H2Error.FRAME_SIZE_ERROR, frame(0, 0x8, 1, ""));
    }

    // ---- HEADERS / CONTINUATION ----

    @Test
    void headersPaddedWithPriorityGiveTheBareFragment() throws H2Exception {
        // PADDED|PRIORITY|END_HEADERS|END_STREAM, pad 2, dep 0x80000003 (exclusive on 3), weight 16.
        assertEquals(List.of("HEADERS 1 8286 es=true eh=true"),
                feed(frame(1, 0x2d, 1, "02 80000003 0f 8286 0000")));
    }

    @Test
    void headersWithContinuations() throws H2Exception {
        assertEquals(List.of("HEADERS 1 82 es=true eh=false", "CONTINUATION 1 86 eh=false", "CONTINUATION 1 84 eh=true",
                "PING ack=false 1"),
                feed(frame(1, 0x1, 1, "82"), frame(9, 0, 1, "86"), frame(9, 0x4, 1, "84"), frame(6, 0, 0, "0000000000000001")));
        assertFalse(decoder.expectingContinuation());
    }

    @Test
    void headersOnStreamZero() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(1, 0x4, 0, "82"));
    }

    @Test
    void headersDependingOnItself() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(1, 0x24, 3, "00000003 0f 82"));
    }

    @Test
    void headersPaddingTooLong() {
        // 1 pad-length byte + pad 3 > 3-byte payload.
        connectionError(H2Error.PROTOCOL_ERROR, frame(1, 0xc, 1, "03 82 00"));
        FrameDecoder fresh = new FrameDecoder(false);
        H2Exception e = assertThrows(H2Exception.class, () -> fresh.decode(Hex.buffer(EMPTY_SETTINGS
                + frame(1, 0x2c, 1, "01 00000000 0f")), rec)); // priority fields eat the room for padding
        assertEquals(H2Error.PROTOCOL_ERROR, e.error());
    }

    @Test
    void headersPaddingFillingThePayloadIsLegal() throws H2Exception {
        assertEquals(List.of("HEADERS 1  es=false eh=true"), feed(frame(1, 0xc, 1, "02 0000")));
    }

    @Test
    void headersTooShortForPriority() {
        connectionError(H2Error.FRAME_SIZE_ERROR, frame(1, 0x24, 1, "00000000"));
    }

    @Test
    void otherFrameInsideAHeaderBlock() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(1, 0, 1, "82"), frame(6, 0, 0, "0000000000000000"));
    }

    @Test
    void continuationOnAnotherStream() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(1, 0, 1, "82"), frame(9, 4, 3, "86"));
    }

    @Test
    void unknownFrameInsideAHeaderBlock() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(1, 0, 1, "82"), frame(0x20, 0, 0, ""));
    }

    @Test
    void continuationWithoutHeaders() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(9, 4, 1, "86"));
    }

    @Test
    void continuationAfterACompleteBlock() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(1, 4, 1, "82"), frame(9, 4, 1, "86"));
    }

    @Test
    void continuationFloodIsCut() {
        decoder.setMaxHeaderBlockSize(100);
        String chunk = "00".repeat(40);
        H2Exception e = connectionError(H2Error.ENHANCE_YOUR_CALM, frame(1, 0, 1, chunk), frame(9, 0, 1, chunk),
                frame(9, 0, 1, chunk));
        assertTrue(e.getMessage().contains("header block"));
    }

    // ---- PRIORITY ----

    @Test
    void priorityIsParsed() throws H2Exception {
        assertEquals(List.of("PRIORITY 3 dep=1 ex=true w=256"), feed(frame(2, 0, 3, "80000001 ff")));
    }

    @Test
    void priorityOnStreamZero() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(2, 0, 0, "00000001 10"));
    }

    @Test
    void priorityWrongLengthIsAStreamErrorAndDecodingGoesOn() throws H2Exception {
        streamError(H2Error.FRAME_SIZE_ERROR, 3, frame(2, 0, 3, "00000001"), frame(6, 0, 0, "0000000000000009"));
        // The bad frame was consumed; the PING after it is still there. Feed it again on its own.
        ByteBuffer in = Hex.buffer(frame(6, 0, 0, "0000000000000009"));
        assertEquals(1, decoder.decode(in, rec));
        assertEquals("PING ack=false 9", rec.events.get(rec.events.size() - 1));
    }

    @Test
    void priorityDependingOnItself() {
        streamError(H2Error.PROTOCOL_ERROR, 3, frame(2, 0, 3, "00000003 10"));
    }

    // ---- RST_STREAM ----

    @Test
    void rstStream() throws H2Exception {
        assertEquals(List.of("RST_STREAM 1 8", "RST_STREAM 3 4294967295"),
                feed(frame(3, 0, 1, "00000008"), frame(3, 0, 3, "ffffffff")));
    }

    @Test
    void rstStreamOnStreamZero() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(3, 0, 0, "00000008"));
    }

    @Test
    void rstStreamWrongLength() {
        connectionError(H2Error.FRAME_SIZE_ERROR, frame(3, 0, 1, "000008"));
    }

    // ---- SETTINGS ----

    @Test
    void settingsValuesAndUnknownIds() throws H2Exception {
        feed(frame(4, 0, 0, "0001 00001000 0002 00000000 0004 7fffffff 0005 00ffffff 0006 00002000 00ff 12345678"),
                frame(4, 1, 0, ""));
        assertEquals(List.of("SETTINGS ack=false " + new Settings().set(1, 4096).set(2, 0).set(4, 0x7fffffff)
                .set(5, 0xffffff).set(6, 8192), "SETTINGS ack=true"), rec.events.subList(1, 3));
    }

    @Test
    void settingsAckWithPayload() {
        connectionError(H2Error.FRAME_SIZE_ERROR, frame(4, 1, 0, "0001 00001000"));
    }

    @Test
    void settingsLengthNotMultipleOfSix() {
        connectionError(H2Error.FRAME_SIZE_ERROR, frame(4, 0, 0, "0001 000010"));
    }

    @Test
    void settingsOnAStream() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(4, 0, 1, ""));
    }

    @Test
    void settingsInvalidValues() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(4, 0, 0, "0002 00000002"));
    }

    @Test
    void settingsWindowTooLarge() {
        connectionError(H2Error.FLOW_CONTROL_ERROR, frame(4, 0, 0, "0004 80000000"));
    }

    @Test
    void settingsFrameSizeTooSmall() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(4, 0, 0, "0005 00003fff"));
    }

    @Test
    void settingsFrameSizeTooLarge() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(4, 0, 0, "0005 01000000"));
    }

    // ---- PUSH_PROMISE ----

    @Test
    void pushPromiseIsRefused() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(5, 4, 1, "00000002 82"));
    }

    // ---- PING ----

    @Test
    void pingAndAck() throws H2Exception {
        assertEquals(List.of("PING ack=false 102030405060708", "PING ack=true ffffffffffffffff"),
                feed(frame(6, 0, 0, "0102030405060708"), frame(6, 1, 0, "ffffffffffffffff")));
    }

    @Test
    void pingWrongLength() {
        connectionError(H2Error.FRAME_SIZE_ERROR, frame(6, 0, 0, "01020304050607"));
    }

    @Test
    void pingOnAStream() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(6, 0, 1, "0102030405060708"));
    }

    // ---- GOAWAY ----

    @Test
    void goAwayWithDebugData() throws H2Exception {
        assertEquals(List.of("GOAWAY last=7 11 6f6f7073", "GOAWAY last=2147483647 0 "),
                feed(frame(7, 0, 0, "00000007 0000000b 6f6f7073"), frame(7, 0, 0, "ffffffff 00000000")));
    }

    @Test
    void goAwayTooShort() {
        connectionError(H2Error.FRAME_SIZE_ERROR, frame(7, 0, 0, "00000007 000000"));
    }

    @Test
    void goAwayOnAStream() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(7, 0, 1, "00000007 00000000"));
    }

    // ---- WINDOW_UPDATE ----

    @Test
    void windowUpdates() throws H2Exception {
        assertEquals(List.of("WINDOW_UPDATE 0 1", "WINDOW_UPDATE 5 2147483647"),
                feed(frame(8, 0, 0, "00000001"), frame(8, 0, 5, "ffffffff")));
    }

    @Test
    void windowUpdateWrongLength() {
        connectionError(H2Error.FRAME_SIZE_ERROR, frame(8, 0, 1, "0000000001"));
    }

    @Test
    void windowUpdateZeroOnAStreamIsAStreamError() {
        streamError(H2Error.PROTOCOL_ERROR, 5, frame(8, 0, 5, "00000000"));
    }

    @Test
    void windowUpdateZeroOnTheConnectionIsAConnectionError() {
        connectionError(H2Error.PROTOCOL_ERROR, frame(8, 0, 0, "80000000")); // reserved bit alone is 0 too
    }

    // ---- unknown types ----

    @Test
    void unknownFramesAreIgnored() throws H2Exception {
        assertEquals(List.of("UNKNOWN 42 0 010203", "UNKNOWN 255 9 ", "PING ack=false 1"),
                feed(frame(42, 0xff, 0, "010203"), frame(255, 0, 9, ""), frame(6, 0, 0, "0000000000000001")));
    }
}
