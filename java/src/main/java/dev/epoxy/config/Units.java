package dev.epoxy.config;

/**
 * HAProxy's value formats. Times: a decimal number with an optional unit us, ms, s, m, h, d
 * (bare number = milliseconds), limited to 2^31-1 ms like HAProxy's timers. Sizes: a decimal
 * number with an optional k, m or g suffix (powers of 1024).
 * Each parser returns the value or throws {@link IllegalArgumentException} whose message is
 * ready to follow the keyword name in an error line.
 */
public final class Units {
    /** HAProxy's timers are signed 32-bit milliseconds. */
    public static final long MAX_TIME_MS = Integer.MAX_VALUE;

    private Units() {
    }

    /** Parses a time such as {@code 5s}, {@code 100ms}, {@code 1m}, {@code 2h}, {@code 1d}, {@code 250}. */
    public static long parseTimeMs(String text) {
        return (parseTimeUs(text) + 999) / 1000; // round up so a non-zero time never becomes "unset"
    }

    /** Parses a time as {@link #parseTimeMs} does, into microseconds. */
    public static long parseTimeUs(String text) {
        int i = 0;
        int n = text.length();
        if (n == 0) {
            throw new IllegalArgumentException("expects a time value (a number of milliseconds, or with a unit us/ms/s/m/h/d)");
        }
        long value = 0;
        while (i < n && isDigit(text.charAt(i))) {
            value = value * 10 + (text.charAt(i) - '0');
            if (value > 100_000_000_000_000L) {
                // Far past any valid timer whatever the unit: stop before long overflow.
                throw overflow(text);
            }
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("unexpected character '" + text.charAt(0) + "' in time value '" + text + "'");
        }
        String unit = text.substring(i);
        long us = switch (unit) {
            case "us" -> 1;
            case "", "ms" -> 1000;
            case "s" -> 1_000_000;
            case "m" -> 60_000_000;
            case "h" -> 3_600_000_000L;
            case "d" -> 86_400_000_000L;
            default -> throw new IllegalArgumentException("unexpected character '" + unit.charAt(0) + "' in time value '"
                    + text + "' (units: us, ms, s, m, h, d)");
        };
        if (value > MAX_TIME_MS * 1000 / us) {
            throw overflow(text);
        }
        return value * us;
    }

    /** Parses a size such as {@code 16384}, {@code 16k}, {@code 1m}, {@code 1g} into bytes. */
    public static long parseSize(String text) {
        int n = text.length();
        int i = 0;
        long value = 0;
        while (i < n && isDigit(text.charAt(i))) {
            value = value * 10 + (text.charAt(i) - '0');
            if (value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("size value '" + text + "' is too large");
            }
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("expects a size (bytes, or with a suffix k, m or g), got '" + text + "'");
        }
        long mult;
        String suffix = text.substring(i);
        switch (suffix.toLowerCase(java.util.Locale.ROOT)) {
            case "":
                mult = 1;
                break;
            case "k":
                mult = 1024;
                break;
            case "m":
                mult = 1024 * 1024;
                break;
            case "g":
                mult = 1024 * 1024 * 1024;
                break;
            default:
                throw new IllegalArgumentException("unexpected suffix '" + suffix + "' in size '" + text + "' (k, m or g)");
        }
        long bytes = value * mult;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size value '" + text + "' is too large");
        }
        return bytes;
    }

    /**
     * Parses a plain non-negative decimal integer no larger than {@code max}; no sign, no suffix.
     * Returns -1 when the text is not such a number.
     */
    static long parseUnsigned(String text, long max) {
        if (text.isEmpty() || text.length() > 19) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
            if (v > max) {
                return -1;
            }
        }
        return v;
    }

    private static IllegalArgumentException overflow(String text) {
        return new IllegalArgumentException("timer overflow in '" + text + "' (maximum value is " + MAX_TIME_MS
                + " ms or ~24.8 days)");
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
