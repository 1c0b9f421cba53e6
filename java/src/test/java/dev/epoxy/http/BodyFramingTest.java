package dev.epoxy.http;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The RFC 9112 §6.3 message body length rules, case by case. */
class BodyFramingTest {
    static HttpHead req(int version, String... headers) {
        HttpHead h = new HttpHead();
        h.setRequestLine("POST", "/", version);
        for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
        return h;
    }

    static HttpHead resp(int status, int version, String... headers) {
        HttpHead h = new HttpHead();
        h.setStatusLine(status, null, version);
        for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
        return h;
    }

    @Test
    void requests() {
        HttpHead h = req(11);
        assertNull(BodyFraming.request(h));
        assertEquals(BodyKind.NONE, h.bodyKind());

        h = req(11, "Content-Length", "0");
        assertNull(BodyFraming.request(h));
        assertEquals(BodyKind.LENGTH, h.bodyKind());
        assertEquals(0, h.contentLength());
        assertFalse(h.hasBody());

        h = req(10, "Content-Length", "9223372036854775807");
        assertNull(BodyFraming.request(h));
        assertEquals(Long.MAX_VALUE, h.contentLength());

        h = req(11, "Transfer-Encoding", "Chunked");
        assertNull(BodyFraming.request(h));
        assertEquals(BodyKind.CHUNKED, h.bodyKind());

        h = req(11, "Transfer-Encoding", " , ", "Transfer-Encoding", "chunked ,");
        assertNull(BodyFraming.request(h));
        assertEquals(BodyKind.CHUNKED, h.bodyKind());

        h = req(11, "Content-Length", "007");
        assertNull(BodyFraming.request(h));
        assertEquals(7, h.contentLength());

        h = req(11, "Content-Length", "12", "Content-Length", " 12 ,12");
        assertNull(BodyFraming.request(h));
        assertEquals(12, h.contentLength());
        assertEquals(1, h.getAll("content-length").size(), "collapsed into one field");
    }

    @Test
    void requestErrors() {
        assertEquals(BodyFraming.Error.TE_AND_CL,
                BodyFraming.request(req(11, "Content-Length", "1", "Transfer-Encoding", "chunked")));
        assertEquals(BodyFraming.Error.TE_IN_HTTP10, BodyFraming.request(req(10, "Transfer-Encoding", "chunked")));
        assertEquals(BodyFraming.Error.TE_NOT_ONLY_CHUNKED, BodyFraming.request(req(11, "Transfer-Encoding", "gzip")));
        // Chunked last under another coding: delimited, but not processable (HAProxy: 422).
        assertEquals(BodyFraming.Error.TE_CODING_BEFORE_CHUNKED,
                BodyFraming.request(req(11, "Transfer-Encoding", "gzip, chunked")));
        assertEquals(BodyFraming.Error.TE_CODING_BEFORE_CHUNKED,
                BodyFraming.request(req(11, "Transfer-Encoding", "gzip", "Transfer-Encoding", "chunked")));
        assertEquals(422, BodyFraming.Error.TE_CODING_BEFORE_CHUNKED.requestStatus, "as HAProxy 2.6 and 3.4");
        assertEquals(BodyFraming.Error.TE_NOT_ONLY_CHUNKED,
                BodyFraming.request(req(11, "Transfer-Encoding", "chunked", "Transfer-Encoding", "gzip")));
        assertEquals(BodyFraming.Error.TE_CHUNKED_TWICE,
                BodyFraming.request(req(11, "Transfer-Encoding", "chunked, gzip, chunked")));
        assertEquals(BodyFraming.Error.TE_CODING_BEFORE_CHUNKED, BodyFraming.request(req(11, "Transfer-Encoding", "br, chunked")));
        assertEquals(400, BodyFraming.Error.TE_NOT_ONLY_CHUNKED.requestStatus, "as HAProxy 2.6");
        assertEquals(BodyFraming.Error.TE_INVALID, BodyFraming.request(req(11, "Transfer-Encoding", " , ")));
        assertEquals(BodyFraming.Error.TE_INVALID, BodyFraming.request(req(11, "Transfer-Encoding", "chunked x")));
        assertEquals(BodyFraming.Error.CL_INVALID, BodyFraming.request(req(11, "Content-Length", "1.0")));
        assertEquals(BodyFraming.Error.CL_INVALID, BodyFraming.request(req(11, "Content-Length", "9223372036854775808")));
        assertEquals(BodyFraming.Error.CL_INVALID, BodyFraming.request(req(11, "Content-Length", "5,")));
        assertEquals(BodyFraming.Error.CL_CONFLICT, BodyFraming.request(req(11, "Content-Length", "5, 6")));
        assertEquals(BodyFraming.Error.CL_CONFLICT,
                BodyFraming.request(req(11, "Content-Length", "5", "Content-Length", "6")));
        for (BodyFraming.Error e : BodyFraming.Error.values()) {
            if (e != BodyFraming.Error.TE_CODING_BEFORE_CHUNKED)
                assertEquals(400, e.requestStatus, e.name());
        }
    }

