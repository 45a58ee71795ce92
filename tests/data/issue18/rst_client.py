# h2c client for one loopback test capture: GET /big.bin, RST_STREAM(CANCEL) after ~100 KB.
import socket, struct, time
def frame(t, f, sid, payload=b''):
    return struct.pack('>I', len(payload))[1:] + bytes([t, f]) + struct.pack('>I', sid) + payload
s = socket.create_connection(('127.0.0.1', 18590))
path, auth = b'/big.bin', b'127.0.0.1:18590'
hdr = b'\x82\x86' + b'\x44' + bytes([len(path)]) + path + b'\x41' + bytes([len(auth)]) + auth
s.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
          + frame(4, 0, 0, struct.pack('>HI', 4, 1 << 24))
          + frame(8, 0, 0, struct.pack('>I', (1 << 24)))
          + frame(1, 5, 1, hdr))
got, buf, reset = 0, b'', False
s.settimeout(0.3)
end = time.time() + 3
while time.time() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        if reset: break
        continue
    if not d: break
    buf += d
    while len(buf) >= 9:
        n = int.from_bytes(buf[:3], 'big')
        if len(buf) < 9 + n: break
        t, fl = buf[3], buf[4]
        if t == 4 and not fl & 1: s.sendall(frame(4, 1, 0))
        if t == 0: got += n
        buf = buf[9 + n:]
    if got > 100000 and not reset:
        s.sendall(frame(3, 0, 1, struct.pack('>I', 8)))
        reset = True
s.sendall(frame(7, 0, 0, struct.pack('>II', 0, 0)))
s.close()
print('received', got)
