package dev.epoxy.cli;

/** The version banner printed by -v and -vv. */
public final class Version {
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private Version() {
    }

    /** {@code -v}: one line; {@code -vv}: also the runtime the proxy runs on. */
    public static String text(boolean verbose) {
        String v = Version.class.getPackage().getImplementationVersion();
        StringBuilder sb = new StringBuilder("Epoxy version ").append(v != null ? v : VERSION).append('\n');
        if (verbose) {
            sb.append("Running on: Java ").append(System.getProperty("java.version"))
                    .append(" (").append(System.getProperty("java.vm.name")).append("), ")
                    .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append('\n');
            sb.append("Configuration: HAProxy syntax (see docs/config.md for the supported keywords)\n");
            sb.append("Available multiplexer protocols: h1, h2 (clear text)\n");
            sb.append("Available pollers: epoll\n");
        }
        return sb.toString();
    }
}
