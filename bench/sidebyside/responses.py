"""Misbehaving server answers through several proxies: what the client gets, and when.

Usage: responses.py PORT[,PORT...]   (the proxies forward to resp_backend.py, which answers
GET /N with RESP[N]). Prints, per answer and proxy: statuses seen, how the read ended
(len: the whole body by length, eof, timeout, rst), the body start and the time taken."""
import socket, time, sys

RESP = [
 ("ok cl", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("http/1.0 no length", "HTTP/1.0 200 OK\r\n\r\nhello", "close"),
 ("1.1 no length close", "HTTP/1.1 200 OK\r\n\r\nhello", "close"),
 ("garbage status", "FOO\r\n\r\n", "close"),
 ("status 99", "HTTP/1.1 099 X\r\nContent-Length: 0\r\n\r\n", "close"),
 ("status 1000", "HTTP/1.1 1000 X\r\nContent-Length: 0\r\n\r\n", "close"),
 ("no reason", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("bad cl", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok", "close"),
 ("two cl", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", "close"),
 ("cl short close", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", "close"),
 ("cl short rst", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", "rst"),
 ("cl longer", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", "close"),
 ("te+cl", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "close"),
 ("chunk bad size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n", "close"),
 ("chunk truncated", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n", "close"),
 ("chunk lf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n", "close"),
 ("te gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", "close"),
 ("te gzip,chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "close"),
 ("header no colon", "HTTP/1.1 200 OK\r\nFoo\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("space before colon", "HTTP/1.1 200 OK\r\nFoo : 1\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("obs-fold", "HTTP/1.1 200 OK\r\nFoo: a\r\n b\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("nul value", "HTTP/1.1 200 OK\r\nFoo: a\x00b\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("lf only", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "close"),
 ("http/2.0 status", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("http/0.9 body", "hello world", "close"),
 ("empty", "", "close"),
 ("rst no data", "", "rst"),
 ("100 then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("101 unasked", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\n", "close"),
 ("204 with body", "HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("304 with cl", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", "close"),
 ("big header 20k", "HTTP/1.1 200 OK\r\nX: " + "a"*20000 + "\r\nContent-Length: 2\r\n\r\nok", "close"),
 ("head partial close", "HTTP/1.1 200 OK\r\nContent-Le", "close"),
 ("head partial hold", "HTTP/1.1 200 OK\r\nContent-Le", "hold"),
 ("chunk ext ctl", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a\x01\r\nok\r\n0\r\n\r\n", "close"),
 ("trailer bad", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX Y: 1\r\n\r\n", "close"),
 ("cl with sign", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", "close"),
 ("chunked 1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "close"),
]

def one(port, n):
    s = socket.create_connection(('127.0.0.1', port)); s.settimeout(6)
    t0 = time.time(); s.sendall(("GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % n).encode())
    data = b''; how = 'eof'
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            data += d
            # stop once a full response with content-length has arrived
            if b'\r\n\r\n' in data:
                head, _, body = data.partition(b'\r\n\r\n')
                cl = [l for l in head.split(b'\r\n') if l.lower().startswith(b'content-length:')]
                st = head.split(b' ')[1] if b' ' in head else b''
                if cl and len(body) >= int(cl[0].split(b':')[1]) and not st.startswith(b'1'): how = 'len'; break
    except socket.timeout: how = 'timeout'
    except ConnectionResetError: how = 'rst'
    dt = time.time() - t0; s.close()
    head, _, body = data.partition(b'\r\n\r\n')
    st = '/'.join(l.split(b' ')[1].decode() for l in data.split(b'\r\n') if l.startswith(b'HTTP/1.') and len(l.split(b' '))>1)
    return "%s %s b=%r %.1fs" % (st or 'none', how, body[:12], dt)
if __name__ == '__main__':
    ports = [int(p) for p in sys.argv[1].split(',')]
    for n, (name, raw, mode) in enumerate(RESP):
        print("%-20s" % name, " | ".join(one(p, n) for p in ports), flush=True)
