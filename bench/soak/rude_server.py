#!/usr/bin/env python3
"""An HTTP/1 origin that answers each request in a random legal manner, as real servers do: close
after the response, HTTP/1.0, no length (the body ends with the connection), a dribbled body,
keep-alive then an idle close after 0-3 ms (racing reuse), chunked, or plain keep-alive.

    rude_server.py PORT

The body is N bytes of a fixed pattern (clients.py checks it), N from the query (?size=N) or
random. One thread per connection (bench/sidebyside/rawserver.py); loopback only."""
import os, random, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sidebyside"))
from rawserver import serve_forever  # noqa: E402

PORT = int(sys.argv[1])
SIZES = [0, 3, 100, 2000, 20000, 200000]

def body(n):
    pat = b"0123456789abcdefghijklmnopqrstuvwxyz\n"
    return (pat * (n // len(pat) + 1))[:n]

def read_request(s, buf):
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            return None, b""
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    cl = 0
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        if k.strip().lower() == b"content-length":
            cl = int(v.strip())
    while len(rest) < cl:
        d = s.recv(65536)
        if not d:
            return None, b""
        rest += d
    return lines[0], rest[cl:]

def serve(s):
    buf = b""
    while True:
        line, buf = read_request(s, buf)
        if line is None:
            return
        target = line.split(b" ")[1].decode()
        n = random.choice(SIZES)
        if "size=" in target:
            n = int(target.split("size=")[1].split("&")[0])
        b = body(n)
        m = random.choice(["close", "http10", "nolength", "dribble", "idleclose", "chunked", "ka", "ka"])
        if m == "close":
            s.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % n + b)
            return
        if m == "http10":
            s.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % n + b)
            return
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
        if m == "dribble":
            s.sendall(hdr)
            for i in range(0, n, max(1, n // 4)):
                s.sendall(b[i:i + max(1, n // 4)])
                time.sleep(0.002)
            continue
        s.sendall(hdr + b)
        if m == "idleclose":
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
            return

serve_forever(PORT, serve, backlog=1024)
