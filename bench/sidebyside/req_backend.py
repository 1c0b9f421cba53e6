"""The server behind bad_requests.py: reads what arrives for 150 ms, answers 200 and closes, and
appends what it received (one JSON string per connection) to LOG. Usage: req_backend.py PORT LOG"""
import socket, threading, sys, time, json
port = int(sys.argv[1]); log = open(sys.argv[2], 'a')
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', port)); s.listen(100)
def serve(c):
    c.settimeout(0.15); data = b''
    try:
        while True:
            d = c.recv(65536)
            if not d: break
            data += d
    except Exception: pass
    log.write(json.dumps(data.decode('latin1')) + '\n'); log.flush()
    try:
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'); c.close()
    except Exception: pass
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
