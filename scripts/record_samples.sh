#!/usr/bin/env bash
# Records the small sample captures in samples/ from real HTTP/2 programs talking over loopback
# (127.0.0.1 only), plus tshark's decode of each as the expected reference, and writes
# samples/README.md from what was actually run.
#
# Run as root (tcpdump/dumpcap on lo):  scripts/record_samples.sh [OUT_DIR]
# Needs: nghttpd nghttp h2load curl tcpdump dumpcap tshark capinfos python3; h2o is optional
# (without it the gzip GET and the Upgrade sample are skipped, never faked).
#
# Body content is deterministic (seeded generator below); ports, timestamps, TCP sequence
# numbers and interleaving are not, so re-running gives equivalent but not byte-identical files.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/samples}
WORK=/tmp/h2lens-samples # fixed so the commands recorded in the README are readable
WWW=$WORK/www
MAX_SAMPLE_BYTES=$((300 * 1024))
MAX_TOTAL_BYTES=$((1500 * 1024))
export PATH=/usr/local/sbin:/usr/sbin:/sbin:$PATH

[ "$(id -u)" -eq 0 ] || {
  echo "run as root (packet capture on lo)" >&2
  exit 1
}
for tool in nghttpd nghttp h2load curl tcpdump dumpcap tshark capinfos python3; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool" >&2
    exit 1
  }
done
HAVE_H2O=0
command -v h2o >/dev/null && HAVE_H2O=1

