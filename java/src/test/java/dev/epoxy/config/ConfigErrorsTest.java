package dev.epoxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.epoxy.config.Cfg.DEFAULTS;
import static dev.epoxy.config.Cfg.errors;
import static dev.epoxy.config.Cfg.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every error path, with its exact {@code file:line: message}. DEFAULTS is 5 lines long. */
class ConfigErrorsTest {
    private static void rejects(String text, String... expected) {
        assertEquals(List.of(expected), errors(text));
    }

    /** One keyword line placed in a proxy section at line 7, after DEFAULTS and the header line 6. */
    private static void rejectsIn(String header, String line, String expected) {
        String extra = header.startsWith("frontend") || header.startsWith("listen") ? "    bind 127.0.0.1:9999\n" : "";
        rejects(DEFAULTS + header + "\n    " + line + "\n" + extra, "t.cfg:7: " + expected);
    }

    @Test
    void syntax() {
        rejects(lines("global", "    nbthread \"3"), "t.cfg:2: unmatched double quote");
        rejects(lines("global", "    nbthread '3"), "t.cfg:2: unmatched single quote");
        rejects(lines("global", "    nbthread \\x3"), "t.cfg:2: truncated or invalid hexadecimal sequence at position 14 (expected \\xNN)");
        rejects(lines("global", "    nbthread \"${N\""), "t.cfg:2: missing '}' after variable name at position 15");
        rejects(lines("nbthread 3"), "t.cfg:1: unknown keyword 'nbthread' out of section.");
        rejects(lines("global", ".if defined(X)", ".endif"),
                "t.cfg:2: configuration directive '.if' (conditional blocks and diagnostics) is not supported by Epoxy",
                "t.cfg:3: configuration directive '.endif' (conditional blocks and diagnostics) is not supported by Epoxy");
        rejects(lines("global extra"), "t.cfg:1: 'global' cannot handle unexpected argument 'extra'.");
    }

    @Test
    void unsupportedSectionIsReportedOnceAndSkipped() {
        rejects(lines("userlist admins", "    user a password x", "    group g", "global", "    foo"),
                "t.cfg:1: 'userlist' sections are not supported by Epoxy",
                "t.cfg:5: unknown keyword 'foo' in 'global' section");
    }

