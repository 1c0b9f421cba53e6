package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.conn.Connection;
import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import dev.epoxy.testutil.TestBackend;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every write(2) of the proxy is partial, as towards a congested peer: whatever a message's last
 * send left in a connection's output must still go out at the next write event, even once the
 * stream has nothing more to send. (Found by the stall watchdog: an upload whose last bytes met
 * a full socket waited in the server connection's buffer until timeout server, 1 run in ~60.)
 */
class PartialWritesTest {
    @AfterEach
    void restore() {
        Connection.writeLimit = Integer.MAX_VALUE;
    }

    // Level-triggered only: the injected limit leaves the socket writable, and edge-triggered
    // epoll reports writability again only after the send buffer was full, which a real partial
    // write means but this injection does not.
    @ParameterizedTest(name = "threads={0}, edge-triggered={1}")
    @CsvSource({"1,false", "3,false"})
    void uploadsAndDownloadsCompleteWhenEveryWriteIsPartial(int threads, boolean et) throws Exception {
        byte[] body = new byte[200_000];
        for (int i = 0; i < body.length; i++)
            body[i] = (byte) ('a' + i % 26);
        try (TestBackend be = new TestBackend(TestBackend.respond(r -> new Object[] {200,
                r.method.equals("POST") ? ("got " + r.body.length + " " + Arrays.equals(body, r.body)) : body}));
             Epoxy ep = Epoxy.start(Epoxy.global(threads, et) + "    tune.stall-report 1s\n" + "defaults\n    mode http\n    timeout client 30s\n"
                     + "    timeout server 30s\n    timeout connect 5s\n"
                     + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be\n"
                     + "backend be\n    server s1 127.0.0.1:" + be.port() + "\n")) {
            Connection.writeLimit = 1000;
            try (RawClient c = new RawClient(ep.port("fe"))) {
                c.s.setSoTimeout(10_000); // timeout server is 30 s: a stall fails here
                for (int i = 0; i < 3; i++) {
                    c.send(("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    c.send(body);
                    RawClient.Response r = c.read();
                    assertEquals(200, r.status);
                    assertEquals("got 200000 true", r.text());
                    c.send("GET /down HTTP/1.1\r\nHost: x\r\n\r\n");
                    r = c.read();
                    assertEquals(200, r.status);
                    assertArrayEquals(body, r.body);
                }
            }
        }
    }
}
