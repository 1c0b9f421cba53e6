package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code tune.poll-nap} at its longest through the whole proxy: requests sent in batches on
 * many connections make the thread nap, and every one is answered.
 */
class PollNapProxyTest {
    @Test
    void batchesOfRequestsAreServedWhileTheThreadNaps() throws Exception {
        try (TestBackend be = TestBackend.ok();
             Epoxy ep = Epoxy.inFrontOf(be.port(), "global\n    nbthread 1\n    tune.poll-nap 1ms\n")) {
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) clients.add(new RawClient(ep.port("fe")));
                for (int round = 0; round < 10; round++) {
                    for (RawClient c : clients) c.send("GET /r" + round + " HTTP/1.1\r\nHost: t\r\n\r\n");
                    for (RawClient c : clients) assertEquals(200, c.read().status);
                }
            } finally {
                for (RawClient c : clients) c.close();
            }
            long naps = ep.rt.pollers().get(0).naps();
            assertTrue(naps > 0, "the thread napped: " + naps);
        }
    }
}
