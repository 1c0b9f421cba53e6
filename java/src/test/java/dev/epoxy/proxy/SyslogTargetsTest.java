package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.sys.Datagram;
import dev.epoxy.sys.Sys;
import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RawClient;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code log} targets over UDP and a local AF_UNIX datagram socket, with their headers and level filters. */
class SyslogTargetsTest {
    private static final String RFC3164 = "<134>[A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d epoxy\\[\\d+\\]: ";
    private static final String RFC5424 = "<142>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}[+-]\\d\\d:\\d\\d - epoxy \\d+ - - ";
    private static final String LINE = "127\\.0\\.0\\.1:\\d+ \\[[^]]+\\] fe fe/<NOSRV> \\d+/-1/-1/-1/\\d+ 200 \\d+ - - LR-- "
            + "1/1/0/0/0 0/0 \"GET /ret HTTP/1.1\"\n";

    private static String cfg(String logs) {
        return "global\n    nbthread 1\n" + logs
                + "defaults\n    mode http\n    log global\n    option httplog\n    timeout client 5s\n"
                + "frontend fe\n    bind 127.0.0.1:0\n"
                + "    http-request return status 200 content-type text/plain string \"local\" if { path /ret }\n";
    }

    private static void request(Epoxy e) throws Exception {
        try (RawClient c = new RawClient(e.port("fe"))) {
            c.send("GET /ret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals(200, c.read().status);
        }
    }

    @Test
    void udpWithRfc3164AndRfc5424HeadersAndTheLevelFilter() throws Exception {
        try (DatagramSocket syslog = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            syslog.setSoTimeout(5000);
            int port = syslog.getLocalPort();
            try (Epoxy e = Epoxy.start(cfg("    log 127.0.0.1:" + port + " local0\n"
                    + "    log udp@127.0.0.1:" + port + " format rfc5424 local1 info\n"
                    + "    log 127.0.0.1:" + port + " local2 notice\n"))) {
                request(e);
                String a = receive(syslog), b = receive(syslog);
                assertTrue(a.matches(RFC3164 + LINE), a);
                assertTrue(b.matches(RFC5424 + LINE), b);
                // local2 takes only notice and more severe: the next datagram is the next request's.
                request(e);
                String next = receive(syslog);
                assertTrue(next.matches(RFC3164 + LINE), next);
            }
        }
    }

    @Test
    void localUnixDatagramSocket(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("log.sock");
        ByteBuffer buf = Sys.allocate(4096);
        try (Datagram devLog = Datagram.bindUnix(sock.toString())) {
            try (Epoxy e = Epoxy.start(cfg("    log " + sock + " local0\n"
                    + "    log unix@" + sock + " local1 notice\n"))) {
                request(e);
                String first = receive(devLog, buf);
                assertTrue(first.matches(RFC3164 + LINE), first);
                request(e);
                String second = receive(devLog, buf);
                assertTrue(second.matches(RFC3164 + LINE), "the notice target got nothing: " + second);
            }
        }
        assertTrue(Files.exists(sock));
    }

    private static String receive(DatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    private static String receive(Datagram d, ByteBuffer buf) {
        long n = d.receive(buf, 5000);
        assertTrue(n > 0, "a datagram within 5 s: " + n);
        byte[] b = new byte[(int) n];
        buf.get(0, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
