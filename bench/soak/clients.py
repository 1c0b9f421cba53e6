#!/usr/bin/env python3
"""Checking and misbehaving HTTP/1 clients for the soak.

    clients.py PORT UPLOAD_PORT SECONDS WORKERS

For SECONDS, each worker loops over random actions. The checked ones count as FAILED when the
answer is not exact:
- a GET on a kept-alive connection, as HTTP/1.1, HTTP/1.0 with keep-alive or plain HTTP/1.0,
  whose body is compared byte for byte with rude_server.py's pattern (an HTTP/1.0 client must
  get no chunked body and no interim response, and a plain one a close after the response);
- a HEAD, a 304 or a 204 on a kept-alive connection: the head alone (the length a GET would
  have had, none on a 204), then a checked GET on the same connection;
- three pipelined GETs on a new connection;
- a GET with Connection: close and another one behind it in the same write: the first answered
  whole, then the end of the connection;
- a GET whose head comes 7 bytes at a time, 10 ms apart;
- a POST on a kept-alive connection (UPLOAD_PORT) with Content-Length or chunked (extensions,
  trailers), sometimes with Expect: 100-continue, sometimes dribbled, answered with the length
  and CRC32 the origin read;
- an upload the origin refuses early with a 413: the client must get the 413;
- a response the origin cuts halfway: the client must see it cut or get a 502, never a response
  that looks whole.
A kept-alive connection closed before any byte of an answer is retried once on a new one, as
clients do (RFC 9112 9.3.1: a user agent may retry a non-idempotent request too when it knows
the server never got it), and counted; so is a 408 on a kept-alive connection (RFC 9110
15.5.9; the origin's idle 408 reaches the client when the request is too large for the proxy
to send again). The rude actions (abort mid-response, garbage, a reset
right after the request, a reader that stops, an upload the origin resets halfway, a flood of
50 connections closed at once) only need
the proxy to answer or close: a socket that waits 10 s for the proxy is a stall, and FAILED
wherever it happens. Prints the counts, the failures by kind, then the first 20. Loopback only."""
import os, random, socket, struct, sys, time, zlib

import wire
from wire import pattern as body
from tally import Tally

PORT, UP_PORT = int(sys.argv[1]), int(sys.argv[2])
SECONDS, WORKERS = float(sys.argv[3]), int(sys.argv[4])
tally = Tally()
count = tally.count

def conn(port=PORT):
    return socket.create_connection(("127.0.0.1", port), timeout=10)

class Response:
    pass

class Got408(Exception):
    """A 408 where a 100 Continue was awaited."""

def read_head(s, buf):
    """(status line, status, lower-cased fields, rest of buf)."""
    line, h, buf = wire.read_head(s, buf)
    return line, int(line.split(b" ")[1]), h, buf

def read_response(s, buf, http10=False, bodyless=False):
    """One final response (interim ones counted and skipped): a Response with status, headers,
    body, rest (bytes after it), closed (the connection ends with it), interim, version. A
    bodyless one (to HEAD, a 204 or a 304) ends with its head."""
    r = Response()
    r.interim = 0
    line, r.status, h, buf = read_head(s, buf)
    while 100 <= r.status < 200:
        r.interim += 1
        line, r.status, h, buf = read_head(s, buf)
    r.version, r.headers = line.split(b" ")[0], h
    keep = h.get(b"connection") == b"keep-alive" if http10 else h.get(b"connection") != b"close"
    if bodyless:
        r.body, r.rest, r.closed = b"", buf, not keep
        return r
    if b"content-length" in h:
        n = int(h[b"content-length"])
        buf = wire.read_until(s, buf, lambda b: len(b) >= n, "body")
        r.body, r.rest, r.closed = buf[:n], buf[n:], not keep
        return r
    if h.get(b"transfer-encoding") == b"chunked":
        r.body, r.rest = wire.read_chunked(s, buf)
        r.closed = not keep
        return r
    while True:
        d = s.recv(65536)
        if not d:
            r.body, r.rest, r.closed = buf, b"", True
            return r
        buf += d

