"""Slow servers through several proxies configured with timeout server 2s (run.sh).
Usage: slow.py PORT[,PORT...]"""
import socket, time, sys
def run(port, path):
    s = socket.create_connection(('127.0.0.1', port)); s.settimeout(8); t0 = time.time()
    s.sendall(('GET %s HTTP/1.1\r\nHost: x\r\n\r\n' % path).encode()); out = b''; ev = ''
    try:
        while True:
            d = s.recv(65536)
            if not d: ev = 'EOF'; break
            out += d
            h, _, b = out.partition(b'\r\n\r\n')
            if b'content-length: ' in h.lower():
                n = int(h.lower().split(b'content-length: ')[1].split(b'\r\n')[0])
                if len(b) >= n: ev = 'LEN'; break
    except socket.timeout: ev = 'TMO'
    except ConnectionResetError: ev = 'RST'
    st = out.split(b' ')[1].decode() if out.startswith(b'HTTP') else 'none'
    return '%s %s body=%r %.1fs' % (st, ev, out.partition(b'\r\n\r\n')[2][:8], time.time() - t0)
for p in ['/dribble', '/stallbody', '/stallhead', '/dribblehead', '/earlyclose']:
    print('%-13s' % p, ' | '.join(run(int(x), p) for x in sys.argv[1].split(',')), flush=True)
