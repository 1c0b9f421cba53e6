package dev.epoxy.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's open-file limit (RLIMIT_NOFILE), read from /proc: it sizes the fd table. */
final class FdLimit {
    private FdLimit() {}

    static long max() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring(14).trim().split("\\s+");
                    return f[0].equals("unlimited") ? Integer.MAX_VALUE : Long.parseLong(f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to a safe default
        }
        return 65536;
    }
}
