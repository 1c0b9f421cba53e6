package dev.epoxy.h2;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * The 9-byte frame header (RFC 9113 section 4.1). A mutable holder so one instance can be reused
 * for every frame of a connection.
 */
public final class FrameHeader {
    /** Payload length (24 bits). */
    public int length;
    /** Frame type (8 bits). */
    public int type;
    /** Flags (8 bits). */
    public int flags;
    /** Stream id with the reserved bit cleared (31 bits). */
    public int streamId;

    /**
     * Reads a header at absolute index {@code at} of {@code src} without moving its position.
     * The caller guarantees 9 readable bytes there. The reserved bit of the stream id is ignored,
     * as RFC 9113 requires of receivers.
     */
    public FrameHeader readAt(ByteBuffer src, int at) {
        length = ((src.get(at) & 0xff) << 16) | ((src.get(at + 1) & 0xff) << 8) | (src.get(at + 2) & 0xff);
        type = src.get(at + 3) & 0xff;
        flags = src.get(at + 4) & 0xff;
        streamId = src.getInt(at + 5) & 0x7fff_ffff;
        return this;
    }

    /** Reads a header at the position of {@code src} and advances past it. */
    public FrameHeader read(ByteBuffer src) {
        readAt(src, src.position());
        src.position(src.position() + H2Frame.HEADER_LENGTH);
        return this;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    /** Writes this header at the position of {@code dst}. */
    public void write(ByteBuffer dst) {
        write(dst, length, type, flags, streamId);
    }

    /**
     * Writes a frame header at the position of {@code dst} (reserved bit sent as 0).
     *
     * @throws BufferOverflowException if fewer than 9 bytes remain (nothing is written)
     */
    public static void write(ByteBuffer dst, int length, int type, int flags, int streamId) {
        if (length < 0 || length > H2Frame.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("frame length out of range: " + length);
        }
        if (streamId < 0) {
            throw new IllegalArgumentException("negative stream id: " + streamId);
        }
        if (dst.remaining() < H2Frame.HEADER_LENGTH) {
            throw new BufferOverflowException();
        }
        dst.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length);
        dst.put((byte) type).put((byte) flags);
        dst.putInt(streamId);
    }

    @Override
    public String toString() {
        return H2Frame.typeName(type) + "[len=" + length + ", flags=0x" + Integer.toHexString(flags)
                + ", stream=" + streamId + "]";
    }
}
