package dev.epoxy.conn;

import static dev.epoxy.fd.FdTestSupport.runOn;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.fd.FdTable;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Where the pool's buffers come from and when their pages go back to the kernel. */
class BufferPoolTest {
    private static final int BUF = 16384;
    private Pollers pollers;

    @AfterEach
    void tearDown() {
        if (pollers != null) pollers.close();
    }

    private Poller poller() {
        pollers = new Pollers(new FdTable(256), 1, false);
        pollers.start();
        return pollers.get(0);
    }

    /**
     * After a burst larger than the resident stack, a steady smaller load reuses resident buffers:
     * no buffer is released and faulted in again per use (allocated() counts a buffer taken
     * with no resident page). With one stack for both kinds, the puts past GLOBAL_HOT released
     * pages and the gets then took exactly those released buffers.
     */
    @Test
    void aSteadyLoadAfterABurstReusesResidentBuffers() {
        Poller p = poller();
        BufferPool pool = new BufferPool(1, BUF);
        int burst = BufferPool.GLOBAL_HOT + BufferPool.CACHE_PER_THREAD + 200;
        runOn(p, () -> {
            List<BufferPool.Buf> held = new ArrayList<>();
            for (int i = 0; i < burst; i++) held.add(pool.get(p));
            for (BufferPool.Buf b : held) pool.put(p, b);
            assertEquals(burst, pool.allocated(p.tid()), "every buffer of the burst was carved fresh");
            assertEquals(BufferPool.GLOBAL_HOT, pool.sharedFree(), "resident buffers kept on the stack");
            long touched = pool.touchedBytes();
            assertTrue(touched < (long) burst * BUF, "pages of the surplus went back to the kernel: " + touched);

            for (int round = 0; round < 100; round++) {
                held.clear();
                for (int i = 0; i < 100; i++) held.add(pool.get(p));
                for (BufferPool.Buf b : held) pool.put(p, b);
            }
            assertEquals(burst, pool.allocated(p.tid()), "no released buffer was taken while resident ones were free");
            assertEquals(touched, pool.touchedBytes(), "no page was released or faulted in by the steady load");
        });
    }

    /** Released buffers are used again once the resident ones are all taken, before any fresh one is carved. */
    @Test
    void releasedBuffersServeTheNextBurst() {
        Poller p = poller();
        BufferPool pool = new BufferPool(1, BUF);
        int burst = BufferPool.GLOBAL_HOT + BufferPool.CACHE_PER_THREAD + 50;
        runOn(p, () -> {
            List<BufferPool.Buf> held = new ArrayList<>();
            for (int i = 0; i < burst; i++) held.add(pool.get(p));
            for (BufferPool.Buf b : held) pool.put(p, b);
            held.clear();
            for (int i = 0; i < burst; i++) held.add(pool.get(p));
            assertEquals(burst + 50, pool.allocated(p.tid()), "the 50 released buffers were faulted in again, nothing more");
            assertEquals((long) burst * ((BUF + 4095) / 4096 * 4096), pool.touchedBytes(), "no buffer carved beyond the first burst");
            for (BufferPool.Buf b : held) pool.put(p, b);
        });
    }
}
