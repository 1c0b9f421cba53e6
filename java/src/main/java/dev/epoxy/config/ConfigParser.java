package dev.epoxy.config;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Reads HAProxy-syntax configuration files into a {@link Config}.
 * <p>
 * Files are read in order as one configuration (sections may span files as in HAProxy, and a
 * directory stands for its {@code *.cfg} files in name order). Every problem is collected:
 * parsing goes on after an error so that one run reports them all, then the configuration is
 * rejected with a {@link ConfigException}. An instance parses one configuration: add files or
 * texts, then call {@link #finish()}.
 */
public final class ConfigParser {
    private enum Section { NONE, GLOBAL, PROXY, SKIPPED }

    private static final Set<String> UNSUPPORTED_SECTIONS = Set.of("userlist", "peers", "resolvers", "mailers",
            "program", "http-errors", "ring", "cache", "fcgi-app", "log-forward", "crt-store", "traces");

    /** HAProxy global keywords Epoxy knows but does not implement. */
    private static final Set<String> UNSUPPORTED_GLOBAL = Set.of("cpu-map",
            "master-worker", "nbproc", "ulimit-n",
            "ssl-default-bind-options", "ssl-default-bind-ciphers", "ssl-default-server-options", "lua-load",
            "external-check", "node", "description", "log-send-hostname", "log-tag", "numa-cpu-mapping",
            "thread-groups", "localpeer", "grace", "setenv", "presetenv", "resetenv", "unsetenv");

    private final Function<String, String> env;
    private final Diagnostics diag = new Diagnostics();
    private final ProxyKeywords proxyKeywords = new ProxyKeywords(diag);

    private Section section = Section.NONE;
    private ProxyBuilder current;
    private ProxyBuilder lastDefaults = new ProxyBuilder(null, null, "(built-in)");
    private final Map<String, ProxyBuilder> namedDefaults = new HashMap<>();
    private final List<ProxyBuilder> proxies = new ArrayList<>();

    // global section state
    private int nbthread;
    private int maxconn;
    private int bufsize = GlobalSettings.DEFAULT_BUFSIZE;
    private long stallReportMs = GlobalSettings.DEFAULT_STALL_REPORT_MS;
    private boolean busyPolling;
    private long pollNapUs = GlobalSettings.DEFAULT_POLL_NAP_US;
    private int maxhdr = GlobalSettings.DEFAULT_MAXHDR;
    private int buffersLimit;
    private int buffersReserve = -1;
    private int maxpipes = -1;
    private boolean idlePoolShared = true;
    private boolean edgeTriggered;
    private boolean exposeExperimental;
    private final List<LogTarget> globalLogs = new ArrayList<>();
    private final List<StatsSocket> statsSockets = new ArrayList<>();
    private long statsTimeoutMs = GlobalSettings.DEFAULT_STATS_TIMEOUT_MS;

    private boolean finished;
    // process life (global): daemon, pidfile, hard-stop-after, user/uid, group/gid, chroot
    private boolean daemon;
    private String pidfile;
    private long hardStopAfterMs;
    private int uid = -1, gid = -1;
    private String chroot;
    private final Map<String, String> processWhere = new HashMap<>();

    /** A parser reading environment variables from the process environment. */
    public ConfigParser() {
        this(System::getenv);
    }

    /** A parser looking "${VAR}" up through {@code env} (returning null for unset variables). */
    public ConfigParser(Function<String, String> env) {
        this.env = env;
    }

    /** Parses files (or directories of {@code *.cfg}) as one configuration. */
    public static Config parse(Path... files) throws ConfigException {
        ConfigParser p = new ConfigParser();
        for (Path f : files) {
            p.addPath(f);
        }
        return p.finish();
    }

    /** Parses one configuration text; {@code name} is used as the file name in messages. */
    public static Config parse(String name, String text) throws ConfigException {
        ConfigParser p = new ConfigParser();
        p.addText(name, text);
        return p.finish();
    }

    /** Adds a file, or every {@code *.cfg} file of a directory in name order. */
    public void addPath(Path path) {
        if (Files.isDirectory(path)) {
            List<Path> cfgs;
            try (Stream<Path> s = Files.list(path)) {
                cfgs = s.filter(f -> f.getFileName().toString().endsWith(".cfg") && Files.isRegularFile(f))
                        .sorted().toList();
            } catch (IOException e) {
                diag.errors.add(path + ": could not read configuration directory: " + e.getMessage());
                return;
            }
            if (cfgs.isEmpty()) {
                diag.warnings.add(path + ": configuration directory contains no *.cfg file");
            }
            cfgs.forEach(this::addFile);
            return;
        }
        addFile(path);
    }

    private void addFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            diag.errors.add(file + ": could not open configuration file: No such file or directory");
            return;
        } catch (MalformedInputException e) {
            try {
                // Not UTF-8: read bytes one to one so nothing is lost or rejected arbitrarily.
                text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            } catch (IOException e2) {
                diag.errors.add(file + ": could not read configuration file: " + e2.getMessage());
                return;
            }
        } catch (IOException e) {
            diag.errors.add(file + ": could not read configuration file: " + e);
            return;
        }
        addText(file.toString(), text);
    }

    /** Adds a configuration text; {@code name} is used as the file name in messages. */
    public void addText(String name, String text) {
        if (finished) {
            throw new IllegalStateException("finish() was already called");
        }
        int lineNo = 0;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? n : nl;
            lineNo++;
            String raw = text.substring(pos, end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end);
            pos = end + 1;
            List<String> words;
            try {
                words = LineTokenizer.split(raw, this::lookupVariable);
            } catch (LineTokenizer.SyntaxError e) {
                diag.error(name + ":" + lineNo, e.getMessage());
                continue;
            }
            if (words.isEmpty()) {
                continue;
            }
            line(new Line(name, lineNo, words));
        }
    }

    private String lookupVariable(String name) {
        return env.apply(name);
    }

    private void line(Line l) {
        String kw = l.word(0);
        switch (kw) {
            case "global":
                endSection();
                section = Section.GLOBAL;
                if (l.size() > 1) {
                    diag.error(l.where(), "'global' cannot handle unexpected argument '" + l.word(1) + "'.");
                }
                return;
            case "defaults":
                endSection();
                defaultsHeader(l);
                return;
            case "frontend":
                endSection();
                proxyHeader(l, ProxyKind.FRONTEND);
                return;
            case "backend":
                endSection();
                proxyHeader(l, ProxyKind.BACKEND);
                return;
            case "listen":
                endSection();
                proxyHeader(l, ProxyKind.LISTEN);
                return;
            default:
                break;
        }
        if (UNSUPPORTED_SECTIONS.contains(kw)) {
            endSection();
            section = Section.SKIPPED;
            diag.error(l.where(), "'" + kw + "' sections are not supported by Epoxy");
            return;
        }
        if (kw.startsWith(".")) {
            diag.error(l.where(), "configuration directive '" + kw + "' (conditional blocks and diagnostics) is not supported by Epoxy");
            return;
        }
        switch (section) {
            case NONE:
                diag.error(l.where(), "unknown keyword '" + kw + "' out of section.");
                break;
            case GLOBAL:
                global(l);
                break;
            case PROXY:
                proxyKeywords.parse(l, current);
                break;
            default:
                break; // inside an unsupported section, already reported once
        }
    }

    private void endSection() {
        current = null;
    }

    private void defaultsHeader(Line l) {
        String name = null;
        int i = 1;
        if (l.size() > 1 && !l.word(1).equals("from")) {
            name = l.word(1);
            i = 2;
        }
        ProxyBuilder base = null;
        if (i < l.size()) {
            base = fromClause(l, i, "defaults", name == null ? "defaults section" : "defaults section '" + name + "'");
        }
        ProxyBuilder d = new ProxyBuilder(null, name, l.where());
        if (name != null) {
            String bad = invalidNameChar(name);
            if (bad != null) {
                diag.error(l.where(), "character '" + bad + "' is not permitted in 'defaults' name '" + name + "'.");
            } else {
                namedDefaults.put(name, d);
            }
        }
        if (base != null) {
            d.inherit(base);
        }
        lastDefaults = d;
        current = d;
        section = Section.PROXY;
    }

    /**
     * Parses {@code from NAME} at word i for the section described by {@code who}; returns the
     * named defaults or null (error reported).
     */
    private ProxyBuilder fromClause(Line l, int i, String what, String who) {
        if (!l.word(i).equals("from")) {
            diag.error(l.where(), "'" + what + "' cannot handle unexpected argument '" + l.word(i) + "'.");
            return null;
        }
        String ref = l.word(i + 1);
        if (ref == null) {
            diag.error(l.where(), "'from' expects the name of a defaults section");
            return null;
        }
        if (l.size() > i + 2) {
            diag.error(l.where(), "'" + what + "' cannot handle unexpected argument '" + l.word(i + 2) + "'.");
            return null;
        }
        ProxyBuilder d = namedDefaults.get(ref);
        if (d == null) {
            diag.error(l.where(), "defaults section '" + ref + "' not found for " + who + ".");
            return null;
        }
        if (d.implicitlyUsed) {
            mixedUse(l, d);
        }
        d.explicitlyUsed = true;
        return d;
    }

    /**
     * A named defaults section used both through 'from' and as the last one: HAProxy 2.6 prints
     * an alert but accepts the file (its manual calls it a warning), so this is a warning.
     */
    private void mixedUse(Line l, ProxyBuilder d) {
        diag.warn(l.where(), "defaults section '" + d.name + "' (declared at " + d.where + ") is explicitly referenced"
                + " by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last"
                + " defaults section not explicitly used or always use explicit references.");
    }

    private void proxyHeader(Line l, ProxyKind kind) {
        String kw = kind.keyword();
        section = Section.PROXY;
        String name = l.word(1);
        if (name == null) {
            diag.error(l.where(), "'" + kw + "' expects <name> as an argument.");
            // Parse the section's lines anyway (so their errors are reported) into a proxy left out.
            current = new ProxyBuilder(kind, "", l.where());
            current.inherit(lastDefaults);
            return;
        }
        String bad = invalidNameChar(name);
        if (bad != null) {
            diag.error(l.where(), "character '" + bad + "' is not permitted in '" + kw + "' name '" + name + "'.");
        }
        ProxyBuilder base = lastDefaults;
        if (l.size() > 2) {
            ProxyBuilder named = fromClause(l, 2, kw, kw + " '" + name + "'");
            if (named != null) {
                base = named;
            }
        } else if (base.name != null) {
            if (base.explicitlyUsed) {
                mixedUse(l, base);
            }
            base.implicitlyUsed = true;
        }
        current = new ProxyBuilder(kind, name, l.where());
        current.inherit(base);
        if (bad == null) {
            proxies.add(current);
        }
    }

    /** The first character HAProxy forbids in proxy, server and ACL names, or null. */
    static String invalidNameChar(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.' || c == ':';
            if (!ok) {
                return String.valueOf(c);
            }
        }
        return name.isEmpty() ? "(empty)" : null;
    }

    private void global(Line l) {
        String kw = l.word(0);
        String v = l.word(1);
        switch (kw) {
            case "nbthread": {
                if (!oneArg(l, "an integer argument")) {
                    return;
                }
                long n = Units.parseUnsigned(v, 1_000_000);
                if (n < 0) {
                    diag.error(l.where(), "'nbthread' expects an integer argument (got '" + v + "')");
                } else if (n < 1 || n > GlobalSettings.MAX_THREADS) {
                    diag.error(l.where(), "'nbthread' value must be between 1 and " + GlobalSettings.MAX_THREADS + " (was " + n + ")");
                } else {
                    nbthread = (int) n;
                }
                return;
            }
            case "maxconn": {
                if (!oneArg(l, "a positive integer")) {
                    return;
                }
                long n = Units.parseUnsigned(v, Integer.MAX_VALUE);
                if (n < 1) {
                    diag.error(l.where(), "'maxconn' expects a positive integer (got '" + v + "')");
                } else {
                    maxconn = (int) n;
                }
                return;
            }
            case "tune.bufsize": {
                if (!oneArg(l, "a size in bytes")) {
                    return;
                }
                long n;
                try {
                    n = Units.parseSize(v);
                } catch (IllegalArgumentException e) {
                    diag.error(l.where(), "'tune.bufsize' " + e.getMessage());
                    return;
                }
                if (n < 1024 || n > (256 << 20)) {
                    diag.error(l.where(), "'tune.bufsize' must be between 1024 and 268435456 bytes (was " + n + ")");
                    return;
                }
                if (Units.parseUnsigned(v, Long.MAX_VALUE) < 0) {
                    // HAProxy reads this value with atol(): "16k" would mean 16 bytes there.
                    diag.warn(l.where(), "'tune.bufsize " + v + "' read as " + n + " bytes; HAProxy would read only the digits,"
                            + " so write " + n + " to keep this file valid for HAProxy");
                }
                bufsize = (int) n;
                return;
            }
            case "tune.buffers.limit":
            case "tune.buffers.reserve": {
                if (!oneArg(l, "a number of buffers")) {
                    return;
                }
                long n = Units.parseUnsigned(v, 1 << 22);
                boolean limit = l.word(0).equals("tune.buffers.limit");
                if (n < 0 || !limit && n < 2) {
                    diag.error(l.where(), "'" + l.word(0) + "' expects " + (limit ? "a number of buffers (0: derived from maxconn)"
                            : "a number of buffers, at least 2") + " up to 4194304 (got '" + v + "')");
                } else if (limit) {
                    buffersLimit = (int) n;
                } else {
                    buffersReserve = (int) n;
                }
                return;
            }
            case "tune.maxpipes": {
                if (!oneArg(l, "a number of pipes")) {
                    return;
                }
                long n = Units.parseUnsigned(v, 1 << 22);
                if (n < 0) {
                    diag.error(l.where(), "'tune.maxpipes' expects a number of pipes up to 4194304, 0 to never splice (got '" + v + "')");
                } else {
                    maxpipes = (int) n;
                }
                return;
            }
            case "tune.http.maxhdr": {
                // HAProxy 2.6's messages, for the same mistakes.
                if (!oneArg(l, "an integer argument.")) {
                    return;
                }
                long n = Units.parseUnsigned(v, 32767);
                if (n < 1) {
                    diag.error(l.where(), "'tune.http.maxhdr' expects a numeric value between 1 and 32767");
                    return;
                }
                maxhdr = (int) n;
                return;
            }
            case "tune.stall-report": {
                if (!oneArg(l, "a time (0 turns the stall report off)")) {
                    return;
                }
                try {
                    stallReportMs = Units.parseTimeMs(v);
                } catch (IllegalArgumentException e) {
                    diag.error(l.where(), "'tune.stall-report': " + e.getMessage());
                }
                return;
            }
            case "tune.poll-nap": {
                if (!oneArg(l, "a time from 0 to 1ms")) {
                    return;
                }
                try {
                    long us = Units.parseTimeUs(v);
                    if (us > GlobalSettings.MAX_POLL_NAP_US) {
                        diag.error(l.where(), "'tune.poll-nap' expects a time from 0 to 1ms, not '" + v + "'");
                    } else {
                        pollNapUs = us;
                    }
                } catch (IllegalArgumentException e) {
                    diag.error(l.where(), "'tune.poll-nap': " + e.getMessage());
                }
                return;
            }
            case "busy-polling":
                if (noArgs(l)) {
                    busyPolling = true;
                }
                return;
            case "no":
                // HAProxy accepts the negation in 'global' for a few keywords; busy-polling is the one here.
                if (!"busy-polling".equals(v)) {
                    diag.error(l.where(), "'no' in 'global' is only supported for 'busy-polling'");
                } else if (l.size() > 2) {
                    diag.error(l.where(), "'no busy-polling' cannot handle unexpected argument '" + l.word(2) + "'.");
                } else {
                    busyPolling = false;
                }
                return;
            case "expose-experimental-directives":
                if (noArgs(l)) {
                    exposeExperimental = true;
                }
                return;
            case "tune.fd.edge-triggered":
                if (!exposeExperimental) {
                    diag.error(l.where(), "'tune.fd.edge-triggered' directive is experimental, must be allowed via a global"
                            + " 'expose-experimental-directives'");
                    return;
                }
                if (!oneArg(l, "'on' or 'off'")) {
                    return;
                }
                if (v.equals("on")) {
                    edgeTriggered = true;
                } else if (v.equals("off")) {
                    edgeTriggered = false;
                } else {
                    diag.error(l.where(), "'tune.fd.edge-triggered' expects 'on' or 'off' (got '" + v + "')");
                }
                return;
            case "tune.idle-pool.shared":
                // HAProxy's default is on: a thread may take over another thread's idle server
                // connection; off keeps each thread to its own.
                if (!oneArg(l, "'on' or 'off'")) {
                    return;
                }
                if (v.equals("on") || v.equals("off")) {
                    idlePoolShared = v.equals("on");
                } else {
                    diag.error(l.where(), "'tune.idle-pool.shared' expects 'on' or 'off' (got '" + v + "')");
                }
                return;
            case "log": {
                LogTarget t = LogParser.parse(l, diag);
                if (t != null) {
                    globalLogs.add(t);
                }
                return;
            }
            case "daemon":
                if (noArgs(l)) {
                    daemon = true;
                    processWhere.put(kw, l.where());
                }
                return;
            case "pidfile":
                if (oneArg(l, "a file name")) {
                    pidfile = v;
                    processWhere.put(kw, l.where());
                }
                return;
            case "hard-stop-after":
                if (oneArg(l, "a time")) {
                    try {
                        hardStopAfterMs = Units.parseTimeMs(v);
                        processWhere.put(kw, l.where());
                    } catch (IllegalArgumentException e) {
                        diag.error(l.where(), "'hard-stop-after': " + e.getMessage());
                    }
                }
                return;
            case "user":
            case "uid":
            case "group":
            case "gid": {
                if (!oneArg(l, kw.endsWith("id") ? "a number" : "a name")) {
                    return;
                }
                boolean isUser = kw.startsWith("u");
                int id = -1;
                if (kw.endsWith("id")) {
                    try {
                        id = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        id = -1;
                    }
                    if (id < 0) {
                        diag.error(l.where(), "'" + kw + "' expects a non-negative number (got '" + v + "')");
                        return;
                    }
                } else {
                    id = PosixIds.lookup(isUser ? "/etc/passwd" : "/etc/group", v);
                    if (id < 0) {
                        diag.error(l.where(), "unknown " + (isUser ? "user" : "group") + " '" + v + "' (not in "
                                + (isUser ? "/etc/passwd" : "/etc/group") + ")");
                        return;
                    }
                }
                if (isUser) {
                    uid = id;
                } else {
                    gid = id;
                }
                processWhere.put(isUser ? "user" : "group", l.where());
                return;
            }
            case "chroot":
                if (oneArg(l, "a directory")) {
                    if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of(v))) {
                        diag.error(l.where(), "'chroot': '" + v + "' is not a directory");
                        return;
                    }
                    chroot = v;
                    processWhere.put(kw, l.where());
                }
                return;
            case "stats":
                stats(l);
                return;
            default:
                if (UNSUPPORTED_GLOBAL.contains(kw)) {
                    diag.error(l.where(), "'" + kw + "' is not supported by Epoxy");
                } else {
                    diag.error(l.where(), "unknown keyword '" + kw + "' in 'global' section");
                }
        }
    }

    /** {@code stats socket <path|[ipv4@]addr:port> [mode <octal>] [level <level>]} and {@code stats timeout <time>}. */
    private void stats(Line l) {
        String sub = l.word(1);
        if (sub.equals("timeout")) {
            if (l.size() != 3) {
                diag.error(l.where(), "'stats timeout' expects a positive delay in milliseconds.");
                return;
            }
            try {
                long t = Units.parseTimeMs(l.word(2));
                if (t <= 0) {
                    diag.error(l.where(), "'stats timeout' expects a positive value");
                } else {
                    statsTimeoutMs = t;
                }
            } catch (IllegalArgumentException e) {
                diag.error(l.where(), "'stats timeout': " + e.getMessage());
            }
            return;
        }
        if (!sub.equals("socket")) {
            diag.error(l.where(), sub.isEmpty() ? "'stats' expects 'socket' or 'timeout'"
                    : "'stats " + sub + "' is not supported by Epoxy (only 'stats socket' and 'stats timeout')");
            return;
        }
        if (l.size() < 3) {
            diag.error(l.where(), "'stats socket' in global section expects an address or a path to a UNIX socket");
            return;
        }
        String a = l.word(2);
        String path = null, host = null;
        int port = 0;
        if (a.startsWith("unix@")) {
            path = a.substring(5);
        } else if (a.startsWith("/") || a.startsWith("./") || a.startsWith("../")) {
            path = a;
        } else {
            String hp = a.startsWith("ipv4@") ? a.substring(5) : a;
            if (hp.contains("@")) {
                diag.error(l.where(), "'stats socket': address '" + a + "' is not supported (a path, unix@path, ipv4@addr:port or addr:port)");
                return;
            }
            int colon = hp.lastIndexOf(':');
            long p = colon < 0 ? -1 : Units.parseUnsigned(hp.substring(colon + 1), 65535);
            if (colon < 0 || p < 0) {
                diag.error(l.where(), "'stats socket': missing or invalid port in address '" + a + "'");
                return;
            }
            host = hp.substring(0, colon).isEmpty() || hp.substring(0, colon).equals("*") ? "0.0.0.0" : hp.substring(0, colon);
            port = (int) p;
        }
        if (path != null && path.isEmpty()) {
            diag.error(l.where(), "'stats socket': empty path");
            return;
        }
        int mode = -1;
        StatsSocket.Level level = StatsSocket.Level.OPERATOR;
        for (int i = 3; i < l.size(); i++) {
            String opt = l.word(i);
            String arg = i + 1 < l.size() ? l.word(i + 1) : null;
            switch (opt) {
                case "mode":
                    if (arg == null || !arg.matches("[0-7]{1,4}")) {
                        diag.error(l.where(), "'stats socket': 'mode' : missing or invalid mode (octal integer expected)");
                        return;
                    }
                    if (path == null) {
                        diag.error(l.where(), "'stats socket': 'mode' only applies to a UNIX socket");
                        return;
                    }
                    mode = Integer.parseInt(arg, 8);
                    i++;
                    break;
                case "level":
                    if (arg == null) {
                        diag.error(l.where(), "'stats socket': 'level' : missing level");
                        return;
                    }
                    switch (arg) {
                        case "user": level = StatsSocket.Level.USER; break;
                        case "operator": level = StatsSocket.Level.OPERATOR; break;
                        case "admin": level = StatsSocket.Level.ADMIN; break;
                        default:
                            diag.error(l.where(), "'stats socket': 'level' only supports 'user', 'operator', and 'admin'");
                            return;
                    }
                    i++;
                    break;
                default:
                    diag.error(l.where(), "'stats socket': option '" + opt + "' is not supported by Epoxy (only 'mode' and 'level')");
                    return;
            }
        }
        statsSockets.add(new StatsSocket(l.where(), path, host, port, mode, level));
    }

    private boolean oneArg(Line l, String expected) {
        String kw = l.word(0);
        if (l.size() < 2) {
            diag.error(l.where(), "'" + kw + "' expects " + expected);
            return false;
        }
        if (l.size() > 2) {
            diag.error(l.where(), "'" + kw + "' cannot handle unexpected argument '" + l.word(2) + "'.");
            return false;
        }
        return true;
    }

    private boolean noArgs(Line l) {
        if (l.size() > 1) {
            diag.error(l.where(), "'" + l.word(0) + "' cannot handle unexpected argument '" + l.word(1) + "'.");
            return false;
        }
        return true;
    }

    /**
     * Ends parsing: builds the proxies, runs the cross checks, and returns the configuration,
     * or throws with every error found.
     */
    public Config finish() throws ConfigException {
        if (finished) {
            throw new IllegalStateException("finish() was already called");
        }
        finished = true;
        GlobalSettings g = new GlobalSettings(nbthread, maxconn, bufsize, edgeTriggered, exposeExperimental,
                List.copyOf(globalLogs), stallReportMs, maxhdr, idlePoolShared, List.copyOf(statsSockets), statsTimeoutMs,
                new GlobalSettings.Process(daemon, pidfile, hardStopAfterMs, uid, gid, chroot, Map.copyOf(processWhere)),
                buffersLimit, buffersReserve, maxpipes, busyPolling, pollNapUs);
        List<ProxyConfig> built = new ConfigChecker(diag).check(g, proxies);
        if (!diag.errors.isEmpty()) {
            throw new ConfigException(diag.errors, diag.warnings);
        }
        return new Config(g, built, diag.warnings);
    }
}
