package dev.epoxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** User and group names to numbers, from /etc/passwd and /etc/group (as getpwnam/getgrnam with files only). */
final class PosixIds {
    private PosixIds() {}

    /** The id (third field) of the line whose first field is name, or -1; a number is taken as is. */
    static int lookup(String file, String name) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                String[] f = line.split(":", -1);
                if (f.length > 2 && f[0].equals(name))
                    return Integer.parseInt(f[2]);
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
