package dev.epoxy.load;

import dev.epoxy.config.ConfigParser;
import dev.epoxy.proxy.ProxyRuntime;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The seed-1 soak: runs examples/seed-race.cfg in-process and drives it with {@link H1Load}
 * (one user, a new connection per request) for as long as asked, printing requests per second,
 * errors and requests over 1 s.
 *
 * <p>{@code --pre-fix} flips the fd table's test-only switch that restores HAProxy's pre-fix
 * close order (update mask cleared before the tgid reset, no wait for reference holders), to
 * see whether the end-to-end scenario stalls with the bug back in. Never use it otherwise.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.epoxy.load.SeedSoak [-d seconds]
 * [-t threads] [-c users] [--et] [--pre-fix] [--widen]}; {@code --widen} yields inside the racing
 * windows through the fd table's fault-injection hooks.
 */
public final class SeedSoak {
    public static void main(String[] args) throws Exception {
        int seconds = 60, threads = 3, users = 1;
        boolean et = false, preFix = false, widen = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-d": seconds = Integer.parseInt(args[++i]); break;
                case "-t": threads = Integer.parseInt(args[++i]); break;
                case "-c": users = Integer.parseInt(args[++i]); break;
                case "--et": et = true; break;
                case "--pre-fix": preFix = true; break;
                case "--widen": widen = true; break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        String cfg = Files.readString(Path.of("examples/seed-race.cfg"))
                .replace("nbthread 3", "nbthread " + threads);
        if (et)
            cfg = cfg.replace("#tune.fd.edge-triggered on", "tune.fd.edge-triggered on");
        if (preFix) {
            Field f = Class.forName("dev.epoxy.fd.FdTable").getDeclaredField("preFixDeleteOrder");
            f.setAccessible(true);
            f.setBoolean(null, true);
        }
        if (widen) {
            // Yield inside the two racing windows (late update-bit set, close) to make them likelier.
            dev.epoxy.fd.FdHooks.updateBitAfterGrab = fd -> Thread.yield();
            dev.epoxy.fd.FdHooks.deleteAfterTgidReset = fd -> Thread.yield();
        }
        ProxyRuntime rt = new ProxyRuntime(ConfigParser.parse("seed-race.cfg", cfg));
        rt.start();
        try {
            H1Load.Result r = new H1Load("127.0.0.1", 8001, "/", false, 1000).run(users, seconds, Long.MAX_VALUE);
            for (int i = 0; i < r.perSecond.size(); i++)
                System.out.printf("%4d %8d req/s%n", i + 1, r.perSecond.get(i));
            System.out.println((preFix ? "PRE-FIX ORDER: " : "") + r);
            System.out.println("takeovers: " + rt.backend("f").servers.get(0).pools.takeovers.get());
        } finally {
            rt.close();
        }
        System.exit(0);
    }
}
