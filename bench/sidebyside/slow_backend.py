"""The server behind slow.py: by path, a body or a head dribbled, a stall before the head or in
the body, an early close. Usage: slow_backend.py PORT"""
import socket, threading, sys, time
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', port)); s.listen(100)
def serve(c):
    data = b''
    while b'\r\n\r\n' not in data:
        d = c.recv(4096)
        if not d: return
        data += d
    mode = data.split(b' ')[1].decode()
    try:
        if mode == '/dribble':
            r = b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n'
            c.sendall(r)
            for ch in b'abcdef': time.sleep(0.5); c.sendall(bytes([ch]))
        elif mode == '/stallbody':
            c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc'); time.sleep(3.5); c.sendall(b'def')
        elif mode == '/stallhead':
            time.sleep(3.5); c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
        elif mode == '/dribblehead':
            for ch in b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok': time.sleep(0.1); c.sendall(bytes([ch]))
        elif mode == '/earlyclose':
            c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc'); c.shutdown(socket.SHUT_WR); time.sleep(1)
        time.sleep(0.5)
    except Exception: pass
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
