package dev.epoxy.h2;

import java.nio.ByteBuffer;

/**
 * Incremental HTTP/2 frame parser and validator (RFC 9113 sections 3.4, 4 and 6), without I/O.
 *
 * <p>The caller reads into a buffer and calls {@link #decode}; every complete frame in it is
 * validated, passed to the listener and consumed. An incomplete frame is left in the buffer
 * (position at its first byte) for the next call, after the caller compacted and read more. The
 * buffer must therefore hold 9 + {@link #setMaxFrameSize max frame size} bytes. A frame header
 * announcing a length above the maximum is rejected as soon as its 9 bytes are in, before the
 * payload arrives.
 *
 * <p>Errors: a stream-scope {@link H2Exception} is thrown with the offending frame consumed;
 * after answering with RST_STREAM the caller may call {@code decode} again. A connection-scope
 * one is final: every later call throws it again.
 *
 * <p>Stricter-than-required choices (RFC 9113 section 5.4.1 lets any stream error be treated as
 * a connection error):
 * <ul>
 * <li>an oversized frame is always a connection FRAME_SIZE_ERROR (its payload cannot be skipped
 *     without buffering it);</li>
 * <li>a HEADERS frame depending on its own stream is a connection PROTOCOL_ERROR, so the header
 *     block is never left undecoded (which would desynchronise HPACK);</li>
 * <li>PUSH_PROMISE is a connection PROTOCOL_ERROR: this implementation never enables push, and
 *     a server must never receive one;</li>
 * <li>a header block (HEADERS + CONTINUATION fragments) larger than
 *     {@link #setMaxHeaderBlockSize} is a connection ENHANCE_YOUR_CALM (CONTINUATION floods).</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per connection, used by the thread that owns it.
 */
public final class FrameDecoder {
    /** Default bound of one header block's fragments, in bytes. */
    public static final int DEFAULT_MAX_HEADER_BLOCK_SIZE = 128 * 1024;

    private final FrameHeader header = new FrameHeader();
    /** A SETTINGS frame's values, handed to the listener within the call: one per thread. */
    private static final ThreadLocal<Settings> FRAME_SETTINGS = ThreadLocal.withInitial(Settings::new);
    private int maxFrameSize = H2Frame.DEFAULT_MAX_FRAME_SIZE;
    private int maxHeaderBlockSize = DEFAULT_MAX_HEADER_BLOCK_SIZE;

    private int prefaceMatched;        // bytes of the client preface seen; PREFACE_LENGTH when done
    private boolean firstFramePending = true; // the peer's first frame must be a SETTINGS
    private int continuationStream;    // stream whose header block is open, 0 if none
    private int headerBlockLength;     // fragment bytes of the open header block
    private H2Exception failure;       // connection error already thrown
    private boolean paused;

    /**
     * @param expectClientPreface true on the server side: the 24-byte client preface must come
     *                            first. Both sides then require a SETTINGS frame first.
     */
    public FrameDecoder(boolean expectClientPreface) {
        prefaceMatched = expectClientPreface ? 0 : H2Frame.PREFACE_LENGTH;
    }

    /** Our SETTINGS_MAX_FRAME_SIZE: larger frames are a FRAME_SIZE_ERROR. */
    public void setMaxFrameSize(int size) {
        if (size < H2Frame.DEFAULT_MAX_FRAME_SIZE || size > H2Frame.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size outside [16384, 16777215]: " + size);
        }
        maxFrameSize = size;
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Bound of one header block's total fragment length (HEADERS + CONTINUATIONs). */
    public void setMaxHeaderBlockSize(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("header block size limit must be positive");
        }
        maxHeaderBlockSize = size;
    }

    /** Asks the running {@link #decode} to return after the current frame (from a listener). */
    public void pause() {
        paused = true;
    }

    /** Whether a header block is open and only CONTINUATION frames on its stream may follow. */
    public boolean expectingContinuation() {
        return continuationStream != 0;
    }

    /** Whether the decoder failed with a connection error. */
    public boolean failed() {
        return failure != null;
    }

    /**
     * Decodes every complete frame between the position and the limit of {@code in}, advancing the
     * position past them, until the data runs out or a listener calls {@link #pause}.
     *
     * @return the number of frames passed to the listener
     * @throws H2Exception see the class comment for which scope leaves the decoder usable
     */
    public int decode(ByteBuffer in, FrameListener listener) throws H2Exception {
        if (failure != null) {
            throw failure;
        }
        paused = false;
        int frames = 0;
        try {
            if (prefaceMatched < H2Frame.PREFACE_LENGTH && !readPreface(in)) {
                return 0;
            }
            while (!paused && in.remaining() >= H2Frame.HEADER_LENGTH) {
                int start = in.position();
                header.readAt(in, start);
                checkHeader();
                if (in.remaining() < H2Frame.HEADER_LENGTH + header.length) {
                    break;
                }
                int payload = start + H2Frame.HEADER_LENGTH;
                int end = payload + header.length;
                int limit = in.limit();
                try {
                    dispatch(in, payload, end, listener);
                } finally {
                    in.limit(limit);
                    in.position(end);
                }
                frames++;
            }
        } catch (H2Exception e) {
            if (e.isConnectionError()) {
                failure = e;
            }
            throw e;
        }
        return frames;
    }

