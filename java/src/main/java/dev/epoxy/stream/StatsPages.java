package dev.epoxy.stream;

import dev.epoxy.config.StatsConfig;

/** The statistics a {@link LocalReply} serves ({@code stats uri}, the Prometheus exporter); the runtime's {@code proxy.Stats}. */
public interface StatsPages {
    /** The Prometheus exposition of every counter. */
    byte[] prometheus();

    /** HAProxy's {@code show stat} CSV. */
    String csv();

    /** The HTML page of {@code cfg}, linking to itself at {@code uri}; {@code refresh} adds its refresh header. */
    String html(StatsConfig cfg, String uri, boolean refresh);
}
