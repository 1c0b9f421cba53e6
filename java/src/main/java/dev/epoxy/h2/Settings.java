package dev.epoxy.h2;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * The six SETTINGS parameters of RFC 9113 section 6.5.2, with their validation rules.
 *
 * <p>One instance is used in two ways: as the full state of one side's settings (every value is
 * meaningful, starting at the RFC defaults), and as the content of one SETTINGS frame, where
 * {@link #isSet} tells which parameters the frame carried. {@link #applyFrom} merges the latter
 * into the former.
 */
public final class Settings {
    public static final int HEADER_TABLE_SIZE = 0x1;
    public static final int ENABLE_PUSH = 0x2;
    public static final int MAX_CONCURRENT_STREAMS = 0x3;
    public static final int INITIAL_WINDOW_SIZE = 0x4;
    public static final int MAX_FRAME_SIZE = 0x5;
    public static final int MAX_HEADER_LIST_SIZE = 0x6;

    /**
     * Value of the parameters that have no limit by default (MAX_CONCURRENT_STREAMS,
     * MAX_HEADER_LIST_SIZE): the largest value a peer can send, so it never limits anything.
     */
    public static final long UNLIMITED = 0xffff_ffffL;

    /** Bytes per parameter in a SETTINGS payload: 16-bit id, 32-bit value. */
    public static final int ENTRY_LENGTH = 6;

    private static final int LAST_ID = MAX_HEADER_LIST_SIZE;

    private final long[] values = new long[LAST_ID + 1];
    private int present; // bit (1 << id) for every parameter explicitly set

    /** Settings at their RFC defaults, none marked as set. */
    public Settings() {
        clear();
    }

    /** Back to the RFC defaults, none marked as set. */
    public Settings clear() {
        values[HEADER_TABLE_SIZE] = H2Frame.DEFAULT_HEADER_TABLE_SIZE;
        values[ENABLE_PUSH] = 1;
        values[MAX_CONCURRENT_STREAMS] = UNLIMITED;
        values[INITIAL_WINDOW_SIZE] = H2Frame.DEFAULT_INITIAL_WINDOW_SIZE;
        values[MAX_FRAME_SIZE] = H2Frame.DEFAULT_MAX_FRAME_SIZE;
        values[MAX_HEADER_LIST_SIZE] = UNLIMITED;
        present = 0;
        return this;
    }

    /**
     * Checks one received parameter. Unknown ids are legal (they must be ignored).
     *
     * @throws H2Exception connection PROTOCOL_ERROR for a bad ENABLE_PUSH or MAX_FRAME_SIZE,
     *         connection FLOW_CONTROL_ERROR for an INITIAL_WINDOW_SIZE above 2^31-1
     */
    public static void validate(int id, long value) throws H2Exception {
        if (value < 0 || value > UNLIMITED) {
            // Cannot come off the wire (32-bit field); guards programmatic use.
            throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "setting 0x" + Integer.toHexString(id)
                    + " value out of 32-bit range: " + value);
        }
        switch (id) {
            case ENABLE_PUSH:
                if (value > 1) {
                    throw H2Exception.connection(H2Error.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH must be 0 or 1, got " + value);
                }
                break;
            case INITIAL_WINDOW_SIZE:
                if (value > H2Frame.MAX_WINDOW_SIZE) {
                    throw H2Exception.connection(H2Error.FLOW_CONTROL_ERROR,
                            "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1: " + value);
                }
                break;
            case MAX_FRAME_SIZE:
                if (value < H2Frame.DEFAULT_MAX_FRAME_SIZE || value > H2Frame.MAX_MAX_FRAME_SIZE) {
                    throw H2Exception.connection(H2Error.PROTOCOL_ERROR,
                            "SETTINGS_MAX_FRAME_SIZE outside [16384, 16777215]: " + value);
                }
                break;
            default:
                break;
        }
    }

    /**
     * Validates and records one parameter, as received in a SETTINGS frame. Unknown ids are
     * ignored (RFC 9113 section 6.5.2).
     */
    public Settings set(int id, long value) throws H2Exception {
        validate(id, value);
        if (id >= 1 && id <= LAST_ID) {
            values[id] = value;
            present |= 1 << id;
        }
        return this;
    }

    /**
     * Same as {@link #set} for locally chosen values, where a bad value is a programming error.
     *
     * @throws IllegalArgumentException for an unknown id or an invalid value
     */
    public Settings with(int id, long value) {
        if (id < 1 || id > LAST_ID) {
            throw new IllegalArgumentException("unknown setting id " + id);
        }
        try {
            return set(id, value);
        } catch (H2Exception e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Whether the parameter was set (received in the frame, or chosen locally). */
    public boolean isSet(int id) {
        return id >= 1 && id <= LAST_ID && (present & (1 << id)) != 0;
    }

    /** Whether no parameter is set (an empty SETTINGS frame). */
    public boolean isEmpty() {
        return present == 0;
    }

    /** Current value of a known parameter (its default if never set). */
    public long get(int id) {
        if (id < 1 || id > LAST_ID) {
            throw new IllegalArgumentException("unknown setting id " + id);
        }
        return values[id];
    }

    /** Copies every parameter set in {@code update} into this one (marking them set here too). */
    public Settings applyFrom(Settings update) {
        for (int id = 1; id <= LAST_ID; id++) {
            if (update.isSet(id)) {
                values[id] = update.values[id];
                present |= 1 << id;
            }
        }
        return this;
    }

    public long headerTableSize() {
        return values[HEADER_TABLE_SIZE];
    }

    public boolean enablePush() {
        return values[ENABLE_PUSH] != 0;
    }

    public long maxConcurrentStreams() {
        return values[MAX_CONCURRENT_STREAMS];
    }

    public int initialWindowSize() {
        return (int) values[INITIAL_WINDOW_SIZE];
    }

    public int maxFrameSize() {
        return (int) values[MAX_FRAME_SIZE];
    }

    public long maxHeaderListSize() {
        return values[MAX_HEADER_LIST_SIZE];
    }

    /** Payload length of a SETTINGS frame carrying the parameters that are set. */
    public int payloadLength() {
        return Integer.bitCount(present) * ENTRY_LENGTH;
    }

    /**
     * Writes the parameters that are set, in id order, as a SETTINGS payload.
     *
     * @throws BufferOverflowException if {@code dst} lacks room (nothing written)
     */
    public void writePayload(ByteBuffer dst) {
        if (dst.remaining() < payloadLength()) {
            throw new BufferOverflowException();
        }
        for (int id = 1; id <= LAST_ID; id++) {
            if (isSet(id)) {
                dst.putShort((short) id).putInt((int) values[id]);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Settings[");
        String[] names = {null, "HEADER_TABLE_SIZE", "ENABLE_PUSH", "MAX_CONCURRENT_STREAMS",
            "INITIAL_WINDOW_SIZE", "MAX_FRAME_SIZE", "MAX_HEADER_LIST_SIZE"};
        for (int id = 1; id <= LAST_ID; id++) {
            sb.append(id == 1 ? "" : ", ").append(names[id]).append('=').append(values[id]).append(isSet(id) ? "*" : "");
        }
        return sb.append(']').toString();
    }
}
