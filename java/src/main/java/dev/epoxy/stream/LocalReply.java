package dev.epoxy.stream;

import dev.epoxy.config.ReplyRule;
import dev.epoxy.http.BodyKind;
import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpStatus;
import dev.epoxy.stream.HttpChannel;

/** Responses Epoxy produces itself: redirects, {@code http-request return} and HAProxy's error pages. */
public final class LocalReply {
    private LocalReply() {}

    /**
     * Fills {@code res} with the redirect of the first matching rule. Like HAProxy, the reply is
     * empty, carries "cache-control: no-cache" and keeps the client connection alive.
     */
    public static boolean redirect(FrontendModel fe, HttpHead req, HttpChannel res) {
        ReplyRule r = fe.redirect(req);
        if (r == null)
            return false;
        if (r.type() == ReplyRule.Type.RETURN) {
            answer(r, res);
            return true;
        }
        if (r.type() == ReplyRule.Type.SERVICE) {
            // prometheus-exporter, the only service (checked by the parser)
            if (fe.statsSource == null) {
                error(503, res);
                return true;
            }
            body(res, "text/plain; version=0.0.4; charset=utf-8", fe.statsSource.prometheus());
            return true;
        }
        HttpHead h = res.head;
        h.setStatusLine(r.code(), r.reason(), 11);
        h.add("content-length", "0");
        h.add("location", r.location(req.path(), req.query(), req.authority()));
        h.add("cache-control", "no-cache");
        h.setBody(BodyKind.LENGTH, 0);
        res.contentLength = 0;
        res.bodyless = true;
        res.headIn = true;
        res.eom = true;
        return true;
    }

    /**
     * The statistics page of {@code cfg} if the request URI starts with its {@code stats uri}:
     * the HTML page, or {@code show stat} CSV with {@code ;csv} after the prefix, as HAProxy
     * ({@code ;norefresh} drops the refresh). With {@code stats auth}, a request without valid
     * basic credentials gets 401 and a {@code WWW-Authenticate} challenge. False if the URI does
     * not match.
     */
    public static boolean stats(FrontendModel fe, dev.epoxy.config.StatsConfig cfg, HttpHead req, HttpChannel res) {
        if (cfg == null || fe.statsSource == null)
            return false;
        String uri = req.pathAndQuery();
        if (uri == null || !uri.startsWith(cfg.uri()))
            return false;
        if (!cfg.auth().isEmpty() && !authorized(cfg, req.get("authorization"))) {
            error(401, res);
            res.head.add("www-authenticate", "Basic realm=\"" + cfg.realm().replace("\"", "") + "\"");
            return true;
        }
        String rest = uri.substring(cfg.uri().length());
        if (rest.contains(";csv")) {
            body(res, "text/plain", fe.statsSource.csv().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else {
            String self = uri.indexOf(';', cfg.uri().length()) >= 0 ? uri.substring(0, uri.indexOf(';', cfg.uri().length())) : uri;
            body(res, "text/html; charset=utf-8", fe.statsSource.html(cfg, self, !rest.contains(";norefresh"))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return true;
    }

    private static boolean authorized(dev.epoxy.config.StatsConfig cfg, String header) {
        if (header == null)
            return false;
        String h = header.trim();
        if (h.length() < 6 || !h.regionMatches(true, 0, "Basic ", 0, 6))
            return false;
        String cred;
        try {
            cred = new String(java.util.Base64.getDecoder().decode(h.substring(6).trim()), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return cfg.auth().contains(cred);
    }

    /** A 200 response with a body of any size (moved into the channel as the client takes it). */
    private static void body(HttpChannel res, String type, byte[] body) {
        HttpHead h = res.head;
        h.setStatusLine(200, "OK", 11);
        h.add("content-length", Integer.toString(body.length));
        h.add("content-type", type);
        h.add("cache-control", "no-cache");
        h.setBody(BodyKind.LENGTH, body.length);
        res.contentLength = body.length;
        res.headIn = true;
        res.putBody(body);
    }

    /** {@code http-request return}: the rule's status, and its body with its content type. */
    private static void answer(ReplyRule r, HttpChannel res) {
        byte[] body = r.value() == null ? new byte[0] : r.value().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpHead h = res.head;
        h.setStatusLine(r.code(), r.reason(), 11);
        h.add("content-length", Integer.toString(body.length));
        if (r.contentType() != null)
            h.add("content-type", r.contentType());
        h.setBody(BodyKind.LENGTH, body.length);
        res.contentLength = body.length;
        res.data.put(body);
        res.bytesIn = body.length;
        res.bodyless = body.length == 0;
        res.headIn = true;
        res.eom = true;
    }

    /** Fills {@code res} with HAProxy's error page for {@code status}. */
    public static void error(int status, HttpChannel res) {
        byte[] page = HttpStatus.errorPageBytes(status, false);
        int start = indexOfBody(page);
        int len = page.length - start;
        HttpHead h = res.head;
        int eol = 0;
        while (page[eol] != '\r')
            eol++;
        // The status line of HAProxy's page ("HTTP/1.1 504 Gateway Time-out") gives its reason phrase.
        h.setStatusLine(status, new String(page, 13, eol - 13, java.nio.charset.StandardCharsets.US_ASCII), 11);
        h.add("content-length", Integer.toString(len));
        h.add("cache-control", "no-cache");
        h.add("content-type", "text/html");
        h.setBody(BodyKind.LENGTH, len);
        res.contentLength = len;
        res.data.put(page, start, len);
        res.bytesIn = len;
        res.headIn = true;
        res.eom = true;
    }

    private static int indexOfBody(byte[] page) {
        for (int i = 3; i < page.length; i++)
            if (page[i] == '\n' && page[i - 1] == '\r' && page[i - 2] == '\n' && page[i - 3] == '\r')
                return i + 1;
        return page.length;
    }
}
