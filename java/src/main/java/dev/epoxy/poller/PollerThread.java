package dev.epoxy.poller;

import dev.epoxy.fd.FdThreadBase;

/** The thread of one {@link Poller}; the field makes {@link Poller#current()} a type test and a load. */
final class PollerThread extends FdThreadBase {
    final Poller poller;

    PollerThread(Poller poller, Runnable body, String name) {
        super(poller.fdCtx(), body, name);
        this.poller = poller;
        setDaemon(true);
    }
}
