#!/usr/bin/env python3
"""Small bounded clients for the memory bench (bench/load/memory.sh). Loopback only.

  idle     PORT N              open N keep-alive connections, one request each (all answered),
                               then keep them open until stdin closes (the caller measures RSS)
  slowread PORT N PATH DEPTH   N clients that pipeline DEPTH requests for PATH and never read;
                               held until stdin closes
  h2reset  PORT CONNS STREAMS  HTTP/2 rapid reset: CONNS connections in turn (reconnects), each
                               opening STREAMS streams (HEADERS then RST_STREAM at once)

Every loop is bounded by its arguments; every socket wait has a timeout.
"""
import select
import selectors
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


def connect(port):
    s = socket.create_connection((HOST, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def wait_stdin():
    print("ready", flush=True)
    sys.stdin.read()


def idle(port, n):
    req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    socks = []
    for _ in range(n):
        s = connect(port)
        s.sendall(req)
        socks.append(s)
    # Read each response (small, 'ok\n'): the head and a 3-byte body, content-length framed.
    deadline = time.time() + 60
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ, [b""])
    pending = len(socks)
    while pending and time.time() < deadline:
        for key, _ in sel.select(1):
            buf = key.data[0] + key.fileobj.recv(65536)
            key.data[0] = buf
            if b"\r\n\r\n" in buf and buf.endswith(b"ok\n"):
                sel.unregister(key.fileobj)
                pending -= 1
    if pending:
        print("unanswered: %d" % pending, file=sys.stderr, flush=True)
    wait_stdin()
    for s in socks:
        s.close()


def slowread(port, n, path, depth):
    req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode() * depth
    socks = []
    for _ in range(n):
        s = connect(port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(req)
        socks.append(s)
    wait_stdin()
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def h2reset(port, conns, streams):
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0)
    # :method GET, :scheme http, :path /, :authority x (literal, indexed name 1)
    block = b"\x82\x86\x84\x41\x01x"
    sent = 0
    for _ in range(conns):
        s = connect(port)
        s.setblocking(False)
        out = bytearray(preface)
        sid = 1
        for _ in range(streams):
            out += frame(1, 0x4 | 0x1, sid, block)      # HEADERS END_HEADERS|END_STREAM
            out += frame(3, 0, sid, struct.pack(">I", 8))  # RST_STREAM CANCEL
            sid += 2
        view = memoryview(out)
        deadline = time.time() + 10
        while view and time.time() < deadline:
            r, w, _ = select.select([s], [s], [], 1) if s.fileno() < 1024 else ([s], [s], [])
            if r:
                try:
                    if not s.recv(1 << 20):
                        break
                except (BlockingIOError, ConnectionError):
                    break
            if w:
                try:
                    k = s.send(view)
                    view = view[k:]
                except BlockingIOError:
                    pass
                except ConnectionError:
                    break
        sent += streams
        s.close()
    print("streams sent: %d" % sent, flush=True)


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "idle":
        idle(port, int(sys.argv[3]))
    elif mode == "slowread":
        slowread(port, int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    elif mode == "h2reset":
        h2reset(port, int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
