package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.net.SocketTimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code maxconn}: connections beyond the limit wait in the backlog until one ends. */
class MaxconnTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"global", "frontend"})
    void extraConnectionWaitsForAFreeSlot(String where) throws Exception {
        String global = Epoxy.global(2, false) + (where.equals("global") ? "    maxconn 2\n" : "");
        try (TestBackend be = TestBackend.ok(); Epoxy ep = Epoxy.start(global
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n"
                + (where.equals("frontend") ? "    maxconn 2\n" : "") + "    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n")) {
            int port = ep.rt.port("fe", 0);
            RawClient a = new RawClient(port), b = new RawClient(port);
            for (RawClient c : new RawClient[] {a, b}) {
                c.send("GET /in HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, c.read().status);
            }
            try (RawClient third = new RawClient(port)) {
                third.send("GET /third HTTP/1.1\r\nHost: x\r\n\r\n");
                third.s.setSoTimeout(500);
                assertThrows(SocketTimeoutException.class, third::read, "not served while two connections are open");
                a.close();
                third.s.setSoTimeout(5000);
                assertEquals("hello /third\n", third.read().text(), "served once a slot is free");
            } finally {
                b.close();
            }
        }
    }
}
