package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import org.junit.jupiter.api.Test;

/** {@code http-request return}: the local answers the quickstart config serves itself. */
class HttpReturnTest {
    private static final String DEFAULTS = "defaults\n    mode http\n    timeout client 5s\n"
            + "    timeout server 5s\n    timeout connect 2s\n";

    @Test
    void answersLocallyAndThroughAProxyInFront() throws Exception {
        try (Epoxy app = Epoxy.start(Epoxy.global(2, false) + DEFAULTS + "listen app\n    bind 127.0.0.1:0\n"
                + "    http-request return status 200 content-type text/plain string \"hello\\n\" if { path / }\n"
                + "    http-request return status 404\n")) {
            int appPort = app.port("app");
            try (Epoxy front = Epoxy.start(Epoxy.global(2, false) + DEFAULTS + "frontend fe\n    bind 127.0.0.1:0\n"
                    + "    default_backend be\nbackend be\n    server s1 127.0.0.1:" + appPort + "\n")) {
                for (int port : new int[] {appPort, front.port("fe")}) {
                    try (RawClient c = new RawClient(port)) {
                        c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                        RawClient.Response r = c.read(false);
                        assertEquals(200, r.status);
                        assertEquals("text/plain", r.header("content-type"));
                        assertEquals("hello\n", r.text());
                        c.send("GET /other HTTP/1.1\r\nHost: a\r\n\r\n"); // same connection: kept alive
                        r = c.read(false);
                        assertEquals(404, r.status);
                        assertEquals("0", r.header("content-length"));
                        assertEquals(0, r.body.length);
                    }
                }
            }
        }
    }
}
