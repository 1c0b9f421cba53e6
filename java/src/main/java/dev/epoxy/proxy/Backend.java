package dev.epoxy.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend at run time: its servers, load balancing and server-side settings. */
public final class Backend {
    public final String name;
    public final List<Server> servers = new ArrayList<>();
    public long timeoutConnect, timeoutServer, timeoutQueue;
    public int retries = 3;
    public dev.epoxy.http.ConnectionMode connMode = dev.epoxy.http.ConnectionMode.KEEP_ALIVE;
    public int bufSize = 16384;
    private final AtomicInteger rr = new AtomicInteger();

    public Backend(String name) {
        this.name = name;
    }

    /** Round-robin over the servers. */
    public Server pick() {
        int n = servers.size();
        return servers.get(n == 1 ? 0 : Math.floorMod(rr.getAndIncrement(), n));
    }
}
