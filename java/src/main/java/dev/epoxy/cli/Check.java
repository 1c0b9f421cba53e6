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
        Config config = load(files, err);
        if (config == null) {
            return 1;
        }
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

    /**
     * Parses the files for a normal start: prints the warnings, or the warnings and then every
     * error as {@code [ALERT]} lines followed by {@code [ALERT] Fatal errors found in
     * configuration.}, on {@code err}. Returns the configuration, or null when it was rejected
     * (the caller then exits with status 1).
     */
    public static Config load(List<Path> files, PrintStream err) {
        Config config;
        try {
            config = ConfigParser.parse(files.toArray(new Path[0]));
        } catch (ConfigException e) {
            printWarnings(e.warnings(), err);
            for (String error : e.errors()) {
                err.println("[ALERT] " + error);
            }
            err.println("[ALERT] Fatal errors found in configuration.");
            return null;
        }
        printWarnings(config.warnings(), err);
        return config;
    }

    /** Prints warnings HAProxy style. */
    public static void printWarnings(List<String> warnings, PrintStream err) {
        for (String w : warnings) {
            err.println("[WARNING] " + w);
        }
    }
}
