package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import org.junit.jupiter.api.Test;

/**
 * {@code busy-polling} through the whole proxy, two threads: connections accepted on one thread
 * and handed to the other (no eventfd wake-up: neither thread ever sleeps) are served, and a
 * soft stop turns it off, as HAProxy does on reload.
 */
class BusyPollingProxyTest {
    @Test
    void servesAcrossThreadsAndSoftStopTurnsItOff() throws Exception {
        try (TestBackend be = TestBackend.ok();
             Epoxy ep = Epoxy.inFrontOf(be.port(), "global\n    nbthread 2\n    busy-polling\n")) {
            assertTrue(ep.rt.pollers().busyPolling());
            for (int i = 0; i < 20; i++) {
                // A new connection each time, so that both threads get some (round robin).
                try (RawClient c = new RawClient(ep.port("fe"))) {
                    assertEquals(200, c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n").read().status);
                }
            }
            ep.rt.softStop();
            assertFalse(ep.rt.pollers().busyPolling());
        }
    }
}
