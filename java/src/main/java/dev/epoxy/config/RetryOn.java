package dev.epoxy.config;

import java.util.EnumSet;
import java.util.Set;

/**
 * {@code retry-on} events (HAProxy 2.6's list). The default is {@code conn-failure} alone;
 * {@code none} is the empty set.
 */
public enum RetryOn {
    CONN_FAILURE("conn-failure", 0),
    EMPTY_RESPONSE("empty-response", 0),
    JUNK_RESPONSE("junk-response", 0),
    RESPONSE_TIMEOUT("response-timeout", 0),
    ZERO_RTT_REJECTED("0rtt-rejected", 0),
    STATUS_401("401", 401),
    STATUS_403("403", 403),
    STATUS_404("404", 404),
    STATUS_408("408", 408),
    STATUS_425("425", 425),
    STATUS_500("500", 500),
    STATUS_501("501", 501),
    STATUS_502("502", 502),
    STATUS_503("503", 503),
    STATUS_504("504", 504);

    /** What {@code all-retryable-errors} stands for. */
    public static final Set<RetryOn> ALL_RETRYABLE_ERRORS = java.util.Collections.unmodifiableSet(EnumSet.of(
            CONN_FAILURE, EMPTY_RESPONSE, JUNK_RESPONSE, RESPONSE_TIMEOUT, ZERO_RTT_REJECTED,
            STATUS_500, STATUS_502, STATUS_503, STATUS_504));

    /** The value when no {@code retry-on} applies. */
    public static final Set<RetryOn> DEFAULT = java.util.Collections.unmodifiableSet(EnumSet.of(CONN_FAILURE));

    private final String keyword;
    private final int status;

    RetryOn(String keyword, int status) {
        this.keyword = keyword;
        this.status = status;
    }

    public String keyword() {
        return keyword;
    }

    /** The HTTP status this event stands for, or 0 for the non-status events. */
    public int status() {
        return status;
    }

    /** The event for a response status, or null if no {@code retry-on} keyword names that status. */
    public static RetryOn forStatus(int status) {
        switch (status) {
            case 401: return STATUS_401;
            case 403: return STATUS_403;
            case 404: return STATUS_404;
            case 408: return STATUS_408;
            case 425: return STATUS_425;
            case 500: return STATUS_500;
            case 501: return STATUS_501;
            case 502: return STATUS_502;
            case 503: return STATUS_503;
            case 504: return STATUS_504;
            default: return null;
        }
    }

    /** The event with this keyword, or null (group keywords {@code none}/{@code all-retryable-errors} excluded). */
    public static RetryOn byKeyword(String keyword) {
        for (RetryOn r : values()) {
            if (r.keyword.equals(keyword)) {
                return r;
            }
        }
        return null;
    }
}
