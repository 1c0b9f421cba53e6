package dev.epoxy.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * HAProxy's command line flags, as far as Epoxy supports them:
 * <pre>
 *   -f &lt;cfgfile|cfgdir&gt;  configuration file or directory of *.cfg (repeatable, read in order)
 *   -c                   check the configuration and exit
 *   -d                   debug mode (debug logging)
 *   -db                  disable background mode (Epoxy always runs in the foreground; accepted)
 *   -v / -vv             print the version / the version and build details, then exit
 *   -h                   print this usage and exit
 *   --                   every following argument is a configuration file
 * </pre>
 * Any other flag is a usage error. Directories are expanded by the config parser.
 */
public final class CommandLine {
    /** What -v / -vv asked for. */
    public enum VersionRequest { NONE, SHORT, VERBOSE }

    private final List<Path> configFiles;
    private final boolean checkOnly;
    private final boolean debug;
    private final boolean foreground;
    private final VersionRequest version;
    private final boolean help;

    private CommandLine(List<Path> configFiles, boolean checkOnly, boolean debug, boolean foreground,
                        VersionRequest version, boolean help) {
        this.configFiles = List.copyOf(configFiles);
        this.checkOnly = checkOnly;
        this.debug = debug;
        this.foreground = foreground;
        this.version = version;
        this.help = help;
    }

    /** Parses the arguments; throws when a flag is unknown, -f lacks its argument, or no -f is given. */
    public static CommandLine parse(String[] args) throws UsageException {
        List<Path> files = new ArrayList<>();
        boolean check = false;
        boolean debug = false;
        boolean foreground = false;
        VersionRequest version = VersionRequest.NONE;
        boolean help = false;
        boolean filesOnly = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (filesOnly) {
                files.add(path(a));
                continue;
            }
            switch (a) {
                case "-f":
                    if (i + 1 >= args.length) {
                        throw new UsageException("option '-f' requires a configuration file or directory argument");
                    }
                    files.add(path(args[++i]));
                    break;
                case "-c":
                    check = true;
                    break;
                case "-d":
                    debug = true;
                    break;
                case "-db":
                    foreground = true;
                    break;
                case "-v":
                    if (version == VersionRequest.NONE) {
                        version = VersionRequest.SHORT;
                    }
                    break;
                case "-vv":
                    version = VersionRequest.VERBOSE;
                    break;
                case "-h":
                case "--help":
                    help = true;
                    break;
                case "--":
                    filesOnly = true;
                    break;
                default:
                    if (a.startsWith("-")) {
                        throw new UsageException("unknown option '" + a + "'");
                    }
                    throw new UsageException("unexpected argument '" + a + "' (configuration files are given with -f)");
            }
        }
        if (files.isEmpty() && !help && version == VersionRequest.NONE) {
            throw new UsageException("no configuration file specified (use -f <cfgfile>)");
        }
        return new CommandLine(files, check, debug, foreground, version, help);
    }

    private static Path path(String s) throws UsageException {
        if (s.isEmpty()) {
            throw new UsageException("empty configuration file name");
        }
        try {
            return Path.of(s);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("invalid configuration file name '" + s + "'");
        }
    }

    /** The -f arguments (files or directories) in command-line order. */
    public List<Path> configFiles() {
        return configFiles;
    }

    /** -c: check the configuration, print the result and exit (see {@link Check}). */
    public boolean checkOnly() {
        return checkOnly;
    }

    /** -d: debug mode. */
    public boolean debug() {
        return debug;
    }

    /** -db: foreground requested explicitly (Epoxy always runs in the foreground anyway). */
    public boolean foreground() {
        return foreground;
    }

    public VersionRequest version() {
        return version;
    }

    /** -h: print {@link #usage()} and exit 0. */
    public boolean help() {
        return help;
    }

    /** The usage text, HAProxy style. */
    public static String usage() {
        return "Usage : epoxy [-f <cfgfile|cfgdir>]* [ -vdhc ] [-- <cfgfile>*]\n"
                + "        -v displays version ; -vv shows known build options.\n"
                + "        -h displays this help\n"
                + "        -d enters debug mode ; -db only disables background mode.\n"
                + "        -c check configuration and exit\n"
                + "        -f <cfgfile|cfgdir> adds a configuration file or a directory of *.cfg files\n";
    }
}