    @Test
    void global() {
        rejects(lines("global", "    nbthread 65"), "t.cfg:2: 'nbthread' value must be between 1 and 64 (was 65)");
        rejects(lines("global", "    nbthread 0"), "t.cfg:2: 'nbthread' value must be between 1 and 64 (was 0)");
        rejects(lines("global", "    nbthread x"), "t.cfg:2: 'nbthread' expects an integer argument (got 'x')");
        rejects(lines("global", "    nbthread"), "t.cfg:2: 'nbthread' expects an integer argument");
        rejects(lines("global", "    nbthread 2 3"), "t.cfg:2: 'nbthread' cannot handle unexpected argument '3'.");
        rejects(lines("global", "    maxconn 10k"), "t.cfg:2: 'maxconn' expects a positive integer (got '10k')");
        rejects(lines("global", "    maxconn 0"), "t.cfg:2: 'maxconn' expects a positive integer (got '0')");
        // tune.http.maxhdr: HAProxy 2.6's messages for the same lines.
        rejects(lines("global", "    tune.http.maxhdr 0"), "t.cfg:2: 'tune.http.maxhdr' expects a numeric value between 1 and 32767");
        rejects(lines("global", "    tune.http.maxhdr 32768"), "t.cfg:2: 'tune.http.maxhdr' expects a numeric value between 1 and 32767");
        rejects(lines("global", "    tune.http.maxhdr abc"), "t.cfg:2: 'tune.http.maxhdr' expects a numeric value between 1 and 32767");
        rejects(lines("global", "    tune.http.maxhdr"), "t.cfg:2: 'tune.http.maxhdr' expects an integer argument.");
        rejects(lines("global", "    tune.bufsize 512"), "t.cfg:2: 'tune.bufsize' must be between 1024 and 268435456 bytes (was 512)");
        rejects(lines("global", "    tune.bufsize 1x"), "t.cfg:2: 'tune.bufsize' unexpected suffix 'x' in size '1x' (k, m or g)");
        rejects(lines("global", "    tune.fd.edge-triggered on"),
                "t.cfg:2: 'tune.fd.edge-triggered' directive is experimental, must be allowed via a global 'expose-experimental-directives'");
        rejects(lines("global", "    tune.fd.edge-triggered on", "    expose-experimental-directives"),
                "t.cfg:2: 'tune.fd.edge-triggered' directive is experimental, must be allowed via a global 'expose-experimental-directives'");
        rejects(lines("global", "    expose-experimental-directives", "    tune.fd.edge-triggered yes"),
                "t.cfg:3: 'tune.fd.edge-triggered' expects 'on' or 'off' (got 'yes')");
        rejects(lines("global", "    expose-experimental-directives now"),
                "t.cfg:2: 'expose-experimental-directives' cannot handle unexpected argument 'now'.");
        rejects(lines("global", "    tune.idle-pool.shared maybe"), "t.cfg:2: 'tune.idle-pool.shared' expects 'on' or 'off' (got 'maybe')");
        rejects(lines("global", "    daemon now"), "t.cfg:2: 'daemon' cannot handle unexpected argument 'now'.");
        rejects(lines("global", "    user nosuchuser-epoxy"), "t.cfg:2: unknown user 'nosuchuser-epoxy' (not in /etc/passwd)");
        rejects(lines("global", "    gid -3"), "t.cfg:2: 'gid' expects a non-negative number (got '-3')");
        rejects(lines("global", "    chroot /nonexistent-epoxy"), "t.cfg:2: 'chroot': '/nonexistent-epoxy' is not a directory");
        rejects(lines("global", "    hard-stop-after"), "t.cfg:2: 'hard-stop-after' expects a time");
        rejects(lines("global", "    stats socket /run/e.sock level root"),
                "t.cfg:2: 'stats socket': 'level' only supports 'user', 'operator', and 'admin'");
        rejects(lines("global", "    stats socket /run/e.sock mode 9"),
                "t.cfg:2: 'stats socket': 'mode' : missing or invalid mode (octal integer expected)");
        rejects(lines("global", "    stats socket 127.0.0.1:9999 mode 600"),
                "t.cfg:2: 'stats socket': 'mode' only applies to a UNIX socket");
        rejects(lines("global", "    stats socket /run/e.sock expose-fd listeners"),
                "t.cfg:2: 'stats socket': option 'expose-fd' is not supported by Epoxy (only 'mode' and 'level')");
        rejects(lines("global", "    stats socket 127.0.0.1"), "t.cfg:2: 'stats socket': missing or invalid port in address '127.0.0.1'");
        rejects(lines("global", "    stats socket"),
                "t.cfg:2: 'stats socket' in global section expects an address or a path to a UNIX socket");
        rejects(lines("global", "    stats timeout 0"), "t.cfg:2: 'stats timeout' expects a positive value");
        rejects(lines("global", "    stats maxconn 10"),
                "t.cfg:2: 'stats maxconn' is not supported by Epoxy (only 'stats socket' and 'stats timeout')");
        rejects(lines("global", "    cpu-map 1 0"), "t.cfg:2: 'cpu-map' is not supported by Epoxy");
        rejects(lines("global", "    foo bar"), "t.cfg:2: unknown keyword 'foo' in 'global' section");
    }

    @Test
    void statsSockets() throws Exception {
        GlobalSettings g = ConfigParser.parse("t.cfg", lines("global", "    stats socket /run/e.sock mode 660 level admin",
                "    stats socket unix@/tmp/u.sock", "    stats socket ipv4@127.0.0.1:9999 level user", "    stats socket :9998",
                "    stats timeout 1m")).global();
        assertEquals(List.of(new StatsSocket("t.cfg:2", "/run/e.sock", null, 0, 0660, StatsSocket.Level.ADMIN),
                new StatsSocket("t.cfg:3", "/tmp/u.sock", null, 0, -1, StatsSocket.Level.OPERATOR),
                new StatsSocket("t.cfg:4", null, "127.0.0.1", 9999, -1, StatsSocket.Level.USER),
                new StatsSocket("t.cfg:5", null, "0.0.0.0", 9998, -1, StatsSocket.Level.OPERATOR)), g.statsSockets());
        assertEquals(60_000, g.statsTimeoutMs());
        assertEquals(GlobalSettings.DEFAULT_STATS_TIMEOUT_MS, ConfigParser.parse("t.cfg", "global\n").global().statsTimeoutMs());
    }

