#!/usr/bin/env bash
# Makes bench/data/big.pcap: a large h2c capture with wire-sized packets for speed work.
#
#   bench/make_big_capture.sh [SIZE_MB] [OUT_FILE]     (run as root; SIZE_MB default 700)
#   OFFLOADS=1 bench/make_big_capture.sh                -> bench/data/big_gro.pcap (large segments)
#
# Client and servers live in two network namespaces of our own joined by a veth pair with
# MTU 1500 and TSO/GSO/GRO/checksum offloads off, and tcpdump captures on the client-side veth,
# so TCP segments carry <= 1448 payload bytes (a realistic packet count; loopback would give
# 64 KiB segments). No traffic leaves the machine.
#   4 connections: h2load -c 4 -m 10 -> nghttpd 10.201.0.1:8080   (~55 % of the requests)
#   4 connections: h2load -c 4 -m 10 -> h2o     10.201.0.1:8081   (~45 %, if h2o is installed)
# over a URI list mixing 16..256 KiB bodies with small objects (same mix as
# /work/shared/captures/big/run.sh). The request count is derived from SIZE_MB (about 67 KB of
# capture per request); the file ends up within a few percent of SIZE_MB (10^6 bytes).
# Decode with: tshark -d tcp.port==8080,http2 -d tcp.port==8081,http2
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MB=${1:-700}
# TLS=1: the same traffic over TLS (h2 via ALPN), with the client's key log beside the capture
# (OUT without .pcap + .keys), to measure decryption against the h2c decode.
TLS=${TLS:-0}
# OFFLOADS=1: leave TSO/GSO/GRO and checksum offloads on, as on most hosts: the capture then
# sees the large segments the kernel hands tcpdump (tens of KB each, few packets, checksums not
# filled in) instead of wire-sized ones. Same traffic otherwise.
OFFLOADS=${OFFLOADS:-0}
# tcpdump's kernel buffer (KiB). With offloads on, segments arrive faster than tcpdump writes
# them and the kernel drops some (a few hundred to a few thousand, varying from run to run),
# as on a busy host: the capture then has gaps, which is part of that shape.
CAPTURE_BUFFER_KIB=${CAPTURE_BUFFER_KIB:-131072}
if [ "$TLS" = 1 ]; then
  DEFAULT_OUT=$ROOT/bench/data/big_tls.pcap
elif [ "$OFFLOADS" = 1 ]; then
  DEFAULT_OUT=$ROOT/bench/data/big_gro.pcap
else
  DEFAULT_OUT=$ROOT/bench/data/big.pcap
fi
OUT=${2:-$DEFAULT_OUT}
KEYS=${OUT%.pcap}.keys
WORK=/tmp/h2lens-big
NS_SRV=h2lens_bsrv NS_CLI=h2lens_bcli VETH_SRV=h2lb-srv VETH_CLI=h2lb-cli
SRV_IP=10.201.0.1 CLI_IP=10.201.0.2
BYTES_PER_REQUEST=67000 # measured: 62 KB average body + TCP/IP/pcap headers, ACKs, frames
export PATH=/usr/local/sbin:/usr/sbin:/sbin:$PATH

[ "$(id -u)" -eq 0 ] || {
  echo "run as root (network namespaces, capture)" >&2
  exit 1
}
if ! [[ $SIZE_MB =~ ^[0-9]+$ ]] || [ "$SIZE_MB" -lt 1 ]; then
  echo "usage: $0 [SIZE_MB] [OUT_FILE]" >&2
  exit 2
fi
for tool in nghttpd h2load tcpdump ip ethtool capinfos python3; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool" >&2
    exit 1
  }
done
HAVE_H2O=0
command -v h2o >/dev/null && HAVE_H2O=1
IN_SRV=(ip netns exec "$NS_SRV")
IN_CLI=(ip netns exec "$NS_CLI")

mkdir -p "$WORK" "$(dirname "$OUT")"
python3 - "$WORK/www" <<'PY'
import os, random, sys
root = sys.argv[1]
os.makedirs(root, exist_ok=True)
def put(name, data):
    with open(os.path.join(root, name), "wb") as f:
        f.write(data)
for kib in (16, 32, 64, 128, 256):
    put(f"{kib}k.bin", random.Random(kib).randbytes(kib * 1024))
put("small.txt", b"hello world\n")
put("index.html", b"<!DOCTYPE html>\n<html><body>\n" + b"h2lens benchmark page\n" * 60 + b"</body></html>\n")
PY

OUR_PIDS=()
CAP_PID=
netns_teardown() {
  ip netns del $NS_SRV 2>/dev/null || true
  ip netns del $NS_CLI 2>/dev/null || true
}
cleanup() {
  local p
  if [ -n "$CAP_PID" ]; then
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
  fi
  for p in "${OUR_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${OUR_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  OUR_PIDS=()
  netns_teardown
}
trap cleanup EXIT
wait_port() {
  local _
  for _ in $(seq 100); do
    "${IN_SRV[@]}" ss -Hltn "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  return 1
}

