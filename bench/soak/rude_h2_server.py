#!/usr/bin/env python3
"""An HTTP/2 origin (clear text, prior knowledge: `server ... proto h2`) that answers each stream
in a random legal manner, as real HTTP/2 servers do: the body in one DATA frame or many small
ones, padded or not, with or without content-length, ended by an empty DATA frame or by
trailers, dribbled, after a 103, with a PING or a SETTINGS change in the middle; afterwards the
connection may go on, end with a GOAWAY, or just close. Some connections shrink the window the
proxy may send in (a second SETTINGS, so the window can go below zero) and grant it back slowly.
One bodyless request in 100 is refused unprocessed (REFUSED_STREAM, or a GOAWAY below it).

    rude_h2_server.py PORT

The paths are rude_server.py's: GET ?size=N answers N bytes of wire.pattern (HEAD, ?status=304
and ?status=204: the head alone); POST /u answers
"LENGTH CRC32" of the upload; POST /early answers 413 "big\\n" at once and resets the stream with
NO_ERROR (RFC 9113 8.1: the rest of the upload is not wanted); POST /rstup resets the stream
halfway through the upload; GET /cut?size=N sends half the body and then resets the stream or
the connection, or ends the stream short of its content-length (malformed: RFC 9113 8.1.1). A request the protocol library finds malformed (a connection-specific field, a
bad pseudo-header: RFC 9113 8.2) is printed as "PROTOCOL ERROR" and ends the connection, for the
soak to fail on. Needs hyper-h2 (Debian: python3-h2). One thread per connection; loopback only."""
import os, random, socket, struct, sys, time, traceback, zlib

# appended, not inserted: bench/sidebyside/h2.py would hide the h2 package
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sidebyside"))
from rawserver import serve_forever  # noqa: E402
from wire import pattern as body, query  # noqa: E402
import h2.config, h2.connection, h2.errors, h2.events, h2.exceptions, h2.settings  # noqa: E402

PORT = int(sys.argv[1])
SIZES = [0, 3, 100, 2000, 20000, 200000]


