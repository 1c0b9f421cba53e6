package dev.epoxy;

/** Command line entry point: HAProxy's flags (-f cfg, -c, -d, -vv). */
public final class Main {
    public static void main(String[] args) {
        System.out.println("Epoxy " + dev.epoxy.sys.Abi.EPOLL_EVENT_SIZE);
    }
}