    @Test
    void responsesWithoutBody() {
        for (int st : new int[] {100, 101, 103, 204, 304}) {
            HttpHead h = resp(st, 11, "Content-Length", "10");
            assertNull(BodyFraming.response(h, HttpMethod.GET));
            assertEquals(BodyKind.NONE, h.bodyKind(), "" + st);
        }
        HttpHead head = resp(200, 11, "Content-Length", "10", "Transfer-Encoding", "chunked");
        assertNull(BodyFraming.response(head, HttpMethod.HEAD));
        assertEquals(BodyKind.NONE, head.bodyKind());
    }

    @Test
    void responses() {
        HttpHead h = resp(200, 11, "Content-Length", "3", "Transfer-Encoding", "chunked");
        assertNull(BodyFraming.response(h, HttpMethod.GET));
        assertEquals(BodyKind.CHUNKED, h.bodyKind());
        assertFalse(h.contains("content-length"));

        // Codings other than chunked are refused (502), as HAProxy 2.6 does: forwarding the body
        // without them would silently change its meaning.
        for (String te : new String[] {"gzip", "br, chunked", "chunked, gzip", "identity"}) {
            assertEquals(BodyFraming.Error.TE_NOT_ONLY_CHUNKED, BodyFraming.response(resp(200, 11, "Transfer-Encoding", te),
                    HttpMethod.GET), te);
        }
        assertEquals(BodyFraming.Error.TE_NOT_ONLY_CHUNKED, BodyFraming.response(resp(200, 11, "Transfer-Encoding", "gzip",
                "Content-Length", "6"), HttpMethod.GET));

        h = resp(200, 10, "Transfer-Encoding", "chunked", "Content-Length", "5");
        assertNull(BodyFraming.response(h, HttpMethod.GET));
        assertEquals(BodyKind.CHUNKED, h.bodyKind(), "decoded as chunked, as HAProxy 2.6 does");
        assertFalse(h.contains("content-length"));

        h = resp(200, 11, "Content-Length", "42");
        assertNull(BodyFraming.response(h, HttpMethod.POST));
        assertEquals(BodyKind.LENGTH, h.bodyKind());
        assertEquals(42, h.contentLength());

        h = resp(200, 11);
        assertNull(BodyFraming.response(h, HttpMethod.GET));
        assertEquals(BodyKind.UNTIL_CLOSE, h.bodyKind());

        h = resp(200, 11, "Content-Length", "0");
        assertNull(BodyFraming.response(h, HttpMethod.CONNECT));
        assertEquals(BodyKind.TUNNEL, h.bodyKind());

        h = resp(407, 11, "Content-Length", "4");
        assertNull(BodyFraming.response(h, HttpMethod.CONNECT));
        assertEquals(BodyKind.LENGTH, h.bodyKind(), "a refused CONNECT has an ordinary body");
    }

    @Test
    void responseErrors() {
        assertEquals(BodyFraming.Error.CL_INVALID, BodyFraming.response(resp(200, 11, "Content-Length", "x"), HttpMethod.GET));
        assertEquals(BodyFraming.Error.CL_CONFLICT,
                BodyFraming.response(resp(200, 11, "Content-Length", "1", "Content-Length", "2"), HttpMethod.GET));
        assertEquals(BodyFraming.Error.TE_CHUNKED_TWICE,
                BodyFraming.response(resp(200, 11, "Transfer-Encoding", "chunked, chunked"), HttpMethod.GET));
    }
}