netns_teardown
ip netns add $NS_SRV
ip netns add $NS_CLI
ip link add $VETH_SRV type veth peer name $VETH_CLI
ip link set $VETH_SRV netns $NS_SRV
ip link set $VETH_CLI netns $NS_CLI
ip -n $NS_SRV addr add $SRV_IP/24 dev $VETH_SRV
ip -n $NS_CLI addr add $CLI_IP/24 dev $VETH_CLI
ip -n $NS_SRV link set lo up
ip -n $NS_CLI link set lo up
ip -n $NS_SRV link set $VETH_SRV up mtu 1500
ip -n $NS_CLI link set $VETH_CLI up mtu 1500
OFFLOAD_STATE=off
[ "$OFFLOADS" = 1 ] && OFFLOAD_STATE=on
set_offloads() { # NETNS DEV
  ip netns exec "$1" ethtool -K "$2" tso $OFFLOAD_STATE gso $OFFLOAD_STATE gro $OFFLOAD_STATE \
    tx $OFFLOAD_STATE rx $OFFLOAD_STATE >/dev/null
}
set_offloads $NS_SRV $VETH_SRV
set_offloads $NS_CLI $VETH_CLI

if [ "$TLS" = 1 ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=h2lens-bench -days 2 \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
  "${IN_SRV[@]}" nghttpd -a $SRV_IP -d "$WORK/www" 8080 "$WORK/key.pem" "$WORK/cert.pem" \
    >"$WORK/nghttpd.log" 2>&1 &
else
  "${IN_SRV[@]}" nghttpd --no-tls -a $SRV_IP -d "$WORK/www" 8080 >"$WORK/nghttpd.log" 2>&1 &
fi
OUR_PIDS+=($!)
wait_port 8080
if [ $HAVE_H2O -eq 1 ]; then
  mkdir -p "$WORK/h2o"
  cat >"$WORK/h2o/h2o.conf" <<CONF
user: root
pid-file: $WORK/h2o/h2o.pid
error-log: $WORK/h2o/error.log
listen:
  port: 8081
  host: $SRV_IP
$(if [ "$TLS" = 1 ]; then printf '  ssl:\n    certificate-file: %s\n    key-file: %s\n' "$WORK/cert.pem" "$WORK/key.pem"; fi)
hosts:
  default:
    paths:
      /:
        file.dir: $WORK/www
CONF
  "${IN_SRV[@]}" h2o -m worker -c "$WORK/h2o/h2o.conf" >"$WORK/h2o/stdout.log" 2>&1 &
  OUR_PIDS+=($!)
  wait_port 8081
fi

TOTAL_REQ=$((SIZE_MB * 1000000 / BYTES_PER_REQUEST))
[ $TOTAL_REQ -ge 8 ] || TOTAL_REQ=8
if [ $HAVE_H2O -eq 1 ]; then
  N_NGD=$((TOTAL_REQ * 55 / 100))
  N_H2O=$((TOTAL_REQ - N_NGD))
else
  N_NGD=$TOTAL_REQ
  N_H2O=0
fi
for p in 8080 8081; do
  scheme=http
  [ "$TLS" = 1 ] && scheme=https
  printf "$scheme://$SRV_IP:$p%s\n" /16k.bin /32k.bin /64k.bin /128k.bin /256k.bin /small.txt \
    /index.html /64k.bin /32k.bin /16k.bin >"$WORK/uris_$p.txt"
done

CAP_LOG=$WORK/capture.log
rm -f "$OUT"
"${IN_CLI[@]}" tcpdump -Z root -n -s 0 -B "$CAPTURE_BUFFER_KIB" -i $VETH_CLI -w "$OUT" "tcp port 8080 or tcp port 8081" \
  2>"$CAP_LOG" &
CAP_PID=$!
for _ in $(seq 100); do
  grep -q "listening on" "$CAP_LOG" 2>/dev/null && break
  sleep 0.1
done
sleep 0.5

echo "h2load: $N_NGD requests -> nghttpd:8080, $N_H2O -> h2o:8081 (target $SIZE_MB MB)" >&2
rm -f "$KEYS"
[ "$TLS" = 1 ] && export SSLKEYLOGFILE=$KEYS
timeout 1800 "${IN_CLI[@]}" h2load -n $N_NGD -c 4 -m 10 -i "$WORK/uris_8080.txt" |
  grep -E "finished in|requests:|traffic:" >&2
if [ "$N_H2O" -gt 0 ]; then
  timeout 1800 "${IN_CLI[@]}" h2load -n $N_H2O -c 4 -m 10 -i "$WORK/uris_8081.txt" |
    grep -E "finished in|requests:|traffic:" >&2
fi
sleep 2
kill -INT $CAP_PID
wait $CAP_PID || true
CAP_PID=
cat "$CAP_LOG" >&2
if grep -Eq "^[1-9][0-9]* packets? dropped by kernel" "$CAP_LOG"; then
  echo "WARNING: tcpdump reports kernel drops; the capture has holes" >&2
fi
cleanup
if [ "$TLS" = 1 ]; then
  [ -s "$KEYS" ] || { echo "h2load wrote no key log to $KEYS" >&2; exit 1; }
  echo "key log: $KEYS ($(wc -l <"$KEYS") lines)" >&2
fi
capinfos -M -c -s -d -u "$OUT" | tee "${OUT%.pcap}.capinfos.txt"
