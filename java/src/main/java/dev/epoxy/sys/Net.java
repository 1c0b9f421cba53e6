package dev.epoxy.sys;

import java.io.IOException;

/** Checked wrappers over the socket calls for cold paths (listen, tests); hot paths call {@link Sys}. */
public final class Net {
    private Net() {}

    public static int listen(SockAddr sa, int backlog, boolean reusePort) throws IOException {
        return check("listen " + sa, Sys.epoxy_listen(sa.address, sa.length, backlog, reusePort ? 1 : 0));
    }

    /** A listening Unix stream socket; {@code mode} &lt; 0 keeps the umask's permissions. */
    public static int listenUnix(String path, int backlog, int mode) throws IOException {
        return check("listen unix@" + path, Sys.epoxy_unix_listen(path, backlog, mode));
    }

    public static int localPort(int fd) throws IOException {
        return check("getsockname", Sys.epoxy_local_port(fd));
    }

    public static int check(String what, int r) throws IOException {
        if (r < 0) throw new IOException(what + ": " + Sys.strerror(r));
        return r;
    }
}
