package dev.epoxy;

import dev.epoxy.cli.Check;
import dev.epoxy.cli.CommandLine;
import dev.epoxy.cli.UsageException;
import dev.epoxy.cli.Version;
import dev.epoxy.config.Config;
import dev.epoxy.config.ConfigException;
import dev.epoxy.config.ConfigParser;
import dev.epoxy.config.GlobalSettings;
import dev.epoxy.proxy.ProxyRuntime;
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
        Check.printWarnings(cfg.warnings(), System.err);
        ProxyRuntime rt;
        try {
            rt = new ProxyRuntime(cfg);
            rt.start();
        } catch (Exception e) {
            System.err.println("[ALERT] Starting proxy: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            rt.close();
            stop.countDown();
        }, "epoxy-shutdown"));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
