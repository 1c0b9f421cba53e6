package dev.epoxy.fd;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.sys.Sys;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A report of an fd's closed life must not reach the next life of the number. dispatch checks the
 * report's generation before updateEvents takes its reference; a poller held between the two
 * while another thread closes the fd and inserts the number again, for that same poller, would
 * otherwise apply the old life's hang-up to the new one: its callback runs with POLL_HUP, which
 * stays set until the close (a connection would take it for a dead peer).
 */
class FdStaleReportTest {
    private FdTable fds;
    private Pollers pollers;
    private int peer2 = -1;

    @AfterEach
    void tearDown() {
        FdHooks.clear();
        pollers.close();
        if (peer2 >= 0) Sys.epoxy_close(peer2);
    }

    @Test
    void aHangUpOfTheClosedLifeDoesNotReachTheNextOne() {
        fds = new FdTable(4096);
        pollers = new Pollers(fds, 2, false);
        pollers.start();
        int[] sp = Sys.socketpair();
        int a = sp[0];
        Poller p0 = pollers.get(0);
        runOn(p0, () -> {
            fds.insert(a, new Object(), fd -> drain(fd), 0);
            fds.wantRecv(a);
        });
        awaitTrue(() -> fds.polledRecvMask(a) == 1L, "p0 polls life 1");

        // p0 takes life 1's hang-up report, passes the generation check, and is held there.
        HeldReport report = new HeldReport(p0, a);
        Sys.epoxy_close(sp[1]);
        report.awaitHeld("p0 holds life 1's hang-up report");

        // Another thread closes life 1, and life 2 of the number is inserted for p0.
        fds.delete(a);
        int[] sp2 = socketpairOn(a);
        peer2 = sp2[1];
        List<Integer> polledSeen = new CopyOnWriteArrayList<>();
        fds.insert(a, new Object(), fd -> polledSeen.add(fds.polled(fd)), 0);
        runOn(pollers.get(1), () -> fds.wantRecv(a));
        long stale0 = p0.fdCtx().staleGen();

        report.release();
        runOn(p0, () -> {}); // p0 has finished with the report
        int polled = fds.polled(a);
        runOn(p0, () -> fds.delete(a));

        assertEquals(List.of(), polledSeen, "life 2's callback ran for life 1's report");
        assertEquals(0, polled & (FdTable.POLL_HUP | FdTable.POLL_IN), "life 1's events stuck to life 2");
        assertEquals(stale0 + 1, p0.fdCtx().staleGen(), "the report was dropped as stale");
    }
}
