package dev.epoxy.cli;

import dev.epoxy.config.Config;
import dev.epoxy.config.ConfigException;
import dev.epoxy.config.ConfigParser;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code -c}: parses the configuration and reports like {@code haproxy -c}. Warnings go to
 * stderr as {@code [WARNING] file:line: message}, errors as {@code [ALERT] file:line: message}
 * followed by {@code [ALERT] Fatal errors found in configuration.}; on success stdout gets
 * {@code Warnings were found.} (if any) and {@code Configuration file is valid}.
 */
public final class Check {
    private Check() {
    }

    /** Checks the files; returns the process exit code: 0 valid, 1 invalid. */
    public static int run(List<Path> files, PrintStream out, PrintStream err) {
        Config config;
        try {
            config = ConfigParser.parse(files.toArray(new Path[0]));
        } catch (ConfigException e) {
            printWarnings(e.warnings(), err);
            for (String error : e.errors()) {
                err.println("[ALERT] " + error);
            }
            err.println("[ALERT] Fatal errors found in configuration.");
            return 1;
        }
        printWarnings(config.warnings(), err);
        if (!config.warnings().isEmpty()) {
            out.println("Warnings were found.");
        }
        out.println("Configuration file is valid");
        return 0;
    }

    /** Same, with the files of a parsed command line. */
    public static int run(CommandLine cl, PrintStream out, PrintStream err) {
        return run(cl.configFiles(), out, err);
    }

    /** Prints warnings HAProxy style; used by the normal start path too. */
    public static void printWarnings(List<String> warnings, PrintStream err) {
        for (String w : warnings) {
            err.println("[WARNING] " + w);
        }
    }
}