    /** Consumes as much of the client preface as is there; true once it is complete. */
    private boolean readPreface(ByteBuffer in) throws H2Exception {
        while (prefaceMatched < H2Frame.PREFACE_LENGTH && in.hasRemaining()) {
            // Checked byte by byte so that e.g. an HTTP/1 request fails at once, not after 24 bytes.
            if (in.get(in.position()) != H2Frame.prefaceByte(prefaceMatched)) {
                throw connection(H2Error.PROTOCOL_ERROR, "invalid HTTP/2 client connection preface");
            }
            in.position(in.position() + 1);
            prefaceMatched++;
        }
        return prefaceMatched == H2Frame.PREFACE_LENGTH;
    }

    /** Checks that depend on the header only, run before waiting for the payload. */
    private void checkHeader() throws H2Exception {
        if (header.length > maxFrameSize) {
            throw connection(H2Error.FRAME_SIZE_ERROR, H2Frame.typeName(header.type) + " frame of " + header.length
                    + " bytes exceeds SETTINGS_MAX_FRAME_SIZE " + maxFrameSize);
        }
        if (firstFramePending) {
            if (header.type != H2Frame.TYPE_SETTINGS || header.hasFlag(H2Frame.FLAG_ACK)) {
                throw connection(H2Error.PROTOCOL_ERROR, "connection preface: first frame must be SETTINGS, got "
                        + H2Frame.typeName(header.type));
            }
            firstFramePending = false;
        }
        if (continuationStream != 0) {
            if (header.type != H2Frame.TYPE_CONTINUATION || header.streamId != continuationStream) {
                throw connection(H2Error.PROTOCOL_ERROR, "expected CONTINUATION on stream " + continuationStream
                        + ", got " + header);
            }
        } else if (header.type == H2Frame.TYPE_CONTINUATION) {
            throw connection(H2Error.PROTOCOL_ERROR, "CONTINUATION without a preceding HEADERS on stream " + header.streamId);
        }
    }

