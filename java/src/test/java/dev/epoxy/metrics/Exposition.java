package dev.epoxy.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (0.0.4): every line is a HELP, a
 * TYPE, a comment or a sample; names and label names follow the format's syntax, label values
 * use only the three escapes; each family has at most one HELP and one TYPE, the TYPE comes
 * before its samples and the samples of a family are contiguous; no series appears twice;
 * values parse as floats; counters end in {@code _total}. Any violation throws with the line.
 */
final class Exposition {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** series ("name{l1=\"v1\",...}" as written, labels in order) to value. */
    final Map<String, Double> samples = new LinkedHashMap<>();
    final Map<String, String> types = new HashMap<>();

    static Exposition parse(String text) {
        Exposition e = new Exposition();
        if (!text.isEmpty() && !text.endsWith("\n"))
            throw new AssertionError("the exposition must end with a line feed");
        Set<String> help = new HashSet<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty())
                continue;
            String where = "line " + n + ": " + line;
            if (line.startsWith("#")) {
                String[] w = line.split(" ", 4);
                if (w.length >= 3 && (w[1].equals("HELP") || w[1].equals("TYPE"))) {
                    String name = w[2];
                    check(NAME.matcher(name).matches(), "bad metric name", where);
                    if (w[1].equals("HELP")) {
                        check(help.add(name), "second HELP for " + name, where);
                        check(w.length == 4 && !w[3].isEmpty(), "HELP without text", where);
                    } else {
                        check(w.length == 4 && TYPES.contains(w[3]), "bad TYPE", where);
                        check(!e.types.containsKey(name), "second TYPE for " + name, where);
                        check(!closed.contains(name) && !name.equals(current), "TYPE after the family's samples", where);
                        e.types.put(name, w[3]);
                        if (w[3].equals("counter"))
                            check(name.endsWith("_total"), "counter name does not end in _total", where);
                    }
                }
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ')
                i++;
            String name = line.substring(0, i);
            check(NAME.matcher(name).matches(), "bad metric name", where);
            check(e.types.containsKey(name), "sample without a TYPE line before it", where);
            if (!name.equals(current)) {
                check(!closed.contains(name), "samples of " + name + " are not contiguous", where);
                if (current != null)
                    closed.add(current);
                current = name;
            }
            StringBuilder series = new StringBuilder(name);
            if (i < line.length() && line.charAt(i) == '{') {
                series.append('{');
                i++;
                Set<String> seen = new HashSet<>();
                boolean first = true;
                while (true) {
                    check(i < line.length(), "unterminated label set", where);
                    if (line.charAt(i) == '}') {
                        i++;
                        break;
                    }
                    if (!first) {
                        check(line.charAt(i) == ',', "',' expected between labels", where);
                        i++;
                        if (line.charAt(i) == '}') {
                            i++;
                            break;
                        }
                    }
                    first = false;
                    int s = i;
                    while (i < line.length() && line.charAt(i) != '=')
                        i++;
                    String label = line.substring(s, i);
                    check(LABEL.matcher(label).matches() && !label.startsWith("__"), "bad label name '" + label + "'", where);
                    check(seen.add(label), "label " + label + " twice", where);
                    check(i + 1 < line.length() && line.charAt(i + 1) == '"', "label value must be quoted", where);
                    i += 2;
                    StringBuilder v = new StringBuilder();
                    while (true) {
                        check(i < line.length(), "unterminated label value", where);
                        char c = line.charAt(i++);
                        if (c == '"')
                            break;
                        if (c == '\\') {
                            check(i < line.length(), "dangling escape", where);
                            char x = line.charAt(i++);
                            check(x == '\\' || x == '"' || x == 'n', "bad escape \\" + x, where);
                        }
                        v.append(c);
                    }
                    if (series.charAt(series.length() - 1) != '{')
                        series.append(',');
                    series.append(label).append("=\"").append(v).append('"');
                }
                series.append('}');
            }
            check(i < line.length() && line.charAt(i) == ' ', "one space before the value", where);
            String[] rest = line.substring(i + 1).split(" ");
            check(rest.length == 1 || rest.length == 2, "value [timestamp] expected", where);
            double value;
            try {
                value = parseFloat(rest[0]);
                if (rest.length == 2)
                    Long.parseLong(rest[1]);
            } catch (NumberFormatException ex) {
                throw new AssertionError("value is not a float: " + where);
            }
            check(e.samples.put(series.toString(), value) == null, "series appears twice", where);
        }
        return e;
    }

    private static double parseFloat(String s) {
        switch (s) {
            case "NaN": return Double.NaN;
            case "+Inf": return Double.POSITIVE_INFINITY;
            case "-Inf": return Double.NEGATIVE_INFINITY;
            default:
                check(s.matches("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?"), "bad float", s);
                return Double.parseDouble(s);
        }
    }

    private static void check(boolean ok, String what, String where) {
        if (!ok)
            throw new AssertionError(what + " (" + where + ")");
    }

    /** The value of one series, e.g. {@code haproxy_frontend_http_requests_total{proxy="fe"}}; fails if absent. */
    double get(String series) {
        Double v = samples.get(series);
        if (v == null)
            throw new AssertionError("no series " + series);
        return v;
    }

    /** The sum of every series of a family. */
    double sum(String family) {
        double s = 0;
        for (Map.Entry<String, Double> m : samples.entrySet()) {
            Matcher k = NAME.matcher(m.getKey());
            if (k.lookingAt() && k.group().equals(family))
                s += m.getValue();
        }
        return s;
    }
}
