package dev.epoxy.stream;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.conn.Connection;
import dev.epoxy.proxy.Backend;
import dev.epoxy.proxy.Server;
import dev.epoxy.sys.SockAddr;
import org.junit.jupiter.api.Test;

/** The one Stream.Origin of the front muxes: what differs between HTTP/1 and HTTP/2, and the kept server connection. */
class ClientSessionTest {
    static final Backend BE = new Backend("be");
    static final Server S1 = new Server(BE, "s1", SockAddr.of("127.0.0.1", 1), false);
    static final Server S2 = new Server(BE, "s2", SockAddr.of("127.0.0.1", 2), false);

    /** A server connection that only records whether it was closed. */
    static final class Conn implements BackendConn {
        final Server srv;
        boolean closed;

        Conn(Server srv) {
            this.srv = srv;
        }

        @Override public Server server() { return srv; }
        @Override public Connection connection() { return null; }
        @Override public boolean reusable() { return !closed; }
        @Override public boolean safe() { return true; }
        @Override public Endpoint attach(StreamConnector sc) { return null; }
        @Override public void close(boolean abort) { closed = true; }
        @Override public long idleSince() { return 0; }
        @Override public void idleSince(long ms) { }
    }

    @Test
    void anHttp1ConnectionsFirstRequestIsTheFirstStream() {
        ClientSession s = new ClientSession(null, "10.0.0.1", 5555, false, () -> false);
        assertEquals("10.0.0.1", s.clientAddr());
        assertEquals(5555, s.clientPort());
        assertFalse(s.canRefuse(), "HTTP/1 has no REFUSED_STREAM");
        assertTrue(s.firstRequest());
        s.requestStarted();
        assertTrue(s.firstRequest(), "the stream of the first request");
        s.requestStarted();
        assertFalse(s.firstRequest());
        assertEquals(2, s.requests());
    }

    @Test
    void http2StreamsAreNeverAFirstRequestAndCanBeRefused() {
        ClientSession s = new ClientSession(null, "::1", 1, true, () -> false);
        s.requestStarted();
        assertFalse(s.firstRequest());
        assertTrue(s.canRefuse());
    }

    @Test
    void keepsOneServerConnectionWhileTheClientConnectionLasts() {
        boolean[] ended = {false};
        ClientSession s = new ClientSession(null, "a", 1, false, () -> ended[0]);
        Conn a = new Conn(S1), b = new Conn(S1), c = new Conn(S2);
        s.keepServerConn(a);
        s.keepServerConn(b);
        assertTrue(a.closed, "one kept at a time");
        assertSame(b, s.takeOwnedServerConn(S1));
        assertNull(s.takeOwnedServerConn(S1), "taken");
        s.keepServerConn(c);
        assertNull(s.takeOwnedServerConn(S1));
        assertTrue(c.closed, "one to another server is closed");
        Conn d = new Conn(S1);
        s.keepServerConn(d);
        s.close();
        assertTrue(d.closed, "closed with the session");
        ended[0] = true;
        Conn e = new Conn(S1);
        s.keepServerConn(e);
        assertTrue(e.closed, "offered after the client connection ended");
        assertNull(s.takeOwnedServerConn(S1));
    }
}