    private void dispatch(ByteBuffer in, int payload, int end, FrameListener l) throws H2Exception {
        int streamId = header.streamId;
        int length = header.length;
        switch (header.type) {
            case H2Frame.TYPE_DATA: {
                requireStream();
                int off = payload;
                int pad = 0;
                if (header.hasFlag(H2Frame.FLAG_PADDED)) {
                    pad = padLength(in, payload, 1);
                    off++;
                }
                in.limit(end - pad).position(off);
                l.onData(streamId, in, header.hasFlag(H2Frame.FLAG_END_STREAM), length);
                break;
            }
            case H2Frame.TYPE_HEADERS: {
                requireStream();
                boolean padded = header.hasFlag(H2Frame.FLAG_PADDED);
                boolean priority = header.hasFlag(H2Frame.FLAG_PRIORITY);
                int off = payload;
                int pad = 0;
                if (padded) {
                    pad = padLength(in, payload, 1 + (priority ? 5 : 0));
                    off++;
                } else if (priority && length < 5) {
                    throw connection(H2Error.FRAME_SIZE_ERROR, "HEADERS too short for its priority fields");
                }
                if (priority) {
                    int dependency = in.getInt(off) & 0x7fff_ffff;
                    if (dependency == streamId) {
                        throw connection(H2Error.PROTOCOL_ERROR, "HEADERS: stream " + streamId + " depends on itself");
                    }
                    off += 5;
                }
                boolean endHeaders = header.hasFlag(H2Frame.FLAG_END_HEADERS);
                headerBlockLength = 0;
                addToHeaderBlock(end - pad - off);
                if (!endHeaders) {
                    continuationStream = streamId;
                }
                in.limit(end - pad).position(off);
                l.onHeaders(streamId, in, header.hasFlag(H2Frame.FLAG_END_STREAM), endHeaders);
                break;
            }
            case H2Frame.TYPE_PRIORITY: {
                requireStream();
                if (length != 5) {
                    throw H2Exception.stream(streamId, H2Error.FRAME_SIZE_ERROR, "PRIORITY length " + length + " != 5");
                }
                int word = in.getInt(payload);
                int dependency = word & 0x7fff_ffff;
                if (dependency == streamId) {
                    throw H2Exception.stream(streamId, H2Error.PROTOCOL_ERROR, "PRIORITY: stream depends on itself");
                }
                l.onPriority(streamId, dependency, word < 0, (in.get(payload + 4) & 0xff) + 1);
                break;
            }
            case H2Frame.TYPE_RST_STREAM:
                requireStream();
                requireLength(4);
                l.onRstStream(streamId, in.getInt(payload) & 0xffff_ffffL);
                break;
            case H2Frame.TYPE_SETTINGS:
                requireConnection();
                if (header.hasFlag(H2Frame.FLAG_ACK)) {
                    if (length != 0) {
                        throw connection(H2Error.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload of " + length + " bytes");
                    }
                    l.onSettings(true, FRAME_SETTINGS.get().clear());
                    break;
                }
                if (length % Settings.ENTRY_LENGTH != 0) {
                    throw connection(H2Error.FRAME_SIZE_ERROR, "SETTINGS length " + length + " not a multiple of 6");
                }
                Settings frameSettings = FRAME_SETTINGS.get().clear();
                for (int at = payload; at < end; at += Settings.ENTRY_LENGTH) {
                    frameSettings.set(in.getShort(at) & 0xffff, in.getInt(at + 2) & 0xffff_ffffL);
                }
                l.onSettings(false, frameSettings);
                break;
            case H2Frame.TYPE_PUSH_PROMISE:
                throw connection(H2Error.PROTOCOL_ERROR, "PUSH_PROMISE received but push is never enabled");
            case H2Frame.TYPE_PING:
                requireConnection();
                requireLength(8);
                l.onPing(header.hasFlag(H2Frame.FLAG_ACK), in.getLong(payload));
                break;
            case H2Frame.TYPE_GOAWAY:
                requireConnection();
                if (length < 8) {
                    throw connection(H2Error.FRAME_SIZE_ERROR, "GOAWAY length " + length + " < 8");
                }
                int lastStreamId = in.getInt(payload) & 0x7fff_ffff;
                long errorCode = in.getInt(payload + 4) & 0xffff_ffffL;
                in.limit(end).position(payload + 8);
                l.onGoAway(lastStreamId, errorCode, in);
                break;
            case H2Frame.TYPE_WINDOW_UPDATE: {
                requireLength(4);
                int increment = in.getInt(payload) & 0x7fff_ffff;
                if (increment == 0) {
                    if (streamId == 0) {
                        throw connection(H2Error.PROTOCOL_ERROR, "WINDOW_UPDATE with increment 0 on the connection");
                    }
                    throw H2Exception.stream(streamId, H2Error.PROTOCOL_ERROR, "WINDOW_UPDATE with increment 0");
                }
                l.onWindowUpdate(streamId, increment);
                break;
            }
            case H2Frame.TYPE_CONTINUATION: {
                // checkHeader() made sure a block is open on this very stream.
                boolean endHeaders = header.hasFlag(H2Frame.FLAG_END_HEADERS);
                addToHeaderBlock(length);
                if (endHeaders) {
                    continuationStream = 0;
                }
                in.limit(end).position(payload);
                l.onContinuation(streamId, in, endHeaders);
                break;
            }
            default:
                in.limit(end).position(payload);
                l.onUnknown(header.type, header.flags, streamId, in);
                break;
        }
    }

    /**
     * Reads the pad length of a PADDED frame and checks it leaves room for the mandatory fields
     * ({@code fixed} bytes, pad length byte included).
     */
    private int padLength(ByteBuffer in, int payload, int fixed) throws H2Exception {
        if (header.length < fixed) {
            throw connection(H2Error.FRAME_SIZE_ERROR, H2Frame.typeName(header.type) + " too short for its padding fields");
        }
        int pad = in.get(payload) & 0xff;
        if (pad > header.length - fixed) {
            throw connection(H2Error.PROTOCOL_ERROR, H2Frame.typeName(header.type) + ": padding of " + pad
                    + " bytes exceeds the payload of " + header.length);
        }
        return pad;
    }

    private void addToHeaderBlock(int fragmentLength) throws H2Exception {
        headerBlockLength += fragmentLength;
        if (headerBlockLength > maxHeaderBlockSize) {
            throw connection(H2Error.ENHANCE_YOUR_CALM, "header block on stream " + header.streamId + " exceeds "
                    + maxHeaderBlockSize + " bytes");
        }
    }

    private void requireStream() throws H2Exception {
        if (header.streamId == 0) {
            throw connection(H2Error.PROTOCOL_ERROR, H2Frame.typeName(header.type) + " frame on stream 0");
        }
    }

    private void requireConnection() throws H2Exception {
        if (header.streamId != 0) {
            throw connection(H2Error.PROTOCOL_ERROR, H2Frame.typeName(header.type) + " frame on stream " + header.streamId
                    + ", must be 0");
        }
    }

    private void requireLength(int expected) throws H2Exception {
        if (header.length != expected) {
            throw connection(H2Error.FRAME_SIZE_ERROR, H2Frame.typeName(header.type) + " length " + header.length
                    + " != " + expected);
        }
    }

    private static H2Exception connection(H2Error error, String message) {
        return H2Exception.connection(error, message);
    }
}