    @Test
    void logLines() {
        rejects(lines("global", "    log tcp@127.0.0.1:514 local0"),
                "t.cfg:2: log target 'tcp@127.0.0.1:514' is not supported: Epoxy logs to stdout, stderr, "
                        + "a unix datagram socket or a UDP syslog server");
        rejects(lines("global", "    log ring@buf local0"),
                "t.cfg:2: log target 'ring@buf' is not supported: Epoxy logs to stdout, stderr, "
                        + "a unix datagram socket or a UDP syslog server");
        rejects(lines("global", "    log 127.0.0.1:99999 local0"), "t.cfg:2: log target '127.0.0.1:99999': invalid port");
        rejects(lines("global", "    log"), "t.cfg:2: 'log' expects either <address[:port]> and <facility> or 'global' as arguments.");
        rejects(lines("global", "    log stdout"), "t.cfg:2: 'log' expects a facility after the target (e.g. local0)");
        rejects(lines("global", "    log stdout format json local0"),
                "t.cfg:2: unknown log format 'json' (expected local, rfc3164, rfc5424, priority, short, timed, iso or raw)");
        rejects(lines("global", "    log stdout local9"), "t.cfg:2: unknown log facility 'local9'");
        rejects(lines("global", "    log stdout local0 loud"), "t.cfg:2: unknown optional log level 'loud'");
        rejects(lines("global", "    log stdout local0 info quiet"), "t.cfg:2: unknown optional minimum log level 'quiet'");
        rejects(lines("global", "    log stdout local0 info err x"), "t.cfg:2: 'log' cannot handle unexpected argument 'x'.");
        rejects(lines("global", "    log stdout len 1024 local0"), "t.cfg:2: 'log' option 'len' is not supported by Epoxy");
        rejectsIn("backend be", "log global now", "'log global' cannot handle unexpected argument 'now'.");
        rejectsIn("backend be", "no log now", "'no log' cannot handle unexpected argument 'now'.");
    }

    @Test
    void sectionHeaders() {
        rejects(lines("frontend"), "t.cfg:1: 'frontend' expects <name> as an argument.");
        rejects(lines("backend a/b"), "t.cfg:1: character '/' is not permitted in 'backend' name 'a/b'.");
        rejects(lines("defaults x y"), "t.cfg:1: 'defaults' cannot handle unexpected argument 'y'.");
        rejects(lines("backend b from nowhere", "    server s 127.0.0.1:80"),
                "t.cfg:1: defaults section 'nowhere' not found for backend 'b'.");
        rejects(lines("defaults d from nowhere"), "t.cfg:1: defaults section 'nowhere' not found for defaults section 'd'.");
        rejects(lines("backend b from"), "t.cfg:1: 'from' expects the name of a defaults section");
        // A header error does not hide the errors inside the section.
        rejects(lines("listen", "    bogus"), "t.cfg:1: 'listen' expects <name> as an argument.",
                "t.cfg:2: unknown keyword 'bogus' in 'listen' section");
    }

    @Test
    void unknownAndUnsupportedProxyKeywords() {
        rejectsIn("backend be", "foo", "unknown keyword 'foo' in 'backend' section");
        rejectsIn("frontend fe", "foo 1", "unknown keyword 'foo' in 'frontend' section");
        rejectsIn("listen li", "foo", "unknown keyword 'foo' in 'listen' section");
        rejects(lines("defaults", "    foo"), "t.cfg:2: unknown keyword 'foo' in 'defaults' section");
        rejectsIn("backend be", "stick-table type ip size 1m", "'stick-table' is not supported by Epoxy");
        rejectsIn("frontend fe", "http-response set-header X 1", "'http-response' is not supported by Epoxy");
        rejectsIn("frontend fe", "tcp-request content accept", "'tcp-request' is not supported by Epoxy");
    }

    @Test
    void placement() {
        rejectsIn("backend be", "bind :80", "'bind' not allowed in backend 'be' (no frontend capability)");
        rejects(lines("defaults", "    bind :80"), "t.cfg:2: 'bind' not allowed in 'defaults' section");
        rejectsIn("frontend fe", "server s 127.0.0.1:80", "'server' not allowed in frontend 'fe' (no backend capability)");
        rejects(lines("defaults", "    server s 127.0.0.1:80"), "t.cfg:2: 'server' not allowed in 'defaults' section");
        rejectsIn("backend be", "default_backend x", "'default_backend' not allowed in backend 'be' (no frontend capability)");
        rejectsIn("backend be", "use_backend x", "'use_backend' not allowed in backend 'be' (no frontend capability)");
        rejects(lines("defaults", "    use_backend x"), "t.cfg:2: 'use_backend' not allowed in 'defaults' section");
        rejects(lines("defaults", "    acl a path /"), "t.cfg:2: 'acl' not allowed in 'defaults' section");
        rejects(lines("defaults", "    redirect location /"), "t.cfg:2: 'redirect' not allowed in 'defaults' section");
        rejects(lines("defaults", "    http-request redirect location /"), "t.cfg:2: 'http-request' not allowed in 'defaults' section");
        rejectsIn("frontend fe", "http-reuse safe", "'http-reuse' not allowed in frontend 'fe' (no backend capability)");
        rejectsIn("frontend fe", "retries 3", "'retries' not allowed in frontend 'fe' (no backend capability)");
        rejectsIn("frontend fe", "retry-on 503", "'retry-on' only available in backend or listen section");
        rejectsIn("frontend fe", "balance roundrobin", "'balance' not allowed in frontend 'fe' (no backend capability)");
        rejectsIn("backend be", "maxconn 10", "'maxconn' not allowed in backend 'be' (no frontend capability)");
    }

