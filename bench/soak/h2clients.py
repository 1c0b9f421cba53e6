#!/usr/bin/env python3
"""Checking and misbehaving HTTP/2 clients (h2c, prior knowledge) for the soak; hyper-h2
(Debian: python3-h2).

    h2clients.py PORT SECONDS WORKERS

For SECONDS, each worker loops over random actions on its own connections. The checked ones
count as FAILED when an answer is not exact:
- several GETs at once on one connection, some of them reset by the client halfway (CANCEL):
  every other stream's body is compared byte for byte with the origins' pattern;
- a POST, its body sent as the windows allow, answered with the length and CRC32 the origin read;
- a malformed request (an upper-case field name, a connection-specific field, or a bad
  content-length: RFC 9113 8.2, 8.1.1) between two GETs on the same connection: it must be
  refused (RST_STREAM, or a 400) and both GETs must complete exactly.
A stream refused with REFUSED_STREAM was not processed (RFC 9113 8.7) and is sent again on a new
connection, up to three times, as clients do, and counted. The rude actions (a reader that grants no window
after the first bytes, a connection closed or reset with streams in flight, a burst of PINGs and
SETTINGS) only need the proxy to answer or close. A socket that waits 10 s for the proxy is a
stall, and FAILED wherever it happens. Prints the counts, the failures by kind, then the first
20. Loopback only."""
import os, random, socket, struct, sys, time, zlib

import h2.config, h2.connection, h2.errors, h2.events, h2.exceptions, h2.settings
from wire import pattern as body
from tally import Tally

PORT = int(sys.argv[1])
SECONDS, WORKERS = float(sys.argv[2]), int(sys.argv[3])
tally = Tally()
count = tally.count


class Refused(Exception):
    """The proxy refused a stream with REFUSED_STREAM: it was not processed."""


class Client:
    """One HTTP/2 connection; streams[id] = {status, body, ended, reset}."""

    def __init__(self, window=None, validate=True):
        self.s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.c = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=True, header_encoding=None, validate_outbound_headers=validate,
            normalize_outbound_headers=validate, validate_inbound_headers=True))
        self.c.initiate_connection()
        if window is not None:
            self.c.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
        self.grant = window is None  # give back the window for what was read
        self.flush()
        self.streams = {}
        self.closed = False

    def flush(self):
        d = self.c.data_to_send()
        if d:
            self.s.sendall(d)

    def request(self, method, path, fields=(), end=True):
        sid = self.c.get_next_available_stream_id()
        head = [(b":method", method), (b":scheme", b"http"), (b":authority", b"soak"), (b":path", path)]
        self.c.send_headers(sid, head + list(fields), end_stream=end)
        self.flush()
        self.streams[sid] = {"status": None, "body": bytearray(), "ended": False, "reset": None}
        return sid

    def pump(self):
        """Reads once and records what came; EOFError when the proxy closed."""
        d = self.s.recv(65536)
        if not d:
            self.closed = True
            raise EOFError("the proxy closed the connection")
        for e in self.c.receive_data(d):
            st = self.streams.get(getattr(e, "stream_id", None) or 0)
            if isinstance(e, h2.events.ResponseReceived) and st is not None:
                st["status"] = int(dict(e.headers)[b":status"])
            elif isinstance(e, h2.events.DataReceived):
                if st is not None:
                    st["body"] += e.data
                if self.grant and e.flow_controlled_length:
                    self.c.increment_flow_control_window(e.flow_controlled_length)
                    if st is not None and not st["ended"] and not e.stream_ended:
                        try:
                            self.c.increment_flow_control_window(e.flow_controlled_length, e.stream_id)
                        except h2.exceptions.StreamClosedError:
                            pass
            elif isinstance(e, h2.events.StreamEnded) and st is not None:
                st["ended"] = True
            elif isinstance(e, h2.events.StreamReset) and st is not None and not st["ended"]:
                # (a reset after the end of the response only stops the rest of the request)
                st["reset"] = e.error_code
            elif isinstance(e, h2.events.ConnectionTerminated):
                # GOAWAY: streams above its last stream id were not processed (RFC 9113 6.8);
                # the others may still end, or fail when the connection does
                self.closed = True
                for i, st in self.streams.items():
                    if not st["ended"] and st["reset"] is None and i > (e.last_stream_id or 0):
                        st["reset"] = h2.errors.ErrorCodes.REFUSED_STREAM
        self.flush()

    def wait(self, sids):
        """Until each stream in sids ended or was reset."""
        while any(not self.streams[i]["ended"] and self.streams[i]["reset"] is None for i in sids):
            self.pump()

    def send_body(self, sid, data):
        i = 0
        while i < len(data):
            room = min(self.c.local_flow_control_window(sid), self.c.max_outbound_frame_size)
            if room <= 0:
                self.pump()
                if self.streams[sid]["reset"] is not None or self.streams[sid]["ended"]:
                    return
                continue
            n = min(room, len(data) - i)
            self.c.send_data(sid, data[i:i + n], end_stream=i + n == len(data))
            self.flush()
            i += n
        if not data:
            self.c.end_stream(sid)
            self.flush()

    def reset(self, sid, code=h2.errors.ErrorCodes.CANCEL):
        try:
            self.c.reset_stream(sid, code)
        except h2.exceptions.StreamClosedError:
            return  # it ended meanwhile
        self.flush()
        self.streams[sid]["reset"] = "ours"

    def close(self, abort=False):
        if abort:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif not self.closed:
            try:
                self.c.close_connection()
                self.flush()
            except (h2.exceptions.ProtocolError, OSError):
                pass
        self.s.close()


