package dev.epoxy.config;

import java.util.ArrayList;
import java.util.List;

/** Collects errors and warnings as {@code file:line: message}, in the order found. */
final class Diagnostics {
    final List<String> errors = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();

    void error(String where, String message) {
        errors.add(where + ": " + message);
    }

    void warn(String where, String message) {
        warnings.add(where + ": " + message);
    }
}
