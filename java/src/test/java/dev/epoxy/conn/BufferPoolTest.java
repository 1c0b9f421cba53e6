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

    private static final long STRIDE = (BUF + 4095) / 4096 * 4096;

    /** On p: takes n buffers and gives them all back. */
    private static void cycle(Poller p, BufferPool pool, int n) {
        List<BufferPool.Buf> held = new ArrayList<>();
        for (int i = 0; i < n; i++) held.add(pool.get(p));
        for (BufferPool.Buf b : held) pool.put(p, b);
    }

    /** Waits (10 s: a wide margin over a few TRIM_MS) until the trim task left GLOBAL_HOT on the stack. */
    private static void awaitTrim(BufferPool pool) throws InterruptedException {
        dev.epoxy.testutil.Wait.until("the resident surplus released", 10_000,
                () -> pool.sharedFree() == BufferPool.GLOBAL_HOT);
    }

    /**
     * A load whose buffers in use swing past the resident stack's base size, again and again (200
     * keep-alive clients between two passes of the poller), keeps its buffers resident: no page
     * goes back to the kernel and none is faulted in again per swing ({@code allocated()} counts
     * a buffer taken with no resident page). With a fixed stack of GLOBAL_HOT, every swing released
     * the surplus at the puts and faulted it back in at the gets.
     */
    @Test
    void aLoadSwingingPastTheBaseSizeNeitherReleasesNorFaultsPagesIn() {
        Poller p = poller();
        BufferPool pool = new BufferPool(1, BUF);
        int swing = BufferPool.GLOBAL_HOT + BufferPool.CACHE_PER_THREAD + 200;
        runOn(p, () -> {
            for (int round = 0; round < 50; round++)
                cycle(p, pool, swing);
            assertEquals(swing, pool.allocated(p.tid()), "only the first swing carved buffers; no page was released and faulted in again");
            assertEquals(swing * STRIDE, pool.touchedBytes(), "every buffer of the swing stays resident while the load goes on");
        });
    }

    /**
     * Once the load is gone, the trim task gives the surplus back within seconds, without any
     * further get or put: the need remembered halves every TRIM_MS, and the stack falls back to
     * GLOBAL_HOT resident buffers.
     */
    @Test
    void afterABurstTheSurplusGoesBackToTheKernel() throws Exception {
        Poller p = poller();
        BufferPool pool = new BufferPool(1, BUF);
        int burst = BufferPool.GLOBAL_HOT + BufferPool.CACHE_PER_THREAD + 1000;
        runOn(p, () -> cycle(p, pool, burst));
        assertEquals(burst * STRIDE, pool.touchedBytes(), "kept at first: the load may come back");
        awaitTrim(pool); // 1276 -> cap 1595, 797, 398, 256: four periods of TRIM_MS
        assertEquals((BufferPool.GLOBAL_HOT + BufferPool.CACHE_PER_THREAD) * STRIDE, pool.touchedBytes(),
                "resident: the stack's base size and the thread's cache");
        assertEquals(0, pool.inUse());
    }

    /** Released buffers are used again once the resident ones are all taken, before any fresh one is carved. */
    @Test
    void releasedBuffersServeTheNextBurst() throws Exception {
        Poller p = poller();
        BufferPool pool = new BufferPool(1, BUF);
        int burst = BufferPool.GLOBAL_HOT + BufferPool.CACHE_PER_THREAD + 400;
        runOn(p, () -> cycle(p, pool, burst));
        awaitTrim(pool);
        runOn(p, () -> {
            List<BufferPool.Buf> held = new ArrayList<>();
            for (int i = 0; i < burst; i++) held.add(pool.get(p));
            assertEquals(burst + 400, pool.allocated(p.tid()), "the 400 released buffers were faulted in again, nothing more");
            assertEquals(burst * STRIDE, pool.touchedBytes(), "no buffer carved beyond the first burst");
            for (BufferPool.Buf b : held) pool.put(p, b);
        });
    }
}
