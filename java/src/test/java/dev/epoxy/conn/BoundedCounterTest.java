package dev.epoxy.conn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The one count-within-a-bound of maxconn, server slots, idle pools and the buffer budget. */
class BoundedCounterTest {
    @Test
    void growsOnlyWithinTheBound() {
        BoundedCounter c = new BoundedCounter();
        assertTrue(c.tryIncrement(2));
        assertTrue(c.tryIncrement(2));
        assertFalse(c.tryIncrement(2), "at the bound");
        assertEquals(2, c.get());
        assertTrue(c.tryIncrement(3), "the bound is read at each attempt");
        assertEquals(2, c.decrement());
        assertTrue(c.tryIncrement(0), "0: no bound");
        assertTrue(c.tryIncrement(-1), "negative: no bound");
        assertEquals(4, c.get());
    }

    @Test
    void addsSeveralAtOnceOnlyIfAllFit() {
        BoundedCounter c = new BoundedCounter();
        assertTrue(c.tryAdd(4, 9));
        assertTrue(c.tryAdd(4, 9));
        assertFalse(c.tryAdd(4, 9), "12 > 9");
        assertEquals(8, c.get());
        assertEquals(12, c.add(4), "add ignores the bound");
        assertEquals(8, c.add(-4));
        assertTrue(c.tryAdd(1, 9));
        assertFalse(c.tryAdd(1, 9));
        assertTrue(c.tryAdd(Integer.MAX_VALUE - 9, Integer.MAX_VALUE), "no overflow at the top");
    }

    /** Racing threads together take exactly the bound, never more, and no one is refused while room remains. */
    @Test
    void racingThreadsTakeExactlyTheBound() throws Exception {
        int threads = 4, bound = 1000, rounds = 20;
        for (int r = 0; r < rounds; r++) {
            BoundedCounter c = new BoundedCounter();
            AtomicInteger won = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                ts[t] = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < bound; i++)
                        if (c.tryIncrement(bound))
                            won.incrementAndGet();
                });
                ts[t].start();
            }
            go.countDown();
            for (Thread t : ts)
                t.join();
            assertEquals(bound, won.get());
            assertEquals(bound, c.get());
        }
    }
}
