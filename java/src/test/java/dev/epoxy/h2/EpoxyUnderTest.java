package dev.epoxy.h2;

import dev.epoxy.config.ConfigParser;
import dev.epoxy.proxy.ProxyRuntime;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Epoxy in-process from a configuration text (ports 0 resolved through the runtime), and
 * runs external HTTP/2 tools against it with a time bound. A missing tool fails the test with a
 * clear message (CI installs curl, nghttp2-client and nghttp2-server).
 */
final class EpoxyUnderTest implements AutoCloseable {
    final ProxyRuntime rt;

    EpoxyUnderTest(String cfg) throws Exception {
        rt = new ProxyRuntime(ConfigParser.parse("test.cfg", cfg));
        rt.start();
    }

    int port(String frontend) throws IOException {
        return rt.port(frontend, 0);
    }

    @Override
    public void close() {
        rt.close();
    }

    /** The result of an external command. */
    record Run(int exit, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.ISO_8859_1);
        }
    }

    static void requireTool(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (new File(dir, tool).canExecute())
                return;
        }
        for (String dir : new String[] {"/usr/sbin", "/usr/local/sbin", "/sbin"})
            if (new File(dir, tool).canExecute())
                return;
        throw new AssertionError("required tool '" + tool + "' is not installed (apt-get install curl nghttp2-client nghttp2-server)");
    }

    static String toolPath(String tool) {
        requireTool(tool);
        for (String dir : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/usr/local/sbin:/sbin").split(":")) {
            File f = new File(dir, tool);
            if (f.canExecute())
                return f.getPath();
        }
        return tool;
    }

    /** Runs a command with a deadline; the process is killed when it overruns. */
    static Run run(long timeoutSec, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(cmd));
        c.set(0, toolPath(cmd[0]));
        Process p = new ProcessBuilder(c).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t1 = pump(p.getInputStream(), out);
        Thread t2 = pump(p.getErrorStream(), err);
        if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
            if (H2Conn.DEBUG != null) {
                synchronized (H2Conn.DEBUG) {
                    for (H2Conn h : H2Conn.DEBUG)
                        if (!h.dead())
                            System.err.println("H2DUMP " + h.debugState());
                }
            }
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeoutSec + " s; stderr: " + err);
        }
        t1.join(5000);
        t2.join(5000);
        return new Run(p.exitValue(), out.toByteArray(), err.toString(StandardCharsets.ISO_8859_1));
    }

    static Process start(String... cmd) throws IOException {
        List<String> c = new ArrayList<>(List.of(cmd));
        c.set(0, toolPath(cmd[0]));
        return new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(to);
            } catch (IOException ignored) {
                // process gone
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A configuration: one frontend "fe" (h2 or not, bound to port 0: read it with {@link #port}) to backend "be" with the given server lines. */
    static String config(int threads, String bindOpts, String servers) {
        return "global\n    nbthread " + threads + "\n"
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0 " + bindOpts + "\n    default_backend be\n"
                + "backend be\n" + servers;
    }
}
