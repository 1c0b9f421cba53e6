package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.testutil.TestBackend;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 rapid reset (CVE-2023-44487 pattern: HEADERS then RST_STREAM at once, many streams in
 * one write) must end every stream it opens, keep the memory it takes bounded, and still end
 * with GOAWAY(ENHANCE_YOUR_CALM).
 *
 * <p>The flood is written in one go, so the connection's input buffer is full of HEADERS +
 * RST_STREAM pairs when the proxy decodes it. Every stream leaves the poller's registry (the
 * stall watchdog's, which {@code show sess} walks) once it is finished; the tests wait for that
 * registry to be empty, bounded in time.
 */
class H2RapidResetTest {
    static TestBackend backend;
    static EpoxyUnderTest proxy;
    static int port;
    /** Channel allocations by client-side HTTP/2 connections (through the test hook). */
    static final AtomicInteger allocations = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend(TestBackend.respond(r -> new Object[] {200, "ok " + r.target}));
        proxy = new EpoxyUnderTest(EpoxyUnderTest.config(1, "proto h2", "    server s1 127.0.0.1:" + backend.port() + "\n"));
        port = proxy.port("fe");
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    @AfterEach
    void noHook() {
        H2FrontMux.allocHook = null;
    }

    /** HEADERS (END_STREAM) then RST_STREAM(CANCEL) for {@code n} streams, as one byte array. */
    private static byte[] flood(int n) {
        // :method GET, :scheme http, :path /, :authority x (as bench/load/memclients.py sends it)
        byte[] block = {(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x41, 0x01, 'x'};
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(64);
        for (int i = 0; i < n; i++) {
            int id = 1 + 2 * i;
            b.clear();
            FrameHeader.write(b, block.length, H2Frame.TYPE_HEADERS, H2Frame.FLAG_END_HEADERS | H2Frame.FLAG_END_STREAM, id);
            b.put(block);
            FrameWriter.writeRstStream(b, id, H2Error.CANCEL);
            o.write(b.array(), 0, b.position());
        }
        return o.toByteArray();
    }

    /** Streams registered on every poller now (each poller counts its own, on its own thread). */
    private static int liveStreams() throws Exception {
        Pollers ps = proxy.rt.pollers();
        int total = 0;
        for (int t = 0; t < ps.size(); t++) {
            Poller p = ps.get(t);
            CompletableFuture<Integer> f = new CompletableFuture<>();
            p.execute(() -> f.complete(p.watchdog().size()));
            total += f.get(5, TimeUnit.SECONDS);
        }
        return total;
    }

    /** Waits (at most 10 s) until no stream is left; returns how many are left. */
    private static int awaitNoStreams() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int n;
        while ((n = liveStreams()) > 0 && System.nanoTime() < end) {
            synchronized (H2RapidResetTest.class) {
                H2RapidResetTest.class.wait(20); // polling a condition, not ordering events
            }
        }
        return n;
    }

    private static void assertServes() throws Exception {
        try (H2TestClient c = new H2TestClient(port)) {
            c.request(1, "GET", "/after", true);
            c.expect("END 1");
            assertTrue(c.body(1).startsWith("ok /after"), c.body(1));
        }
    }

    /**
     * Channels are pooled per thread, not per connection: a connection whose streams ended holds
     * none, and the next connection of the thread takes theirs. The second connection's streams
     * run one at a time, so two channels are all it needs: fewer than any first connection
     * leaves (20 streams at once in the second allocated 4 once, when the first's streams had
     * partly run one after the other and left fewer channels).
     */
    @Test
    void channelsAreSharedByTheConnectionsOfAThread() throws Exception {
        try (H2TestClient a = new H2TestClient(port)) {
            for (int id = 1; id < 40; id += 2)
                a.request(id, "GET", "/a" + id, true);
            for (int id = 1; id < 40; id += 2)
                a.expect("END " + id);
        }
        assertEquals(0, awaitNoStreams(), "streams left");
        allocations.set(0);
        H2FrontMux.allocHook = allocations::incrementAndGet;
        try (H2TestClient b = new H2TestClient(port)) {
            for (int id = 1; id < 10; id += 2) {
                b.request(id, "GET", "/b" + id, true);
                b.expect("END " + id);
            }
        }
        assertEquals(0, allocations.get(), "channels allocated by the second connection");
    }