def check_get(st, n, what):
    if st["reset"] == h2.errors.ErrorCodes.REFUSED_STREAM:
        raise Refused()
    if st["reset"] is not None or st["status"] != 200 or bytes(st["body"]) != body(n):
        raise AssertionError("%s: reset %s, status %s, %d bytes for %d"
                             % (what, st["reset"], st["status"], len(st["body"]), n))


def refused_retry(action):
    """The action, again on a new connection while a stream of it is refused unprocessed, up to
    three times (a request too large for the proxy to keep a copy of is refused each time it
    meets a reused server connection the server had closed, and `http-reuse always` may give
    two in a row)."""
    for _ in range(3):
        try:
            action()
            return
        except Refused:
            count("retried after REFUSED_STREAM")
    action()


def multiplexed():
    c = Client()
    try:
        sizes = {}
        for _ in range(random.randint(2, 10)):
            n = random.choice([0, 3, 100, 2000, 20000, 200000])
            sizes[c.request(b"GET", b"/m?size=%d" % n)] = n
        cancel = [i for i in sizes if random.random() < 0.2]
        while cancel:
            # reset these once their final head came: a 103 after our RST_STREAM, which the
            # proxy may send before it reads the reset, is a ProtocolError for hyper-h2
            c.pump()
            for i in list(cancel):
                st = c.streams[i]
                if st["ended"] or st["reset"] is not None:
                    cancel.remove(i)
                elif st["status"] is not None:
                    c.reset(i)
                    cancel.remove(i)
        c.wait(list(sizes))
        for i, n in sizes.items():
            if c.streams[i]["reset"] != "ours":
                check_get(c.streams[i], n, "stream %d of %d" % (i, len(sizes)))
    finally:
        c.close()
    count("multiplexed ok")


def post():
    n = random.choice([0, 1, 100, 20000, 200000])
    data = os.urandom(n)
    c = Client()
    try:
        sid = c.request(b"POST", b"/u", [(b"content-length", b"%d" % n)] if random.random() < 0.5 else [], end=False)
        c.send_body(sid, data)
        c.wait([sid])
        st = c.streams[sid]
        if st["reset"] == h2.errors.ErrorCodes.REFUSED_STREAM:
            raise Refused()
        want = b"%d %08x" % (n, zlib.crc32(data))
        if st["reset"] is not None or st["status"] != 200 or bytes(st["body"]) != want:
            raise AssertionError("POST %d: reset %s, status %s, %r" % (n, st["reset"], st["status"], bytes(st["body"][:40])))
    finally:
        c.close()
    count("post ok")


MALFORMED = [[(b"X-Upper", b"1")], [(b"connection", b"keep-alive")], [(b"content-length", b"5")],
             [(b"te", b"gzip")]]


def malformed_between():
    """GET, a malformed GET, GET on one connection: the middle one refused, the others exact.
    (content-length 5 on a GET that ends with its HEADERS: the length does not match, 8.1.1)"""
    c = Client(validate=False)
    try:
        a = c.request(b"GET", b"/m?size=2000")
        bad = c.request(b"GET", b"/m?size=3", random.choice(MALFORMED))
        z = c.request(b"GET", b"/m?size=20000")
        c.wait([a, bad, z])
        if c.streams[bad]["reset"] is None and c.streams[bad]["status"] != 400:
            raise AssertionError("a malformed request was answered %s" % c.streams[bad]["status"])
        check_get(c.streams[a], 2000, "the stream before a malformed one")
        check_get(c.streams[z], 20000, "the stream after a malformed one")
    finally:
        c.close()
    count("malformed refused, neighbours ok")


def reader_that_stops():
    """Grants no window after the first 1000 bytes; the proxy then has nothing to send."""
    c = Client(window=1000)
    c.s.settimeout(0.2)
    try:
        c.request(b"GET", b"/slow?size=200000")
        for _ in range(3):
            try:
                c.pump()
            except socket.timeout:
                pass
            time.sleep(0.05)
    finally:
        c.close(abort=random.random() < 0.5)


def gone_with_streams():
    c = Client()
    for _ in range(random.randint(1, 8)):
        c.request(b"GET", b"/gone?size=%d" % random.choice([3, 20000, 200000]))
    if random.random() < 0.5:
        c.pump()
    c.close(abort=random.random() < 0.5)


def ping_settings_burst():
    c = Client()
    try:
        for i in range(20):
            c.c.ping(b"soak%04d" % i)
        for _ in range(5):
            c.c.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: random.randint(10, 100)})
        c.flush()
        sid = c.request(b"GET", b"/m?size=100")
        c.wait([sid])
        check_get(c.streams[sid], 100, "a GET after a burst of PINGs and SETTINGS")
    finally:
        c.close()
    count("burst answered")


# (share, name, action, checked): checked actions raise on a wrong answer; the rude ones only end
ACTIONS = [(0.45, "multiplexed", lambda: refused_retry(multiplexed), True),
           (0.25, "post", lambda: refused_retry(post), True),
           (0.1, "malformed", lambda: refused_retry(malformed_between), True),
           (0.04, "ping and settings burst", ping_settings_burst, True),
           (0.08, "slow reader", reader_that_stops, False),
           (0.08, "gone with streams", gone_with_streams, False)]


def worker(deadline):
    while time.time() < deadline:
        a = random.random()
        for share, what, action, checked in ACTIONS:
            if a < share:
                break
            a -= share
        try:
            action()
            if not checked:
                count(what)
        except (AssertionError, EOFError, OSError, Refused, h2.exceptions.ProtocolError) as e:
            if not checked and not isinstance(e, socket.timeout):
                count("rude, ended by an error (fine)")
                continue
            tally.fail(what, e)


tally.run(worker, WORKERS, SECONDS)
