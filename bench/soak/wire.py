"""What the soak's origin and clients share: the body pattern, and reading HTTP/1 heads and bodies
off a blocking socket."""
import time


def pattern(n):
    """N bytes of the fixed pattern the origin serves and the clients check."""
    pat = b"0123456789abcdefghijklmnopqrstuvwxyz\n"
    return (pat * (n // len(pat) + 1))[:n]


def read_until(s, buf, done, where, step=65536):
    """Reads into buf until done(buf); EOFError("eof in " + where) if the peer closes first. A
    step under 64 KiB reads that much at a time, 1 ms apart (a slow reader)."""
    while not done(buf):
        d = s.recv(step)
        if not d:
            raise EOFError("eof in " + where)
        buf += d
        if step < 65536:
            time.sleep(0.001)
    return buf


def read_head(s, buf):
    """(start line, lower-cased fields, rest of buf)."""
    buf = read_until(s, buf, lambda b: b"\r\n\r\n" in b, "head")
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    h = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        h[k.strip().lower()] = v.strip().lower()
    return lines[0], h, rest


def read_chunked(s, buf, step=65536):
    """A chunked body that follows its head, trailers skipped: (body, rest of buf)."""
    out = b""
    while True:
        buf = read_until(s, buf, lambda b: b"\r\n" in b, "chunk size", step)
        line, buf = buf.split(b"\r\n", 1)
        n = int(line.split(b";")[0], 16)
        if n == 0:
            break
        buf = read_until(s, buf, lambda b: len(b) >= n + 2, "chunk", step)
        out += buf[:n]
        buf = buf[n + 2:]
    while True:  # trailers, up to the empty line
        buf = read_until(s, buf, lambda b: b"\r\n" in b, "trailers", step)
        line, buf = buf.split(b"\r\n", 1)
        if not line:
            return out, buf


def query(target, name, default=None):
    """The value of `name` in the target's query (?a=1&b=2), or default."""
    if name + "=" not in target:
        return default
    return target.split(name + "=")[1].split("&")[0]