    @Test
    void values() {
        rejectsIn("backend be", "mode health", "'mode health' is not supported by Epoxy");
        rejectsIn("backend be", "mode udp", "unknown proxy mode 'udp' (expected 'http' or 'tcp')");
        rejectsIn("backend be", "mode", "'mode' expects one of 'http' or 'tcp'");
        rejectsIn("backend be", "mode http tcp", "'mode' cannot handle unexpected argument 'tcp'.");
        rejectsIn("backend be", "http-reuse sometimes", "'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.");
        rejectsIn("backend be", "retries x", "'retries' expects a non-negative integer (got 'x')");
        rejectsIn("backend be", "retries -1", "'retries' expects a non-negative integer (got '-1')");
        rejectsIn("backend be", "retry-on foo", "'retry-on': unknown keyword 'foo'");
        rejectsIn("backend be", "retry-on 505", "'retry-on': unknown keyword '505'");
        rejectsIn("backend be", "retry-on none 503", "'retry-on': 'none' must be the only keyword");
        rejectsIn("backend be", "retry-on", "'retry-on' expects a list of keywords (e.g. conn-failure, empty-response, 503)");
        rejectsIn("frontend fe", "maxconn lots", "'maxconn' expects a non-negative integer (got 'lots')");
        rejectsIn("backend be", "balance source",
                "'balance source' is not supported by Epoxy (supported: roundrobin, first, leastconn)");
        rejectsIn("backend be", "balance", "'balance' expects an algorithm (roundrobin, first or leastconn)");
        rejectsIn("backend be", "balance roundrobin now", "'balance' cannot handle unexpected argument 'now'.");
    }

    @Test
    void timeouts() {
        rejectsIn("backend be", "timeout foo 1s", "'timeout' supports 'client', 'server', 'connect', 'http-request', "
                + "'http-keep-alive', 'queue', 'tunnel', 'client-fin', 'server-fin' and 'check' (got 'foo')");
        rejectsIn("backend be", "timeout tarpit 1s", "'timeout tarpit' is not supported by Epoxy");
        rejectsIn("backend be", "timeout server", "'timeout server' expects a time value (milliseconds, or with a unit us/ms/s/m/h/d)");
        rejectsIn("backend be", "timeout server 5x", "'timeout server': unexpected character 'x' in time value '5x' (units: us, ms, s, m, h, d)");
        rejectsIn("backend be", "timeout server -1", "'timeout server': unexpected character '-' in time value '-1'");
        rejectsIn("backend be", "timeout server 100000000000",
                "'timeout server': timer overflow in '100000000000' (maximum value is 2147483647 ms or ~24.8 days)");
        rejectsIn("backend be", "timeout server 1s 2s", "'timeout server' cannot handle unexpected argument '2s'.");
        rejectsIn("backend be", "timeout", "'timeout' expects a timer name ('client', 'server', 'connect', 'http-request', "
                + "'http-keep-alive', 'queue', 'tunnel', 'client-fin', 'server-fin' and 'check') and a time value");
    }

    @Test
    void options() {
        rejectsIn("backend be", "option foo", "unknown or unsupported option 'foo' (Epoxy supports http-keep-alive, httpclose, "
                + "http-server-close, httplog, redispatch, http-buffer-request, forwardfor, dontlognull, abortonclose, splice-request, splice-response, smart-accept, httpchk)");
        rejectsIn("backend be", "option httpchk GET / HTTP/1.1 extra", "'option httpchk' cannot handle unexpected argument 'extra'.");
        rejectsIn("frontend fe", "no option httplog", "negation is not supported for option 'httplog'");
        rejectsIn("frontend fe", "no option forwardfor", "negation is not supported for option 'forwardfor'");
        rejectsIn("frontend fe", "option forwardfor except 127.0.0.1",
                "'option forwardfor' cannot handle unexpected argument 'except'.");
        rejectsIn("frontend fe", "option", "'option' expects an option name");
        rejectsIn("frontend fe", "no timeout client", "'no' is only supported before 'option' and 'log' (got 'timeout')");
    }

