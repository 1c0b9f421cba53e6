package dev.epoxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Cuts one configuration line into words the way HAProxy's line parser does:
 * <ul>
 * <li>spaces and tabs separate words; {@code #} outside quotes starts a comment;</li>
 * <li>outside quotes and inside double quotes a backslash escapes space, {@code #}, {@code \},
 * {@code '}, {@code "}, and produces {@code \t \n \r \xNN}; any other backslash stays as is;</li>
 * <li>double quotes ("weak") protect spaces, {@code #} and {@code '}, and expand environment
 * variables {@code $NAME}, {@code ${NAME}} and {@code ${NAME-default}} ({@code \$} is a literal
 * dollar); an unset variable expands to nothing, as in HAProxy;</li>
 * <li>single quotes ("strong") protect everything, backslashes included;</li>
 * <li>quoted and unquoted pieces glue into one word; {@code ""} is an empty word.</li>
 * </ul>
 */
final class LineTokenizer {
    /** A malformed line; the message is ready for {@code file:line: }. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    private LineTokenizer() {
    }

    /**
     * Splits {@code line} (without its line terminator) into words.
     *
     * @param env looks up environment variables; returns null for an unset one
     */
    static List<String> split(String line, Function<String, String> env) throws SyntaxError {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false; // true once the current word has started, even if it is still empty ("")
        boolean dquote = false;
        boolean squote = false;
        int n = line.length();
        int i = 0;
        while (i < n) {
            char c = line.charAt(i);
            if (squote) {
                if (c == '\'') {
                    squote = false;
                } else {
                    word.append(c);
                }
                i++;
                continue;
            }
            if (c == '\0') {
                throw new SyntaxError("NUL character at position " + (i + 1) + " is not allowed");
            }
            if (!dquote && (c == ' ' || c == '\t')) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
                continue;
            }
            if (!dquote && c == '#') {
                break;
            }
            inWord = true;
            if (c == '"') {
                dquote = !dquote;
                i++;
            } else if (c == '\'' && !dquote) {
                squote = true;
                i++;
            } else if (c == '\\') {
                i = escape(line, i, dquote, word);
            } else if (c == '$' && dquote) {
                i = variable(line, i, env, word);
            } else {
                word.append(c);
                i++;
            }
        }
        if (dquote || squote) {
            throw new SyntaxError("unmatched " + (dquote ? "double" : "single") + " quote");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** Handles the backslash at {@code i}; returns the index after the escape. */
    private static int escape(String line, int i, boolean dquote, StringBuilder word) throws SyntaxError {
        if (i + 1 >= line.length()) {
            word.append('\\'); // trailing backslash: nothing to escape, kept like any unknown escape
            return i + 1;
        }
        char next = line.charAt(i + 1);
        switch (next) {
            case ' ':
            case '\t':
            case '\\':
            case '#':
            case '\'':
            case '"':
                word.append(next);
                return i + 2;
            case 't':
                word.append('\t');
                return i + 2;
            case 'n':
                word.append('\n');
                return i + 2;
            case 'r':
                word.append('\r');
                return i + 2;
            case '$':
                if (dquote) {
                    word.append('$');
                    return i + 2;
                }
                word.append('\\');
                return i + 1;
            case 'x': {
                int h1 = i + 2 < line.length() ? Character.digit(line.charAt(i + 2), 16) : -1;
                int h2 = i + 3 < line.length() ? Character.digit(line.charAt(i + 3), 16) : -1;
                if (h1 < 0 || h2 < 0) {
                    throw new SyntaxError("truncated or invalid hexadecimal sequence at position " + (i + 1)
                            + " (expected \\xNN)");
                }
                word.append((char) (h1 * 16 + h2));
                return i + 4;
            }
            default:
                word.append('\\'); // HAProxy leaves other combinations (e.g. \1) unchanged
                return i + 1;
        }
    }

    /** Expands the variable whose '$' is at {@code i} (inside double quotes); returns the index after it. */
    private static int variable(String line, int i, Function<String, String> env, StringBuilder word) throws SyntaxError {
        int n = line.length();
        int j = i + 1;
        if (j < n && line.charAt(j) == '{') {
            int close = line.indexOf('}', j + 1);
            if (close < 0) {
                throw new SyntaxError("missing '}' after variable name at position " + (i + 1));
            }
            String inner = line.substring(j + 1, close);
            int nameEnd = 0;
            while (nameEnd < inner.length() && isVarChar(inner.charAt(nameEnd), nameEnd)) {
                nameEnd++;
            }
            String name = inner.substring(0, nameEnd);
            String rest = inner.substring(nameEnd);
            if (name.isEmpty()) {
                throw new SyntaxError("invalid variable name in '${" + inner + "}'");
            }
            String value = env.apply(name);
            if (rest.isEmpty()) {
                word.append(value == null ? "" : value);
            } else if (rest.charAt(0) == '-') {
                // The default replaces only an unset variable, not an empty one (HAProxy semantics).
                word.append(value != null ? value : rest.substring(1));
            } else if (rest.equals("[*]")) {
                throw new SyntaxError("variable expansion into several words '${" + inner + "}' is not supported");
            } else {
                throw new SyntaxError("invalid character '" + rest.charAt(0) + "' in variable '${" + inner + "}'");
            }
            return close + 1;
        }
        int end = j;
        while (end < n && isVarChar(line.charAt(end), end - j)) {
            end++;
        }
        if (end == j) {
            word.append('$'); // not a variable reference: keep the dollar
            return j;
        }
        String value = env.apply(line.substring(j, end));
        word.append(value == null ? "" : value);
        return end;
    }

    private static boolean isVarChar(char c, int pos) {
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (pos > 0 && c >= '0' && c <= '9');
    }
}
