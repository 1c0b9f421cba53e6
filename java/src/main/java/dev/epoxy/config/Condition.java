package dev.epoxy.config;

import java.util.List;
import java.util.function.Function;

/**
 * The condition of a rule: {@code if} or {@code unless} followed by ACL terms in disjunctive
 * form, as in HAProxy: terms on a line are ANDed, {@code or} / {@code ||} separate alternatives,
 * {@code !} negates one term. A rule written without a condition carries {@link #ALWAYS}.
 */
public final class Condition {
    /** One ACL reference, possibly negated. */
    public record Term(Acl acl, boolean negated) {
    }

    /** The condition of a rule that has none. */
    public static final Condition ALWAYS = new Condition(false, List.of(), "");

    private final boolean unless;
    private final List<List<Term>> alternatives;
    private final String text;

    Condition(boolean unless, List<List<Term>> alternatives, String text) {
        this.unless = unless;
        this.alternatives = alternatives.stream().map(List::copyOf).toList();
        this.text = text;
    }

    /**
     * Evaluates the condition for a request.
     *
     * @param path   the request path without the query string
     * @param header returns the value of the header with the given lower-case name, or null
     */
    public boolean matches(String path, Function<String, String> header) {
        if (this == ALWAYS) {
            return true;
        }
        boolean any = false;
        for (int a = 0; a < alternatives.size() && !any; a++) {
            List<Term> terms = alternatives.get(a);
            boolean all = true;
            for (int t = 0; t < terms.size() && all; t++) {
                Term term = terms.get(t);
                all = term.acl().test(path, header) != term.negated();
            }
            any = all;
        }
        return any != unless;
    }

    /** True for {@code unless} conditions. */
    public boolean unless() {
        return unless;
    }

    /** The alternatives (ORed), each a list of ANDed terms. */
    public List<List<Term>> alternatives() {
        return alternatives;
    }

    /** True if evaluating needs HTTP request data (so it cannot be used in tcp mode). */
    public boolean needsHttp() {
        for (List<Term> terms : alternatives) {
            for (Term t : terms) {
                if (t.acl().needsHttp()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The condition as written, e.g. {@code if { path_beg /a } !h}; empty for {@link #ALWAYS}. */
    @Override
    public String toString() {
        return text;
    }
}
