"""Uploads answered early, through several proxies: the status, and whether the uploading
client met an error (a reset). Usage: uploads.py PORT[,PORT...] [SECONDS before reading]"""
import socket, time, sys, threading
def run(port, path, size):
    s = socket.create_connection(('127.0.0.1', port)); s.settimeout(6); t0 = time.time()
    head = ('POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % (path, size)).encode()
    err = []
    def send():
        try:
            s.sendall(head)
            chunk = b'x' * 65536; left = size
            while left > 0:
                n = s.send(chunk[:min(left, 65536)]); left -= n
        except Exception as e: err.append(type(e).__name__)
    t = threading.Thread(target=send, daemon=True); t.start()
    time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
    out = b''; ev = ''
    try:
        while True:
            d = s.recv(65536)
            if not d: ev = 'EOF'; break
            out += d
            if b'\r\n\r\n' in out and len(out.partition(b'\r\n\r\n')[2]) >= int(out.lower().split(b'content-length: ')[1].split(b'\r\n')[0]): ev = 'LEN'; break
    except socket.timeout: ev = 'TMO'
    except ConnectionResetError: ev = 'RST'
    st = out.split(b' ')[1].decode() if out.startswith(b'HTTP') else 'none'
    s.close()
    return '%s %s %.1fs %s' % (st, ev, time.time() - t0, ','.join(err))
for path, size in [('/early413', 10_000_000), ('/early413', 1000), ('/early200ka', 10_000_000), ('/read-then-401', 10_000_000)]:
    print('%-14s %9d' % (path, size), ' | '.join(run(int(x), path, size) for x in sys.argv[1].split(',')), flush=True)
