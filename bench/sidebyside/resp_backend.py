"""The raw server behind responses.py: GET /N gets RESP[N] as is, then a close (or a reset, or
a 3 s hold, as RESP[N] says). Usage: resp_backend.py PORT"""
import socket, threading, sys, time
from responses import RESP
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', port)); s.listen(100)
def serve(c):
    c.settimeout(2); data = b''
    try:
        while b'\r\n\r\n' not in data:
            d = c.recv(65536)
            if not d: return
            data += d
        n = int(data.split(b' ')[1][1:])
        name, raw, mode = RESP[n]
        c.sendall(raw.encode('latin1'))
        if mode == 'rst':
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
        elif mode == 'hold':
            time.sleep(3)
        c.close()
    except Exception as e:
        pass
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
