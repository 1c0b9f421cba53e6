package dev.epoxy.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * A named ACL: every {@code acl NAME ...} line with that name in one proxy adds a criterion,
 * and the ACL matches when any criterion does (HAProxy ORs same-named lines). As in HAProxy a
 * rule refers to the ACL itself, so a same-named line placed after the rule still counts.
 * Anonymous ACLs ({@code { ... }} in a condition) have a null name and one criterion.
 * {@code TRUE} and {@code FALSE} are predefined. Only the parser adds criteria; once parsing
 * is over an Acl never changes and may be read from any thread.
 */
public final class Acl {
    public static final Acl TRUE = new Acl("TRUE", List.of(AclCriterion.ALWAYS));
    public static final Acl FALSE = new Acl("FALSE", List.of());

    private final String name;
    private final List<AclCriterion> criteria;
    private final List<AclCriterion> view;

    Acl(String name, List<AclCriterion> initial) {
        this.name = name;
        this.criteria = new ArrayList<>(initial);
        this.view = Collections.unmodifiableList(criteria);
    }

    /** The ACL's name, or null for an anonymous one. */
    public String name() {
        return name;
    }

    /** The criteria, ORed. */
    public List<AclCriterion> criteria() {
        return view;
    }

    void add(AclCriterion c) {
        criteria.add(c);
    }

    /** See {@link AclCriterion#test}. */
    public boolean test(String path, Function<String, String> header) {
        for (int i = 0; i < criteria.size(); i++) {
            if (criteria.get(i).test(path, header)) {
                return true;
            }
        }
        return false;
    }

    public boolean needsHttp() {
        for (AclCriterion c : criteria) {
            if (c.needsHttp()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name != null ? name : "{ anonymous " + criteria + " }";
    }
}
