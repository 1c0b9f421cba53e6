"""Malformed HTTP/2 frames and header blocks (raw frames, HPACK literals) through several h2c
listeners in front of req_backend.py. Usage: h2.py PORT[,PORT...]. Prints, per case and proxy,
the response status, RST_STREAM or GOAWAY (with its error code) received within 1.5 s."""
import socket, struct, time, sys
def lit(n, v):  # literal without indexing, new name, no huffman
    n = n.encode('latin1'); v = v.encode('latin1')
    def s(b):
        assert len(b) < 127
        return bytes([len(b)]) + b
    return b'\x00' + s(n) + s(v)
def frame(t, f, sid, payload): return struct.pack('>I', len(payload))[1:] + bytes([t, f]) + struct.pack('>I', sid) + payload
def hdrs(pairs, es=True, sid=1): return frame(1, 0x4 | (0x1 if es else 0), sid, b''.join(lit(n, v) for n, v in pairs))
BASE = [(':method', 'GET'), (':scheme', 'http'), (':path', '/'), (':authority', 'x')]
POST = [(':method', 'POST'), (':scheme', 'http'), (':path', '/'), (':authority', 'x')]
CASES = [
 ("ok", hdrs(BASE)),
 ("uppercase name", hdrs(BASE + [('X-Up', '1')])),
 ("connection header", hdrs(BASE + [('connection', 'keep-alive')])),
 ("te gzip", hdrs(BASE + [('te', 'gzip')])),
 ("te trailers", hdrs(BASE + [('te', 'trailers')])),
 ("missing :path", hdrs([(':method', 'GET'), (':scheme', 'http'), (':authority', 'x')])),
 ("path with #", hdrs([(':method', 'GET'), (':scheme', 'http'), (':path', '/a#b'), (':authority', 'x')])),
 ("path with space", hdrs([(':method', 'GET'), (':scheme', 'http'), (':path', '/a b'), (':authority', 'x')])),
 ("empty path", hdrs([(':method', 'GET'), (':scheme', 'http'), (':path', ''), (':authority', 'x')])),
 ("duplicate :method", hdrs([(':method', 'GET')] + BASE)),
 ("pseudo after regular", hdrs([(':method', 'GET'), (':scheme', 'http'), ('a', '1'), (':path', '/'), (':authority', 'x')])),
 ("unknown pseudo", hdrs(BASE + [(':foo', '1')])),
 ("value with LF", hdrs(BASE + [('x', 'a\nb')])),
 ("value with NUL", hdrs(BASE + [('x', 'a\x00b')])),
 ("value leading space", hdrs(BASE + [('x', ' a')])),
 ("name with space", hdrs(BASE + [('x y', '1')])),
 ("host disagrees", hdrs(BASE + [('host', 'y')])),
 ("cl mismatch", hdrs(POST + [('content-length', '5')], es=False) + frame(0, 1, 1, b'abc')),
 ("cl exceeded", hdrs(POST + [('content-length', '2')], es=False) + frame(0, 1, 1, b'abc')),
 ("cl bad", hdrs(POST + [('content-length', 'x')], es=False) + frame(0, 1, 1, b'abc')),
 ("trailer pseudo", hdrs(POST, es=False) + frame(0, 0, 1, b'ab') + hdrs([(':path', '/')], es=True)),
 ("even stream id", hdrs(BASE, sid=2)),
 ("data on idle stream", frame(0, 1, 3, b'ab')),
 ("window update 0", frame(8, 0, 0, struct.pack('>I', 0))),
 ("stream window update 0", hdrs(BASE, es=False) + frame(8, 0, 1, struct.pack('>I', 0))),
 ("bad initial window", frame(4, 0, 0, struct.pack('>HI', 4, 0x80000000))),
 ("ping wrong length", frame(6, 0, 0, b'1234567')),
 ("frame too large", frame(0, 0, 1, b'x' * 20000)),
 ("continuation alone", frame(9, 4, 1, lit('a', 'b'))),
 ("upgrade header", hdrs(BASE + [('upgrade', 'h2c')])),
 ("connect", hdrs([(':method', 'CONNECT'), (':authority', 'x:80')], es=False)),
 ("method lowercase", hdrs([(':method', 'get'), (':scheme', 'http'), (':path', '/'), (':authority', 'x')])),
 ("scheme bad", hdrs([(':method', 'GET'), (':scheme', 'ht tp'), (':path', '/'), (':authority', 'x')])),
 ("headers on closed stream", hdrs(BASE) + hdrs(BASE)),
 ("priority self", frame(2, 0, 1, struct.pack('>IB', 1, 16))),
 ("settings ack with payload", frame(4, 1, 0, struct.pack('>HI', 4, 100))),
 ("rst on idle", frame(3, 0, 5, struct.pack('>I', 0))),
]
NAMES = {0: 'NO_ERROR', 1: 'PROTOCOL', 2: 'INTERNAL', 3: 'FLOW', 4: 'SETTINGS_TMO', 5: 'CLOSED', 6: 'FRAME_SIZE', 7: 'REFUSED', 8: 'CANCEL', 9: 'COMPRESSION', 11: 'CALM'}
def status_of(block):
    b = block[0] if block else 0
    st = {0x88: '200', 0x89: '204', 0x8a: '206', 0x8b: '304', 0x8c: '400', 0x8d: '404', 0x8e: '500'}
    if b in st: return st[b]
    if (b & 0xc0) == 0x40 and (b & 0x3f) in range(8, 15) or (b & 0xf0) == 0x00 and (b & 0x0f) in range(8, 15):
        l = block[1] & 0x7f
        if block[1] & 0x80: return 'huff?'
        return block[2:2 + l].decode()
    return '?%02x' % b
def one(port, data):
    s = socket.create_connection(('127.0.0.1', port)); s.settimeout(1.5)
    s.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + frame(4, 0, 0, b'') + data)
    buf = b''; out = []; t0 = time.time()
    try:
        while time.time() - t0 < 1.5:
            d = s.recv(65536)
            if not d: out.append('EOF'); break
            buf += d
            while len(buf) >= 9:
                ln = int.from_bytes(buf[0:3], 'big'); t = buf[3]; f = buf[4]; sid = int.from_bytes(buf[5:9], 'big') & 0x7fffffff
                if len(buf) < 9 + ln: break
                p = buf[9:9 + ln]; buf = buf[9 + ln:]
                if t == 1: out.append('H%d:%s' % (sid, status_of(p)))
                elif t == 3: out.append('RST%d:%s' % (sid, NAMES.get(int.from_bytes(p, 'big'), p.hex())))
                elif t == 7: out.append('GOAWAY:%s' % NAMES.get(int.from_bytes(p[4:8], 'big'), '?'))
            if any(o.startswith(('H1', 'RST', 'GOAWAY', 'H2', 'H3')) for o in out) and 'GOAWAY' in ' '.join(out): break
    except socket.timeout: pass
    except ConnectionResetError: out.append('RESET')
    s.close()
    return ' '.join(out) or 'none'
ports = [int(p) for p in sys.argv[1].split(',')]
for name, data in CASES:
    print('%-26s' % name, ' | '.join('%-28s' % one(p, data) for p in ports), flush=True)
