package dev.epoxy.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real command-line clients and servers the tests drive (installed by .ci/run). */
public final class Tools {
    private Tools() {}

    /** The path of a tool; fails the test with the package to install when it is missing. */
    public static String require(String tool, String debianPackage) {
        for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p))
                return p.toString();
        }
        throw new AssertionError(tool + " is not installed: apt-get install " + debianPackage + " (.ci/run does)");
    }

    public record Result(int exit, String out, String err) {}

    /**
     * A loopback port that was free a moment ago, for another process (nginx, HAProxy), which
     * cannot report a port it bound itself; it may be taken before that process binds it.
     */
    public static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Whether something accepts connections on 127.0.0.1:{@code port} now. */
    public static boolean accepts(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs a command to completion within {@code seconds} (killed after that). */
    public static Result run(int seconds, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tool", ".out"), err = Files.createTempFile("tool", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in " + seconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** An nginx serving {@code root} on a loopback port, stopped on close. */
    public static final class Nginx implements AutoCloseable {
        public final int port;
        private final Path dir;
        private final Process process;

        /**
         * nginx is another process and cannot report a port it bound itself: it gets a port that
         * was free a moment ago. If another process takes the port first, nginx exits on the bind
         * error (or the probe finds it dead) and we start it again on another port, a bounded
         * number of times.
         */
        public Nginx(Path root) throws IOException, InterruptedException {
            String nginx = require("nginx", "nginx-light");
            dir = Files.createTempDirectory("nginx");
            for (int attempt = 1; ; attempt++) {
                int p = freePort();
                Path conf = dir.resolve("nginx.conf");
                Files.writeString(conf, "daemon off;\nworker_processes 1;\npid " + dir.resolve("pid") + ";\n"
                        + "error_log " + dir.resolve("error.log") + ";\nevents { worker_connections 512; }\n"
                        + "http {\n access_log off;\n client_body_temp_path " + dir + ";\n proxy_temp_path " + dir + ";\n"
                        + " fastcgi_temp_path " + dir + ";\n uwsgi_temp_path " + dir + ";\n scgi_temp_path " + dir + ";\n"
                        + " server { listen 127.0.0.1:" + p + "; root " + root + "; }\n}\n");
                List<String> cmd = new ArrayList<>(List.of(nginx, "-c", conf.toString(), "-p", dir.toString()));
                Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
                boolean up = Wait.holds(10_000, () -> !pr.isAlive() || accepts(p));
                if (up && pr.isAlive()) {
                    port = p;
                    process = pr;
                    return;
                }
                pr.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                if (attempt == 5)
                    throw new AssertionError("nginx did not start: " + Files.readString(dir.resolve("out")));
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }
}
