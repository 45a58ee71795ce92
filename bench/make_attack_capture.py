#!/usr/bin/python3
"""Writes a large synthetic pcap of one HTTP/2 attack, to check that the decoder survives it
within its memory caps (bench/README.md, "Attacks scaled up"). One h2c connection on
127.0.0.1:40000 -> 127.0.0.1:8080: handshake, preface and SETTINGS both ways, then the attack
from the client in 16 KiB TCP segments until the file reaches SIZE, then FIN both ways.

  make_attack_capture.py continuation-flood|hpack-bomb OUT.pcap [SIZE_MB=1024] [--silent-server]

The server answers each attack stream with RST_STREAM(INTERNAL_ERROR), as nghttpd did in
tests/data/attacks/hpack-bomb.pcap. --silent-server leaves every stream open instead (a server
that no longer answers, or a capture of one direction's traffic).

continuation-flood: header blocks of 100 000 CONTINUATION frames of 16 bytes (2.5 MB each on
  the wire, so the decoder cuts every one at Limits::maxHeaderBlockBytes), each on a new stream.
hpack-bomb: one 4000-byte dynamic-table entry, then HEADERS frames of 16 384 one-byte
  references to it (64 MB decoded each, cut at Limits::maxHeaderListSize), each on a new stream.
"""
import struct
import sys

SEGMENT = 16384
CLIENT, SERVER = (bytes([127, 0, 0, 1]), 40000), (bytes([127, 0, 0, 1]), 8080)


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


class PcapWriter:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.t = 1_700_000_000 * 1_000_000  # microseconds
        self.seq = {0: 1000, 1: 5000}
        self.written = 24

    def packet(self, d, flags, payload=b""):
        (sip, sport), (dip, dport) = (CLIENT, SERVER) if d == 0 else (SERVER, CLIENT)
        tcp = struct.pack(">HHIIBBHHH", sport, dport, self.seq[d], self.seq[1 - d], 5 << 4, flags,
                          65535, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                         0, sip, dip)
        eth = b"\x00" * 12 + b"\x08\x00"
        data = eth + ip + tcp + payload
        self.t += 10  # 10 us apart: 100 000 packets a second
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(data),
                                 len(data)))
        self.f.write(data)
        self.written += 16 + len(data)
        self.seq[d] = (self.seq[d] + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF

    def stream(self, d, data):
        for i in range(0, len(data), SEGMENT):
            self.packet(d, 0x18, data[i:i + SEGMENT])


def stream_of(block):
    return struct.unpack(">I", block[5:9])[0] & 0x7FFFFFFF


def continuation_blocks():
    cont_payload = b"\x40\x05x-pad\x07" + b"0123456"  # one literal field per fragment
    stream = 1
    while True:
        head = frame(0x1, 0x1, stream, b"\x82\x86\x84\x41\x0e127.0.0.1:8080")  # END_STREAM only
        body = frame(0x9, 0x0, stream, cont_payload) * 99_999
        yield head + body + frame(0x9, 0x4, stream, cont_payload)
        stream += 2


def bomb_blocks():
    first = b"\x82\x86\x84\x41\x0e127.0.0.1:8080" + b"\x40\x06x-bomb\x7f\xa1\x1e" + b"a" * 4000
    yield frame(0x1, 0x5, 1, first)
    head = b"\x82\x86\x84"  # :method GET, :scheme http, :path / (static), then the references
    stream = 3
    while True:
        yield frame(0x1, 0x5, stream, head + b"\xbe" * (16384 - len(head)))
        stream += 2


def main():
    args = [a for a in sys.argv[1:] if a != "--silent-server"]
    silent = len(args) != len(sys.argv) - 1
    if len(args) < 2 or args[0] not in ("continuation-flood", "hpack-bomb"):
        sys.exit(__doc__)
    size = int(args[2] if len(args) > 2 else 1024) * 1024 * 1024
    sys.argv[1:3] = args[:2]
    w = PcapWriter(sys.argv[2])
    w.packet(0, 0x02)
    w.packet(1, 0x12)
    w.packet(0, 0x10)
    w.stream(0, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(0x4, 0, 0, b""))
    w.stream(1, frame(0x4, 0, 0, struct.pack(">HI", 3, 100)) + frame(0x4, 1, 0, b""))
    w.stream(0, frame(0x4, 1, 0, b""))
    blocks = continuation_blocks() if sys.argv[1] == "continuation-flood" else bomb_blocks()
    pending = b""
    ends = []  # (offset in the client's bytes where a block ends, its stream)
    sent = 0
    while w.written < size:
        while len(pending) < SEGMENT * 64:
            block = next(blocks)
            pending += block
            ends.append((sent + len(pending), stream_of(block)))
        for i in range(0, SEGMENT * 64, SEGMENT):
            w.packet(0, 0x18, pending[i:i + SEGMENT])
            sent += SEGMENT
            answers = b""
            while ends and ends[0][0] <= sent:
                answers += frame(0x3, 0, ends.pop(0)[1], struct.pack(">I", 2))
            if answers and not silent:
                w.stream(1, answers)
        pending = pending[SEGMENT * 64:]
    w.packet(0, 0x11)
    w.packet(1, 0x11)
    w.packet(0, 0x10)
    w.f.close()
    print(f"{sys.argv[2]}: {w.written} bytes")


if __name__ == "__main__":
    main()
