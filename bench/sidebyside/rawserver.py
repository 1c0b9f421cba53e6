"""What the side-by-side servers share: a loopback listener with a thread per connection, and
the path of a request head."""
import socket, threading


def serve_forever(port, handle, backlog=100):
    """Accepts on 127.0.0.1:PORT for ever; handle(conn) runs in its own thread, then the
    connection is closed (a peer that went away ends the handler quietly)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port))
    s.listen(backlog)
    while True:
        c, _ = s.accept()
        threading.Thread(target=_run, args=(handle, c), daemon=True).start()


def _run(handle, c):
    try:
        handle(c)
    except OSError:
        pass
    finally:
        c.close()


def read_path(c):
    """Reads up to the end of a request head; its path, or None if the peer closed first."""
    data = b''
    while b'\r\n\r\n' not in data:
        d = c.recv(65536)
        if not d:
            return None
        data += d
    return data.split(b' ')[1].decode('latin1')
