package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.TestBackend;
import dev.epoxy.testutil.Tools;
import dev.epoxy.testutil.Wait;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime API end to end: real Unix and TCP stats sockets, each command's output shape (taken
 * from HAProxy 2.6 and 3.4 by experiment; compared live with the installed HAProxy where that is
 * practical), access levels, and server states steering real traffic.
 */
class RuntimeApiTest {
    /** HAProxy 2.6's "show stat" header line (Debian 2.6.12), the column order Epoxy follows. */
    static final String HAPROXY26_STAT_HEADER = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,"
            + "eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,"
            + "tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,"
            + "hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,"
            + "lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,"
            + "check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,"
            + "conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,"
            + "qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,"
            + "agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,"
            + "h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,"
            + "h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,"
            + "h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,"
            + "h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,";

    Path dir;
    TestBackend s1, s2;
    Epoxy px;
    CountDownLatch hold;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("epoxy-cli");
        s1 = new TestBackend(held("s1"));
        s2 = new TestBackend(held("s2"));
        px = Epoxy.start(Epoxy.global(2, false)
                + "    stats socket " + dir + "/admin.sock mode 600 level admin\n"
                + "    stats socket " + dir + "/user.sock level user\n"
                + "    stats socket ipv4@127.0.0.1:0\n" // operator: HAProxy's default level
                + "    stats timeout 5s\n"
                + "defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 2s\n"
                + "frontend fe\n    bind 127.0.0.1:" + freePort() + "\n    default_backend be\n"
                + "backend be\n    server s1 127.0.0.1:" + s1.port() + "\n    server s2 127.0.0.1:" + s2.port() + " maxconn 10\n");
    }

    /** Answers with the server's name; a request for /hold waits until {@link #hold} opens. */
    private TestBackend.Handler held(String name) {
        return TestBackend.respond(r -> {
            if (r.target.equals("/hold")) {
                try {
                    hold.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new Object[] {200, name};
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (hold != null)
            hold.countDown();
        px.close();
        s1.close();
        s2.close();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator)
                Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    // ---- clients ----

    private String unix(String sock, String input) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.resolve(sock)));
            ch.write(ByteBuffer.wrap(input.getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = java.nio.channels.Channels.newInputStream(ch);
            byte[] buf = new byte[8192];
            // Bounded: the proxy closes after a non-interactive command, or after "stats timeout" (5 s).
            for (int n; (n = in.read(buf)) > 0;)
                out.write(buf, 0, n);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private String admin(String cmd) throws IOException {
        return unix("admin.sock", cmd + "\n");
    }

    private String tcp(String input) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", px.rt.statsPort(0)), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private String get(String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", px.port("fe"))) {
            s.setSoTimeout(10000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    // ---- tests ----

    @Test
    void showInfoHasHaproxyKeysAndEndsWithAnEmptyLine() throws Exception {
        get("/a");
        String out = admin("show info");
        assertTrue(out.endsWith("\n\n"), out);
        List<String> keys = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (l.isEmpty())
                continue;
            assertTrue(l.matches("[A-Za-z_ -]+: .*|[A-Za-z_ -]+: "), "key: value line: " + l);
            keys.add(l.substring(0, l.indexOf(':')));
        }
        for (String k : List.of("Name", "Version", "Release_date", "Nbthread", "Pid", "Uptime", "Uptime_sec", "Maxconn",
                "CurrConns", "CumConns", "CumReq", "Run_queue"))
            assertTrue(keys.contains(k), k + " in " + keys);
        assertTrue(out.contains("\nNbthread: 2\n"), out);
        assertTrue(out.contains("\nPid: " + ProcessHandle.current().pid() + "\n"), out);
        assertTrue(out.contains("\nCumReq: 1\n"), out);
        assertTrue(out.contains("\nUptime: 0d 0h00m"), out);

        // Every key Epoxy prints is one of HAProxy's, and in HAProxy's order (live comparison when installed).
        String haproxy = haproxyOutput("show info\n");
        if (haproxy != null) {
            List<String> theirs = new ArrayList<>();
            for (String l : haproxy.split("\n"))
                if (l.contains(":"))
                    theirs.add(l.substring(0, l.indexOf(':')));
            int last = -1;
            for (String k : keys) {
                int at = theirs.indexOf(k);
                assertTrue(at > last, "key " + k + " missing from HAProxy or out of its order: " + theirs);
                last = at;
            }
        }
    }

    @Test
    void showStatUsesHaproxysHeaderAndColumns() throws Exception {
        get("/a");
        String out = admin("show stat");
        String[] lines = out.split("\n");
        assertEquals(HAPROXY26_STAT_HEADER, lines[0]);
        String live = haproxyOutput("show stat\n");
        if (live != null && live.startsWith("# pxname") && live.contains("h1_spliced_bytes_out"))
            assertEquals(live.split("\n")[0], lines[0], "same header as the installed HAProxy 2.6");
        int columns = lines[0].split(",", -1).length;
        assertEquals("fe,FRONTEND,", lines[1].substring(0, 12));
        assertTrue(lines[2].startsWith("be,s1,") && lines[3].startsWith("be,s2,") && lines[4].startsWith("be,BACKEND,"), out);
        for (int i = 1; i <= 4; i++)
            assertEquals(columns, lines[i].split(",", -1).length, "columns of " + lines[i]);
        String[] hdr = lines[0].substring(2).split(",", -1);
        String[] s2 = lines[3].split(",", -1);
        String[] be = lines[4].split(",", -1);
        assertEquals("no check", s2[col(hdr, "status")]);
        assertEquals("10", s2[col(hdr, "slim")]);
        assertEquals("UP", be[col(hdr, "status")]);
        assertEquals("roundrobin", be[col(hdr, "algo")]);
        assertEquals("1", be[col(hdr, "stot")]);
        assertEquals("1", lines[1].split(",", -1)[col(hdr, "req_tot")]);
        assertTrue(s2[col(hdr, "bin")].matches("\\d+"), "server bytes are kept: " + lines[3]);
        assertEquals("", s2[col(hdr, "rate")], "fields Epoxy does not keep stay empty");
        assertEquals("2", lines[1].split(",", -1)[col(hdr, "iid")], "proxy ids in configuration order, after HAProxy's GLOBAL (#1)");
        assertEquals("3", be[col(hdr, "iid")]);
        assertEquals("2", s2[col(hdr, "sid")]);
        assertEquals("127.0.0.1:" + this.s2.port(), s2[col(hdr, "addr")]);
        assertTrue(out.endsWith("\n\n"));
    }

    private static int col(String[] hdr, String name) {
        for (int i = 0; i < hdr.length; i++)
            if (hdr[i].equals(name))
                return i;
        throw new AssertionError(name);
    }

    @Test
    void unixSocketModeIsApplied() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("admin.sock"))));
    }

    @Test
    void levelsAreEnforcedAsInHaproxy() throws Exception {
        // user: show only, no sessions/fds/errors, no changes
        assertEquals("Permission denied\n\n", unix("user.sock", "show sess\n"));
        assertEquals("Permission denied\n\n", unix("user.sock", "show fd\n"));
        assertEquals("Permission denied\n\n", unix("user.sock", "show errors\n"));
        assertEquals("Permission denied\n\n", unix("user.sock", "set server be/s1 state maint\n"));
        assertTrue(unix("user.sock", "show stat\n").startsWith("# pxname,"));
        // operator (the TCP socket, HAProxy's default level): sessions yes, changes no
        assertFalse(tcp("show sess\n").contains("Permission denied"));
        assertTrue(tcp("show errors\n").startsWith("Total events captured on ["));
        assertEquals("Permission denied\n\n", tcp("set server be/s1 state maint\n"));
        assertEquals("Permission denied\n\n", tcp("set maxconn frontend fe 10\n"));
        assertEquals("Permission denied\n\n", tcp("shutdown sessions server be/s1\n"));
        // a session may lower its level, not raise it
        assertEquals("\nPermission denied\n\n", admin("user; set server be/s1 state maint"));
        assertEquals(ServerState.Effective.UP, px.rt.backend("be").servers.get(0).state.effective());
        // help lists only what the level allows
        assertFalse(unix("user.sock", "help\n").contains("set server"));
        assertTrue(admin("help").contains("  set server <bk>/<srv> [opts]            : change a server's state or weight\n"));
    }

    @Test
    void unknownCommandsGetHaproxysHelpForm() throws Exception {
        String out = admin("show foo");
        assertTrue(out.startsWith("Unknown command: 'show', but maybe one of the following ones is a better match:\n"), out);
        assertTrue(out.contains("\n  show info                               : report information about the running process\n"));
        assertTrue(out.endsWith("  help [<command>]                        : list matching or all commands\n"
                + "  prompt                                  : toggle interactive mode with prompt\n"
                + "  quit                                    : disconnect\n\n"), out);
    }

    @Test
    void severalCommandsPerLineAndInteractiveMode() throws Exception {
        String two = admin("get weight be/s1; get weight be/s2");
        assertEquals("1 (initial 1)\n\n1 (initial 1)\n\n", two);
        String prompt = unix("admin.sock", "prompt\nget weight be/s1\nquit\n");
        assertEquals("\n> 1 (initial 1)\n\n> ", prompt);
        // over TCP too
        assertEquals("\n> 1 (initial 1)\n\n> ", tcp("prompt\nget weight be/s1\nquit\n"));
    }

    @Test
    void maintenanceTakesAServerOutOfTrafficAndBack() throws Exception {
        assertEquals("\n", admin("set server be/s1 state maint"));
        int before = s1.requests.get();
        for (int i = 0; i < 10; i++)
            assertTrue(get("/x" + i).endsWith("s2"));
        assertEquals(before, s1.requests.get(), "no request reached the server in maintenance");
        // HAProxy 2.6's shape for a server without traffic (empty dreq and ereq, slim without maxconn)
        assertTrue(admin("show stat").contains("\nbe,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,"), admin("show stat"));
        assertTrue(admin("show servers state be").contains("\n3 be 1 s1 127.0.0.1 0 1 1 1 "), admin("show servers state be"));

        // drain: no new traffic either
        assertEquals("\n", admin("set server be/s1 state drain"));
        for (int i = 0; i < 4; i++)
            assertTrue(get("/d" + i).endsWith("s2"));
        assertEquals(before, s1.requests.get());
        // everything out: HAProxy's 503
        assertEquals("\n", admin("disable server be/s2"));
        assertTrue(get("/none").startsWith("HTTP/1.1 503"));
        assertEquals("\n", admin("enable server be/s2"));
        assertEquals("\n", admin("set server be/s1 state ready"));
        int got = 0;
        for (int i = 0; i < 6; i++)
            if (get("/r" + i).endsWith("s1"))
                got++;
        assertEquals(3, got, "round-robin again");
        // weight 0 also takes it out; weights share the traffic
        assertEquals("\n", admin("set server be/s2 weight 0"));
        for (int i = 0; i < 4; i++)
            assertTrue(get("/w" + i).endsWith("s1"));
        assertEquals("\n", admin("set server be/s2 weight 3"));
        got = 0;
        for (int i = 0; i < 8; i++)
            if (get("/w" + i).endsWith("s2"))
                got++;
        assertEquals(6, got, "weights 1:3");
        assertEquals("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n", admin("set server be/s1 state up"));
        assertEquals("No such server.\n\n", admin("set server be/zz state maint"));
        assertEquals("No such backend.\n\n", admin("set server zz/s1 state maint"));
        assertEquals("Require 'backend/server'.\n\n", admin("set server s1 state maint"));
        assertEquals("Absolute weight can only be between 0 and 256 inclusive.\n\n", admin("set server be/s1 weight 300"));
    }

    @Test
    void showSessListsStreamsDumpsOneAndShutdownKillsThem() throws Exception {
        hold = new CountDownLatch(1);
        assertEquals("\n", admin("set server be/s2 state maint"));
        List<Thread> clients = new ArrayList<>();
        List<String> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread t = new Thread(() -> {
            try {
                answers.add(get("/hold"));
            } catch (IOException e) {
                answers.add("error " + e);
            }
        });
        t.start();
        clients.add(t);
        Wait.until("the request reached s1", 5000, () -> s1.requests.get() == 1);
        String list = admin("show sess");
        Matcher m = Pattern.compile("(?m)^(\\d+\\.\\d+): proto=tcpv4 src=127\\.0\\.0\\.1:\\d+ fe=fe be=be srv=s1 age=\\d+s .*$").matcher(list);
        assertTrue(m.find(), list);
        String id = m.group(1);
        String one = admin("show sess " + id);
        assertTrue(one.startsWith("stream{id=" + id + " fe=fe be=be srv=s1 "), one);
        assertTrue(one.contains(" phase=WAIT_RES ") || one.contains(" phase=FORWARD"), one);
        assertEquals("Session not found.\n\n", admin("show sess 0.999999"));
        assertEquals("\n", admin("shutdown sessions server be/s1"));
        t.join(5000);
        assertEquals(List.of(""), answers, "the client saw its connection closed without a response");
        Wait.until("no stream left", 5000, () -> {
            try {
                return !admin("show sess").contains("srv=s1");
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void showErrorsKeepsTheBadRequestBytes() throws Exception {
        try (Socket s = new Socket("127.0.0.1", px.port("fe"))) {
            s.setSoTimeout(5000);
            OutputStream o = s.getOutputStream();
            o.write("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 400"));
        }
        String out = admin("show errors");
        assertTrue(out.matches("(?s)Total events captured on \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] : \\d+\n \n"
                + "\\[[^]]+\\] frontend fe \\(#2\\): invalid request\n"
                + "  backend <NONE> \\(#-1\\), server <NONE> \\(#-1\\), event #\\d+, src 127\\.0\\.0\\.1:\\d+\n"
                + "  buffer starts at 0 \\(including 0 out\\), \\d+ free,\n"
                + "  len 30, wraps at \\d+, error at position 7\n  \n"
                + "  00000  GET /a b HTTP/1.1\\\\r\\\\n\n"
                + "  00019  Host: a\\\\r\\\\n\n"
                + "  00028  \\\\r\\\\n\n\n"), out);
    }

    @Test
    void showFdThreadsPoolsAndMaxconn() throws Exception {
        String fd = admin("show fd");
        assertTrue(fd.contains(" owner=listener unix@" + dir + "/admin.sock\n"), fd);
        assertTrue(Pattern.compile("(?m)^ +\\d+ : st=0x[0-9a-f]{6}\\([lL][mM] [hH][eE][oO][pP][iI] W:[sS][rR][aA] R:[sS][rR][aA]\\) "
                + "ref=\\d+ gid=1 tmask=0x[0-9a-f]+ umask=0x[0-9a-f]+ prmsk=0x[0-9a-f]+ pwmsk=0x[0-9a-f]+ rmask=0x[0-9a-f]+ "
                + "gen=\\d+ owner=conn front tid=\\d mux=CliSession ").matcher(fd).find(), fd);
        String th = admin("show threads");
        assertTrue(th.contains("Thread 1 : id=") && th.contains("Thread 2 : id="), th);
        assertEquals(1, th.split("\\* Thread", -1).length - 1, "one thread marked as the caller: " + th);
        String pools = admin("show pools");
        assertTrue(pools.startsWith("Dumping pools usage. Use SIGQUIT to flush them.\n  - Pool buffer ("), pools);
        assertTrue(pools.contains("\nTotal: 1 pools, "), pools);
        assertEquals("\n", admin("set maxconn frontend fe 5"));
        String[] fe = admin("show stat").split("\n")[1].split(",", -1);
        assertEquals("5", fe[6], "slim");
        assertEquals("No such frontend.\n\n", admin("set maxconn frontend nope 5"));
        assertEquals("Integer value expected.\n\n", admin("set maxconn frontend fe x"));
    }

    @Test
    void idleConnectionsTimeOutAndPartialLastLineRuns() throws Exception {
        // A client that half-closes after a command without its newline still gets the answer.
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.resolve("admin.sock")));
            ch.write(ByteBuffer.wrap("get weight be/s1".getBytes(StandardCharsets.US_ASCII)));
            ch.shutdownOutput();
            InputStream in = java.nio.channels.Channels.newInputStream(ch);
            assertEquals("1 (initial 1)\n\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.resolve("admin.sock")));
            ch.write(ByteBuffer.wrap("prompt\nset timeout cli 200ms\n".getBytes(StandardCharsets.US_ASCII)));
            InputStream in = java.nio.channels.Channels.newInputStream(ch);
            // the idle session is closed by the proxy: the read ends
            assertEquals("\n> \n> ", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    /** HAProxy cannot bind port 0: a port that was free a moment ago. */
    private static int freePort() throws IOException {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return ss.getLocalPort();
        }
    }

    /** Runs HAProxy 2.6 with a stats socket for one command; null when it is not installed. */
    private String haproxyOutput(String cmd) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/haproxy")))
            return null;
        Path cfg = dir.resolve("h.cfg");
        Path sock = dir.resolve("h.sock");
        Files.writeString(cfg, "global\n    stats socket " + sock + " level admin\n"
                + "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n"
                + "frontend fe\n    bind 127.0.0.1:" + freePort() + "\n    default_backend be\nbackend be\n    server s1 127.0.0.1:" + s1.port() + "\n");
        Process p = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String[] out = new String[1];
            Wait.until("haproxy answers on its stats socket", 10_000, () -> {
                try {
                    out[0] = unix("h.sock", cmd);
                    return true;
                } catch (IOException notYet) {
                    return false;
                }
            });
            return out[0];
        } finally {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
