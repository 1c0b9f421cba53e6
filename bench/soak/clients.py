#!/usr/bin/env python3
"""Checking and misbehaving HTTP/1 clients for the soak.

    clients.py PORT SECONDS WORKERS

For SECONDS, each worker loops over random actions. The checked ones (a GET on a kept-alive
connection whose body is compared byte for byte with rude_server.py's pattern, three pipelined
GETs on a new connection) count as FAILED when the answer is not exact. A kept-alive connection
closed before any byte of an answer is retried once on a new one, as clients do (RFC 9112
9.3.1), and counted. The rude actions (abort mid-response, garbage, a reset right after the
request, a reader that stops) only need the proxy to survive them. Prints the counts, then up to
20 failures. Loopback only; every socket has a 10 s timeout."""
import random, socket, struct, sys, threading, time

PORT, SECONDS, WORKERS = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
stats = {}
fails = []
lock = threading.Lock()

def count(k):
    with lock:
        stats[k] = stats.get(k, 0) + 1

def body(n):
    pat = b"0123456789abcdefghijklmnopqrstuvwxyz\n"
    return (pat * (n // len(pat) + 1))[:n]

def conn():
    return socket.create_connection(("127.0.0.1", PORT), timeout=10)

def recv_until(s, buf, done, where):
    """Reads into buf until done(buf); EOFError("eof in " + where) if the peer closes first."""
    while not done(buf):
        d = s.recv(65536)
        if not d:
            raise EOFError("eof in " + where)
        buf += d
    return buf

def read_response(s, buf):
    """Returns (status, body, rest, closed) for one response, handling CL, chunked, close."""
    buf = recv_until(s, buf, lambda b: b"\r\n\r\n" in b, "head")
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    h = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        h[k.strip().lower()] = v.strip().lower()
    if b"content-length" in h:
        n = int(h[b"content-length"])
        buf = recv_until(s, buf, lambda b: len(b) >= n, "body")
        return status, buf[:n], buf[n:], h.get(b"connection") == b"close"
    if h.get(b"transfer-encoding") == b"chunked":
        out = b""
        while True:
            buf = recv_until(s, buf, lambda b: b"\r\n" in b, "chunk size")
            line, buf = buf.split(b"\r\n", 1)
            n = int(line.split(b";")[0], 16)
            buf = recv_until(s, buf, lambda b: len(b) >= n + 2, "chunk")
            if n == 0:
                # no trailers expected: the last CRLF
                return status, out, buf[2:], h.get(b"connection") == b"close"
            out += buf[:n]
            buf = buf[n + 2:]
    while True:
        d = s.recv(65536)
        if not d:
            return status, buf, b"", True
        buf += d

def checked_get(s_holder, n):
    s = s_holder[0]
    reused = s is not None
    if s is None:
        s = s_holder[0] = conn()
    s.sendall(b"GET /c?size=%d HTTP/1.1\r\nHost: x\r\n\r\n" % n)
    try:
        st, b, rest, closed = read_response(s, b"")
    except EOFError as e:
        # A kept-alive connection closed before any byte of the answer: a client retries an
        # idempotent request once on a new connection (RFC 9112 9.3.1); a first request does not.
        if not reused or str(e) != "eof in head":
            raise
        count("retried after keep-alive close")
        s.close()
        s = s_holder[0] = conn()
        s.sendall(b"GET /c?size=%d HTTP/1.1\r\nHost: x\r\n\r\n" % n)
        st, b, rest, closed = read_response(s, b"")
    if st != 200 or b != body(n):
        raise AssertionError("status %d, %d bytes for %d" % (st, len(b), n))
    if closed or rest:
        s.close()
        s_holder[0] = None

def pipelined():
    s = conn()
    s.sendall(b"GET /p?size=2000 HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
    buf = b""
    for i in range(3):
        st, b, buf, _ = read_response(s, buf)
        if st != 200 or b != body(2000):
            raise AssertionError("pipelined %d: status %d, %d bytes" % (i, st, len(b)))
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

RUDE = [(0.10, "abort", abort_mid_response), (0.07, "garbage", garbage),
        (0.08, "reset", reset_after_request), (0.10, "slow reader", reader_that_stops)]

def worker(deadline):
    holder = [None]  # the kept-alive connection of the checked GETs
    while time.time() < deadline:
        a = random.random()
        checked = a < 0.65
        try:
            if a < 0.55:
                checked_get(holder, random.choice([0, 3, 100, 2000, 20000, 200000]))
                count("get ok")
            elif checked:
                pipelined()
                count("pipelined ok")
            else:
                a -= 0.65
                for share, name, action in RUDE:
                    if a < share:
                        action()
                        count(name)
                        break
                    a -= share
        except (AssertionError, EOFError, OSError) as e:
            if not checked:
                count("rude, ended by an error (fine)")
                continue
            if holder[0] is not None:
                holder[0].close()
                holder[0] = None
            count("FAILED")
            with lock:
                fails.append("%.1f s: %s" % (time.time() - start, e))

start = time.time()
deadline = start + SECONDS
ts = [threading.Thread(target=worker, args=(deadline,)) for _ in range(WORKERS)]
for t in ts:
    t.start()
for t in ts:
    t.join(SECONDS + 60)
print(sorted(stats.items()))
for f in fails[:20]:
    print("  fail:", f)
