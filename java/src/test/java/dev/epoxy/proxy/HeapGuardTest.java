package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The heap guard: listeners accept nothing while the Java heap is nearly full, and go on once it
 * is not; the connections already in carry on meanwhile. (With -Xmx24m and 15,000 idle HTTP/2
 * connections coming, Epoxy ran a thousand full collections in 20 s and died of
 * OutOfMemoryErrors without it; with it, 15 collections, one warning, and it served after.)
 */
class HeapGuardTest {
    @AfterEach
    void release() {
        HeapGuard.hold(false);
        HeapGuard.stillShort(System.currentTimeMillis()); // the test JVM's heap is far from full: clears
    }

    @ParameterizedTest(name = "edge-triggered {0}")
    @ValueSource(booleans = {false, true})
    void listenersWaitWhileTheHeapIsShortAndAcceptOnceItIsNot(boolean et) throws Exception {
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(Epoxy.global(2, et)
                + "    stats socket ipv4@127.0.0.1:0\n"
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n");
                RawClient in = new RawClient(ep.rt.port("fe", 0))) {
            in.send("GET /before HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, in.read().status);
            HeapGuard.hold(true);
            try (RawClient late = new RawClient(ep.rt.port("fe", 0))) { // in the kernel's backlog
                late.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
                late.s.setSoTimeout(700);
                assertThrows(SocketTimeoutException.class, late::read, "not accepted while the heap is short");
                in.send("GET /meanwhile HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("hello /meanwhile\n", in.read().text(), "a connection already in is served");
                assertTrue(runtimeApi(ep.rt.statsPort(0), "show info\n").contains("Name: "),
                        "the runtime API still accepts (it has no maxconn, as HAProxy's CLI)");
                HeapGuard.hold(false);
                late.s.setSoTimeout(5000);
                assertEquals("hello /late\n", late.read().text(), "accepted once the heap is not short");
            }
        }
    }

    private static String runtimeApi(int port, String cmd) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(cmd.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aCollectionThatLeavesTheOldGenerationOverTheThresholdMakesTheHeapShort() throws Exception {
        HeapGuard.install();
        MemoryPoolMXBean old = null;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported() && p.isCollectionUsageThresholdSupported())
                old = p;
        assertNotNull(old, "the old generation's pool");
        long max = old.getUsage().getMax();
        assertEquals((long) (max * HeapGuard.HIGH), old.getCollectionUsageThreshold(), "watched at 90 % of its maximum");
        assertFalse(HeapGuard.isShort());
        try {
            old.setCollectionUsageThreshold(1); // whatever survives the next collection is over it
            System.gc();
            long until = System.currentTimeMillis() + 5000;
            while (!HeapGuard.isShort() && System.currentTimeMillis() < until)
                Thread.sleep(10);
            assertTrue(HeapGuard.isShort(), "the JVM's notification after the collection");
        } finally {
            old.setCollectionUsageThreshold((long) (max * HeapGuard.HIGH));
        }
        assertFalse(HeapGuard.stillShort(System.currentTimeMillis()),
                "the last collection left the old generation far under 75 %: short no more");
        assertFalse(HeapGuard.isShort());
    }
}
