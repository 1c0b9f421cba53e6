package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.sys.Net;
import dev.epoxy.sys.SockAddr;
import dev.epoxy.sys.Sys;
import dev.epoxy.testutil.Epoxy;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * {@code option smart-accept}: an HTTP listener's sockets delay the ACK of the client's request,
 * so that it leaves with the response (HAProxy's default in HTTP mode; one TCP segment less per
 * connection).
 */
class SmartAcceptTest {
    /** Whether a socket accepted from {@code lfd} acknowledges at once (1) or delays (0). */
    private static int acceptedQuickack(int lfd, int port) throws Exception {
        try (Socket client = new Socket("127.0.0.1", port)) {
            int fd = -1;
            for (int i = 0; i < 200 && fd < 0; i++) { // the handshake is done when connect returns; bounded anyway
                fd = Sys.epoxy_accept(lfd, 0);
                if (fd < 0)
                    Thread.sleep(5);
            }
            assertTrue(fd >= 0, "accepted");
            try {
                return Sys.epoxy_quickack(fd);
            } finally {
                Sys.epoxy_close(fd);
            }
        }
    }

    @Test
    void acceptedSocketsTakeTheListenersDelayedAckMode() throws Exception {
        SockAddr any = SockAddr.of("127.0.0.1", 0);
        int plain = Net.listen(any, 16, false), smart = Net.listen(any, 16, false);
        try {
            assertEquals(0, Sys.epoxy_set_quickack(smart, 0));
            assertEquals(1, acceptedQuickack(plain, Net.localPort(plain)), "the kernel's default: ACK at once");
            assertEquals(0, acceptedQuickack(smart, Net.localPort(smart)), "inherited from the listener");
            assertEquals(0, Sys.epoxy_set_quickack(smart, 1)); // what Listener.smartAccept(false) does
            assertEquals(1, acceptedQuickack(smart, Net.localPort(smart)),
                    "turned off again (a listener inherited from a process that had it on)");
        } finally {
            Sys.epoxy_close(plain);
            Sys.epoxy_close(smart);
        }
    }

    @Test
    void onByDefaultInHttpModeOnlyAndAsWrittenOtherwise() throws Exception {
        String http = "    bind 127.0.0.1:0\n    default_backend be-http\n", tcp = "    bind 127.0.0.1:0\n    default_backend be-tcp\n";
        try (Epoxy ep = Epoxy.start(Epoxy.global(1, false)
                + "defaults\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\n"
                + "frontend http\n    mode http\n" + http
                + "frontend http-no\n    mode http\n    no option smart-accept\n" + http
                + "frontend tcp\n    mode tcp\n" + tcp
                + "frontend tcp-yes\n    mode tcp\n    option smart-accept\n" + tcp
                + "backend be-http\n    mode http\n    server s1 127.0.0.1:9\n"
                + "backend be-tcp\n    mode tcp\n    server s1 127.0.0.1:9\n")) {
            assertEquals(0, Sys.epoxy_quickack(ep.rt.listener("http", 0).fd), "http");
            assertEquals(1, Sys.epoxy_quickack(ep.rt.listener("http-no", 0).fd), "no option smart-accept");
            assertEquals(1, Sys.epoxy_quickack(ep.rt.listener("tcp", 0).fd), "tcp");
            assertEquals(0, Sys.epoxy_quickack(ep.rt.listener("tcp-yes", 0).fd), "tcp, option smart-accept");
        }
    }
}
