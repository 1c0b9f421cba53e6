package dev.epoxy.cli;

import dev.epoxy.config.GlobalSettings;
import dev.epoxy.sys.Sys;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * {@code chroot}, {@code group}/{@code gid}, {@code user}/{@code uid} of the global section,
 * applied after the listeners are bound, in HAProxy's order: chroot, then setgid (with
 * setgroups(0)), then setuid. glibc applies setgid/setuid to every thread of the process.
 *
 * <p>chroot in a JVM: whatever the JVM has not opened yet is out of reach afterwards. The JDK's
 * own classes come from {@code lib/modules}, which stays open (mapped); the application jar
 * stays open too once read, but classes not loaded yet would be looked up by path for
 * resources, and JDK data files (time zones, security) are read lazily. So before the chroot
 * every class of Epoxy's jar (or class directory) is loaded and the lazily read JDK data used
 * by the proxy is touched; after it, a check loads a class and formats a date.
 */
public final class Privileges {
    private Privileges() {}

    /** Applies the settings; returns null, or an error message (file:line: ...). */
    public static String apply(GlobalSettings.Process p) {
        if (p.chroot() != null) {
            String where = p.where().getOrDefault("chroot", "global");
            String pre = preload();
            if (pre != null)
                return where + ": chroot: " + pre;
            int r = Sys.epoxy_chroot(p.chroot());
            if (r < 0)
                return where + ": chroot '" + p.chroot() + "': " + Sys.strerror(r);
            try {
                Class.forName("dev.epoxy.cli.Version");
                java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(java.time.ZonedDateTime.now());
            } catch (Throwable t) {
                return where + ": the JVM does not work inside the chroot '" + p.chroot() + "': " + t;
            }
        }
        if (p.gid() >= 0) {
            int r = Sys.epoxy_setgid(p.gid());
            if (r < 0)
                return p.where().getOrDefault("group", "global") + ": setgid(" + p.gid() + "): " + Sys.strerror(r);
        }
        if (p.uid() >= 0) {
            int r = Sys.epoxy_setuid(p.uid());
            if (r < 0)
                return p.where().getOrDefault("user", "global") + ": setuid(" + p.uid() + "): " + Sys.strerror(r);
        }
        return null;
    }

    /** Loads every class of the code source that holds Epoxy (jar or directory); null or an error. */
    static String preload() {
        try {
            Path src = Path.of(Privileges.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            ClassLoader cl = Privileges.class.getClassLoader();
            if (Files.isDirectory(src)) {
                try (var walk = Files.walk(src)) {
                    for (Path f : (Iterable<Path>) walk::iterator) {
                        String rel = src.relativize(f).toString();
                        if (rel.endsWith(".class"))
                            load(cl, rel);
                    }
                }
            } else {
                try (JarFile jar = new JarFile(src.toFile())) {
                    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements();) {
                        String n = e.nextElement().getName();
                        if (n.endsWith(".class"))
                            load(cl, n);
                    }
                }
            }
            // JDK data read on first use: time zone rules, the default zone.
            java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(java.time.ZonedDateTime.now());
            return null;
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return "could not load the classes before the chroot: " + e;
        }
    }

    private static void load(ClassLoader cl, String file) {
        String name = file.substring(0, file.length() - ".class".length()).replace('/', '.');
        if (name.endsWith("module-info") || name.endsWith("package-info") || name.startsWith("META-INF"))
            return;
        try {
            Class.forName(name, false, cl);
        } catch (Throwable t) {
            // optional dependencies of libraries (e.g. JNA's AWT helpers): not needed by the proxy
        }
    }
}
