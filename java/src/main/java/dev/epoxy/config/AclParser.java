package dev.epoxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses ACL criteria ({@code fetch [flags] patterns}) and rule conditions. Errors go to the
 * diagnostics at the line's location; a null result means an error was reported.
 */
final class AclParser {
    private static final String SUPPORTED_FETCHES = "path, path_beg, path_end, path_sub, path_dir, path_dom, "
            + "hdr(<name>), hdr_beg(<name>), hdr_end(<name>), hdr_sub(<name>), hdr_dir(<name>), hdr_dom(<name>), "
            + "req.hdr(<name>)";

    private final Diagnostics diag;

    AclParser(Diagnostics diag) {
        this.diag = diag;
    }

    /** {@code acl NAME criterion...}: adds the criterion to the proxy's ACL of that name. */
    void parseAclLine(Line line, ProxyBuilder p) {
        String name = line.word(1);
        if (name == null) {
            diag.error(line.where(), "'acl' expects an ACL name and a criterion");
            return;
        }
        String bad = ConfigParser.invalidNameChar(name);
        if (bad != null) {
            diag.error(line.where(), "character '" + bad + "' is not permitted in acl name '" + name + "'");
            return;
        }
        if (name.equals("TRUE") || name.equals("FALSE")) {
            diag.error(line.where(), "acl name '" + name + "' is reserved for a predefined ACL");
            return;
        }
        if (line.size() < 3) {
            diag.error(line.where(), "missing criterion in acl '" + name + "'");
            p.failedAcls.add(name);
            return;
        }
        AclCriterion c = parseCriterion(line, 2, line.size());
        if (c == null) {
            p.failedAcls.add(name);
            return;
        }
        p.acls.computeIfAbsent(name, n -> new Acl(n, List.of())).add(c);
    }

    /**
     * Parses {@code if|unless terms...} starting at word {@code start} (the if/unless word) up to
     * the end of the line.
     */
    Condition parseCondition(Line line, int start, ProxyBuilder p) {
        List<String> w = line.words();
        boolean unless = w.get(start).equals("unless");
        int n = w.size();
        int i = start + 1;
        if (i >= n) {
            diag.error(line.where(), "missing condition after '" + w.get(start) + "'");
            return null;
        }
        List<List<Condition.Term>> alternatives = new ArrayList<>();
        List<Condition.Term> current = new ArrayList<>();
        boolean silentFailure = false;
        while (i < n) {
            String word = w.get(i);
            if (word.equals("or") || word.equals("||")) {
                if (current.isEmpty()) {
                    diag.error(line.where(), "'" + word + "' must follow an ACL in condition '" + line.tail(start) + "'");
                    return null;
                }
                alternatives.add(current);
                current = new ArrayList<>();
                i++;
                continue;
            }
            boolean negated = false;
            if (word.startsWith("!")) {
                negated = true;
                word = word.substring(1);
                if (word.isEmpty()) {
                    i++;
                    if (i >= n) {
                        diag.error(line.where(), "'!' must be followed by an ACL");
                        return null;
                    }
                    word = w.get(i);
                }
            }
            Acl acl;
            if (word.equals("{")) {
                int close = w.subList(i + 1, n).indexOf("}");
                if (close < 0) {
                    diag.error(line.where(), "missing closing '}' in condition");
                    return null;
                }
                close += i + 1;
                if (close == i + 1) {
                    diag.error(line.where(), "empty anonymous ACL '{ }'");
                    return null;
                }
                AclCriterion c = parseCriterion(line, i + 1, close);
                if (c == null) {
                    return null;
                }
                acl = new Acl(null, List.of(c));
                i = close + 1;
            } else if (word.equals("}")) {
                diag.error(line.where(), "unexpected '}' in condition");
                return null;
            } else if (word.startsWith("{") || word.endsWith("}")) {
                diag.error(line.where(), "braces of an anonymous ACL must be separate words ('" + word
                        + "'): write '{ fetch pattern }' with spaces");
                return null;
            } else {
                acl = lookup(word, p);
                if (acl == null) {
                    if (p.failedAcls.contains(word)) {
                        silentFailure = true; // its definition was already reported
                    } else {
                        diag.error(line.where(), "no such ACL : '" + word + "'");
                        return null;
                    }
                }
                i++;
            }
            if (acl != null) {
                current.add(new Condition.Term(acl, negated));
            }
        }
        if (silentFailure) {
            return null;
        }
        if (current.isEmpty()) {
            diag.error(line.where(), "missing ACL after 'or' in condition '" + line.tail(start) + "'");
            return null;
        }
        alternatives.add(current);
        return new Condition(unless, alternatives, line.tail(start));
    }

    private static Acl lookup(String name, ProxyBuilder p) {
        if (name.equals("TRUE")) {
            return Acl.TRUE;
        }
        if (name.equals("FALSE")) {
            return Acl.FALSE;
        }
        return p.acls.get(name);
    }

