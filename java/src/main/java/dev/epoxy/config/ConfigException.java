package dev.epoxy.config;

import java.util.List;

/**
 * A configuration was rejected. Carries every error found (not only the first), each formatted
 * as {@code file:line: message} like HAProxy's alerts, and the warnings gathered on the way.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> errors;
    private final List<String> warnings;

    public ConfigException(List<String> errors, List<String> warnings) {
        super(errors.size() == 1 ? errors.get(0) : errors.size() + " errors:\n" + String.join("\n", errors));
        this.errors = List.copyOf(errors);
        this.warnings = List.copyOf(warnings);
    }

    /** Every error, in file order then cross-check order, as {@code file:line: message}. */
    public List<String> errors() {
        return errors;
    }

    /** Warnings collected before the rejection, same format. */
    public List<String> warnings() {
        return warnings;
    }
}
