package dev.epoxy.h2;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * Writes HTTP/2 frames into a ByteBuffer, at its position. Every method first checks that the
 * whole output fits and throws {@link BufferOverflowException} without writing anything if not,
 * so the caller can flush and retry. Arguments that would produce an illegal frame throw
 * IllegalArgumentException: they are bugs of the caller, not peer behaviour.
 */
public final class FrameWriter {
    private FrameWriter() {
    }

    /** Writes the 24-byte client connection preface (client side, before its first SETTINGS). */
    public static void writePreface(ByteBuffer dst) {
        room(dst, H2Frame.PREFACE_LENGTH);
        dst.put(H2Frame.preface());
    }

    /** Writes a SETTINGS frame carrying the parameters set in {@code settings}. */
    public static void writeSettings(ByteBuffer dst, Settings settings) {
        int length = settings.payloadLength();
        room(dst, H2Frame.HEADER_LENGTH + length);
        FrameHeader.write(dst, length, H2Frame.TYPE_SETTINGS, 0, 0);
        settings.writePayload(dst);
    }

    public static void writeSettingsAck(ByteBuffer dst) {
        room(dst, H2Frame.HEADER_LENGTH);
        FrameHeader.write(dst, 0, H2Frame.TYPE_SETTINGS, H2Frame.FLAG_ACK, 0);
    }

    /** Bytes {@link #writeHeaders} needs for a block of {@code blockLength} bytes. */
    public static int headersLength(int blockLength, int maxFrameSize) {
        int frames = Math.max(1, (blockLength + maxFrameSize - 1) / maxFrameSize);
        return blockLength + frames * H2Frame.HEADER_LENGTH;
    }

    /**
     * Writes a header block as one HEADERS frame followed by as many CONTINUATION frames as the
     * peer's maximum frame size requires; END_HEADERS goes on the last one, END_STREAM (if asked)
     * on the HEADERS frame. Consumes {@code block} from position to limit.
     *
     * @param maxFrameSize the peer's SETTINGS_MAX_FRAME_SIZE
     */
    public static void writeHeaders(ByteBuffer dst, int streamId, ByteBuffer block, boolean endStream, int maxFrameSize) {
        requireStream(streamId);
        if (maxFrameSize < H2Frame.DEFAULT_MAX_FRAME_SIZE || maxFrameSize > H2Frame.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size outside [16384, 16777215]: " + maxFrameSize);
        }
        int remaining = block.remaining();
        room(dst, headersLength(remaining, maxFrameSize));
        int type = H2Frame.TYPE_HEADERS;
        int flags = endStream ? H2Frame.FLAG_END_STREAM : 0;
        do {
            int chunk = Math.min(remaining, maxFrameSize);
            remaining -= chunk;
            int f = flags | (remaining == 0 ? H2Frame.FLAG_END_HEADERS : 0);
            FrameHeader.write(dst, chunk, type, f, streamId);
            copy(block, dst, chunk);
            type = H2Frame.TYPE_CONTINUATION;
            flags = 0;
        } while (remaining > 0);
    }

    /**
     * Writes a DATA frame with {@code length} bytes taken from {@code src} (advancing it). The
     * caller sizes {@code length} within the flow-control windows and the peer's max frame size.
     */
    public static void writeData(ByteBuffer dst, int streamId, ByteBuffer src, int length, boolean endStream) {
        if (length > src.remaining()) {
            throw new IllegalArgumentException("DATA length " + length + " > " + src.remaining() + " available");
        }
        room(dst, H2Frame.HEADER_LENGTH + length);
        writeDataHeader(dst, streamId, length, endStream);
        copy(src, dst, length);
    }

    /**
     * Writes only the header of a DATA frame, for callers that put the payload in place themselves
     * (e.g. reading from a socket straight into {@code dst}).
     */
    public static void writeDataHeader(ByteBuffer dst, int streamId, int length, boolean endStream) {
        requireStream(streamId);
        room(dst, H2Frame.HEADER_LENGTH);
        FrameHeader.write(dst, length, H2Frame.TYPE_DATA, endStream ? H2Frame.FLAG_END_STREAM : 0, streamId);
    }

    public static void writeRstStream(ByteBuffer dst, int streamId, H2Error error) {
        requireStream(streamId);
        room(dst, H2Frame.HEADER_LENGTH + 4);
        FrameHeader.write(dst, 4, H2Frame.TYPE_RST_STREAM, 0, streamId);
        dst.putInt(error.code());
    }

    public static void writePing(ByteBuffer dst, boolean ack, long data) {
        room(dst, H2Frame.HEADER_LENGTH + 8);
        FrameHeader.write(dst, 8, H2Frame.TYPE_PING, ack ? H2Frame.FLAG_ACK : 0, 0);
        dst.putLong(data);
    }

    /** Writes a GOAWAY frame; {@code debugData} may be null or empty. */
    public static void writeGoAway(ByteBuffer dst, int lastStreamId, H2Error error, byte[] debugData) {
        if (lastStreamId < 0) {
            throw new IllegalArgumentException("negative last stream id");
        }
        int debugLength = debugData == null ? 0 : debugData.length;
        room(dst, H2Frame.HEADER_LENGTH + 8 + debugLength);
        FrameHeader.write(dst, 8 + debugLength, H2Frame.TYPE_GOAWAY, 0, 0);
        dst.putInt(lastStreamId).putInt(error.code());
        if (debugLength > 0) {
            dst.put(debugData);
        }
    }

    /** Writes a WINDOW_UPDATE; stream 0 credits the connection window. */
    public static void writeWindowUpdate(ByteBuffer dst, int streamId, int increment) {
        if (streamId < 0) {
            throw new IllegalArgumentException("negative stream id");
        }
        if (increment <= 0) {
            throw new IllegalArgumentException("window increment must be in [1, 2^31-1], got " + increment);
        }
        room(dst, H2Frame.HEADER_LENGTH + 4);
        FrameHeader.write(dst, 4, H2Frame.TYPE_WINDOW_UPDATE, 0, streamId);
        dst.putInt(increment);
    }

    private static void copy(ByteBuffer src, ByteBuffer dst, int length) {
        int limit = src.limit();
        src.limit(src.position() + length);
        dst.put(src);
        src.limit(limit);
    }

    private static void room(ByteBuffer dst, int needed) {
        if (dst.remaining() < needed) {
            throw new BufferOverflowException();
        }
    }

    private static void requireStream(int streamId) {
        if (streamId <= 0) {
            throw new IllegalArgumentException("stream id must be > 0, got " + streamId);
        }
    }
}