def exchange(holder, port, send, http10=False, bodyless=False):
    """send(s) on the kept-alive connection in holder (or a new one), then reads the answer. A
    kept-alive connection closed before any byte of the answer, or answering 408, is retried
    once on a new one."""
    s = holder[0]
    reused = s is not None
    if s is None:
        s = holder[0] = conn(port)
    try:
        send(s)
        r = read_response(s, b"", http10, bodyless)
        if r.status != 408 or not reused:
            return r
        # The origin announced an idle close with a 408 as a request too large to send again
        # reached it: the proxy passes it on, and a client on a reused connection sends the
        # request again, as browsers do (RFC 9110 15.5.9).
        count("retried after a 408")
    except Got408:
        if not reused:
            raise AssertionError("a 408 instead of 100 Continue on a new connection")
        count("retried after a 408")
    except (EOFError, ConnectionResetError, BrokenPipeError) as e:
        if not reused or isinstance(e, EOFError) and str(e) != "eof in head":
            raise
        count("retried after keep-alive close")
    s.close()
    s = holder[0] = conn(port)
    send(s)
    return read_response(s, b"", http10, bodyless)

def end_or_keep(holder, r):
    """Closes the connection in holder if the answer ended it (after checking it did close)."""
    if r.closed:
        if r.rest or holder[0].recv(1):
            raise AssertionError("bytes after a response that closes")
    elif not r.rest:
        return
    holder[0].close()
    holder[0] = None

def checked_get(holder, n):
    v = random.choice(["1.1", "1.1", "1.1", "1.0 keep-alive", "1.0"])
    http10 = v != "1.1"
    req = b"GET /c?size=%d HTTP/%s\r\nHost: x\r\n%s\r\n" % (
        n, v[:3].encode(), b"Connection: keep-alive\r\n" if v == "1.0 keep-alive" else b"")
    r = exchange(holder, PORT, lambda s: s.sendall(req), http10)
    if r.status != 200 or r.body != body(n):
        raise AssertionError("HTTP/%s: status %d, %d bytes for %d" % (v, r.status, len(r.body), n))
    for k in (b"x-pad-1", b"x-pad-2", b"x-pad-3"):  # a large head, forwarded whole
        if k in r.headers and r.headers[k] != body(4000).replace(b"\n", b".").lower():
            raise AssertionError("%s: %d bytes, not the origin's" % (k.decode(), len(r.headers[k])))
    if http10 and (r.interim or b"transfer-encoding" in r.headers):
        raise AssertionError("HTTP/1.0 client got %d interim responses, %s" % (r.interim, r.headers))
    if v == "1.0" and not r.closed:
        raise AssertionError("plain HTTP/1.0 request answered with keep-alive")
    end_or_keep(holder, r)
    count("get ok")

def checked_bodyless(holder):
    """HEAD, a 304 or a 204 on the kept-alive connection: the head alone, whatever length or
    chunking it announces (a 204 with neither: RFC 9110 8.6, RFC 9112 6.1), then a checked GET
    on the same connection: a proxy that waited for a body, or sent bytes of one, breaks it."""
    n = random.choice([0, 3, 2000, 200000])
    kind = random.choice(["HEAD", "304", "204"])
    if kind == "HEAD":
        req = b"HEAD /c?size=%d HTTP/1.1\r\nHost: x\r\n\r\n" % n
    else:
        req = b"GET /c?size=%d&status=%s HTTP/1.1\r\nHost: x\r\n\r\n" % (n, kind.encode())
    r = exchange(holder, PORT, lambda s: s.sendall(req), bodyless=True)
    if r.status != (200 if kind == "HEAD" else int(kind)) or r.rest:
        raise AssertionError("%s: status %d, then %r" % (kind, r.status, r.rest[:40]))
    if kind == "204" and (b"content-length" in r.headers or b"transfer-encoding" in r.headers):
        raise AssertionError("a 204 with a length or chunking: %s" % r.headers)
    if r.headers.get(b"content-length", b"%d" % n) != b"%d" % n:
        raise AssertionError("%s: content-length %s for %d" % (kind, r.headers[b"content-length"], n))
    end_or_keep(holder, r)
    checked_get(holder, 100)
    count("bodyless ok")

