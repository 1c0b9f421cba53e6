package dev.epoxy.cli;

/** The command line could not be understood; the message says why (print it with {@link CommandLine#usage()}). */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