    /**
     * The flood in one write: the protection still answers GOAWAY(ENHANCE_YOUR_CALM), every
     * stream ends, and the connection allocates few channel buffers (it used to open up to 100
     * streams, two buffers each, before any of them ran and gave its buffers back).
     */
    @Test
    void floodInOneWriteEndsEveryStreamWithBoundedBuffers() throws Exception {
        allocations.set(0);
        H2FrontMux.allocHook = allocations::incrementAndGet;
        try (H2TestClient c = new H2TestClient(port)) {
            c.expect("SETTINGS ack=true");
            try {
                c.sendRaw(flood(1000));
            } catch (java.io.IOException e) {
                // the proxy closed the connection mid-flood: expected
            }
            String g = c.expect(e -> e.startsWith("GOAWAY"), 10_000);
            assertEquals("11", g.split(" ")[2], g); // ENHANCE_YOUR_CALM
        }
        assertEquals(0, awaitNoStreams(), "streams left after the flood");
        int allocated = allocations.get();
        H2FrontMux.allocHook = null;
        assertTrue(allocated <= 4 * H2Conn.openPerPass, "channels allocated for one flood connection: " + allocated);
        assertServes();
    }

    /**
     * Direct memory runs out while a burst opens streams (simulated: the 41st channel allocation
     * throws OutOfMemoryError). Before the fix the exception left the streams opened so far
     * unwoken in phase ROUTE forever, holding their buffers, with the connection's input full
     * and nothing polled. Now the connection is closed with GOAWAY(INTERNAL_ERROR) and every
     * stream ends.
     */
    @Test
    void allocationFailureMidBurstLeavesNoStreamBehind() throws Exception {
        int saved = H2Conn.openPerPass;
        H2Conn.openPerPass = 1000; // the whole burst in one pass, as before the per-pass bound
        try {
            AtomicInteger n = new AtomicInteger();
            H2FrontMux.allocHook = () -> {
                if (n.incrementAndGet() == 41)
                    throw new OutOfMemoryError("test: direct buffer memory");
            };
            try (H2TestClient c = new H2TestClient(port)) {
                c.expect("SETTINGS ack=true");
                try {
                    c.sendRaw(flood(90));
                } catch (java.io.IOException e) {
                    // closed mid-flood: fine
                }
                String g = c.expect(e -> e.startsWith("GOAWAY") || e.equals("EOF"), 10_000);
                assertTrue(g != null, "no GOAWAY nor close");
            }
            assertEquals(0, awaitNoStreams(), "streams left after the allocation failure");
        } finally {
            H2Conn.openPerPass = saved;
            H2FrontMux.allocHook = null;
        }
        assertServes();
    }

    /** Waits (at most 10 s) until {@code pool} has no buffer in use; returns how many are. */
    private static long awaitNoneInUse(dev.epoxy.conn.BufferPool pool) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long n;
        while ((n = pool.inUse()) > 0 && System.nanoTime() < end) {
            synchronized (H2RapidResetTest.class) {
                H2RapidResetTest.class.wait(20); // polling a condition, not ordering events
            }
        }
        return n;
    }

    /**
     * Stream channels take pool buffers and give them back: a request that came whole in its
     * HEADERS and one whose content-length fits a buffer of the pool never touch the body pool
     * (64 KiB buffers), one of unknown length does; once the connection is gone every buffer of
     * both pools is back.
     */
    @Test
    void streamBuffersComeFromThePoolAndGoBack() throws Exception {
        dev.epoxy.conn.BufferPool pool = proxy.rt.buffers;
        try (H2TestClient c = new H2TestClient(port)) {
            c.expect("SETTINGS ack=true");
            c.request(1, "GET", "/whole", true);
            c.expect("END 1");
            c.request(3, "POST", "/len", false, "content-length", "5");
            c.data(3, "hello".getBytes(), true);
            c.expect("END 3");
            assertTrue(c.body(3).startsWith("ok /len"), c.body(3));
            assertEquals(null, pool.bodiesIfAny(), "body pool used for a request that fits a pool buffer");
            c.request(5, "POST", "/nolen", false);
            c.data(5, "hello".getBytes(), true);
            c.expect("END 5");
            assertTrue(c.body(5).startsWith("ok /nolen"), c.body(5));
            assertTrue(pool.bodiesIfAny() != null, "no body pool for a request of unknown length");
            assertEquals(0, awaitNoneInUse(pool.bodiesIfAny()), "body buffers still in use after the stream ended");
        }
        assertEquals(0, awaitNoneInUse(pool), "pool buffers still in use with no connection left");
        assertServes();
    }
}
