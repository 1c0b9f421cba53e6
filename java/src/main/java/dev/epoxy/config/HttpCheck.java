package dev.epoxy.config;

import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code option httpchk} with its {@code http-check send} and {@code http-check expect} lines.
 * The request is {@code method uri version}, then {@code headers} (name, value pairs, in order),
 * then {@code connection: close}, as HAProxy sends it. {@code expect} null means HAProxy's
 * default: a 2xx or 3xx status passes.
 */
public record HttpCheck(String method, String uri, String version, List<String[]> headers, Expect expect) {
    public static final HttpCheck DEFAULT = new HttpCheck("OPTIONS", "/", "HTTP/1.0", List.of(), null);

    public enum Kind {
        STATUS("status"), RSTATUS("rstatus"), STRING("string"), RSTRING("rstring");

        public final String keyword;

        Kind(String keyword) {
            this.keyword = keyword;
        }
    }

    /**
     * One {@code http-check expect [!] <kind> <pattern>}. For {@code status}, {@code pattern} is a
     * comma-separated list of codes and ranges ({@code 200,300-399}); {@code regex} is set for
     * the two regex kinds.
     */
    public record Expect(Kind kind, boolean negate, String pattern, Pattern regex) {
        /** True when the status and body satisfy the rule (before negation). */
        public boolean matches(int status, CharSequence body) {
            switch (kind) {
                case STATUS:
                    for (String part : pattern.split(",")) {
                        int dash = part.indexOf('-');
                        try {
                            if (dash < 0) {
                                if (Integer.parseInt(part.trim()) == status)
                                    return true;
                            } else if (status >= Integer.parseInt(part.substring(0, dash).trim())
                                    && status <= Integer.parseInt(part.substring(dash + 1).trim())) {
                                return true;
                            }
                        } catch (NumberFormatException e) {
                            return false; // checked when parsed
                        }
                    }
                    return false;
                case RSTATUS:
                    return regex.matcher(Integer.toString(status)).find();
                case STRING:
                    return body.toString().contains(pattern);
                default:
                    return regex.matcher(body).find();
            }
        }

        /** The rule looks at the body (the check reads the whole response). */
        public boolean needsBody() {
            return kind == Kind.STRING || kind == Kind.RSTRING;
        }
    }

    public HttpCheck with(String m, String u, String v) {
        return new HttpCheck(m == null ? method : m, u == null ? uri : u, v == null ? version : v, headers, expect);
    }
}
