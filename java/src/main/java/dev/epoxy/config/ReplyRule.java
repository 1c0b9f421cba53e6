package dev.epoxy.config;

/**
 * A rule under which Epoxy answers a request itself: {@code redirect} and {@code http-request
 * redirect} (code 301, 302 by default, 303, 307 or 308; the value makes the location), or
 * {@code http-request return} (code is the status, value the body, contentType its type).
 * {@code where} is the rule's {@code file:line}.
 */
public record ReplyRule(Type type, String value, int code, boolean dropQuery, Condition condition,
                        String where, String contentType) {

    public ReplyRule(Type type, String value, int code, boolean dropQuery, Condition condition, String where) {
        this(type, value, code, dropQuery, condition, where, null);
    }

    public enum Type {
        /** Location is the value, as is. */
        LOCATION,
        /** Location is the value followed by the request's path and query ("/" adds nothing). */
        PREFIX,
        /** Location is value "://" host, then the request's path and query. */
        SCHEME,
        /** Not a redirect: {@code http-request return}, a status with an optional body. */
        RETURN,
        /** {@code http-request use-service NAME}: the value is the service (only {@code prometheus-exporter}). */
        SERVICE
    }

    /**
     * Computes the Location header value for a request, following HAProxy's rules.
     *
     * @param path  the request path without query string; empty, null or "*" count as "/" where a
     *              path is needed
     * @param query the query string without '?', or null when the request had no '?'
     * @param host  the first Host header value (or :authority), or null; SCHEME then yields an
     *              empty host component like HAProxy
     */
    public String location(String path, String query, String host) {
        if (type == Type.LOCATION) {
            return value; // HAProxy never appends anything to a location-type redirect
        }
        String p = path == null || path.isEmpty() || path.equals("*") ? "/" : path;
        StringBuilder sb = new StringBuilder(value.length() + p.length() + 16);
        if (type == Type.PREFIX) {
            if (!value.equals("/")) {
                sb.append(value);
            }
        } else {
            sb.append(value).append("://");
            if (host != null) {
                sb.append(host);
            }
        }
        sb.append(p);
        if (!dropQuery && query != null) {
            sb.append('?').append(query);
        }
        return sb.toString();
    }

    /** The reason phrase for {@link #code()}. */
    public String reason() {
        if (type == Type.RETURN)
            return dev.epoxy.http.HttpStatus.reason(code);
        switch (code) {
            case 301: return "Moved Permanently";
            case 303: return "See Other";
            case 307: return "Temporary Redirect";
            case 308: return "Permanent Redirect";
            default: return "Found";
        }
    }
}
