package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.epoxy.testutil.RawClient;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 server that refuses streams unprocessed, as one at its limits does: RST_STREAM
 * (REFUSED_STREAM), or a GOAWAY whose last stream id is below the stream. The request may be
 * sent again whatever its method (RFC 9113 §8.7): it is, and the client gets the answer, not a
 * 502. One that cannot be sent again (its body was too large to keep) is refused in turn to an
 * HTTP/2 client, which may send it again, and answered 502 to an HTTP/1 client.
 */
class H2ServerRefusalTest {
    /** Connection n: the 1st refuses with RST_STREAM, the 2nd with GOAWAY(0), the 3rd answers; and so on. */
    private static RawH2Server refusingServer() throws IOException {
        return new RawH2Server((n, id, f) -> {
            switch (n % 3) {
                case 1 -> f.rstStream(id, H2Error.REFUSED_STREAM);
                case 2 -> {
                    f.goAway(0, H2Error.NO_ERROR);
                    return false;
                }
                default -> {
                    f.headers(id, false, ":status", "200");
                    f.data(id, "ok".getBytes(), true);
                }
            }
            return true;
        });
    }

    private static String cfg(int serverPort) {
        return "global\n    nbthread 1\n"
                + "defaults\n    mode http\n    retries 3\n    timeout client 10s\n    timeout server 10s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0 proto h2\n    default_backend be\n"
                + "frontend fe1\n    bind 127.0.0.1:0\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + serverPort + " proto h2\n";
    }

    @Test
    void refusedStreamsAreSentAgainOrRefusedInTurn() throws Exception {
        try (RawH2Server srv = refusingServer(); EpoxyUnderTest ep = new EpoxyUnderTest(cfg(srv.port()))) {
            // HTTP/1: a GET and a small POST each meet both refusals, then the answer.
            try (RawClient c = new RawClient(ep.port("fe1"))) {
                c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                assertEquals(200, r.status);
                assertEquals("ok", r.text());
                c.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
                r = c.read();
                assertEquals(200, r.status);
                assertEquals("ok", r.text());
            }
            assertEquals(6, srv.connections.get());
            // HTTP/2: the same, then a POST whose body is too large to keep is refused in turn.
            try (H2TestClient c = new H2TestClient(ep.port("fe"))) {
                c.request(1, "GET", "/c", true);
                c.expect("END 1");
                assertEquals("ok", c.body(1));
                c.request(3, "POST", "/d", false, "content-length", "100000");
                try {
                    c.data(3, new byte[100_000], true);
                } catch (java.io.IOException e) {
                    // refused before the whole body went (H2TestClient.data stops at the reset)
                }
                assertEquals("RST_STREAM 3 7", c.expect(e -> e.startsWith("RST_STREAM 3") || e.startsWith("END 3"), 10_000));
            }
            // HTTP/1, the same large POST: 502 (an HTTP/1 client has no way to be told to resend).
            try (RawClient c = new RawClient(ep.port("fe1"))) {
                srv.connections.set(0); // the next connection refuses
                c.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(100_000));
                assertEquals(502, c.read().status);
            }
        }
    }
}
