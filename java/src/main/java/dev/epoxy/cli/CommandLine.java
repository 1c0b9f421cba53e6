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
 *   -D                   daemon mode (the JVM is started again, detached, see Daemon)
 *   -p &lt;pidfile&gt;         write the pid (of the daemon with -D) to this file
 *   -q                   quiet: no information messages on the console
 *   -dM[...]             accepted and ignored (Epoxy has no pool poisoning)
 *   -sf / -st &lt;pid&gt;*     seamless reload: take the listeners of these processes, then
 *                        soft-stop (SIGUSR1) / hard-stop (SIGTERM) them
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
    private boolean daemon, quiet, hardStopOld;
    private String pidfile;
    private List<Long> oldPids = List.of();

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
        boolean daemon = false, quiet = false, hardStopOld = false;
        String pidfile = null;
        List<Long> oldPids = new ArrayList<>();
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
                case "-D":
                    daemon = true;
                    break;
                case "-q":
                    quiet = true;
                    break;
                case "-p":
                    if (i + 1 >= args.length || args[i + 1].isEmpty()) {
                        throw new UsageException("option '-p' requires a pid file argument");
                    }
                    pidfile = args[++i];
                    break;
                case "-sf":
                case "-st":
                    if (!oldPids.isEmpty()) {
                        throw new UsageException("'-sf' and '-st' may be given once");
                    }
                    hardStopOld = a.equals("-st");
                    // As in HAProxy, the pids are the following arguments up to the next flag.
                    while (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                        String v = args[++i];
                        long pid;
                        try {
                            pid = Long.parseLong(v);
                        } catch (NumberFormatException e) {
                            pid = -1;
                        }
                        if (pid <= 0) {
                            throw new UsageException("'" + a + "' expects process ids (got '" + v + "')");
                        }
                        oldPids.add(pid);
                    }
                    if (oldPids.isEmpty()) {
                        throw new UsageException("'" + a + "' requires at least one process id");
                    }
                    break;
                case "-W":
                case "-Ws":
                    throw new UsageException("'" + a + "' (master-worker mode) is not supported: a JVM cannot fork a"
                            + " worker; reload with '-sf <pid>' (the new process takes the listeners over) and let a"
                            + " service manager supervise the process");
                case "-S":
                    throw new UsageException("'-S' (master CLI socket) is not supported: there is no master process"
                            + " (see '-W')");
                case "-x":
                    throw new UsageException("'-x' is not supported: with '-sf/-st <pid>' Epoxy fetches the listening"
                            + " sockets from those processes itself (no stats socket is involved)");
                default:
                    if (a.startsWith("-dM")) {
                        break; // HAProxy's memory poisoning / pool debugging: nothing to do in a JVM
                    }
                    if (a.startsWith("-")) {
                        throw new UsageException("unknown option '" + a + "'");
                    }
                    throw new UsageException("unexpected argument '" + a + "' (configuration files are given with -f)");
            }
        }
        if (files.isEmpty() && !help && version == VersionRequest.NONE) {
            throw new UsageException("no configuration file specified (use -f <cfgfile>)");
        }
        CommandLine cl = new CommandLine(files, check, debug, foreground, version, help);
        cl.daemon = daemon;
        cl.quiet = quiet;
        cl.pidfile = pidfile;
        cl.oldPids = List.copyOf(oldPids);
        cl.hardStopOld = hardStopOld;
        return cl;
    }

    /** -D: run as a daemon. */
    public boolean daemon() {
        return daemon;
    }

    /** -q: quiet. */
    public boolean quiet() {
        return quiet;
    }

    /** -p: the pid file, or null. */
    public String pidfile() {
        return pidfile;
    }

    /** The pids given to -sf or -st (empty if neither). */
    public List<Long> oldPids() {
        return oldPids;
    }

    /** -st (hard stop, SIGTERM) rather than -sf (soft stop, SIGUSR1). */
    public boolean hardStopOld() {
        return hardStopOld;
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
        return "Usage : epoxy [-f <cfgfile|cfgdir>]* [ -vdhcDq ] [ -p <pidfile> ] [ -sf|-st <pid>* ] [-- <cfgfile>*]\n"
                + "        -v displays version ; -vv shows known build options.\n"
                + "        -h displays this help\n"
                + "        -d enters debug mode ; -db only disables background mode.\n"
                + "        -c check configuration and exit\n"
                + "        -f <cfgfile|cfgdir> adds a configuration file or a directory of *.cfg files\n"
                + "        -D goes daemon ; -p writes pids of all children to this file\n"
                + "        -q quiet mode : don't display messages\n"
                + "        -sf/-st [pid ]* finishes/terminates old pids (taking their listening sockets over).\n";
    }
}