    /** Parses words [from, to) as {@code fetch [-i] [-m method] [--] patterns...}. */
    AclCriterion parseCriterion(Line line, int from, int to) {
        List<String> w = line.words();
        String fetchWord = w.get(from);
        String where = line.where();
        if (fetchWord.indexOf(',') >= 0 && (fetchWord.indexOf('(') < 0 || fetchWord.lastIndexOf(')') < fetchWord.indexOf(','))) {
            diag.error(where, "converters are not supported in ACLs ('" + fetchWord + "')");
            return null;
        }
        String fetchName = fetchWord;
        String arg = null;
        int paren = fetchWord.indexOf('(');
        if (paren >= 0) {
            if (!fetchWord.endsWith(")")) {
                diag.error(where, "missing closing ')' in '" + fetchWord + "'");
                return null;
            }
            fetchName = fetchWord.substring(0, paren);
            arg = fetchWord.substring(paren + 1, fetchWord.length() - 1);
        }
        AclCriterion.Fetch fetch;
        AclCriterion.Match match;
        String suffix;
        if (fetchName.equals("path") || fetchName.startsWith("path_")) {
            fetch = AclCriterion.Fetch.PATH;
            suffix = fetchName.substring(4);
        } else if (fetchName.equals("hdr") || fetchName.startsWith("hdr_")) {
            fetch = AclCriterion.Fetch.HDR;
            suffix = fetchName.substring(3);
        } else if (fetchName.equals("req.hdr")) {
            fetch = AclCriterion.Fetch.HDR;
            suffix = "";
        } else {
            diag.error(where, "unsupported sample fetch '" + fetchName + "' in ACL (Epoxy supports " + SUPPORTED_FETCHES + ")");
            return null;
        }
        if (suffix.isEmpty()) {
            match = AclCriterion.Match.STR;
        } else {
            match = matchByName(suffix.substring(1));
            if (match == null || match == AclCriterion.Match.FOUND) {
                diag.error(where, "unsupported sample fetch '" + fetchName + "' in ACL (Epoxy supports " + SUPPORTED_FETCHES + ")");
                return null;
            }
        }
        String headerName = null;
        if (fetch == AclCriterion.Fetch.PATH) {
            if (arg != null) {
                diag.error(where, "'" + fetchName + "' takes no argument");
                return null;
            }
        } else {
            if (arg == null || arg.isEmpty()) {
                diag.error(where, "'" + fetchName + "' needs a header name, e.g. " + fetchName + "(host)");
                return null;
            }
            if (arg.indexOf(',') >= 0) {
                diag.error(where, "header occurrence argument in '" + fetchWord + "' is not supported");
                return null;
            }
            headerName = arg.toLowerCase(Locale.ROOT);
        }
        boolean ignoreCase = false;
        boolean explicitEnd = false;
        int i = from + 1;
        while (i < to && w.get(i).startsWith("-")) {
            String flag = w.get(i);
            if (flag.equals("--")) {
                explicitEnd = true;
                i++;
                break;
            } else if (flag.equals("-i")) {
                ignoreCase = true;
                i++;
            } else if (flag.equals("-m")) {
                if (i + 1 >= to) {
                    diag.error(where, "'-m' expects a matching method");
                    return null;
                }
                String m = w.get(i + 1);
                match = matchByName(m);
                if (match == null) {
                    if (m.equals("reg") || m.equals("len") || m.equals("int") || m.equals("bool") || m.equals("ip")
                            || m.equals("bin")) {
                        diag.error(where, "matching method '-m " + m + "' is not supported (Epoxy supports str, beg, end, sub, dir, dom, found)");
                    } else {
                        diag.error(where, "unknown matching method '" + m + "' after '-m'");
                    }
                    return null;
                }
                i += 2;
            } else if (flag.equals("-f") || flag.equals("-M") || flag.equals("-n") || flag.equals("-u")) {
                diag.error(where, "ACL flag '" + flag + "' is not supported by Epoxy");
                return null;
            } else {
                diag.error(where, "'" + flag + "' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'.");
                return null;
            }
        }
        List<String> patterns = new ArrayList<>();
        for (; i < to; i++) {
            String pat = w.get(i);
            if (match == AclCriterion.Match.DIR) {
                pat = trim(pat, "/?");
            } else if (match == AclCriterion.Match.DOM) {
                pat = trim(pat, "/?.:");
            }
            patterns.add(pat);
        }
        if (match == AclCriterion.Match.FOUND && !patterns.isEmpty()) {
            diag.error(where, "'-m found' takes no pattern (got '" + patterns.get(0) + "')");
            return null;
        }
        if (match != AclCriterion.Match.FOUND && patterns.isEmpty() && !explicitEnd) {
            diag.warn(where, "no pattern to match against was provided to '" + fetchWord
                    + "', so this ACL will never match (add '--' to silence this warning, or use '-m found')");
        }
        return new AclCriterion(fetch, headerName, match, ignoreCase, patterns);
    }

    private static AclCriterion.Match matchByName(String s) {
        for (AclCriterion.Match m : AclCriterion.Match.values()) {
            if (m.keyword().equals(s)) {
                return m;
            }
        }
        return null;
    }

    private static String trim(String s, String delims) {
        int a = 0;
        int b = s.length();
        while (a < b && delims.indexOf(s.charAt(a)) >= 0) {
            a++;
        }
        while (b > a && delims.indexOf(s.charAt(b - 1)) >= 0) {
            b--;
        }
        return s.substring(a, b);
    }
}
