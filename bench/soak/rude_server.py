#!/usr/bin/env python3
"""An HTTP/1 origin that answers each request in a random legal manner, as real servers do: close
after the response, HTTP/1.0 (with or without keep-alive), no length (the body ends with the
connection), a dribbled body, keep-alive then an idle close after 0-3 ms (racing reuse), silent
or announced by a 408, a 12 kB head sent in three pieces, a head sent 5 bytes at a time,
chunked, or plain keep-alive. Before
the final response it may send an interim one (100 Continue when asked, else sometimes 103), and
it reads request bodies (Content-Length or chunked, with extensions and trailers) at full speed
or slowly.

    rude_server.py PORT

GET: the body is N bytes of a fixed pattern (clients.py checks it), N from the query (?size=N)
or random; the manner is random, or the one named by ?manner= (to measure one). HEAD, and
?status=304 or ?status=204, answer the same head without a body (a 304 keeps the length or the
chunking a GET would have had, a 204 has neither: RFC 9110 8.6, RFC 9112 6.1). POST /u: the body is "LENGTH CRC32" of the upload. POST /early: a 413 before the
upload is read, then a lingering close (nginx's manner). POST /rstup: a reset halfway through the
upload. GET /cut?size=N: a response cut halfway through its body (a reset, or a close when the
length or chunking shows the cut). One thread per connection (bench/sidebyside/rawserver.py); loopback only."""
import os, random, socket, struct, sys, time, zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sidebyside"))
from rawserver import serve_forever  # noqa: E402
from wire import pattern as body, query, read_chunked, read_head, read_until  # noqa: E402

PORT = int(sys.argv[1])
SIZES = [0, 3, 100, 2000, 20000, 200000]
PAD = body(4000).replace(b"\n", b".")  # a field value of 4000 bytes (clients.py checks it)

def read_body(s, h, buf, step):
    """Returns (body, rest of buf); step < 65536 reads slowly."""
    if h.get(b"transfer-encoding") == b"chunked":
        return read_chunked(s, buf, step)
    cl = int(h.get(b"content-length", b"0"))
    buf = read_until(s, buf, lambda b: len(b) >= cl, "body", step)
    return buf[:cl], buf[cl:]

def serve(s):
    buf = b""
    while True:
        try:
            line, h, buf = read_head(s, buf)
        except EOFError:
            return
        method, target = line.split(b" ")[0], line.split(b" ")[1].decode()
        if target.startswith("/early"):
            s.sendall(b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbig\n")
            s.shutdown(socket.SHUT_WR)
            s.settimeout(2)
            while s.recv(65536):
                pass
            return
        if target.startswith("/cut"):
            # head and half the body, then a reset (or a close where the framing shows the cut)
            n = int(query(target, "size"))
            framing = random.choice(["length", "chunked", "nolength"])
            if framing == "length":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n + body(n // 2))
            elif framing == "chunked":
                s.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % n + body(n // 2))
            else:
                s.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + body(n // 2))
            if framing == "nolength" or random.random() < 0.5:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if target.startswith("/rstup"):
            try:
                read_until(s, buf, lambda b: len(b) >= int(h.get(b"content-length", b"0")) // 2, "body")
            except EOFError:
                return
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if h.get(b"expect") == b"100-continue":
            s.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        elif random.random() < 0.1:
            s.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n")
        try:
            req, buf = read_body(s, h, buf, random.choice([65536, 65536, 65536, 1000]))
        except EOFError:
            return
        if target.startswith("/u"):
            b = b"%d %08x" % (len(req), zlib.crc32(req))
        else:
            n = int(query(target, "size", random.choice(SIZES)))
            b = body(n)
        n = len(b)
        m = query(target, "manner") or random.choice(["close", "http10", "http10ka", "nolength", "dribble",
                                                      "idleclose", "idle408", "bighead", "slowhead", "chunked", "ka", "ka"])
        status = query(target, "status", "200")
        if method == b"HEAD" or status in ("204", "304"):
            # no body, whatever the framing fields say; the connection goes on unless closed
            reason = {"200": b"OK", "204": b"No Content", "304": b"Not Modified"}[status]
            fields = {"close": b"Connection: close\r\nContent-Length: %d\r\n" % n,
                      "http10": b"Content-Length: %d\r\n" % n, "nolength": b"",
                      "http10ka": b"Connection: keep-alive\r\nContent-Length: %d\r\n" % n,
                      "chunked": b"Transfer-Encoding: chunked\r\n"}.get(m, b"Content-Length: %d\r\n" % n)
            if status == "204":
                fields = {"close": b"Connection: close\r\n", "http10": b"Connection: close\r\n",
                          "http10ka": b"Connection: keep-alive\r\n"}.get(m, b"")
            s.sendall(b"HTTP/%s %s %s\r\n%s\r\n" % (b"1.0" if m.startswith("http10") else b"1.1", status.encode(), reason, fields))
            if m in ("close", "http10"):
                return
            continue
        if m == "close":
            s.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % n + b)
            return
        if m == "http10":
            s.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % n + b)
            return
        if m == "http10ka":  # HTTP/1.0 with keep-alive: the connection may be reused
            s.sendall(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: %d\r\n\r\n" % n + b)
            continue
        if m == "nolength":
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b)
            return
        if m == "chunked":
            out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            for i in range(0, n, 7000):
                c = b[i:i + 7000]
                out += b"%x\r\n" % len(c) + c + b"\r\n"
            s.sendall(out + b"0\r\n\r\n")
            continue
        hdr = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n
        if m == "bighead":  # 12 kB of fields (cookies, tokens), the head in three pieces
            hdr = hdr[:-2] + b"".join(b"X-Pad-%d: %s\r\n" % (i, PAD) for i in (1, 2, 3)) + b"\r\n"
            cuts = sorted(random.sample(range(1, len(hdr)), 2))
            for a, z in ((0, cuts[0]), (cuts[0], cuts[1])):
                s.sendall(hdr[a:z])
                time.sleep(0.001)
            s.sendall(hdr[cuts[1]:] + b)
            continue
        if m == "slowhead":  # the head a few bytes at a time
            for i in range(0, len(hdr), 5):
                s.sendall(hdr[i:i + 5])
                time.sleep(0.001)
            s.sendall(b)
            continue
        if m == "dribble":
            s.sendall(hdr)
            for i in range(0, n, max(1, n // 4)):
                s.sendall(b[i:i + max(1, n // 4)])
                time.sleep(0.002)
            continue
        s.sendall(hdr + b)
        if m in ("idleclose", "idle408"):
            time.sleep(random.random() * 0.003)
            s.settimeout(0)
            try:
                d = s.recv(65536)
                if d:  # a request came in time: serve it
                    buf += d
                    s.settimeout(None)
                    continue
            except BlockingIOError:
                pass
            if m == "idle408":  # announced, as some servers do when their idle timeout strikes
                s.settimeout(None)
                s.sendall(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            return

serve_forever(PORT, serve, backlog=1024)
