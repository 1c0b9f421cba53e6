package dev.epoxy.conn;

import static dev.epoxy.fd.FdTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.fd.FdTable;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Pollers;
import dev.epoxy.sys.Net;
import dev.epoxy.sys.SockAddr;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sends with MSG_MORE (Connection#flush(boolean), #spliceOut) on a real TCP connection over
 * loopback: the kernel holds a partial segment sent with it, and the flush without it that ends
 * every pass sends that segment, even when it has nothing of its own to write. Without that push
 * the bytes would wait for the next acknowledgement or some 200 ms (the zero-window probe timer).
 */
class MsgMoreTest {
    private Pollers pollers;
    private Poller p;
    private final BufferPool pool = new BufferPool(1, 4096);
    private int lfd = -1, peer = -1;
    private Connection c;

    @BeforeEach
    void connect() throws Exception {
        FdTable fds = new FdTable(4096);
        pollers = new Pollers(fds, 1, false);
        pollers.start();
        p = pollers.get(0);
        lfd = Net.listen(SockAddr.of("127.0.0.1", 0), 4, false);
        SockAddr sa = SockAddr.of("127.0.0.1", Net.localPort(lfd));
        int fd = Sys.epoxy_connect_new(sa.address, sa.length);
        assertTrue(fd >= 0, () -> Sys.strerror(fd));
        for (int i = 0; i < 500 && peer < 0; i++) {
            peer = Sys.epoxy_accept(lfd, 0);
            if (peer < 0)
                Thread.sleep(2);
        }
        assertTrue(peer >= 0, "accepted");
        awaitTrue(() -> Sys.epoxy_writable(fd) == 1, "connected");
        c = runOn(p, () -> Connection.accepted(p, fd, pool, conn -> { }));
    }

    @AfterEach
    void tearDown() {
        if (c != null)
            runOn(p, () -> c.close());
        if (pollers != null)
            pollers.close();
        if (peer >= 0)
            Sys.epoxy_close(peer);
        if (lfd >= 0)
            Sys.epoxy_close(lfd);
    }

    private static void put(Connection c, int n) {
        ByteBuffer out = c.out();
        for (int i = 0; i < n; i++)
            out.put((byte) 'x');
    }

    @Test
    void anEmptyFlushPushesWhatASendWithMoreLeft() {
        runOn(p, () -> {
            put(c, 1000);
            assertTrue(c.flush(true));
            assertEquals(1000, Sys.epoxy_unsent(c.fd), "MSG_MORE holds a partial segment when nothing is in flight");
            assertTrue(c.flush(true));
            assertEquals(1000, Sys.epoxy_unsent(c.fd), "an empty flush with more to come leaves it held");
            assertTrue(c.flush());
            assertEquals(0, Sys.epoxy_unsent(c.fd), "the pass's last flush sends it");
        });
        awaitTrue(() -> Sys.epoxy_unread(peer) == 1000, "the peer has every byte");
    }

    @Test
    void aSendWithoutMoreSendsTheHeldTailWithIt() {
        runOn(p, () -> {
            put(c, 700);
            assertTrue(c.flush(true));
            put(c, 300);
            assertTrue(c.flush());
            assertEquals(0, Sys.epoxy_unsent(c.fd));
        });
        awaitTrue(() -> Sys.epoxy_unread(peer) == 1000, "the peer has every byte");
    }

    @Test
    void anEmptyFlushPushesWhatASplicedSendWithMoreLeft() {
        Pipe.Pool pipes = new Pipe.Pool(1);
        Pipe pipe = pipes.take();
        assertNotNull(pipe);
        ByteBuffer b = ByteBuffer.allocateDirect(2000);
        assertEquals(2000, Sys.epoxy_write(pipe.wfd, Sys.address(b), 2000));
        pipe.data = 2000;
        runOn(p, () -> {
            assertTrue(c.spliceOut(pipe, true));
            assertEquals(2000, Sys.epoxy_unsent(c.fd), "SPLICE_F_MORE holds a partial segment");
            assertTrue(c.flush());
            assertEquals(0, Sys.epoxy_unsent(c.fd), "the pass's last flush sends it");
        });
        awaitTrue(() -> Sys.epoxy_unread(peer) == 2000, "the peer has every byte");
        pipes.give(pipe);
        pipes.close();
    }
}
