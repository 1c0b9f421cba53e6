package dev.epoxy.proxy;

import dev.epoxy.stream.Endpoint;
import dev.epoxy.stream.StreamConnector;

/** A connection to a server, as seen by the code that picks, reuses and pools them. */
public interface BackendConn {
    Server server();

    /** Still usable: open, no error, no unexpected input while idle. */
    boolean reusable();

    /** Binds the connection to a stream's backend connector and returns its endpoint. */
    Endpoint attach(StreamConnector sc);

    /** Closes it (abortively when {@code abort}). */
    void close(boolean abort);
}
