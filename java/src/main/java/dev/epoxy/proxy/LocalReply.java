package dev.epoxy.proxy;

import dev.epoxy.config.RedirectRule;
import dev.epoxy.http.BodyKind;
import dev.epoxy.http.HttpHead;
import dev.epoxy.http.HttpStatus;
import dev.epoxy.stream.HttpChannel;
import java.nio.charset.StandardCharsets;

/** Responses Epoxy produces itself: redirects and HAProxy's default error pages. */
public final class LocalReply {
    private LocalReply() {}

    /**
     * Fills {@code res} with the redirect of the first matching rule. Like HAProxy, the reply is
     * empty, carries "cache-control: no-cache" and keeps the client connection alive.
     */
    public static boolean redirect(Frontend fe, HttpHead req, HttpChannel res) {
        RedirectRule r = fe.redirect(req);
        if (r == null)
            return false;
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

    /** Fills {@code res} with HAProxy's error page for {@code status}. */
    public static void error(int status, HttpChannel res) {
        byte[] body = HttpStatus.errorBody(status).getBytes(StandardCharsets.US_ASCII);
        HttpHead h = res.head;
        h.setStatusLine(status, HttpStatus.reason(status), 11);
        h.add("content-length", Integer.toString(body.length));
        h.add("cache-control", "no-cache");
        h.add("content-type", "text/html");
        h.setBody(BodyKind.LENGTH, body.length);
        res.contentLength = body.length;
        res.data.put(body);
        res.bytesIn = body.length;
        res.headIn = true;
        res.eom = true;
    }
}
