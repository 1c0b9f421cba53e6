package dev.epoxy.h2;

import java.nio.ByteBuffer;

/**
 * Receives the frames {@link FrameDecoder} has parsed and validated, one call per frame.
 *
 * <p>Buffers passed in are the decoder's input buffer with position and limit narrowed to the
 * relevant bytes (no copy, no allocation). They are valid only during the call; the listener may
 * read them (moving the position) but must not keep them or write to them. The decoder restores
 * position and limit afterwards.
 *
 * <p>A listener may throw {@link H2Exception} to report an error it detects (e.g. DATA on a closed
 * stream); the decoder passes it to its caller, with the frame consumed. Stream ids reaching the
 * listener are non-zero where the frame type requires it, and zero where it requires that.
 */
public interface FrameListener {

    /**
     * A DATA frame.
     *
     * @param data              the data, padding removed
     * @param flowControlLength the whole payload length (pad length byte and padding included):
     *                          what counts against flow-control windows (RFC 9113 section 6.9)
     */
    void onData(int streamId, ByteBuffer data, boolean endStream, int flowControlLength) throws H2Exception;

    /**
     * A HEADERS frame. Padding and the priority fields (deprecated by RFC 9113, parsed and
     * dropped) are removed. When {@code endHeaders} is false, CONTINUATION frames on the same
     * stream follow and the block is the concatenation of all fragments.
     */
    void onHeaders(int streamId, ByteBuffer fragment, boolean endStream, boolean endHeaders) throws H2Exception;

    /** A CONTINUATION frame of the header block opened by the last HEADERS on this stream. */
    void onContinuation(int streamId, ByteBuffer fragment, boolean endHeaders) throws H2Exception;

    /** A PRIORITY frame. Priority signalling is deprecated (RFC 9113 section 5.3.2): ignored by default. */
    default void onPriority(int streamId, int dependency, boolean exclusive, int weight) throws H2Exception {
    }

    /** A RST_STREAM frame; the code is raw (see {@link H2Error#forCode}). */
    void onRstStream(int streamId, long errorCode) throws H2Exception;

    /**
     * A SETTINGS frame. For a non-ACK frame, {@code settings} holds the validated parameters the
     * frame carried ({@link Settings#isSet}); it is reused for the next frame, so copy it (e.g.
     * {@link Settings#applyFrom}). For an ACK it is empty. Every non-ACK SETTINGS must be
     * acknowledged.
     */
    void onSettings(boolean ack, Settings settings) throws H2Exception;

    /** A PING frame with its 8 opaque bytes. A non-ACK PING must be answered with the same bytes. */
    void onPing(boolean ack, long data) throws H2Exception;

    /** A GOAWAY frame; the code is raw (see {@link H2Error#forCode}). */
    void onGoAway(int lastStreamId, long errorCode, ByteBuffer debugData) throws H2Exception;

    /** A WINDOW_UPDATE frame; stream 0 is the connection window. The increment is 1..2^31-1. */
    void onWindowUpdate(int streamId, int increment) throws H2Exception;

    /** A frame of an unknown type, to be ignored (RFC 9113 section 4.1); ignored by default. */
    default void onUnknown(int type, int flags, int streamId, ByteBuffer payload) throws H2Exception {
    }
}
