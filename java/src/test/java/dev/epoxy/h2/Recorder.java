package dev.epoxy.h2;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Test listener: records each frame as one line of text. */
class Recorder implements FrameListener {
    final List<String> events = new ArrayList<>();
    final Settings lastSettings = new Settings();

    static String hex(ByteBuffer b) {
        String s = Hex.of(b);
        b.position(b.limit()); // listeners may consume what they are given
        return s;
    }

    @Override
    public void onData(int streamId, ByteBuffer data, boolean endStream, int flowControlLength) throws H2Exception {
        events.add("DATA " + streamId + " " + hex(data) + " es=" + endStream + " fc=" + flowControlLength);
    }

    @Override
    public void onHeaders(int streamId, ByteBuffer fragment, boolean endStream, boolean endHeaders) throws H2Exception {
        events.add("HEADERS " + streamId + " " + hex(fragment) + " es=" + endStream + " eh=" + endHeaders);
    }

    @Override
    public void onContinuation(int streamId, ByteBuffer fragment, boolean endHeaders) throws H2Exception {
        events.add("CONTINUATION " + streamId + " " + hex(fragment) + " eh=" + endHeaders);
    }

    @Override
    public void onPriority(int streamId, int dependency, boolean exclusive, int weight) throws H2Exception {
        events.add("PRIORITY " + streamId + " dep=" + dependency + " ex=" + exclusive + " w=" + weight);
    }

    @Override
    public void onRstStream(int streamId, long errorCode) throws H2Exception {
        events.add("RST_STREAM " + streamId + " " + errorCode);
    }

    @Override
    public void onSettings(boolean ack, Settings settings) throws H2Exception {
        lastSettings.clear().applyFrom(settings);
        events.add("SETTINGS ack=" + ack + (settings.isEmpty() ? "" : " " + settings));
    }

    @Override
    public void onPing(boolean ack, long data) throws H2Exception {
        events.add("PING ack=" + ack + " " + Long.toHexString(data));
    }

    @Override
    public void onGoAway(int lastStreamId, long errorCode, ByteBuffer debugData) throws H2Exception {
        events.add("GOAWAY last=" + lastStreamId + " " + errorCode + " " + hex(debugData));
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) throws H2Exception {
        events.add("WINDOW_UPDATE " + streamId + " " + increment);
    }

    @Override
    public void onUnknown(int type, int flags, int streamId, ByteBuffer payload) throws H2Exception {
        events.add("UNKNOWN " + type + " " + streamId + " " + hex(payload));
    }
}
