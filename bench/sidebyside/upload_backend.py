"""The server behind uploads.py: answers an upload early (413, or 200 keeping the connection) or
after 100 kB (401), then closes. Usage: upload_backend.py PORT"""
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
    if mode == '/early413':
        c.sendall(b'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig'); c.close()
    elif mode == '/early200ka':
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); time.sleep(2); c.close()
    elif mode == '/read-then-401':
        n = 0
        while n < 100000:
            d = c.recv(65536)
            if not d: break
            n += len(d)
        c.sendall(b'HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno'); c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
