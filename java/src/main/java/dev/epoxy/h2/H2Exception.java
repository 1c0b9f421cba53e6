package dev.epoxy.h2;

/**
 * An HTTP/2 protocol error, either for the whole connection (answer with GOAWAY and close) or for
 * a single stream (answer with RST_STREAM, the connection goes on). The two scopes are kept apart
 * on purpose: a stream error must never tear down other streams, and a connection error must never
 * be downgraded to a RST_STREAM.
 *
 * <p>Peers can provoke these at will, so no stack trace is captured (it would be pure cost); the
 * message says which rule was broken.
 */
public final class H2Exception extends Exception {
    private static final long serialVersionUID = 1L;

    /** Whether the error ends the connection or only one stream. */
    public enum Scope { CONNECTION, STREAM }

    private final Scope scope;
    private final int streamId;
    private final H2Error error;

    private H2Exception(Scope scope, int streamId, H2Error error, String message) {
        super(message, null, false, false);
        this.scope = scope;
        this.streamId = streamId;
        this.error = error;
    }

    /** A connection error: the connection must be closed with GOAWAY(error). */
    public static H2Exception connection(H2Error error, String message) {
        return new H2Exception(Scope.CONNECTION, 0, error, message);
    }

    /** A stream error: the stream must be reset with RST_STREAM(error); others are unaffected. */
    public static H2Exception stream(int streamId, H2Error error, String message) {
        if (streamId <= 0) {
            throw new IllegalArgumentException("stream error needs a stream id > 0, got " + streamId);
        }
        return new H2Exception(Scope.STREAM, streamId, error, message);
    }

    public Scope scope() {
        return scope;
    }

    public boolean isConnectionError() {
        return scope == Scope.CONNECTION;
    }

    public boolean isStreamError() {
        return scope == Scope.STREAM;
    }

    /** The stream to reset for a stream error; 0 for a connection error. */
    public int streamId() {
        return streamId;
    }

    public H2Error error() {
        return error;
    }

    @Override
    public String toString() {
        return "H2Exception[" + scope + (scope == Scope.STREAM ? " " + streamId : "") + ", " + error + "]: "
                + getMessage();
    }
}
