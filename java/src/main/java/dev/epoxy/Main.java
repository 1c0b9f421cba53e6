package dev.epoxy;

import dev.epoxy.cli.Check;
import dev.epoxy.cli.CommandLine;
import dev.epoxy.cli.Daemon;
import dev.epoxy.cli.HeapTrimmer;
import dev.epoxy.cli.Privileges;
import dev.epoxy.cli.UsageException;
import dev.epoxy.cli.Version;
import dev.epoxy.config.Config;
import dev.epoxy.config.ConfigException;
import dev.epoxy.config.ConfigParser;
import dev.epoxy.config.GlobalSettings;
import dev.epoxy.proxy.Handover;
import dev.epoxy.proxy.ProxyRuntime;
import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Sys;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Command line entry point with HAProxy's flags: -f cfg (repeatable), -c, -d, -v/-vv. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line; returns the exit code (a running proxy returns only when stopped). */
    static int run(String[] args) {
        CommandLine cl;
        try {
            cl = CommandLine.parse(args);
        } catch (UsageException e) {
            System.err.println("[ALERT] " + e.getMessage());
            System.err.println(CommandLine.usage());
            return 1;
        }
        if (cl.help()) {
            System.out.println(CommandLine.usage());
            return 0;
        }
        if (cl.version() != CommandLine.VersionRequest.NONE) {
            System.out.print(Version.text(cl.version() == CommandLine.VersionRequest.VERBOSE));
            if (cl.version() == CommandLine.VersionRequest.VERBOSE)
            {
                System.out.println("Native shim: libepoxyshim.so through JNA " + com.sun.jna.Native.VERSION
                        + ", epoll_event size " + dev.epoxy.sys.Abi.EPOLL_EVENT_SIZE);
                System.out.println("Threads: one epoll poller per thread, up to " + GlobalSettings.MAX_THREADS
                        + "; default nbthread here: " + GlobalSettings.DEFAULTS.threads() + " (available CPUs)");
            }
            return 0;
        }
        if (cl.checkOnly())
            return Check.run(cl, System.out, System.err);
        if (cl.debug())
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        else if (cl.quiet())
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // The level above is read when the first logger is made. No class makes one before its
        // first log line: SLF4J's start (20-30 ms of class loading and a service lookup in the
        // jar) then comes after the listeners are open, not on the way to them (bench/README.md).
        Config cfg;
        try {
            cfg = ConfigParser.parse(cl.configFiles().toArray(new Path[0]));
        } catch (ConfigException e) {
            Check.printWarnings(e.warnings(), System.err);
            for (String error : e.errors())
                System.err.println("[ALERT] " + error);
            System.err.println("[ALERT] Fatal errors found in configuration.");
            return 1;
        }
        if (!cl.quiet())
            Check.printWarnings(cfg.warnings(), System.err);
        GlobalSettings.Process proc = cfg.global().process();
        boolean daemon = cl.daemon() || proc.daemon();
        if (daemon && !cl.foreground() && !Daemon.isChild())
            return Daemon.launch(Main.class, args);
        // Seamless reload: take the listening sockets of the old processes before binding.
        List<Integer> inherited = new ArrayList<>();
        for (long pid : cl.oldPids()) {
            try {
                inherited.addAll(Handover.fetch(pid));
            } catch (java.io.IOException e) {
                System.err.println("[WARNING] reload: no listening sockets from pid " + pid + " (" + e.getMessage()
                        + "); binding new ones");
            }
        }
        ProxyRuntime rt;
        try {
            rt = new ProxyRuntime(cfg);
            rt.inherit(inherited);
            rt.start();
        } catch (Exception e) {
            System.err.println("[ALERT] Starting proxy: " + e.getMessage());
            return 1;
        }
        String pidfile = cl.pidfile() != null ? cl.pidfile() : proc.pidfile();
        if (pidfile != null) {
            try {
                Files.writeString(Path.of(pidfile), ProcessHandle.current().pid() + "\n");
            } catch (java.io.IOException e) {
                System.err.println("[ALERT] cannot write pid file '" + pidfile + "': " + e);
                rt.close();
                return 1;
            }
        }
        Handover handover = Handover.serve(rt);
        String dropped = Privileges.apply(proc);
        if (dropped != null) {
            System.err.println("[ALERT] " + dropped);
            if (handover != null)
                handover.close();
            rt.close();
            return 1;
        }
        HeapTrimmer trimmer = HeapTrimmer.start(dev.epoxy.proxy.HeapGuard::install);
        AtomicBoolean closed = new AtomicBoolean();
        Runnable closeAll = () -> {
            if (closed.compareAndSet(false, true)) {
                trimmer.close();
                if (handover != null)
                    handover.close();
                rt.close();
            }
        };
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch soft = new CountDownLatch(1);
        // SIGTERM and SIGINT: hard stop, as HAProxy in plain mode (the JVM runs its shutdown hooks).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeAll.run();
            stop.countDown();
        }, "epoxy-shutdown"));
        // SIGUSR1: soft stop. The handler thread only flags it; the pollers do the work.
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> {
                rt.softStop();
                soft.countDown();
            });
        } catch (IllegalArgumentException e) {
            System.err.println("[WARNING] cannot handle SIGUSR1 (" + e.getMessage() + "): no soft stop");
        }
        for (long pid : cl.oldPids()) {
            if (!looksLikeEpoxy(pid)) {
                System.err.println("[WARNING] reload: pid " + pid + " is not an Epoxy process (per /proc/" + pid
                        + "/cmdline): not signalled");
                continue;
            }
            int sig = cl.hardStopOld() ? Abi.SIGTERM : Abi.SIGUSR1;
            int r = Sys.epoxy_kill((int) pid, sig);
            if (r < 0)
                System.err.println("[WARNING] reload: signalling pid " + pid + ": " + Sys.strerror(r));
        }
        if (Daemon.isChild())
            Daemon.detached();
        try {
            while (stop.getCount() > 0 && !awaitSoftStop(soft)) {
                // wait for a soft stop (SIGUSR1) or the shutdown hook (SIGTERM/SIGINT)
            }
            if (stop.getCount() > 0) {
                org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);
                if (!rt.awaitStopped(proc.hardStopAfterMs()))
                    log.warn("hard-stop-after expired: closing {} remaining client connection(s)", rt.connections());
                else
                    log.info("soft stop complete: every client connection ended");
                closeAll.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * One second of waiting for a soft stop. Waiting allocates: without heap (a flood past
     * -Xmx) it throws, and the main thread, which keeps the process up, must not end then.
     */
    private static boolean awaitSoftStop(java.util.concurrent.CountDownLatch soft) throws InterruptedException {
        try {
            return soft.await(1, java.util.concurrent.TimeUnit.SECONDS);
        } catch (OutOfMemoryError e) {
            Thread.sleep(100); // and again, not in a spin
            return false;
        }
    }

    /** Unlike HAProxy, which signals whatever pid it is given, only a process running Epoxy is signalled. */
    private static boolean looksLikeEpoxy(long pid) {
        try {
            byte[] cmd = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String s = new String(cmd, java.nio.charset.StandardCharsets.UTF_8);
            return s.contains("epoxy");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