    @Test
    void binds() {
        rejectsIn("frontend fe", "bind 127.0.0.1:70000", "'bind' : invalid port '70000'");
        rejectsIn("frontend fe", "bind 127.0.0.1:-1", "'bind' : invalid port '-1'");
        rejectsIn("frontend fe", "bind 127.0.0.1", "'bind' : missing port in '127.0.0.1'");
        rejectsIn("frontend fe", "bind 127.0.0.1:", "'bind' : missing port in '127.0.0.1:'");
        rejectsIn("frontend fe", "bind 127.0.0.1:80-90", "'bind' : port ranges are not supported ('80-90')");
        rejectsIn("frontend fe", "bind 127.0.0.256:80", "'bind' : invalid IPv4 address '127.0.0.256'");
        rejectsIn("frontend fe", "bind ::1:80", "'bind' : IPv6 address in '::1:80' must be written in brackets, e.g. [::1]:8080");
        rejectsIn("frontend fe", "bind [::1:80", "'bind' : missing ']' in address '[::1:80'");
        rejectsIn("frontend fe", "bind [::g]:80", "'bind' : invalid IPv6 address '::g' in '[::g]:80'");
        rejectsIn("frontend fe", "bind [::1]", "'bind' : missing port in '[::1]'");
        rejectsIn("frontend fe", "bind unix@/tmp/s", "'bind' : address family prefix 'unix@' in 'unix@/tmp/s' is not supported"
                + " (only IPv4, [IPv6] and host names)");
        rejectsIn("frontend fe", "bind 127.0.0.1:80,", "'bind' : missing address");
        rejectsIn("frontend fe", "bind 127.0.0.1:80 ssl crt x.pem", "unsupported bind option 'ssl' (Epoxy supports 'proto h2')");
        rejectsIn("frontend fe", "bind 127.0.0.1:80 proto h1", "unsupported 'proto h1' on 'bind' (Epoxy supports 'proto h2')");
        rejectsIn("frontend fe", "bind 127.0.0.1:80 proto", "'proto' on 'bind' expects a protocol name (h2)");
        rejectsIn("frontend fe", "bind", "'bind' expects [addr]:port[,...] as an argument");
    }

    @Test
    void servers() {
        rejectsIn("backend be", "server s1 127.0.0.1:8081 check observe layer7",
                "server 's1' : 'observe' is not supported by Epoxy (health is judged by active checks only)");
        rejectsIn("backend be", "server s1 127.0.0.1:8081 weight 10", "server 's1' : unsupported server keyword 'weight'"
                + " (Epoxy supports proto h2, maxconn, pool-max-conn, pool-purge-delay, check, no-check, inter, fastinter,"
                + " downinter, rise, fall, port, addr)");
        rejectsIn("backend be", "server s1 127.0.0.1", "server 's1' : missing port in '127.0.0.1'");
        rejectsIn("backend be", "server s1 :80", "server 's1' : missing server address in ':80'");
        rejectsIn("backend be", "server s1 127.0.0.1:99999", "server 's1' : invalid port '99999'");
        rejectsIn("backend be", "server s1 bad_host!:80", "server 's1' : invalid host name 'bad_host!'");
        rejectsIn("backend be", "server s1 127.0.0.1:80 maxconn", "server 's1' : 'maxconn' expects a non-negative integer");
        rejectsIn("backend be", "server s1 127.0.0.1:80 maxconn x", "server 's1' : 'maxconn' expects a non-negative integer (got 'x')");
        rejectsIn("backend be", "server s1 127.0.0.1:80 pool-max-conn -2",
                "server 's1' : 'pool-max-conn' expects -1 (unlimited) or a non-negative integer (got '-2')");
        rejectsIn("backend be", "server s1 127.0.0.1:80 pool-purge-delay 1x",
                "server 's1' : 'pool-purge-delay': unexpected character 'x' in time value '1x' (units: us, ms, s, m, h, d)");
        rejectsIn("backend be", "server s1 127.0.0.1:80 proto h3", "server 's1' : unsupported 'proto h3' (Epoxy supports 'proto h2')");
        rejectsIn("backend be", "server s1", "'server' expects <name> and <addr>[:<port>] as arguments");
        rejectsIn("backend be", "server s/1 127.0.0.1:80", "character '/' is not permitted in server name 's/1'");
        rejects(DEFAULTS + lines("backend be", "    server s1 127.0.0.1:80", "    server s1 127.0.0.1:81"),
                "t.cfg:8: server 's1' already defined in backend 'be' at t.cfg:7");
    }

