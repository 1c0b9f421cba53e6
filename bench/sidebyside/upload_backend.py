"""The server behind uploads.py: answers an upload early (413, or 200 keeping the connection) or
after 100 kB (401), then closes. Usage: upload_backend.py PORT"""
import sys, time
from rawserver import serve_forever, read_path


def serve(c):
    mode = read_path(c)
    if mode == '/early413':
        c.sendall(b'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig')
    elif mode == '/early200ka':
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
        time.sleep(2)
    elif mode == '/read-then-401':
        n = 0
        while n < 100000:
            d = c.recv(65536)
            if not d:
                break
            n += len(d)
        c.sendall(b'HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno')


serve_forever(int(sys.argv[1]), serve)
