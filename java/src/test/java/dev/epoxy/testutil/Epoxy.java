package dev.epoxy.testutil;

import dev.epoxy.config.Config;
import dev.epoxy.config.ConfigParser;
import dev.epoxy.proxy.ProxyRuntime;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

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

    /** A loopback port that was free a moment ago (the kernel does not hand it out again at once). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
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
