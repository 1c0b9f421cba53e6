"""Misbehaving HTTP/1 clients (half-closes, pipelining, a head byte by byte...) through several
proxies in front of req_backend.py. Usage: clients.py PORT[,PORT...]"""
import socket, time, sys
def run(port, steps):
    s = socket.create_connection(('127.0.0.1', port)); s.settimeout(3); out = b''; ev = []
    t0 = time.time()
    try:
        for st in steps:
            if st == 'SHUT': s.shutdown(socket.SHUT_WR)
            elif isinstance(st, float): time.sleep(st)
            else: s.sendall(st.encode())
        while True:
            d = s.recv(65536)
            if not d: ev.append('EOF@%.1f' % (time.time()-t0)); break
            out += d
    except socket.timeout: ev.append('TMO')
    except ConnectionResetError: ev.append('RST@%.1f' % (time.time()-t0))
    s.close()
    sts = [l.split(b' ')[1].decode() for l in out.split(b'\r\n') if l.startswith(b'HTTP/1.')]
    return '%s %s' % ('/'.join(sts) or 'none', ' '.join(ev))
G = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
CASES = [
 ('half-close after request', [G, 'SHUT']),
 ('pipelined 3', [G * 3]),
 ('pipelined after close', ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' + G]),
 ('short body then half-close', ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabcde', 'SHUT']),
 ('byte by byte head', [c for c in G]),
 ('partial head then half-close', ['GET / HTTP/1.1\r\nHo', 'SHUT']),
 ('nothing then half-close', ['SHUT']),
 ('empty line then half-close', ['\r\n', 'SHUT']),
 ('partial line then half-close', ['GET / HT', 'SHUT']),
 ('head without its end then half-close', ['GET / HTTP/1.1\r\nHost: x\r\n', 'SHUT']),
 ('request then garbage', [G + 'GARBAGE\r\n\r\n']),
 ('http/1.0 keep-alive x2', ['GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 0.5, 'GET / HTTP/1.0\r\n\r\n']),
]
ports = [int(p) for p in sys.argv[1].split(',')]
for name, steps in CASES:
    print('%-30s' % name, ' | '.join('%-26s' % run(p, steps) for p in ports), flush=True)