    @Test
    void rules() {
        rejectsIn("frontend fe", "default_backend", "'default_backend' expects a backend name");
        rejectsIn("frontend fe", "default_backend a b", "'default_backend' cannot handle unexpected argument 'b'.");
        rejectsIn("frontend fe", "default_backend be_%[req.hdr(host)]",
                "dynamic backend names ('be_%[req.hdr(host)]') are not supported by Epoxy");
        rejectsIn("frontend fe", "use_backend", "'use_backend' expects a backend name");
        rejectsIn("frontend fe", "use_backend be when x", "'use_backend' expects 'if' or 'unless' after the backend name (got 'when')");
        rejectsIn("frontend fe", "use_backend be if", "missing condition after 'if'");
        rejectsIn("frontend fe", "redirect", "'redirect' expects 'location', 'prefix' or 'scheme' followed by a value");
        rejectsIn("frontend fe", "redirect location", "'redirect location' expects a value");
        rejectsIn("frontend fe", "redirect location / code 304", "'redirect': unsupported HTTP code '304' (must be one of 301, 302, 303, 307 or 308)");
        rejectsIn("frontend fe", "redirect location / code", "'redirect': unsupported HTTP code '' (must be one of 301, 302, 303, 307 or 308)");
        rejectsIn("frontend fe", "redirect location / prefix /x", "'redirect' : only one of 'location', 'prefix' or 'scheme' may be given");
        rejectsIn("frontend fe", "redirect location / append-slash", "'redirect' option 'append-slash' is not supported by Epoxy");
        rejectsIn("frontend fe", "redirect location / set-cookie A=1", "'redirect' option 'set-cookie' is not supported by Epoxy");
        rejectsIn("frontend fe", "redirect location / now", "'redirect' expects 'code', 'prefix', 'location', 'scheme' or 'drop-query' (got 'now')");
        rejectsIn("frontend fe", "redirect location /%[path]",
                "'redirect location' : log-format values ('%' in '/%[path]') are not supported by Epoxy");
        rejectsIn("frontend fe", "http-request deny",
                "'http-request deny' is not supported by Epoxy (only 'http-request redirect', 'return' and 'use-service')");
        rejectsIn("frontend fe", "http-request", "'http-request' expects an action (Epoxy supports 'redirect', 'return' and 'use-service')");
        rejectsIn("frontend fe", "http-request return string hi",
                "'http-request return': a content type must be defined when non-empty payload is configured");
        rejectsIn("frontend fe", "http-request return status 99", "'http-request return': status code must be between 200 and 599 (got '99')");
        rejectsIn("frontend fe", "http-request return status", "'http-request return status' expects a value");
        rejectsIn("frontend fe", "http-request return file /x",
                "'http-request return' option 'file' is not supported by Epoxy (only 'status', 'content-type' and 'string')");
        rejectsIn("frontend fe", "http-request redirect", "'http-request redirect' expects 'location', 'prefix' or 'scheme' followed by a value");
    }

