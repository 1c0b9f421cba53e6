package dev.epoxy.testutil;

import dev.epoxy.config.Config;
import dev.epoxy.config.ConfigParser;
import dev.epoxy.proxy.ProxyRuntime;
import java.io.IOException;

/** An Epoxy proxy started in-process from a configuration text, for end-to-end tests. */
public final class Epoxy implements AutoCloseable {
    public final ProxyRuntime rt;

    private Epoxy(ProxyRuntime rt) {
        this.rt = rt;
    }

    public static Epoxy start(String cfgText) throws Exception {
        Config cfg = ConfigParser.parse("test.cfg", cfgText);
        ProxyRuntime rt = new ProxyRuntime(cfg);
        rt.start();
        return new Epoxy(rt);
    }

    /** The port of a frontend's first bind; bind port 0 in the test config and read it back here. */
    public int port(String frontend) throws IOException {
        return rt.port(frontend, 0);
    }

    /**
     * Waits until a frontend holds no client connection: each session is torn down, the server
     * connections it used are pooled or closed. A client that closed its socket is not gone from
     * the proxy until then; tests that depend on the pool state wait for this.
     */
    public void awaitNoConnections(String frontend) throws InterruptedException {
        if (!Wait.holds(10_000, () -> rt.connections(frontend) == 0))
            throw new AssertionError("frontend " + frontend + " still holds " + rt.connections(frontend) + " client connection(s)");
    }

    /** One thread, frontend "fe" on a free port in front of one server at {@code serverPort}, 30 s timeouts. */
    public static Epoxy inFrontOf(int serverPort, boolean et) throws Exception {
        return inFrontOf(serverPort, global(1, et));
    }

    /** As {@link #inFrontOf(int, boolean)}, with the given global section. */
    public static Epoxy inFrontOf(int serverPort, String global) throws Exception {
        return start(global + "defaults\n    mode http\n    timeout connect 2s\n"
                + "    timeout client 30s\n    timeout server 30s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + serverPort + "\n");
    }

    /** The global section for a thread count and trigger mode. */
    public static String global(int threads, boolean et) {
        return "global\n    nbthread " + threads + "\n"
                + (et ? "    expose-experimental-directives\n    tune.fd.edge-triggered on\n" : "");
    }

    @Override
    public void close() {
        rt.close();
    }
}
