package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.conn.Connection;
import dev.epoxy.fd.FdHooks;
import dev.epoxy.fd.FdTable;
import dev.epoxy.poller.Poller;
import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.TestBackend;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The other side of BlockedPeerStallTest: an HTTP/2 stream whose DATA the connection does not
 * decode for no good reason is still a stall. An edge-triggered read event of the client's
 * connection is lost (once), so its bytes stay in the kernel while decoding neither waits for
 * output room nor yielded: the stream waiting for that body is reported, and the next bytes (a new
 * edge) carry the upload through.
 */
class H2StallReportTest {
    private static final long STALL_MS = 300;

    @AfterEach
    void clearHooks() {
        FdHooks.dropEvent = null;
    }

    @Test
    void undecodedInputNobodyWaitsForIsReported() throws Exception {
        TestBackend.storeBodies = true;
        try (TestBackend be = new TestBackend(TestBackend.respond(r -> new Object[] {200, "len=" + r.body.length}));
                EpoxyUnderTest proxy = new EpoxyUnderTest(Epoxy.global(1, true) + "    tune.stall-report " + STALL_MS + "ms\n"
                        + "defaults\n    mode http\n    timeout client 30s\n    timeout server 30s\n    timeout connect 5s\n"
                        + "frontend fe\n    bind 127.0.0.1:0 proto h2\n    default_backend be\n"
                        + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n")) {
            LinkedBlockingQueue<String> reports = new LinkedBlockingQueue<>();
            proxy.rt.pollers().onStallReport(reports::add);
            try (H2TestClient c = new H2TestClient(proxy.port("fe"))) {
                c.request(1, "POST", "/up", false);
                c.data(1, new byte[100], false);
                c.expect(e -> e.startsWith("WINDOW_UPDATE 1 "), 10_000); // the first part is through
                // Our SETTINGS ACK is sent, but maybe still unread by the proxy: had its read event
                // been the one dropped, the report would count it too (kernel.unread=118). The
                // answer to a PING sent after it proves the proxy read everything before: the next
                // bytes it gets are the DATA below.
                c.expect(e -> e.startsWith("SETTINGS ack=false"), 10_000);
                c.ping(0x5eed);
                c.expect(e -> e.equals("PING ack=true 5eed"), 10_000);
                AtomicBoolean dropped = new AtomicBoolean();
                FdHooks.dropEvent = (fd, evts) -> {
                    if ((evts & FdTable.READY_R) == 0 || dropped.get())
                        return false;
                    Poller p = Poller.current();
                    Object owner = p == null ? null : p.fdTable().owner(fd);
                    if (owner instanceof Connection && !((Connection) owner).backend) {
                        dropped.set(true);
                        return true;
                    }
                    return false;
                };
                c.data(1, new byte[100], false);
                String line = reports.poll(10, TimeUnit.SECONDS);
                assertNotNull(line, "no stall report within 10 s (read event lost: " + dropped.get() + ")");
                assertTrue(line.contains("h2s{id=1 st=OPEN"), line);
                assertTrue(line.contains("kernel.unread=109 "), line);
                FdHooks.dropEvent = null;
                c.data(1, new byte[100], true); // a new edge
                c.expect(e -> e.equals("END 1"), 10_000);
                assertEquals("len=300", c.body(1));
            }
        }
    }
}