def chunked(data):
    out, i = b"", 0
    while i < len(data):
        n = random.randint(1, 30000)
        out += b"%x%s\r\n" % (len(data[i:i + n]), random.choice([b"", b";x=y"])) + data[i:i + n] + b"\r\n"
        i += n
    return out + random.choice([b"0\r\n\r\n", b"0\r\nX-Sum: 1\r\n\r\n"])

def checked_post(holder, n):
    data = os.urandom(n)
    te = random.random() < 0.4
    expect = n > 0 and random.random() < 0.3  # with no body, the final answer may follow the 100
    dribble = random.random() < 0.2
    head = b"POST /u HTTP/1.1\r\nHost: x\r\n%s%s\r\n" % (
        b"Transfer-Encoding: chunked\r\n" if te else b"Content-Length: %d\r\n" % n,
        b"Expect: 100-continue\r\n" if expect else b"")
    payload = chunked(data) if te else data

    def send(s):
        s.sendall(head)
        if expect:
            line, status, _, rest = read_head(s, b"")
            if status == 408:
                raise Got408()
            if status != 100 or rest:
                raise AssertionError("status %d then %r before the body, for Expect: 100-continue"
                                     % (status, rest[:60]))
        for i in range(0, len(payload), 50000 if dribble else len(payload) or 1):
            s.sendall(payload[i:i + 50000] if dribble else payload)
            if dribble:
                time.sleep(0.002)

    r = exchange(holder, UP_PORT, send)
    want = b"%d %08x" % (n, zlib.crc32(data))
    if r.status != 200 or r.body != want:
        raise AssertionError("POST %d%s: status %d, %r" % (n, " chunked" if te else "", r.status, r.body[:40]))
    end_or_keep(holder, r)
    count("post ok")

