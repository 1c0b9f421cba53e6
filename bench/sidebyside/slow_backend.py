"""The server behind slow.py: by path, a body or a head dribbled, a stall before the head or in
the body, an early close. Usage: slow_backend.py PORT"""
import socket, sys, time
from rawserver import serve_forever, read_path


def serve(c):
    mode = read_path(c)
    if mode == '/dribble':
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n')
        for ch in b'abcdef':
            time.sleep(0.5)
            c.sendall(bytes([ch]))
    elif mode == '/stallbody':
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc')
        time.sleep(3.5)
        c.sendall(b'def')
    elif mode == '/stallhead':
        time.sleep(3.5)
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    elif mode == '/dribblehead':
        for ch in b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok':
            time.sleep(0.1)
            c.sendall(bytes([ch]))
    elif mode == '/earlyclose':
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc')
        c.shutdown(socket.SHUT_WR)
        time.sleep(1)
    time.sleep(0.5)


serve_forever(int(sys.argv[1]), serve)
