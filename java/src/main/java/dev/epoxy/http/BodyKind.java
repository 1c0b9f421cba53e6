package dev.epoxy.http;

/**
 * How a message body is delimited on an HTTP/1.x connection (RFC 9112 §6.3). The length for
 * {@link #LENGTH} is {@link HttpHead#contentLength()}.
 */
public enum BodyKind {
    /** No body at all (requests without CL/TE, HEAD responses, 1xx, 204, 304). */
    NONE,
    /** Exactly {@link HttpHead#contentLength()} bytes (possibly 0). */
    LENGTH,
    /** Chunked transfer coding; ends with the last chunk and trailers. */
    CHUNKED,
    /** Responses only: the body runs until the server closes the connection. */
    UNTIL_CLOSE,
    /** 2xx response to CONNECT: both directions become an opaque tunnel. */
    TUNNEL
}
