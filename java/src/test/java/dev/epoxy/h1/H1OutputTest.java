package dev.epoxy.h1;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.conn.BufferPool;
import dev.epoxy.conn.Connection;
import dev.epoxy.fd.FdTable;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.stream.HttpChannel;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The write, flush once, write again steps both HTTP/1 muxes send with, on a real socket pair. */
class H1OutputTest {
    private static final int BUF = 4096;
    private Pollers pollers;
    private Poller p;
    private Connection c;
    private int peer = -1;

    @BeforeEach
    void setUp() {
        FdTable fds = new FdTable(4096);
        pollers = new Pollers(fds, 1, false);
        pollers.start();
        p = pollers.get(0);
        int[] sp = Sys.socketpair();
        peer = sp[1];
        BufferPool pool = new BufferPool(1, BUF);
        c = runOn(p, () -> Connection.accepted(p, sp[0], pool, conn -> { }));
    }

    @AfterEach
    void tearDown() {
        if (c != null) runOn(p, () -> c.close());
        if (pollers != null) pollers.close();
        if (peer >= 0) Sys.epoxy_close(peer);
    }

    /** Bytes the peer can read now. */
    private int received() {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * BUF);
        int total = 0;
        for (int tries = 0; tries < 50; tries++) {
            long n = Sys.epoxy_read(peer, Sys.address(b), b.capacity());
            if (n > 0) {
                total += (int) n;
                tries = 0;
            } else if (total > 0) {
                break;
            }
        }
        return total;
    }

    private static HttpChannel response(int status, int fieldBytes) {
        HttpChannel ch = new HttpChannel(2 * BUF);
        ch.head.setStatusLine(status, null, 11);
        if (fieldBytes > 0) ch.head.add("X-Pad", "p".repeat(fieldBytes));
        ch.headIn = true;
        return ch;
    }

    @Test
    void aHeadIsWrittenWholeAfterOneFlushWhenWhatIsQueuedLeavesNoRoom() {
        runOn(p, () -> {
            HttpChannel first = response(200, 3000);
            assertEquals(H1Output.WRITTEN, H1Output.writeHead(c, first));
            assertEquals(H1Writer.size(first.head), first.wireOut);
            assertEquals(first.wireOut, c.pendingOut(), "queued, not flushed");
            HttpChannel second = response(204, 2000);
            assertEquals(H1Output.WRITTEN, H1Output.writeHead(c, second), "after a flush of the first");
            assertEquals(H1Writer.size(second.head), second.wireOut);
            assertEquals(second.wireOut, c.pendingOut());
        });
        assertEquals(H1Writer.size(response(200, 3000).head), received(), "the flush sent the first head");
    }

    @Test
    void aHeadLargerThanABufferIsNeverWritten() {
        runOn(p, () -> {
            HttpChannel ch = response(200, 2 * BUF);
            assertEquals(H1Output.TOO_LARGE, H1Output.writeHead(c, ch));
            assertEquals(0, c.pendingOut());
            assertEquals(0, ch.wireOut);
        });
    }

    @Test
    void aBodyThatFillsTheBufferIsFlushedOnceAndMovedOn() {
        int len = BUF + 1000;
        runOn(p, () -> {
            HttpChannel ch = response(200, 0);
            ch.headOut = true;
            ch.putBody(new byte[len]);
            H1BodyWriter w = new H1BodyWriter();
            w.start(false);
            assertTrue(H1Output.writeBody(c, w, ch));
            assertTrue(ch.eomOut, "all of it moved in one call");
            assertEquals(len, ch.wireOut);
            assertEquals(1000, c.pendingOut(), "the rest waits for the caller's flush");
        });
        assertEquals(BUF, received(), "one flush in between, of a full buffer");
    }
}