def pipelined():
    s = conn()
    s.sendall(b"GET /p?size=2000 HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
    buf = b""
    for i in range(3):
        r = read_response(s, buf)
        buf = r.rest
        if r.status != 200 or r.body != body(2000):
            raise AssertionError("pipelined %d: status %d, %d bytes" % (i, r.status, len(r.body)))
    s.close()
    count("pipelined ok")

def slow_head(holder):
    """A GET whose head comes a few bytes at a time, 10 ms apart (within timeout http-request),
    on the kept-alive connection: answered exactly."""
    req = b"GET /c?size=2000 HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\n\r\n"

    def send(s):
        for i in range(0, len(req), 7):
            s.sendall(req[i:i + 7])
            time.sleep(0.01)

    r = exchange(holder, PORT, send)
    if r.status != 200 or r.body != body(2000):
        raise AssertionError("slow head: status %d, %d bytes" % (r.status, len(r.body)))
    end_or_keep(holder, r)
    count("slow head ok")

def close_then_more():
    """A request with Connection: close and another one right behind it, in one write: the first
    is answered whole and the connection then ends (the second is never answered). Closing with
    the second request unread would send a reset, which may destroy the answer before the
    client reads it: the proxy must close lingering."""
    s = conn()
    s.sendall(b"GET /c?size=20000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
              b"GET /c?size=100 HTTP/1.1\r\nHost: x\r\n\r\n")
    r = read_response(s, b"")
    if r.status != 200 or r.body != body(20000) or not r.closed:  # (closed: it says Connection: close)
        raise AssertionError("close then more: status %d, %d bytes, Connection: close said %s"
                             % (r.status, len(r.body), r.closed))
    try:
        more = r.rest or s.recv(65536)
    except ConnectionResetError:
        more = b""
    s.close()
    if more:
        raise AssertionError("an answer after Connection: close: %r" % more[:40])
    count("close then more ok")

def early_answer():
    s = conn(UP_PORT)
    s.sendall(b"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + body(200000))
    r = read_response(s, b"")
    if r.status != 413 or r.body != b"big\n":
        raise AssertionError("early answer: status %d, %r" % (r.status, r.body[:40]))
    s.close()
    count("early answer ok")

def cut_response():
    """The origin cuts the response halfway: the client must see it cut (a reset, or a close
    before the end its framing announced) or get a 502, never a response that looks whole."""
    s = conn()
    v = random.choice([b"1.1", b"1.0"])  # to HTTP/1.0 the body goes close-delimited: a reset shows the cut
    s.sendall(b"GET /cut?size=200000 HTTP/%s\r\nHost: x\r\n\r\n" % v)
    try:
        r = read_response(s, b"", v == b"1.0")
    except (EOFError, ConnectionResetError):
        s.close()
        count("cut response seen cut")
        return
    s.close()
    if r.status != 502:
        raise AssertionError("HTTP/%s: a cut response looked whole: status %d, %d bytes"
                             % (v.decode(), r.status, len(r.body)))
    count("cut response answered 502")

def connection_flood():
    """50 connections at once, closed at once (half with a reset), some after half a request."""
    socks = []
    for i in range(50):
        try:
            s = conn()
        except OSError:
            break
        if i % 3 == 0:
            s.sendall(b"GET /flood HTTP/1.1\r\nHo")
        socks.append(s)
    for i, s in enumerate(socks):
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

def abort_mid_response():
    s = conn()
    s.sendall(b"GET /abort?size=200000 HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(1000)
    s.close()

def garbage():
    s = conn()
    s.sendall(bytes(random.getrandbits(8) for _ in range(200)) + b"\r\n\r\n")
    s.recv(1000)
    s.close()

def reset_after_request():
    s = conn()
    s.sendall(b"GET /rst?size=20000 HTTP/1.1\r\nHost: x\r\n\r\n")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()

def reader_that_stops():
    s = conn()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /slow?size=200000 HTTP/1.1\r\nHost: x\r\n\r\n")
    for _ in range(5):
        s.recv(1000)
        time.sleep(0.05)
    s.close()

def upload_reset_by_origin():
    """The origin resets halfway through the upload: the proxy answers (a 502) or closes."""
    s = conn(UP_PORT)
    try:
        s.sendall(b"POST /rstup HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + body(200000))
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        r = read_response(s, b"")
        count("reset upload answered %d" % r.status)
    except (EOFError, ConnectionResetError):
        count("reset upload closed")
    s.close()

# (share, action); checked actions raise on a wrong answer; the rude ones only end
CHECKED = [(0.32, "get", lambda h: checked_get(h[0], random.choice([0, 3, 100, 2000, 20000, 200000]))),
           (0.15, "post", lambda h: checked_post(h[1], random.choice([0, 1, 100, 2000, 20000, 200000]))),
           (0.06, "pipelined", lambda h: pipelined()), (0.04, "early answer", lambda h: early_answer()),
           (0.02, "close then more", lambda h: close_then_more()),
           (0.02, "slow head", lambda h: slow_head(h[0])),
           (0.04, "cut response", lambda h: cut_response()), (0.06, "bodyless", lambda h: checked_bodyless(h[0]))]
RUDE = [(0.08, "abort", abort_mid_response), (0.05, "garbage", garbage),
        (0.06, "reset", reset_after_request), (0.06, "slow reader", reader_that_stops),
        (0.03, "upload reset by origin", upload_reset_by_origin), (0.01, "flood", connection_flood)]

def worker(deadline):
    holders = [[None], [None]]  # kept-alive connections: GETs, POSTs
    while time.time() < deadline:
        a = random.random()
        checked = a < sum(share for share, _, _ in CHECKED)
        what = "?"
        try:
            for share, what, action in CHECKED if checked else []:
                if a < share:
                    action(holders)
                    break
                a -= share
            a -= sum(share for share, _, _ in CHECKED)
            for share, what, action in RUDE if not checked else []:
                if a < share:
                    action()
                    count(what)
                    break
                a -= share
        except (AssertionError, EOFError, OSError) as e:
            if not checked and not isinstance(e, socket.timeout):
                count("rude, ended by an error (fine)")
                continue
            for h in holders:
                if h[0] is not None:
                    h[0].close()
                    h[0] = None
            tally.fail(what, e)

tally.run(worker, WORKERS, SECONDS)
