#!/usr/bin/python3
"""An h2c client that sends every kind of priority signal (for scripts/record_priority_captures.sh).

Usage: priority_client.py HOST PORT SCENARIO
  rfc9218: GETs with `priority` headers (u=, i, an unknown key), then PRIORITY_UPDATE frames
           (type 0x10) for an open request stream and for an idle one.
  rfc7540: GETs with PRIORITY in HEADERS, raw PRIORITY frames: exclusive insertion, a subtree
           move under its own descendant (RFC 7540 §5.3.3), a dependency on an idle stream and,
           last, a stream that depends on itself (§5.3.1; the server may reset it).
Raw frames are written to the socket between the h2 library's bytes (h2 does not send
PRIORITY_UPDATE, nor a self-dependency).
"""
import socket
import struct
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def priority(stream, dep, weight_wire, exclusive=False):
    return frame(0x2, 0, stream, struct.pack(">I", dep | (0x80000000 if exclusive else 0)) + bytes([weight_wire]))


def priority_update(prioritized, value):
    return frame(0x10, 0, 0, struct.pack(">I", prioritized) + value.encode())


def main():
    host, port, scenario = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sock = socket.create_connection((host, port))
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    if scenario == "rfc9218":
        # SETTINGS_NO_RFC7540_PRIORITIES in the first SETTINGS (RFC 9218 §2.1: it must not change).
        conn.local_settings = h2.settings.Settings(client=True, initial_values={0x9: 1})
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())

    def headers(path, extra=()):
        return [(":method", "GET"), (":scheme", "http"), (":authority", f"{host}:{port}"), (":path", path)] + list(extra)

    def send(raw=b""):
        sock.sendall(conn.data_to_send() + raw)

    open_streams = set()
    if scenario == "rfc9218":
        for sid, path, pri in ((1, "/big", "u=5"), (3, "/style.css", "u=0"), (5, "/app.js", "u=1, i"),
                               (7, "/img.png", "u=6, i, x-unknown=?1")):
            conn.send_headers(sid, headers(path, [("priority", pri)]), end_stream=True)
            open_streams.add(sid)
        send(priority_update(1, "u=7") + priority_update(9, "u=2"))  # 9 is still idle
        time.sleep(0.05)
        conn.send_headers(9, headers("/late.js"), end_stream=True)
        open_streams.add(9)
        send()
    else:
        conn.send_headers(1, headers("/big"), end_stream=True, priority_weight=32, priority_depends_on=0)
        conn.send_headers(3, headers("/style.css"), end_stream=True, priority_weight=201, priority_depends_on=1)
        conn.send_headers(5, headers("/app.js"), end_stream=True, priority_weight=16, priority_depends_on=1)
        conn.send_headers(7, headers("/img.png"), end_stream=True, priority_weight=8, priority_depends_on=3)
        open_streams.update({1, 3, 5, 7})
        # 9 inserted exclusively under 1 (3 and 5 move below it), 1 moved below its descendant 7
        # (7 first moves up to 1's old parent), 11 depends on idle 13.
        send(priority(9, 1, 99, exclusive=True))
        time.sleep(0.02)
        send(priority(1, 7, 63))
        time.sleep(0.02)
        send(priority(11, 13, 0))
        time.sleep(0.02)
        conn.send_headers(15, headers("/app.js"), end_stream=True, priority_weight=256, priority_depends_on=9,
                          priority_exclusive=True)
        open_streams.add(15)
        send()
    deadline = time.time() + 5
    done = set()
    while done != open_streams and time.time() < deadline:
        data = sock.recv(65536)
        if not data:
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                done.add(ev.stream_id)
        send()
    if scenario == "rfc7540":
        send(priority(17, 17, 15))  # depends on itself: RFC 7540 §5.3.1
        time.sleep(0.1)
    conn.close_connection()
    send()
    sock.close()


if __name__ == "__main__":
    main()
