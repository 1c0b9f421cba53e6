#!/usr/bin/env python3
"""Bounded memory probes for bench/load/run.sh; loopback only.

  clients.py idle N PORT        open N keep-alive connections, one GET / on each, read the answers,
                                print "ready", hold them until a line arrives on stdin, then close
  clients.py idle-h2 N PORT     the same over HTTP/2 (h2c, prior knowledge): one stream per
                                connection, SETTINGS acknowledged, held idle after the answer
  clients.py flood-h2 N PORT S  tries N HTTP/2 connections (a GET on each, kept open) for at most S
                                seconds, waits up to 10 s more for the last answers, prints how many
                                were answered, left unanswered and not connected (refused, or no room
                                in the backlog), and closes them all
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


def hold_idle(n, port, request, take):
    """N connections, each sends request and reads its answer; take(sock, bytes so far) returns
    the bytes to keep, or None once the answer is whole. Then "ready", held until a line on stdin."""
    raise_nofile(n)
    socks = connect_all(n, port, request)
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
            rest = take(s, pending[s] + data) if data else None
            if rest is None:
                sel.unregister(s)
                del pending[s]
            else:
                pending[s] = rest
    print("ready" if not pending else "incomplete %d" % len(pending), flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()


def idle(n, port):
    # the bench's "/" answers "ok\n" with a Content-Length: the head and 3 body bytes
    hold_idle(n, port, b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n",
              lambda s, b: None if b.endswith(b"\r\n\r\nok\n") else b)


# HEADERS on stream 1, END_STREAM | END_HEADERS: :method GET, :scheme http, :path /, :authority bench
H2_GET = bytes([0x82, 0x86, 0x84, 0x41, 0x05]) + b"bench"
H2_PREFACE = (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
              + len(H2_GET).to_bytes(3, "big") + b"\x01\x05" + (1).to_bytes(4, "big") + H2_GET)
SETTINGS_ACK = b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"


def h2_take(s, buf):
    """Whole frames: SETTINGS acknowledged; None at the end of stream 1 (DATA or HEADERS)."""
    end = False
    while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
        length, ftype, flags, sid = int.from_bytes(buf[:3], "big"), buf[3], buf[4], int.from_bytes(buf[5:9], "big")
        buf = buf[9 + length:]
        if ftype == 4 and not flags & 1:
            s.setblocking(True)
            s.sendall(SETTINGS_ACK)
            s.setblocking(False)
        if ftype in (0, 1) and sid == 1 and flags & 1:
            end = True
    return None if end else buf


def idle_h2(n, port):
    hold_idle(n, port, H2_PREFACE, h2_take)


def flood_h2(n, port, seconds):
    raise_nofile(n)
    sel = selectors.DefaultSelector()
    pending, socks, counts = {}, [], {"answered": 0, "failed": 0}

    def read_answers(timeout):
        for key, _ in sel.select(timeout=timeout):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            rest = h2_take(s, pending[s] + data) if data else None
            if rest is None:
                sel.unregister(s)
                del pending[s]
                counts["answered"] += bool(data)
            else:
                pending[s] = rest

    end = time.time() + seconds
    for i in range(n):
        if time.time() >= end:
            break
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(H2_PREFACE)
            s.setblocking(False)
        except OSError:
            counts["failed"] += 1
            continue
        socks.append(s)
        pending[s] = b""
        sel.register(s, selectors.EVENT_READ)
        if i % 100 == 99:
            read_answers(0)
    end = time.time() + 10  # the last answers
    while pending and time.time() < end:
        read_answers(max(0, min(1, end - time.time())))
    print("answered %d unanswered %d not-connected %d" % (counts["answered"], len(socks) - counts["answered"], counts["failed"]), flush=True)
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
    elif cmd == "idle-h2":
        idle_h2(int(sys.argv[2]), int(sys.argv[3]))
    elif cmd == "flood-h2":
        flood_h2(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "slow":
        slow(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    else:
        sys.exit(__doc__)
