package dev.epoxy.testutil;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Epoxy run as its own process ({@code dev.epoxy.Main}), as an operator runs it. */
public final class EpoxyProcess implements AutoCloseable {
    public final Process process;
    public final LinkedBlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    public final LinkedBlockingQueue<String> stderr = new LinkedBlockingQueue<>();

    private EpoxyProcess(Process p) {
        this.process = p;
        pump(p.getInputStream(), stdout);
        pump(p.getErrorStream(), stderr);
    }

    /** Starts {@code dev.epoxy.Main} with JVM options and arguments. */
    public static EpoxyProcess start(List<String> jvmOpts, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOpts);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.epoxy.Main");
        cmd.addAll(List.of(args));
        return new EpoxyProcess(new ProcessBuilder(cmd).start());
    }

    /** Writes a config to a temporary file. */
    public static Path config(String text) throws IOException {
        Path f = Files.createTempFile("epoxy", ".cfg");
        Files.writeString(f, text);
        f.toFile().deleteOnExit();
        return f;
    }

    /** Copies the lines of {@code in} into {@code q} on a daemon thread until end of stream. */
    public static void pump(java.io.InputStream in, LinkedBlockingQueue<String> q) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null)
                    q.add(l);
            } catch (IOException ignored) {
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** Waits for the exit code (the process is killed after the timeout). */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("epoxy did not exit within " + seconds + " s");
        }
        return process.exitValue();
    }

    /** Waits for a line on stdout or stderr containing {@code text}; returns it or null. */
    public String awaitLine(LinkedBlockingQueue<String> q, String text, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            String l = q.poll(50, TimeUnit.MILLISECONDS);
            if (l != null && l.contains(text))
                return l;
        }
        return null;
    }

    /**
     * The port a frontend (or listen section) bound, for a process started with {@code -d} and a
     * config binding port 0: waits for the debug line {@code <kind> 'NAME' listening on HOST:PORT}
     * on stderr. Lines before it are consumed; listeners are logged in config order, so ask for
     * them in that order, then for "epoxy started".
     */
    public int awaitPort(String frontend, long millis) throws InterruptedException {
        String l = awaitLine(stderr, "'" + frontend + "' listening on ", millis);
        if (l == null)
            throw new AssertionError("no 'listening' line for " + frontend + " within " + millis + " ms (started with -d?); stderr: " + stderr);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("listening on \\S*:(\\d+)").matcher(l);
        if (!m.find())
            throw new AssertionError("no port in: " + l);
        return Integer.parseInt(m.group(1));
    }

    /** A field of /proc/PID/status in kB (VmRSS, VmHWM...). */
    public long procStatusKb(String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")))
            if (l.startsWith(field + ":"))
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
        return -1;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS))
                process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
