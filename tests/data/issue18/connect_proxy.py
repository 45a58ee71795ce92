# Minimal HTTP CONNECT proxy for one loopback test capture (127.0.0.1 only).
import socket, threading, sys
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    finally:
        try: b.shutdown(socket.SHUT_WR)
        except OSError: pass
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', int(sys.argv[1]))); srv.listen(1)
c, _ = srv.accept()
head = b''
while b'\r\n\r\n' not in head: head += c.recv(1)
host, port = head.split(b' ')[1].decode().rsplit(':', 1)
assert host == '127.0.0.1'
u = socket.create_connection((host, int(port)))
c.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
t = threading.Thread(target=pipe, args=(u, c)); t.start()
pipe(c, u); t.join()
