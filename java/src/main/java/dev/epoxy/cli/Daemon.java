package dev.epoxy.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code -D} / {@code daemon}. A JVM cannot fork (the child would have one thread and a
 * half-copied heap), so HAProxy's double fork is replaced by starting the same JVM again,
 * detached: same java binary, same JVM options, same class path, same arguments without
 * {@code -D}, and {@code EPOXY_DAEMON_CHILD=1} in the environment. The child calls setsid()
 * (it is not a process group leader, so that works), starts the proxy, prints one line
 * {@code epoxy: ready pid N} on its stdout, then points stdin, stdout and stderr at /dev/null.
 * The parent copies what the child printed until then (warnings, alerts) and exits 0 once the
 * ready line came, or 1 if the child exited first (with its messages). The pid file, if any,
 * is written by the child and holds the daemon's pid.
 */
public final class Daemon {
    public static final String CHILD_ENV = "EPOXY_DAEMON_CHILD";
    public static final String READY = "epoxy: ready pid ";
    private static final long START_TIMEOUT_S = 60;

    private Daemon() {}

    public static boolean isChild() {
        return "1".equals(System.getenv(CHILD_ENV));
    }

    /**
     * In the parent: starts the detached child (running {@code mainClass}, the caller, which cli
     * sits below) and waits for its ready line. Returns the exit code.
     */
    public static int launch(Class<?> mainClass, String[] args) {
        String java = ProcessHandle.current().info().command().orElse(null);
        if (java == null) {
            System.err.println("[ALERT] daemon mode: cannot find the path of the running java binary");
            return 1;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        for (String a : args)
            if (!a.equals("-D"))
                cmd.add(a);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put(CHILD_ENV, "1");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            System.err.println("[ALERT] daemon mode: starting " + java + ": " + e.getMessage());
            return 1;
        }
        // Read the child's output on another thread so that a silent, hung child still times out.
        java.util.concurrent.CompletableFuture<Long> ready = new java.util.concurrent.CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith(READY)) {
                        ready.complete(Long.parseLong(line.substring(READY.length()).trim()));
                        return;
                    }
                    System.err.println(line);
                }
            } catch (IOException | NumberFormatException e) {
                // fall through: the child is judged by its exit
            }
            ready.complete(-1L);
        }, "epoxy-daemon-start");
        reader.setDaemon(true);
        reader.start();
        long pid;
        try {
            pid = ready.get(START_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (Exception e) {
            pid = -1;
        }
        if (pid <= 0) {
            boolean exited;
            try {
                exited = p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                exited = false;
            }
            if (exited) {
                System.err.println("[ALERT] daemon mode: the detached process exited with status " + p.exitValue());
            } else {
                System.err.println("[ALERT] daemon mode: the detached process did not report ready in "
                        + START_TIMEOUT_S + " s; killed");
                p.destroyForcibly();
            }
            return 1;
        }
        return 0;
    }

    /** In the child, once the proxy runs: new session, ready line, then stdio to /dev/null. */
    public static void detached() {
        int r = dev.epoxy.sys.Sys.epoxy_setsid();
        if (r < 0)
            System.err.println("[WARNING] daemon mode: setsid: " + dev.epoxy.sys.Sys.strerror(r));
        System.out.println(READY + ProcessHandle.current().pid());
        System.out.flush();
        System.err.flush();
        for (int fd = 0; fd <= 2; fd++)
            dev.epoxy.sys.Sys.epoxy_devnull(fd);
    }
}