class Origin:
    def __init__(self, s):
        self.s = s
        self.c = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=False, header_encoding=None, validate_inbound_headers=True))
        self.c.initiate_connection()
        self.slow_window = False
        if random.random() < 0.2:
            # a second SETTINGS: whatever the proxy already sent counts against the smaller window
            self.c.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: random.choice([1000, 5000])})
            self.slow_window = True
        self.flush()
        self.streams = {}   # id -> [headers, bytearray of the body so far]
        self.ready = []     # ids whose request ended, in order

    def flush(self):
        d = self.c.data_to_send()
        if d:
            self.s.sendall(d)

    def pump(self):
        """Reads once and records what came; EOFError when the proxy closed."""
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        try:
            events = self.c.receive_data(d)
        except h2.exceptions.ProtocolError as e:
            print("PROTOCOL ERROR from the proxy: %r" % e, flush=True)
            self.flush()
            raise EOFError
        for e in events:
            if isinstance(e, h2.events.RequestReceived):
                h = dict(e.headers)
                self.streams[e.stream_id] = [h, bytearray()]
                if h.get(b":path", b"").startswith(b"/early"):
                    self.early(e.stream_id)
                elif h.get(b"expect", b"").lower() == b"100-continue":
                    # RFC 9110 10.1.1: an origin server MUST answer a 100-continue expectation
                    self.c.send_headers(e.stream_id, [(b":status", b"100")])
            elif isinstance(e, h2.events.DataReceived):
                # What was read is granted back at once, byte for byte (the library's own
                # window manager, acknowledge_received_data, assumes the proxy's window never
                # goes below zero, and stopped granting after the smaller SETTINGS: a deadlock
                # behind Epoxy and HAProxy alike).
                st = self.streams.get(e.stream_id)
                if st is not None:
                    st[1] += e.data
                    if self.slow_window and random.random() < 0.05:
                        time.sleep(0.001)  # the window comes back late
                if e.flow_controlled_length:
                    self.c.increment_flow_control_window(e.flow_controlled_length)
                    if st is not None and not e.stream_ended:
                        self.c.increment_flow_control_window(e.flow_controlled_length, e.stream_id)
                if st is None:
                    continue
                if st[0].get(b":path", b"").startswith(b"/rstup") and len(st[1]) >= int(st[0].get(b"content-length", b"0")) // 2:
                    self.reset(e.stream_id, random.choice([h2.errors.ErrorCodes.CANCEL, h2.errors.ErrorCodes.INTERNAL_ERROR]))
            elif isinstance(e, h2.events.StreamEnded):
                st = self.streams.get(e.stream_id)
                if st is not None and st[0].get(b":method") in (b"GET", b"HEAD") and random.random() < 0.01:
                    self.refuse(e.stream_id)
                elif st is not None:
                    self.ready.append(e.stream_id)
            elif isinstance(e, h2.events.StreamReset):
                self.forget(e.stream_id)
            elif isinstance(e, h2.events.ConnectionTerminated):
                self.flush()
                raise EOFError
        self.flush()

    def forget(self, sid):
        self.streams.pop(sid, None)
        if sid in self.ready:
            self.ready.remove(sid)

    def reset(self, sid, code):
        self.forget(sid)
        try:
            self.c.reset_stream(sid, code)
        except h2.exceptions.StreamClosedError:
            pass
        self.flush()

    def refuse(self, sid):
        """Unprocessed, as a server at its limits or shutting down does, by REFUSED_STREAM or by
        a GOAWAY below the stream: a client may send it again (RFC 9113 8.7). Only requests
        without a body: a proxy cannot send again one whose body was not whole when it first
        sent it (Epoxy then answers 502 to an HTTP/1 client, H2ServerRefusalTest)."""
        if random.random() < 0.5 or len(self.streams) > 1:  # (a GOAWAY only when it is alone)
            self.reset(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
            return
        self.forget(sid)
        self.c.close_connection(last_stream_id=sid - 2 if sid > 1 else 0)
        self.flush()
        self.close()

    def close(self):
        """FIN, then input is read and dropped until the proxy closes (a close with input unread
        would be a reset)."""
        self.s.shutdown(socket.SHUT_WR)
        self.s.settimeout(2)
        while self.s.recv(65536):
            pass
        raise EOFError

    def early(self, sid):
        """413 before the upload is read, then RST_STREAM(NO_ERROR)."""
        self.c.send_headers(sid, [(b":status", b"413"), (b"content-length", b"4")])
        self.c.send_data(sid, b"big\n", end_stream=True)
        self.reset(sid, h2.errors.ErrorCodes.NO_ERROR)

    def send_body(self, sid, data, frame, pad, end):
        """data (not empty) in frames of at most `frame` bytes, as the proxy's windows allow;
        False when the stream went away meanwhile."""
        i = 0
        while i < len(data):
            if sid not in self.streams:
                return False
            p = random.randint(0, 32) if pad else None  # padding counts against the windows
            room = min(self.c.local_flow_control_window(sid), self.c.max_outbound_frame_size)
            n = min(frame, len(data) - i, room - (p + 1 if p is not None else 0))
            if n <= 0:
                self.pump()  # for a WINDOW_UPDATE
                continue
            self.c.send_data(sid, data[i:i + n], end_stream=end and i + n == len(data), pad_length=p)
            self.flush()
            i += n
        return True

    def answer(self, sid):
        h, req = self.streams[sid]
        path = h.get(b":path", b"/").decode()
        if path.startswith("/u"):
            b = b"%d %08x" % (len(req), zlib.crc32(bytes(req)))
        else:
            n = int(query(path, "size", random.choice(SIZES)))
            b = body(n)
        status = query(path, "status", "200")
        if h.get(b":method") == b"HEAD" or status in ("204", "304"):
            # no body: the head ends the stream (a 204 carries no content-length, RFC 9110 8.6)
            head = [(b":status", status.encode())]
            if status != "204" and random.random() < 0.7:
                head.append((b"content-length", b"%d" % len(b)))
            self.c.send_headers(sid, head, end_stream=True)
            self.flush()
            self.forget(sid)
            return
        if path.startswith("/cut"):
            self.c.send_headers(sid, [(b":status", b"200"), (b"content-length", b"%d" % len(b))])
            self.flush()
            self.send_body(sid, b[:len(b) // 2], 16384, False, False)
            cut = query(path, "cut", random.choice(["rst", "tcp", "short"]))
            if cut == "rst":
                self.reset(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
                return
            if cut == "short":  # END_STREAM short of the content-length: malformed (RFC 9113 8.1.1)
                self.c.send_data(sid, b"", end_stream=True)
                self.flush()
                self.forget(sid)
                return
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raise EOFError
        if random.random() < 0.1:
            self.c.send_headers(sid, [(b":status", b"103"), (b"link", b"</s.css>; rel=preload")])
        head = [(b":status", b"200"), (b"content-type", b"application/octet-stream")]
        if random.random() < 0.7:
            head.append((b"content-length", b"%d" % len(b)))
        # how the stream ends: END_STREAM on the last DATA (or on the HEADERS, with no body), on
        # an empty DATA frame after it, or on trailers; a dribbled body ends with an empty DATA
        dribble = random.random() < 0.05
        end = "trailers" if random.random() < 0.15 else "empty" if dribble or random.random() < 0.2 else "last"
        self.c.send_headers(sid, head, end_stream=not b and end == "last")
        self.flush()
        frame = random.choice([16384, 16384, 1000, 1 if len(b) <= 2000 else 100])
        pad = random.random() < 0.2
        if random.random() < 0.1:
            self.c.ping(b"rude-h2!")
        if random.random() < 0.05:
            self.c.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 100})
        pieces = [b[k * len(b) // 4:(k + 1) * len(b) // 4] for k in range(4)] if dribble else [b]
        for k, q in enumerate(pieces):
            if q and not self.send_body(sid, q, frame, pad, end == "last" and k == len(pieces) - 1):
                return
            if dribble:
                time.sleep(0.002)
        if sid not in self.streams:
            return
        if end == "trailers":
            self.c.send_headers(sid, [(b"x-sum", b"%08x" % zlib.crc32(b))], end_stream=True)
        elif end == "empty":
            self.c.send_data(sid, b"", end_stream=True)
        self.flush()
        self.forget(sid)
        if self.streams or random.random() < 0.8:
            return
        # Once nothing is in flight: a close, with a GOAWAY or not. A stream the proxy opened
        # meanwhile was never processed: the GOAWAY's last stream id says so.
        if random.random() < 0.5:
            self.c.close_connection(last_stream_id=self.c.highest_inbound_stream_id)
            self.flush()
        self.close()

    def serve(self):
        while True:
            while self.ready:
                self.answer(self.ready.pop(0))
            self.pump()


def serve(s):
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        Origin(s).serve()
    except (EOFError, OSError):
        pass
    except Exception:
        traceback.print_exc()
        sys.stderr.flush()


serve_forever(PORT, serve, backlog=1024)
