package dev.epoxy.h2;

/**
 * One HTTP/2 flow-control window (RFC 9113 section 6.9): the connection's (stream id 0) or one
 * stream's. It counts bytes the sender may still send; it may go negative after a
 * SETTINGS_INITIAL_WINDOW_SIZE reduction, and must never exceed 2^31-1.
 *
 * <p>Not thread-safe: owned by the connection's mux, like everything in this package.
 */
public final class FlowWindow {
    private int streamId;
    private long window;

    /**
     * @param streamId 0 for the connection window, else the stream it belongs to (decides the
     *                 scope of overflow errors)
     * @param initial  starting size, 0..2^31-1
     */
    public FlowWindow(int streamId, int initial) {
        if (streamId < 0 || initial < 0) {
            throw new IllegalArgumentException("streamId=" + streamId + " initial=" + initial);
        }
        this.streamId = streamId;
        this.window = initial;
    }

    /** The stream got its id (the server side numbers a stream when its HEADERS go out). */
    void renumber(int streamId) {
        this.streamId = streamId;
    }

    public int streamId() {
        return streamId;
    }

    /** Current window; negative when a settings change shrank it below what was in flight. */
    public long size() {
        return window;
    }

    /** How many bytes may be sent now (0 when the window is zero or negative). */
    public int available() {
        return (int) Math.max(0, window);
    }

    /**
     * Takes {@code n} flow-controlled bytes (a DATA frame's whole payload, padding included).
     * On the receive side this checks the peer respected the window we granted.
     *
     * @throws H2Exception FLOW_CONTROL_ERROR (this window's scope) when {@code n} exceeds the window
     */
    public void consume(int n) throws H2Exception {
        if (n < 0) {
            throw new IllegalArgumentException("negative length " + n);
        }
        if (n > window) {
            throw error("flow-control window exceeded: " + n + " bytes > window " + window);
        }
        window -= n;
    }

    /**
     * Adds a WINDOW_UPDATE increment (the frame decoder has already rejected 0).
     *
     * @throws H2Exception FLOW_CONTROL_ERROR (this window's scope) if the window would pass 2^31-1
     */
    public void credit(int increment) throws H2Exception {
        if (increment <= 0) {
            throw new IllegalArgumentException("window increment must be positive, got " + increment);
        }
        if (window + increment > H2Frame.MAX_WINDOW_SIZE) {
            throw error("flow-control window overflow: " + window + " + " + increment + " > 2^31-1");
        }
        window += increment;
    }

    /**
     * Applies a change of SETTINGS_INITIAL_WINDOW_SIZE ({@code newInitial - oldInitial}) to this
     * stream window. The result may be negative. RFC 9113 section 6.9.2 makes an overflow past
     * 2^31-1 a connection error, even though the window is a stream's.
     *
     * @throws H2Exception connection FLOW_CONTROL_ERROR on overflow (the window is left unchanged)
     */
    public void applyInitialWindowDelta(long delta) throws H2Exception {
        long next = window + delta;
        if (next > H2Frame.MAX_WINDOW_SIZE) {
            throw H2Exception.connection(H2Error.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE change overflows stream "
                    + streamId + " window: " + window + " + " + delta);
        }
        window = next;
    }

    private H2Exception error(String message) {
        return streamId == 0
                ? H2Exception.connection(H2Error.FLOW_CONTROL_ERROR, message)
                : H2Exception.stream(streamId, H2Error.FLOW_CONTROL_ERROR, message);
    }

    @Override
    public String toString() {
        return "FlowWindow[stream=" + streamId + ", size=" + window + "]";
    }
}
