package dev.epoxy.http;

/** HAProxy's HTTP connection modes ("option http-keep-alive", "http-server-close", "httpclose"). */
public enum ConnectionMode {
    /** Default: both sides may stay open between transactions. */
    KEEP_ALIVE,
    /** Client side may stay open; the server connection closes after each response. */
    HTTP_SERVER_CLOSE,
    /** Both sides close after each transaction. */
    HTTP_CLOSE
}
