package dev.epoxy.config;

/**
 * The supported {@code option} keywords. HTTP_KEEP_ALIVE, HTTP_SERVER_CLOSE and HTTPCLOSE are
 * mutually exclusive as in HAProxy: setting one clears the two others.
 */
public enum ProxyOption {
    HTTP_KEEP_ALIVE("http-keep-alive", true, true, true),
    HTTPCLOSE("httpclose", true, true, true),
    HTTP_SERVER_CLOSE("http-server-close", true, true, true),
    HTTPLOG("httplog", true, false, false),
    REDISPATCH("redispatch", false, true, true),
    HTTP_BUFFER_REQUEST("http-buffer-request", true, true, true),
    FORWARDFOR("forwardfor", true, true, false),
    DONTLOGNULL("dontlognull", true, false, true),
    ABORTONCLOSE("abortonclose", false, true, true),
    SPLICE_REQUEST("splice-request", true, true, true),
    SPLICE_RESPONSE("splice-response", true, true, true),
    /** On by default in HTTP mode, as in HAProxy: see {@link ProxyBuilder#smartAccept}. */
    SMART_ACCEPT("smart-accept", true, false, true);

    private final String keyword;
    private final boolean frontendSide;
    private final boolean backendSide;
    private final boolean negatable;

    ProxyOption(String keyword, boolean frontendSide, boolean backendSide, boolean negatable) {
        this.keyword = keyword;
        this.frontendSide = frontendSide;
        this.backendSide = backendSide;
        this.negatable = negatable;
    }

    public String keyword() {
        return keyword;
    }

    /** The option has an effect on a proxy with frontend capability. */
    public boolean frontendSide() {
        return frontendSide;
    }

    /** The option has an effect on a proxy with backend capability. */
    public boolean backendSide() {
        return backendSide;
    }

    /** {@code no option X} is accepted (HAProxy refuses it for httplog and forwardfor). */
    public boolean negatable() {
        return negatable;
    }

    /** The option with this keyword, or null. */
    public static ProxyOption byKeyword(String keyword) {
        for (ProxyOption o : values()) {
            if (o.keyword.equals(keyword)) {
                return o;
            }
        }
        return null;
    }

    boolean isHttpConnectionMode() {
        return this == HTTP_KEEP_ALIVE || this == HTTPCLOSE || this == HTTP_SERVER_CLOSE;
    }
}