    @Test
    void aclsAndConditions() {
        rejectsIn("frontend fe", "use_backend be if nope", "no such ACL : 'nope'");
        rejectsIn("frontend fe", "use_backend be if { path_beg /a", "missing closing '}' in condition");
        rejectsIn("frontend fe", "use_backend be if {path_beg /a}",
                "braces of an anonymous ACL must be separate words ('{path_beg'): write '{ fetch pattern }' with spaces");
        rejectsIn("frontend fe", "use_backend be if }", "unexpected '}' in condition");
        rejectsIn("frontend fe", "use_backend be if { }", "empty anonymous ACL '{ }'");
        rejectsIn("frontend fe", "use_backend be if !", "'!' must be followed by an ACL");
        rejectsIn("frontend fe", "use_backend be if or TRUE", "'or' must follow an ACL in condition 'if or TRUE'");
        rejectsIn("frontend fe", "use_backend be if TRUE ||", "missing ACL after 'or' in condition 'if TRUE ||'");
        rejectsIn("frontend fe", "use_backend be if { src 127.0.0.1 }", "unsupported sample fetch 'src' in ACL (Epoxy supports "
                + "path, path_beg, path_end, path_sub, path_dir, path_dom, hdr(<name>), hdr_beg(<name>), hdr_end(<name>), "
                + "hdr_sub(<name>), hdr_dir(<name>), hdr_dom(<name>), req.hdr(<name>))");
        rejectsIn("frontend fe", "acl a path_reg ^/x", "unsupported sample fetch 'path_reg' in ACL (Epoxy supports "
                + "path, path_beg, path_end, path_sub, path_dir, path_dom, hdr(<name>), hdr_beg(<name>), hdr_end(<name>), "
                + "hdr_sub(<name>), hdr_dir(<name>), hdr_dom(<name>), req.hdr(<name>))");
        rejectsIn("frontend fe", "acl a path,lower /x", "converters are not supported in ACLs ('path,lower')");
        rejectsIn("frontend fe", "acl a path(1) /x", "'path' takes no argument");
        rejectsIn("frontend fe", "acl a hdr /x", "'hdr' needs a header name, e.g. hdr(host)");
        rejectsIn("frontend fe", "acl a hdr(host,1) x", "header occurrence argument in 'hdr(host,1)' is not supported");
        rejectsIn("frontend fe", "acl a hdr(host x", "missing closing ')' in 'hdr(host'");
        rejectsIn("frontend fe", "acl a path_beg -x /a",
                "'-x' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'.");
        rejectsIn("frontend fe", "acl a path -m reg ^/x", "matching method '-m reg' is not supported (Epoxy supports str, beg, end, sub, dir, dom, found)");
        rejectsIn("frontend fe", "acl a path -m nope x", "unknown matching method 'nope' after '-m'");
        rejectsIn("frontend fe", "acl a path -m", "'-m' expects a matching method");
        rejectsIn("frontend fe", "acl a path -f /etc/list", "ACL flag '-f' is not supported by Epoxy");
        rejectsIn("frontend fe", "acl a hdr(x) -m found y", "'-m found' takes no pattern (got 'y')");
        rejectsIn("frontend fe", "acl", "'acl' expects an ACL name and a criterion");
        rejectsIn("frontend fe", "acl a", "missing criterion in acl 'a'");
        rejectsIn("frontend fe", "acl a/b path /", "character '/' is not permitted in acl name 'a/b'");
        rejectsIn("frontend fe", "acl TRUE path /", "acl name 'TRUE' is reserved for a predefined ACL");
    }

