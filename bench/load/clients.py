#!/usr/bin/env python3
"""Bounded memory probes for bench/load/run.sh; loopback only.

  clients.py idle N PORT        open N keep-alive connections, one GET / on each, read the answers,
                                print "ready", hold them until a line arrives on stdin, then close
  clients.py slow N PORT PATH S open N connections, each sends GET PATH and then reads 1 KiB per
                                second (a slow reader) for S seconds, then closes; prints "done"
"""
import resource
import selectors
import socket
import sys
import time


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n + 64))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def connect_all(n, port, request):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request)
        socks.append(s)
    return socks


def idle(n, port):
    raise_nofile(n)
    socks = connect_all(n, port, b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
    sel = selectors.DefaultSelector()
    pending = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        pending[s] = b""
    deadline = time.time() + 60
    while pending and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            data = s.recv(65536)
            pending[s] += data
            # the bench's "/" answers "ok\n" with a Content-Length: the head and 3 body bytes
            if not data or pending[s].endswith(b"\r\n\r\nok\n"):
                sel.unregister(s)
                del pending[s]
    print("ready" if not pending else "incomplete %d" % len(pending), flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()


def slow(n, port, path, seconds):
    raise_nofile(n)
    socks = connect_all(n, port, ("GET %s HTTP/1.1\r\nHost: bench\r\n\r\n" % path).encode())
    end = time.time() + seconds
    while time.time() < end:
        for s in socks:
            try:
                s.setblocking(False)
                s.recv(1024)
            except BlockingIOError:
                pass
        time.sleep(1)
    for s in socks:
        s.close()
    print("done", flush=True)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "idle":
        idle(int(sys.argv[2]), int(sys.argv[3]))
    elif cmd == "slow":
        slow(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    else:
        sys.exit(__doc__)
