package dev.epoxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.testutil.Epoxy;
import dev.epoxy.testutil.RefusedPort;
import dev.epoxy.testutil.Wait;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code http-request use-service prometheus-exporter}: the whole output obeys the exposition
 * format, carries HAProxy's family names and labels plus Epoxy's per-thread ones, and its
 * values move with traffic. The output is larger than a buffer (many servers), so the body is
 * streamed through the channel.
 */
class PrometheusExporterTest {
    private static final String DEFAULTS = "defaults\n    mode http\n    timeout client 5s\n"
            + "    timeout server 5s\n    timeout connect 2s\n";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Exposition scrape(int port) throws Exception {
        HttpResponse<String> r = get(port, "/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertEquals(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                Integer.parseInt(r.headers().firstValue("content-length").orElseThrow()));
        return Exposition.parse(r.body());
    }

    @Test
    void wholeOutputIsValidAndValuesMoveWithTraffic() throws Exception {
        try (Epoxy app = Epoxy.start(Epoxy.global(1, false) + DEFAULTS + "listen app\n    bind 127.0.0.1:0\n"
                + "    http-request return status 200 content-type text/plain string hello if { path / }\n"
                + "    http-request return status 404\n");
             RefusedPort refused = new RefusedPort()) {
            StringBuilder many = new StringBuilder("backend many\n");
            for (int i = 0; i < 60; i++)
                many.append("    server \"srv-").append(i).append("\" 127.0.0.1:").append(refused.port()).append('\n');
            try (Epoxy ep = Epoxy.start(Epoxy.global(2, false) + DEFAULTS + "frontend fe\n    bind 127.0.0.1:0\n"
                    + "    http-request use-service prometheus-exporter if { path /metrics }\n"
                    + "    use_backend dead if { path_beg /dead }\n    default_backend be\n"
                    + "backend be\n    server s1 127.0.0.1:" + app.port("app") + " maxconn 10\n"
                    + "backend dead\n    retries 1\n    timeout connect 100ms\n    server d1 127.0.0.1:" + refused.port() + "\n"
                    + many)) {
                int port = ep.port("fe");
                Exposition before = scrape(port);
                assertTrue(before.samples.size() > 60 * 20, "one set of server families per server");
                // HAProxy's families and labels
                for (String f : new String[] {"haproxy_process_nbthread", "haproxy_process_uptime_seconds",
                    "haproxy_frontend_current_sessions", "haproxy_frontend_http_responses_total",
                    "haproxy_backend_connection_errors_total", "haproxy_server_status", "haproxy_server_last_session_seconds",
                    "epoxy_thread_loop_iterations_total", "epoxy_thread_events_total", "epoxy_thread_epoll_ctl_total",
                    "epoxy_thread_run_queue", "epoxy_thread_takeovers_total", "epoxy_buffers_in_use"})
                    assertTrue(before.types.containsKey(f), f);
                assertEquals(2.0, before.get("haproxy_process_nbthread"));
                assertEquals(1.0, before.get("haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"UP\"}"));
                assertEquals(-1.0, before.get("haproxy_server_last_session_seconds{proxy=\"be\",server=\"s1\"}"));
                assertEquals(10.0, before.get("haproxy_server_limit_sessions{proxy=\"be\",server=\"s1\"}"));
                assertEquals(0.0, before.get("haproxy_server_sessions_total{proxy=\"many\",server=\"srv-59\"}"));
                assertTrue(before.get("epoxy_thread_loop_iterations_total{thread=\"1\"}") > 0);

                for (int i = 0; i < 5; i++)
                    assertEquals(200, get(port, "/").statusCode());
                for (int i = 0; i < 2; i++)
                    assertEquals(404, get(port, "/missing").statusCode());
                assertEquals(503, get(port, "/dead").statusCode());
                try (dev.epoxy.testutil.RawClient c = new dev.epoxy.testutil.RawClient(port)) {
                    c.send("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"); // a space in the target: 400
                    assertEquals(400, c.read(false).status);
                }

                // Backend and server figures are not touched by the scrapes themselves; counts are
                // final once each stream ended, which may lag its last byte by a moment.
                Exposition[] after = new Exposition[1];
                Wait.until("backend counters", 10_000, () -> {
                    try {
                        after[0] = scrape(port);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    return delta(after[0], before, "haproxy_backend_http_requests_total{proxy=\"be\"}") == 7
                            && delta(after[0], before, "haproxy_backend_http_responses_total{proxy=\"dead\",code=\"5xx\"}") == 1;
                });
                Exposition a = after[0];
                assertEquals(5, delta(a, before, "haproxy_backend_http_responses_total{proxy=\"be\",code=\"2xx\"}"));
                assertEquals(2, delta(a, before, "haproxy_backend_http_responses_total{proxy=\"be\",code=\"4xx\"}"));
                assertEquals(7, delta(a, before, "haproxy_server_sessions_total{proxy=\"be\",server=\"s1\"}"));
                assertEquals(7, delta(a, before, "haproxy_server_http_responses_total{proxy=\"be\",server=\"s1\",code=\"2xx\"}")
                        + delta(a, before, "haproxy_server_http_responses_total{proxy=\"be\",server=\"s1\",code=\"4xx\"}"));
                assertTrue(a.get("haproxy_server_max_sessions{proxy=\"be\",server=\"s1\"}") >= 1);
                assertTrue(a.get("haproxy_server_last_session_seconds{proxy=\"be\",server=\"s1\"}") >= 0);
                assertTrue(delta(a, before, "haproxy_server_bytes_in_total{proxy=\"be\",server=\"s1\"}") > 7 * 30,
                        "request bytes sent to the server");
                assertTrue(delta(a, before, "haproxy_server_bytes_out_total{proxy=\"be\",server=\"s1\"}") > 5 * 5,
                        "response bytes read from the server");
                // a refused server: two attempts (retries 1), one retry, one 503
                assertEquals(2, delta(a, before, "haproxy_backend_connection_errors_total{proxy=\"dead\"}"));
                assertEquals(2, delta(a, before, "haproxy_server_connection_errors_total{proxy=\"dead\",server=\"d1\"}"));
                assertEquals(1, delta(a, before, "haproxy_backend_retry_warnings_total{proxy=\"dead\"}"));
                assertEquals(2, delta(a, before, "haproxy_server_connection_attempts_total{proxy=\"dead\",server=\"d1\"}"));
                // frontend: the 8 requests and at least the first scrape (the others may still be ending)
                assertTrue(delta(a, before, "haproxy_frontend_http_requests_total{proxy=\"fe\"}") >= 9);
                assertTrue(delta(a, before, "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"2xx\"}") >= 6);
                Wait.until("the bad request counted", 10_000, () -> {
                    try {
                        return delta(scrape(port), before, "haproxy_frontend_request_errors_total{proxy=\"fe\"}") == 1;
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                assertEquals(3, delta(a = scrape(port), before, "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"4xx\"}"));
                assertEquals(1, delta(a, before, "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"5xx\"}"));
                assertTrue(delta(a, before, "haproxy_frontend_intercepted_requests_total{proxy=\"fe\"}") >= 1);
                assertTrue(delta(a, before, "haproxy_frontend_bytes_in_total{proxy=\"fe\"}") > 8 * 30);
                assertTrue(delta(a, before, "haproxy_frontend_bytes_out_total{proxy=\"fe\"}") > 100_000,
                        "the scrapes went out");
                assertTrue(a.get("haproxy_frontend_connections_total{proxy=\"fe\"}") >= 1);
                assertTrue(a.get("haproxy_process_requests_total") >= a.get("haproxy_frontend_http_requests_total{proxy=\"fe\"}"));
                assertTrue(delta(a, before, "epoxy_thread_events_total{thread=\"0\"}")
                        + delta(a, before, "epoxy_thread_events_total{thread=\"1\"}") > 0);
                assertTrue(a.sum("epoxy_thread_epoll_ctl_total") > before.sum("epoxy_thread_epoll_ctl_total"));
                assertTrue(a.get("epoxy_buffers_in_use") >= 0);
            }
        }
    }

    private static long delta(Exposition a, Exposition b, String series) {
        return Math.round(a.get(series) - b.get(series));
    }

    @Test
    void parserRejectsBrokenExpositions() {
        String ok = "# HELP a_total x\n# TYPE a_total counter\na_total{l=\"v\"} 1\n";
        Exposition.parse(ok);
        for (String bad : new String[] {
            "# TYPE a counter\na 1\n", // counter without _total
            "a_total 1\n", // no TYPE
            ok + "# TYPE a_total counter\n", // second TYPE
            ok + "a_total{l=\"v\"} 2\n", // same series twice
            "# TYPE g gauge\ng{l=\"v\\x\"} 1\n", // bad escape
            "# TYPE g gauge\ng{1l=\"v\"} 1\n", // bad label name
            "# TYPE g gauge\ng one\n", // not a float
            "# TYPE g gauge\n# TYPE h gauge\ng 1\nh 1\ng{x=\"y\"} 1\n", // not contiguous
            "# TYPE g gauge\ng 1", // no final line feed
        }) {
            try {
                Exposition.parse(bad);
            } catch (AssertionError expected) {
                continue;
            }
            throw new AssertionError("accepted: " + bad);
        }
    }
}
