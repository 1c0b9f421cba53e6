package dev.epoxy.config;

/** A {@code use_backend NAME [if|unless COND]} rule; {@code where} is its {@code file:line}. */
public record UseBackendRule(String backend, Condition condition, String where) {
}
