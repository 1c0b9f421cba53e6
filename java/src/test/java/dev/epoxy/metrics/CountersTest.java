package dev.epoxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The single-writer-per-lane protocol: sums and maxima over lanes, read while being written. */
class CountersTest {
    @Test
    void lanesSumAndMaxWhileWritten() throws Exception {
        int threads = 4, n = 200_000;
        Counters c = new Counters(threads);
        Thread[] ws = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int tid = t;
            ws[t] = new Thread(() -> {
                for (int i = 1; i <= n; i++) {
                    c.add(tid, Counters.REQ_TOT, 1);
                    c.add(tid, Counters.BYTES_IN, 3);
                    c.max(tid, Counters.MAX_SESS, tid * 1000L + i % 1000);
                }
            });
        }
        AtomicBoolean done = new AtomicBoolean();
        long[] seen = new long[1];
        Thread reader = new Thread(() -> {
            long last = 0;
            while (!done.get()) {
                long s = c.sum(Counters.REQ_TOT);
                if (s < last)
                    throw new AssertionError("sum went back from " + last + " to " + s);
                last = s;
            }
            seen[0] = last;
        });
        reader.start();
        for (Thread w : ws)
            w.start();
        for (Thread w : ws)
            w.join(30_000);
        done.set(true);
        reader.join(30_000);
        assertEquals((long) threads * n, c.sum(Counters.REQ_TOT));
        assertEquals(3L * threads * n, c.sum(Counters.BYTES_IN));
        assertEquals(3999, c.maxOf(Counters.MAX_SESS));
        assertTrue(seen[0] <= (long) threads * n);
        assertEquals(0, c.sum(Counters.BYTES_OUT), "fields do not bleed into each other");
    }

    @Test
    void statusClasses() {
        assertEquals(Counters.HRSP_1XX, Counters.statusField(101));
        assertEquals(Counters.HRSP_1XX + 1, Counters.statusField(204));
        assertEquals(Counters.HRSP_1XX + 4, Counters.statusField(503));
        assertEquals(Counters.HRSP_OTHER, Counters.statusField(600));
        assertEquals(Counters.HRSP_OTHER, Counters.statusField(0));
    }
}
