"""The raw server behind responses.py: GET /N gets RESP[N] as is, then a close (or a reset, or
a 3 s hold, as RESP[N] says). Usage: resp_backend.py PORT"""
import socket, sys, time
from rawserver import serve_forever, read_path
from responses import RESP


def serve(c):
    c.settimeout(2)
    path = read_path(c)
    if path is None:
        return
    name, raw, mode = RESP[int(path[1:])]
    c.sendall(raw.encode('latin1'))
    if mode == 'rst':
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')  # close() resets
    elif mode == 'hold':
        time.sleep(3)


serve_forever(int(sys.argv[1]), serve)
