"""The server behind bad_requests.py: reads what arrives for 150 ms, answers 200 and closes, and
appends what it received (one JSON string per connection) to LOG. Usage: req_backend.py PORT LOG"""
import json, sys
from rawserver import serve_forever

log = open(sys.argv[2], 'a')


def serve(c):
    c.settimeout(0.15)
    data = b''
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            data += d
    except OSError:  # the 150 ms are up (a timeout), or the proxy reset: what came is logged
        pass
    log.write(json.dumps(data.decode('latin1')) + '\n')
    log.flush()
    c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')


serve_forever(int(sys.argv[1]), serve)
