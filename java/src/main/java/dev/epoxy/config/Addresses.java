package dev.epoxy.config;

/**
 * Parses {@code host:port} as written on bind and server lines: an IPv4 literal, an IPv6
 * literal in brackets, or a host name; for binds an empty host or {@code *} means all IPv4
 * addresses ("0.0.0.0"), like HAProxy. Errors are {@link IllegalArgumentException}s whose
 * message is ready for the user.
 */
final class Addresses {
    record HostPort(String host, int port) {
    }

    static final String IPV4_ANY = "0.0.0.0";

    private Addresses() {
    }

    static HostPort parse(String text, boolean forBind) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("missing address");
        }
        int at = text.indexOf('@');
        if (at >= 0) {
            throw new IllegalArgumentException("address family prefix '" + text.substring(0, at + 1) + "' in '" + text
                    + "' is not supported (only IPv4, [IPv6] and host names)");
        }
        String host;
        String portText;
        if (text.charAt(0) == '[') {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ']' in address '" + text + "'");
            }
            host = text.substring(1, close);
            if (!isIpv6(host)) {
                throw new IllegalArgumentException("invalid IPv6 address '" + host + "' in '" + text + "'");
            }
            String rest = text.substring(close + 1);
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("missing port in '" + text + "'");
            }
            if (rest.charAt(0) != ':') {
                throw new IllegalArgumentException("unexpected '" + rest + "' after ']' in '" + text + "'");
            }
            portText = rest.substring(1);
            host = host.toLowerCase(java.util.Locale.ROOT);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("missing port in '" + text + "'");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("IPv6 address in '" + text + "' must be written in brackets, e.g. [::1]:8080");
            }
            if (host.isEmpty() || host.equals("*")) {
                if (!forBind) {
                    throw new IllegalArgumentException("missing server address in '" + text + "'");
                }
                host = IPV4_ANY;
            } else if (looksNumeric(host)) {
                if (!isIpv4(host)) {
                    throw new IllegalArgumentException("invalid IPv4 address '" + host + "'");
                }
            } else if (!isHostName(host)) {
                throw new IllegalArgumentException("invalid host name '" + host + "'");
            } else {
                host = host.toLowerCase(java.util.Locale.ROOT);
            }
        }
        if (portText.isEmpty()) {
            throw new IllegalArgumentException("missing port in '" + text + "'");
        }
        if (portText.indexOf('-') > 0) {
            throw new IllegalArgumentException("port ranges are not supported ('" + portText + "')");
        }
        long port = Units.parseUnsigned(portText, 1_000_000);
        // Port 0 on a bind line lets the kernel pick a free port (tests read it back).
        if (port < (forBind ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException("invalid port '" + portText + "'");
        }
        return new HostPort(host, (int) port);
    }

    /** A key equal for two spellings of the same literal address and port (e.g. [::1] and [0:0::1]). */
    static String canonicalKey(String host, int port) {
        String h = host;
        if (isIpv6(host)) {
            h = canonicalIpv6(host);
        }
        return h + "|" + port;
    }

    private static String canonicalIpv6(String host) {
        try {
            // Safe: the text was validated as a literal, so no name lookup happens.
            return java.net.InetAddress.getByName(host).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return host;
        }
    }

    private static boolean looksNumeric(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c == '.' || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return false;
            }
            long v = Units.parseUnsigned(p, 255);
            if (v < 0) {
                return false;
            }
        }
        return true;
    }

    static boolean isIpv6(String s) {
        if (s.isEmpty() || s.indexOf('%') >= 0) {
            return false;
        }
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return false;
        }
        String head = dc >= 0 ? s.substring(0, dc) : s;
        String tail = dc >= 0 ? s.substring(dc + 2) : "";
        int groups = countGroups(head, dc < 0 || tail.isEmpty());
        if (groups < 0) {
            return false;
        }
        int tailGroups = dc >= 0 ? countGroups(tail, true) : 0;
        if (tailGroups < 0) {
            return false;
        }
        if (dc >= 0 && !head.isEmpty() && head.contains(".")) {
            return false; // an embedded IPv4 part may only end the address
        }
        int total = groups + tailGroups;
        return dc >= 0 ? total <= 7 : total == 8;
    }

    /** Counts 16-bit groups in a colon-separated run; -1 if malformed. An IPv4 end counts as 2. */
    private static int countGroups(String run, boolean mayEndWithIpv4) {
        if (run.isEmpty()) {
            return 0;
        }
        String[] parts = run.split(":", -1);
        int count = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && mayEndWithIpv4 && p.indexOf('.') >= 0) {
                if (!isIpv4(p)) {
                    return -1;
                }
                count += 2;
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return -1;
            }
            for (int k = 0; k < p.length(); k++) {
                if (Character.digit(p.charAt(k), 16) < 0) {
                    return -1;
                }
            }
            count++;
        }
        return count;
    }

    private static boolean isHostName(String s) {
        if (s.length() > 253) {
            return false;
        }
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c == '-' || c == '_' || Character.isLetterOrDigit(c) && c < 128)) {
                    return false;
                }
            }
        }
        return true;
    }
}
