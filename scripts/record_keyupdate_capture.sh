#!/usr/bin/env bash
# Records tests/tls/data/tls13_keyupdate.pcap and its key log: openssl s_client and s_server
# (TLS 1.3, ALPN h2, 127.0.0.1 only) exchange HTTP/2 PING frames in records of up to 16 KB, and
# both directions change keys mid-stream (s_client's "K" command: KeyUpdate with
# update_requested, so the server answers with its own; then s_server's "k"). Used by the test
# that opens TLS records ahead on other threads: records after a KeyUpdate must not be opened
# with the old key. Run as root (tcpdump on lo). Needs openssl, tcpdump, python3.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/tests/tls/data}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PORT=14433
cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem \
  -out cert.pem -days 3650 -subj /CN=localhost 2>/dev/null
tcpdump -i lo -U -s 0 -w capture.pcap "tcp port $PORT" 2>/dev/null &
TCPDUMP=$!
sleep 1
python3 - "$PORT" <<'PY'
import subprocess, sys, time
port = sys.argv[1]
def ping(n, ack=False):
    # PING frames only: every byte is 0x00, 0x01, 0x06 or 0x08, so no chunk s_client or
    # s_server reads from stdin can start with one of their command letters.
    return (b"\x00\x00\x08\x06" + (b"\x01" if ack else b"\x00") + b"\x00" * 4 + b"\x00" * 8) * n
settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert", "cert.pem",
                        "-key", "key.pem", "-tls1_3", "-alpn", "h2",
                        "-keylogfile", "server.keys"],
                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1)
cli = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:" + port, "-tls1_3",
                        "-alpn", "h2", "-keylogfile", "client.keys"],
                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def send(p, data):
    p.stdin.write(data)
    p.stdin.flush()
    time.sleep(0.3)
time.sleep(1)
send(cli, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + settings)
send(srv, settings + b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
for _ in range(3):
    send(cli, ping(900))
    send(srv, ping(900))
send(cli, b"K\n")  # client KeyUpdate, update_requested: the server updates too
for _ in range(3):
    send(cli, ping(900))
    send(srv, ping(900))
send(srv, b"k\n")  # server KeyUpdate on its own
for _ in range(3):
    send(cli, ping(900))
    send(srv, ping(900))
time.sleep(0.5)
cli.terminate(); srv.terminate()
cli.wait(); srv.wait()
PY
sleep 1
kill "$TCPDUMP"
wait "$TCPDUMP" || true
mkdir -p "$OUT"
cp capture.pcap "$OUT/tls13_keyupdate.pcap"
cp client.keys "$OUT/tls13_keyupdate.keys"
ls -l "$OUT"/tls13_keyupdate.*
