"""Malformed and borderline HTTP/1 requests, each on its own connection, through several proxies.

Usage: bad_requests.py PORT[,PORT...] NAME[,NAME...] LOG[,LOG...] [FILTER]: each proxy forwards to
its own req_backend.py writing LOG. Prints per request and proxy: the statuses, the time to the
answer and whether the request reached the server (fwd=Y)."""
import socket, time, sys, json, os
H = "Host: x\r\n"
CASES = [
 ("garbage", "GARBAGE\r\n\r\n"),
 ("http/2.0 version", "GET / HTTP/2.0\r\n" + H + "\r\n"),
 ("http/1.2", "GET / HTTP/1.2\r\n" + H + "\r\n"),
 ("http/3.1", "GET / HTTP/3.1\r\n" + H + "\r\n"),
 ("lowercase version", "GET / http/1.1\r\n" + H + "\r\n"),
 ("no host 1.1", "GET / HTTP/1.1\r\n\r\n"),
 ("no host 1.0", "GET / HTTP/1.0\r\n\r\n"),
 ("two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
 ("two same hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
 ("empty host", "GET / HTTP/1.1\r\nHost:\r\n\r\n"),
 ("cl abc", "POST / HTTP/1.1\r\n" + H + "Content-Length: abc\r\n\r\n"),
 ("cl 10,11", "POST / HTTP/1.1\r\n" + H + "Content-Length: 10\r\nContent-Length: 11\r\n\r\n0123456789"),
 ("cl 2,2 list", "POST / HTTP/1.1\r\n" + H + "Content-Length: 2, 2\r\n\r\nab"),
 ("cl 2 twice", "POST / HTTP/1.1\r\n" + H + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab"),
 ("cl -1", "POST / HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\n"),
 ("cl +2", "POST / HTTP/1.1\r\n" + H + "Content-Length: +2\r\n\r\nab"),
 ("cl huge", "POST / HTTP/1.1\r\n" + H + "Content-Length: 99999999999999999999999\r\n\r\n"),
 ("cl empty", "POST / HTTP/1.1\r\n" + H + "Content-Length:\r\n\r\n"),
 ("cl space inside", "POST / HTTP/1.1\r\n" + H + "Content-Length: 1 2\r\n\r\n"),
 ("te+cl", "POST / HTTP/1.1\r\n" + H + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"),
 ("te gzip", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip\r\n\r\n"),
 ("te gzip,chunked", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
 ("te chunked,gzip", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
 ("te chunked,chunked", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
 ("te CHUNKED", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: CHUNKED\r\n\r\n2\r\nab\r\n0\r\n\r\n"),
 ("te empty", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding:\r\n\r\n"),
 ("te in 1.0", "POST / HTTP/1.0\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"),
 ("chunk zz", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"),
 ("chunk overflow", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nab\r\n0\r\n\r\n"),
 ("chunk no crlf after data", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n"),
 ("chunk ext", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2;foo=bar\r\nab\r\n0\r\n\r\n"),
 ("chunk size space", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2 \r\nab\r\n0\r\n\r\n"),
 ("chunk lf only", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\nab\n0\n\n"),
 ("chunk trailer", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nX-T: 1\r\n\r\n"),
 ("chunk bad trailer", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nX T: 1\r\n\r\n"),
 ("space before colon", "GET / HTTP/1.1\r\n" + H + "X-A : 1\r\n\r\n"),
 ("ctl in name", "GET / HTTP/1.1\r\n" + H + "X\x01A: 1\r\n\r\n"),
 ("nul in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\x00b\r\n\r\n"),
 ("cr in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\rb\r\n\r\n"),
 ("del in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\x7fb\r\n\r\n"),
 ("high byte value", "GET / HTTP/1.1\r\n" + H + "X-A: a\xe9b\r\n\r\n"),
 ("obs-fold", "GET / HTTP/1.1\r\n" + H + "X-A: a\r\n b\r\n\r\n"),
 ("first header folded", "GET / HTTP/1.1\r\n X-A: a\r\n" + H + "\r\n"),
 ("no colon", "GET / HTTP/1.1\r\n" + H + "Foo\r\n\r\n"),
 ("empty name", "GET / HTTP/1.1\r\n" + H + ": v\r\n\r\n"),
 ("lf only", "GET / HTTP/1.1\n" + "Host: x\n\n"),
 ("leading crlf", "\r\n\r\nGET / HTTP/1.1\r\n" + H + "\r\n"),
 ("http/0.9", "GET /\r\n\r\n"),
 ("no version", "GET / \r\n" + H + "\r\n"),
 ("method bad char", "G@T / HTTP/1.1\r\n" + H + "\r\n"),
 ("lowercase method", "get / HTTP/1.1\r\n" + H + "\r\n"),
 ("space in uri", "GET /a b HTTP/1.1\r\n" + H + "\r\n"),
 ("two spaces", "GET  / HTTP/1.1\r\n" + H + "\r\n"),
 ("tab sep", "GET\t/\tHTTP/1.1\r\n" + H + "\r\n"),
 ("ctl in uri", "GET /a\x01b HTTP/1.1\r\n" + H + "\r\n"),
 ("high byte uri", "GET /a\xe9 HTTP/1.1\r\n" + H + "\r\n"),
 ("hash in uri", "GET /a#b HTTP/1.1\r\n" + H + "\r\n"),
 ("empty uri", "GET  HTTP/1.1\r\n" + H + "\r\n"),
 ("asterisk get", "GET * HTTP/1.1\r\n" + H + "\r\n"),
 ("options *", "OPTIONS * HTTP/1.1\r\n" + H + "\r\n"),
 ("absolute uri", "GET http://x/a HTTP/1.1\r\n" + H + "\r\n"),
 ("absolute host mismatch", "GET http://y/a HTTP/1.1\r\n" + H + "\r\n"),
 ("absolute no path", "GET http://x HTTP/1.1\r\n" + H + "\r\n"),
 ("authority form get", "GET x:80 HTTP/1.1\r\n" + H + "\r\n"),
 ("connect", "CONNECT x:80 HTTP/1.1\r\nHost: x:80\r\n\r\n"),
 ("long uri 20k", "GET /" + "a"*20000 + " HTTP/1.1\r\n" + H + "\r\n"),
 ("long header 20k", "GET / HTTP/1.1\r\n" + H + "X-A: " + "a"*20000 + "\r\n\r\n"),
 ("101 headers", "GET / HTTP/1.1\r\n" + H + "".join("X-%d: 1\r\n" % i for i in range(100)) + "\r\n"),
 ("expect 100", "POST / HTTP/1.1\r\n" + H + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n"),
 ("expect bogus", "POST / HTTP/1.1\r\n" + H + "Expect: bogus\r\nContent-Length: 2\r\n\r\nab"),
 ("upgrade h2c", "GET / HTTP/1.1\r\n" + H + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"),
 ("h2 preface on h1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
 ("te trailers only", "GET / HTTP/1.1\r\n" + H + "TE: trailers, deflate\r\n\r\n"),
 ("content-length on get", "GET / HTTP/1.1\r\n" + H + "Content-Length: 2\r\n\r\nab"),
 ("connection close token list", "GET / HTTP/1.1\r\n" + H + "Connection: keep-alive, close\r\n\r\n"),
 ("head with body cl", "HEAD / HTTP/1.1\r\n" + H + "Content-Length: 2\r\n\r\nab"),
]
def one(port, req):
    s = socket.create_connection(('127.0.0.1', port)); s.settimeout(4)
    t0 = time.time(); s.sendall(req.encode('latin1'))
    data = b''; closed = False
    try:
        while True:
            d = s.recv(65536)
            if not d: closed = True; break
            data += d
            if b'\r\n\r\n' in data and time.time() - t0 > 0.3: break
            s.settimeout(0.5 if b'\r\n\r\n' in data else 4)
    except socket.timeout: pass
    except ConnectionResetError: closed = 'rst'
    dt = time.time() - t0
    s.close()
    statuses = [l.split(b' ')[1].decode() for l in data.split(b'\r\n') if l.startswith(b'HTTP/1.') and len(l.split(b' ')) > 1]
    return statuses, round(dt, 2), closed
ports = [int(p) for p in sys.argv[1].split(',')]; names = sys.argv[2].split(','); logs = sys.argv[3].split(',')
only = sys.argv[4] if len(sys.argv) > 4 else None
for name, req in CASES:
    if only and only not in name: continue
    row = [name]
    for port, lg in zip(ports, logs):
        n0 = sum(1 for _ in open(lg)) if os.path.exists(lg) else 0
        st, dt, cl = one(port, req)
        time.sleep(0.35)
        lines = open(lg).read().splitlines()[n0:] if os.path.exists(lg) else []
        fwd = json.loads(lines[0]) if lines else None
        fl = fwd.split('\r\n')[0][:40] if fwd else '-'
        row.append("%s %.2fs fwd=%s" % ('/'.join(st) or 'none', dt, 'Y' if fwd else 'n'))
    print(" | ".join(row), flush=True)
