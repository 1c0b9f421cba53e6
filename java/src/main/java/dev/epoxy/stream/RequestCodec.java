package dev.epoxy.stream;

import dev.epoxy.http.HttpHead;

/**
 * How a {@link RequestReplay} keeps a request head: as bytes, read back into a head for the
 * retry. The runtime supplies the HTTP/1 one ({@code h1.H1RequestCodec}), so the stream layer
 * does not depend on a mux's codec.
 */
public interface RequestCodec {
    /** The head as bytes. */
    byte[] encode(HttpHead head);

    /** Fills {@code into}, a cleared head, from bytes {@link #encode} produced, as a freshly parsed request. */
    void decode(byte[] bytes, HttpHead into);
}