rm -rf "$WORK"
mkdir -p "$WORK" "$OUT/expected"
rm -f "$OUT"/expected/*.tshark.txt

# ---- deterministic document root ---------------------------------------------------------
python3 - "$WWW" <<'PY'
import os, random, sys
root = sys.argv[1]
def put(name, data):
    p = os.path.join(root, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
def binary(seed, n):
    return random.Random(seed).randbytes(n)
def text(seed, n):
    r = random.Random(seed)
    words = ("http2 frame stream header settings window update data push promise "
             "continuation goaway ping priority hpack huffman table index literal").split()
    out, size = [], 0
    while size < n:
        w = r.choice(words)
        out.append(w)
        size += len(w) + 1
    s = " ".join(out)
    return ("\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n").encode()[:n]
put("index.html", b"<!DOCTYPE html>\n<html><head><title>h2lens sample</title></head>\n<body>\n"
    + text(1, 1200) + b"</body></html>\n")
put("style.css", text(2, 4096))
put("app.js", text(3, 10240))
put("img/a.png", binary(4, 3000))
put("small.txt", b"hello world\n")
put("empty.txt", b"")
put("1k.bin", binary(5, 1024))
put("40k.bin", binary(6, 40 * 1024))
put("200k.bin", binary(7, 200 * 1024))
put("gz/app.js", text(3, 10240))      # same bytes as /app.js, served with gzip by h2o
put("upload/20k.txt", text(8, 20 * 1024))  # request body, not served
PY

# ---- processes: only what we start is ever stopped -----------------------------------------
OUR_PIDS=()
CAP_PID=
cleanup() {
  local p
  if [ -n "$CAP_PID" ]; then
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
  fi
  for p in "${OUR_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${OUR_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

port_busy() { ss -Hatn "( sport = :$1 or dport = :$1 )" | grep -q .; }
# free_port BASE: first port >= BASE with no socket on it
free_port() {
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); done
  echo "$p"
}
wait_port() {
  local _
  for _ in $(seq 100); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  return 1
}

# ---- servers ------------------------------------------------------------------------------
NGD_PORT=$(free_port 18480)
nghttpd --no-tls -a 127.0.0.1 -d "$WWW" "$NGD_PORT" >"$WORK/nghttpd.log" 2>&1 &
OUR_PIDS+=($!)
wait_port "$NGD_PORT"
NGD=http://127.0.0.1:$NGD_PORT

if [ $HAVE_H2O -eq 1 ]; then
  H2O_PORT=$(free_port $((NGD_PORT + 1)))
  mkdir -p "$WORK/h2o"
  # /gz/ is the only path with compression, so every other h2o response is uncompressed
  cat >"$WORK/h2o/h2o.conf" <<CONF
user: root
pid-file: $WORK/h2o/h2o.pid
error-log: $WORK/h2o/error.log
listen:
  port: $H2O_PORT
  host: 127.0.0.1
hosts:
  default:
    paths:
      /gz:
        file.dir: $WWW/gz
        compress: [gzip]
      /:
        file.dir: $WWW
CONF
  h2o -m worker -c "$WORK/h2o/h2o.conf" >"$WORK/h2o/stdout.log" 2>&1 &
  OUR_PIDS+=($!)
  wait_port "$H2O_PORT"
  H2O=http://127.0.0.1:$H2O_PORT
fi

# ---- capture helpers ------------------------------------------------------------------------
# Per sample: the commands run (for the README) and the tshark decode-as options.
declare -A CMDS DECODE DESC
ORDER=()
CUR=

# begin_sample NAME DESCRIPTION
begin_sample() {
  CUR=$1
  ORDER+=("$1")
  DESC[$1]=$2
  CMDS[$1]=
}
# quote_args ARGS...: the arguments as one shell command line (quoted only where needed)
quote_args() {
  local a out=
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
      out+="${out:+ }$a"
    else
      out+="${out:+ }'${a//\'/\'\\\'\'}'"
    fi
  done
  printf '%s' "$out"
}
# note_cmd CMD...: run a client command and record it in the README (output to WORK)
note_cmd() {
  CMDS[$CUR]+="${CMDS[$CUR]:+; }$(quote_args "$@")"
  timeout 60 "$@" >>"$WORK/$CUR.client.log" 2>&1
}
# start_tcpdump FILE FILTER [extra tcpdump options]
start_tcpdump() {
  local file=$1 filter=$2
  shift 2
  rm -f "$file"
  CAP_LOG=$WORK/$CUR.capture.log
  CMDS[$CUR]="$(quote_args tcpdump -i lo -s 0 -U "$@" -w "$(basename "$file")" "$filter")"
  tcpdump -Z root -n -i lo -s 0 -U --immediate-mode -B 16384 "$@" -w "$file" "$filter" 2>"$CAP_LOG" &
  CAP_PID=$!
  wait_listening "listening on"
}
# start_dumpcap FILE FILTER (pcapng)
start_dumpcap() {
  local file=$1 filter=$2
  rm -f "$file"
  CAP_LOG=$WORK/$CUR.capture.log
  CMDS[$CUR]="$(quote_args dumpcap -i lo -s 0 -f "$filter" -w "$(basename "$file")")"
  dumpcap -i lo -s 0 -f "$filter" -w "$file" 2>"$CAP_LOG" &
  CAP_PID=$!
  wait_listening "Capturing on"
}
wait_listening() {
  local _
  for _ in $(seq 100); do
    grep -q "$1" "$CAP_LOG" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.3
}
stop_capture() {
  sleep 1 # let the last FIN/ACKs land
  kill -INT "$CAP_PID"
  wait "$CAP_PID" || true
  CAP_PID=
  if grep -Eq "^[1-9][0-9]* packets? dropped by kernel" "$CAP_LOG"; then
    echo "kernel dropped packets for $CUR:" >&2
    cat "$CAP_LOG" >&2
    exit 1
  fi
}

# ---- samples ------------------------------------------------------------------------------
begin_sample h2c_nghttp.pcap \
  "h2c prior knowledge, one connection, 6 multiplexed GETs: small bodies, an empty body, a 40 KiB body (several DATA frames), one 404; nghttp's PRIORITY anchor streams"
DECODE[$CUR]="-d tcp.port==$NGD_PORT,http2"
start_tcpdump "$OUT/$CUR" "tcp port $NGD_PORT"
note_cmd nghttp -nv "$NGD/index.html" "$NGD/style.css" "$NGD/small.txt" "$NGD/empty.txt" \
  "$NGD/40k.bin" "$NGD/missing.html"
stop_capture

begin_sample h2c_curl_post.pcap \
  "curl h2c prior knowledge: POST of a 20 KiB request body (HEADERS + DATA 16384 + DATA 4096 END_STREAM, sent before the server's SETTINGS arrive) to nghttpd$([ $HAVE_H2O -eq 1 ] && echo "; second connection: GET with accept-encoding: gzip answered by h2o with content-encoding: gzip")"
if [ $HAVE_H2O -eq 1 ]; then
  DECODE[$CUR]="-d tcp.port==$NGD_PORT,http2 -d tcp.port==$H2O_PORT,http2"
  start_tcpdump "$OUT/$CUR" "tcp port $NGD_PORT or tcp port $H2O_PORT"
else
  DECODE[$CUR]="-d tcp.port==$NGD_PORT,http2"
  start_tcpdump "$OUT/$CUR" "tcp port $NGD_PORT"
fi
note_cmd curl -sS --http2-prior-knowledge -o /dev/null -H "content-type: text/plain" \
  --data-binary @"$WWW/upload/20k.txt" "$NGD/small.txt"
if [ $HAVE_H2O -eq 1 ]; then
  note_cmd curl -sS --http2-prior-knowledge --compressed -o /dev/null "$H2O/gz/app.js"
fi
stop_capture

begin_sample h2load_small.pcap \
  "h2load, 2 connections x 100 requests cycling over uris.txt = /small.txt /index.html /1k.bin /empty.txt, up to 10 concurrent streams each (stream ids up to 199); repeated request headers exercise HPACK dynamic-table indexing"
DECODE[$CUR]="-d tcp.port==$NGD_PORT,http2"
printf "$NGD%s\n" /small.txt /index.html /1k.bin /empty.txt >"$WORK/uris.txt"
start_tcpdump "$OUT/$CUR" "tcp port $NGD_PORT"
note_cmd h2load -n 200 -c 2 -m 10 -i "$WORK/uris.txt"
stop_capture

if [ $HAVE_H2O -eq 1 ]; then
  begin_sample h2c_upgrade.pcap \
    "HTTP/1.1 GET with Upgrade: h2c + HTTP2-Settings -> 101 Switching Protocols -> response on stream 1 in HTTP/2, then client preface, PRIORITY anchor streams 3-11 and GETs on streams 13, 15 (nghttp -u); second connection: curl --http2 upgrade, then a second GET on stream 3"
  # decoded as http (not http2) so tshark sees the HTTP/1.1 request and follows the upgrade
  DECODE[$CUR]="-d tcp.port==$H2O_PORT,http"
  start_tcpdump "$OUT/$CUR" "tcp port $H2O_PORT"
  note_cmd nghttp -nv -u "$H2O/index.html" "$H2O/style.css" "$H2O/small.txt"
  note_cmd curl -sS --http2 -o /dev/null "$H2O/small.txt" -o /dev/null "$H2O/img/a.png"
  stop_capture
fi

begin_sample small_windows.pcap \
  "nghttp with a 16 KiB stream window and a 32 KiB connection window (-w 14 -W 15) fetching 200 KiB plus a small file: many WINDOW_UPDATEs on stream 0 and the stream, the server stalls on flow control"
DECODE[$CUR]="-d tcp.port==$NGD_PORT,http2"
start_tcpdump "$OUT/$CUR" "tcp port $NGD_PORT"
note_cmd nghttp -nv -w 14 -W 15 "$NGD/200k.bin" "$NGD/small.txt"
stop_capture

begin_sample h2c_dumpcap.pcapng \
  "pcapng (SHB, IDB with if_name/filter, EPBs) written by dumpcap: nghttp GETs of 3 files in one connection"
DECODE[$CUR]="-d tcp.port==$NGD_PORT,http2"
start_dumpcap "$OUT/$CUR" "tcp port $NGD_PORT"
note_cmd nghttp -nv "$NGD/index.html" "$NGD/img/a.png" "$NGD/1k.bin"
stop_capture

begin_sample h2c_nano.pcap \
  "pcap with nanosecond timestamps (magic a1b23c4d): curl h2c prior knowledge HEAD and GET, one connection each"
DECODE[$CUR]="-d tcp.port==$NGD_PORT,http2"
start_tcpdump "$OUT/$CUR" "tcp port $NGD_PORT" --time-stamp-precision nano
note_cmd curl -sS --http2-prior-knowledge -I -o /dev/null "$NGD/style.css"
note_cmd curl -sS --http2-prior-knowledge -o /dev/null "$NGD/app.js"
stop_capture

cleanup
OUR_PIDS=()

# ---- reference decodes, size checks, README -------------------------------------------------
FIELDS=(-T fields -e frame.number -e tcp.stream -e http2.streamid -e http2.type -e http2.flags -e http2.length)
total=0
for name in "${ORDER[@]}"; do
  f=$OUT/$name
  size=$(stat -c %s "$f")
  total=$((total + size))
  if [ "$size" -ge $MAX_SAMPLE_BYTES ]; then
    echo "$name is $size bytes (limit $MAX_SAMPLE_BYTES)" >&2
    exit 1
  fi
  exp=$OUT/expected/${name%.*}.tshark.txt
  # shellcheck disable=SC2086 # DECODE holds several words on purpose
  tshark -n -r "$f" ${DECODE[$name]} -Y http2 "${FIELDS[@]}" >"$exp" 2>"$WORK/tshark.err" || {
    cat "$WORK/tshark.err" >&2
    exit 1
  }
  [ -s "$exp" ] || {
    echo "tshark found no HTTP/2 in $name" >&2
    exit 1
  }
done
[ $total -lt $MAX_TOTAL_BYTES ] || {
  echo "samples total $total bytes (limit $MAX_TOTAL_BYTES)" >&2
  exit 1
}

ver() { "$@" 2>/dev/null | head -1; }
{
  echo "# Sample captures"
  echo
  echo "Small real HTTP/2 (h2c) captures recorded on 127.0.0.1 by \`scripts/record_samples.sh\`"
  echo "on $(date -u +%Y-%m-%d) ($(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release), kernel $(uname -r))."
  echo "Loopback: TCP checksums are not filled in (offload) and segments can be up to 64 KiB."
  echo
  echo "Programs: $(ver nghttpd --version) (nghttpd, nghttp, h2load);"
  echo "$(curl --version | head -1 | cut -d' ' -f1-2) with $(curl --version | head -1 | grep -o 'nghttp2/[0-9.]*');"
  [ $HAVE_H2O -eq 1 ] && echo "$(ver h2o --version);"
  echo "$(tcpdump --version 2>&1 | head -2 | tr '\n' ' ')/ $(dumpcap --version 2>/dev/null | head -1 | cut -d' ' -f1-3);"
  echo "reference decodes by $(ver tshark --version | cut -d' ' -f1-3)."
  echo "Servers: \`nghttpd --no-tls -a 127.0.0.1 -d WWW $NGD_PORT\`"
  [ $HAVE_H2O -eq 1 ] && echo "and h2o 2.2.5 on 127.0.0.1:$H2O_PORT (cleartext listener: h2c prior knowledge and Upgrade; \`compress: [gzip]\` only under /gz/)."
  echo "WWW is generated by the script from fixed seeds (identical bodies on every run)."
  echo
  echo "\`expected/<file name without extension>.tshark.txt\` is tshark's decode, made with"
  echo "\`tshark -n -r FILE <decode-as> -Y http2 -T fields -e frame.number -e tcp.stream -e http2.streamid -e http2.type -e http2.flags -e http2.length\`"
  echo "(one line per packet with HTTP/2; several frames in a packet give comma-separated values)."
  echo "\`MANIFEST.tsv\` lists every sample with its size, packet count and tshark decode-as options."
  echo
  echo "| file | bytes | packets | decode-as | how it was made | what it shows |"
  echo "|---|---:|---:|---|---|---|"
  for name in "${ORDER[@]}"; do
    f=$OUT/$name
    pk=$(capinfos -M -c "$f" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
    cmd=${CMDS[$name]//$WORK\//}
    cmd=${cmd//|/\\|}
    echo "| \`$name\` | $(stat -c %s "$f") | $pk | \`${DECODE[$name]}\` | \`$cmd\` | ${DESC[$name]} |"
  done
  echo
  [ $HAVE_H2O -eq 1 ] || echo "Skipped: gzip response and Upgrade: h2c (h2o not installed; nghttpd supports neither)."
} >"$OUT/README.md"

# machine-readable: file, bytes, packets, tshark decode-as options (ports differ between runs)
{
  printf "file\tbytes\tpackets\ttshark_options\n"
  for name in "${ORDER[@]}"; do
    f=$OUT/$name
    pk=$(capinfos -M -c "$f" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
    printf "%s\t%s\t%s\t%s\n" "$name" "$(stat -c %s "$f")" "$pk" "${DECODE[$name]}"
  done
} >"$OUT/MANIFEST.tsv"
chmod 644 "$OUT"/*.pcap "$OUT"/*.pcapng

ls -l "$OUT" "$OUT/expected"
echo "total $total bytes"