    @Test
    void aclUsedBeforeItsDeclarationIsAnError() {
        rejects(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    use_backend be if later", "    acl later path /x",
                "backend be", "    server s 127.0.0.1:81"), "t.cfg:8: no such ACL : 'later'");
    }

    @Test
    void failedAclDefinitionIsNotReportedAgainWhenUsed() {
        rejects(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    acl bad src 1.2.3.4", "    use_backend be if bad",
                "backend be", "    server s 127.0.0.1:81"),
                "t.cfg:8: unsupported sample fetch 'src' in ACL (Epoxy supports path, path_beg, path_end, path_sub, path_dir, "
                        + "path_dom, hdr(<name>), hdr_beg(<name>), hdr_end(<name>), hdr_sub(<name>), hdr_dir(<name>), "
                        + "hdr_dom(<name>), req.hdr(<name>))");
    }

    @Test
    void crossChecks() {
        rejects(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    default_backend nope"),
                "t.cfg:8: frontend 'fe': unable to find required default_backend: 'nope'");
        rejects(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    use_backend nope if TRUE"),
                "t.cfg:8: frontend 'fe': unable to find required use_backend: 'nope'");
        rejects(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    use_backend other if TRUE",
                        "frontend other", "    bind 127.0.0.1:81"),
                "t.cfg:8: frontend 'fe': unable to find required use_backend: 'other' ('other' is a frontend, which cannot"
                        + " receive traffic from another proxy)");
        rejects(DEFAULTS + lines("frontend fe"), "t.cfg:6: frontend 'fe' has no 'bind' directive");
        rejects(DEFAULTS + lines("backend b", "    server s 127.0.0.1:80", "backend b", "    server s 127.0.0.1:80"),
                "t.cfg:8: backend 'b' has the same name as backend 'b' declared at t.cfg:6");
        rejects(DEFAULTS + lines("listen b", "    server s 127.0.0.1:80", "backend b", "    server s 127.0.0.1:80"),
                "t.cfg:8: backend 'b' has the same name as listen 'b' declared at t.cfg:6");
        rejects(DEFAULTS + lines("frontend f", "    bind 127.0.0.1:80", "listen f", "    bind 127.0.0.1:81"),
                "t.cfg:8: listen 'f' has the same name as frontend 'f' declared at t.cfg:6");
        rejects(DEFAULTS + lines("frontend a", "    bind 127.0.0.1:80", "frontend b", "    bind 127.0.0.1:81,127.0.0.1:80"),
                "t.cfg:9: address 127.0.0.1:80 is already bound by frontend 'a' at t.cfg:7");
        rejects(DEFAULTS + lines("frontend a", "    bind [::1]:80", "    bind [0:0::1]:80"),
                "t.cfg:8: address [0:0::1]:80 is already bound by frontend 'a' at t.cfg:7");
        rejects(DEFAULTS + lines("frontend a", "    bind :80", "    bind *:80"),
                "t.cfg:8: address 0.0.0.0:80 is already bound by frontend 'a' at t.cfg:7");
    }

    @Test
    void modeMismatches() {
        rejects(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:80", "    default_backend be",
                        "backend be", "    mode tcp", "    server s 127.0.0.1:81"),
                "t.cfg:8: frontend 'fe' in http mode cannot use backend 'be' which is in tcp mode");
        rejects(DEFAULTS + lines("frontend fe", "    mode tcp", "    bind 127.0.0.1:80", "    use_backend be if TRUE",
                        "backend be", "    server s 127.0.0.1:81"),
                "t.cfg:9: frontend 'fe' in tcp mode cannot use backend 'be' which is in http mode (the tcp to http upgrade"
                        + " is not supported by Epoxy)");
        rejects(DEFAULTS + lines("frontend fe", "    mode tcp", "    bind 127.0.0.1:80", "    redirect location /"),
                "t.cfg:9: redirect rules need 'mode http' but frontend 'fe' is in tcp mode");
        rejects(DEFAULTS + lines("frontend fe", "    mode tcp", "    bind 127.0.0.1:80", "    use_backend be if { path / }",
                        "backend be", "    mode tcp", "    server s 127.0.0.1:81"),
                "t.cfg:9: the condition of this 'use_backend' reads HTTP data but frontend 'fe' is in tcp mode");
        rejects(DEFAULTS + lines("listen l", "    mode tcp", "    bind 127.0.0.1:80 proto h2", "    server s 127.0.0.1:81 proto h2"),
                "t.cfg:8: listen 'l' : 'proto h2' is not usable for 'bind 127.0.0.1:80' in tcp mode",
                "t.cfg:9: listen 'l' : 'proto h2' is not usable for server 's' in tcp mode");
    }

    @Test
    void noCascadeFromAFailedBindOrProxyHeader() {
        rejects(DEFAULTS + lines("frontend fe", "    bind 127.0.0.1:99999"), "t.cfg:7: 'bind' : invalid port '99999'");
    }

    @Test
    void allErrorsAreCollectedAcrossSectionsAndFiles() {
        ConfigParser p = new ConfigParser(name -> null);
        p.addText("a.cfg", lines("global", "    nbthread 99", "    foo", "defaults", "    mode http",
                "    timeout client 5x", "frontend fe", "    bind 127.0.0.1:8080", "    default_backend be"));
        p.addText("b.cfg", lines("backend other", "    server s1 127.0.0.1:8081 check rise 0", "    retry-on bogus",
                "frontend fe2", "    bind 127.0.0.1:8080"));
        ConfigException e = assertThrows(ConfigException.class, p::finish);
        assertEquals(List.of(
                "a.cfg:2: 'nbthread' value must be between 1 and 64 (was 99)",
                "a.cfg:3: unknown keyword 'foo' in 'global' section",
                "a.cfg:6: 'timeout client': unexpected character 'x' in time value '5x' (units: us, ms, s, m, h, d)",
                "b.cfg:2: server 's1' : 'rise' has to be > 0 (got '0')",
                "b.cfg:3: 'retry-on': unknown keyword 'bogus'",
                "a.cfg:9: frontend 'fe': unable to find required default_backend: 'be'",
                "b.cfg:5: address 127.0.0.1:8080 is already bound by frontend 'fe' at a.cfg:8"), e.errors());
        assertEquals(e.errors().size() + " errors:\n" + String.join("\n", e.errors()), e.getMessage());
        // Warnings are kept too; a.cfg's defaults section still applies in b.cfg (files form one configuration).
        // The failed server line does not also produce "backend 'other' has no server".
        assertEquals(List.of(
                "a.cfg:7: missing timeouts for frontend 'fe': set 'client', 'connect' and 'server' timeouts to non-zero values",
                "b.cfg:1: missing timeouts for backend 'other': set 'client', 'connect' and 'server' timeouts to non-zero values",
                "b.cfg:4: missing timeouts for frontend 'fe2': set 'client', 'connect' and 'server' timeouts to non-zero values"),
                e.warnings());
    }

    @Test
    void singleErrorMessageIsTheErrorItself() {
        ConfigException e = assertThrows(ConfigException.class, () -> Cfg.parse(lines("global", "    foo")));
        assertEquals("t.cfg:2: unknown keyword 'foo' in 'global' section", e.getMessage());
    }
}
