#!/usr/bin/env bash
# One run that measures h2lens against tshark and the libpcap floor on both capture shapes and
# prints Markdown tables (the README's performance figures come from it).
#
#   bench/compare.sh [H2LENS_BINARY]        (default build/release/cli/h2lens)
#
# Captures (made when missing, which needs root: bench/make_big_capture.sh, veth + namespaces):
#   wire-sized      bench/data/big.pcap       offloads off, segments <= 1448 bytes
#   large segments  bench/data/big_gro.pcap   OFFLOADS=1: TSO/GSO/GRO on, tens of KB a segment
#   multi-file      bench/data/multi/big-1.pcap, big-2.pcap: two hard links to big.pcap (or
#                   copies); the page cache is warm for both either way
# Commands, each RUNS times (env, default 3; TSHARK_RUNS default 1; NO_TSHARK=1 skips tshark),
# stdout to /dev/null, wall time by the shell, CPU and peak RSS by /usr/bin/time:
#   floor    tcpdump -r F -w /dev/null
#   tshark   tshark -n -r F -o tcp.reassemble_out_of_order:TRUE -Y http2 -T fields
#              -e http2.header.value -d tcp.port==8080,http2 -d tcp.port==8081,http2
#   streams  h2lens streams -q F
#   export   h2lens export -q --ndjson -o /dev/null F
#   multi    h2lens export -q --ndjson -o /dev/null --jobs J big-1.pcap big-2.pcap (J = 1, 2)
# Medians; "vs floor" = wall / tcpdump's wall on that file; "tshark / this" = tshark's wall /
# this wall; MB/s over the capture bytes read (both files for multi). MB = 10^6 bytes.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/release/cli/h2lens}
RUNS=${RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-1}
DATA=$ROOT/bench/data
WIRE=$DATA/big.pcap
GRO=$DATA/big_gro.pcap
[ -x "$BIN" ] || { echo "no h2lens binary at $BIN (build it first)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (apt-get install time)" >&2; exit 1; }

make_capture() { # FILE ENV...
  local file=$1
  shift
  [ -s "$file" ] && return 0
  [ "$(id -u)" -eq 0 ] || { echo "$file is missing; making it needs root (bench/make_big_capture.sh)" >&2; exit 1; }
  echo "== making $file" >&2
  env "$@" "$ROOT/bench/make_big_capture.sh" 700 "$file" >&2
}
make_capture "$WIRE" OFFLOADS=0
make_capture "$GRO" OFFLOADS=1
mkdir -p "$DATA/multi"
for i in 1 2; do
  m=$DATA/multi/big-$i.pcap
  if ! [ "$m" -ef "$WIRE" ] && ! cmp -s "$m" "$WIRE"; then
    rm -f "$m"
    ln "$WIRE" "$m" 2>/dev/null || cp "$WIRE" "$m"
  fi
done

TMP=$(mktemp -d /tmp/h2lens-compare.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# measure RUNS CMD...: prints "wall cpu rss_kb" of the median run (by wall time)
measure() {
  local runs=$1 r t0 t1 line
  shift
  : >"$TMP/runs"
  for r in $(seq "$runs"); do
    t0=$(date +%s%N)
    local status=0
    /usr/bin/time -f "%U %S %M" -o "$TMP/time" "$@" >/dev/null 2>"$TMP/stderr" || status=$?
    # 1 is h2lens's "damaged capture" (reading stopped early); anything higher is a failure
    if [ "$status" -gt 1 ]; then
      echo "failed ($status): $*" >&2
      tail -3 "$TMP/stderr" >&2
      exit 1
    fi
    t1=$(date +%s%N)
    line=$(tail -1 "$TMP/time")
    awk -v a="$t0" -v b="$t1" -v l="$line" 'BEGIN { split(l, f, " "); printf "%.3f %.2f %d\n", (b - a) / 1e9, f[1] + f[2], f[3] }' >>"$TMP/runs"
  done
  sort -n "$TMP/runs" | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'
}

ROWS=()
# row SHAPE NAME BYTES FLOOR_WALL TSHARK_WALL WALL CPU RSS_KB
row() {
  ROWS+=("$(awk -v s="$1" -v n="$2" -v bytes="$3" -v fl="$4" -v ts="$5" -v w="$6" -v c="$7" -v kb="$8" 'BEGIN {
    vf = fl > 0 ? sprintf("%.2fx", w / fl) : "-"
    vt = (ts > 0 && w > 0) ? sprintf("%.1fx", ts / w) : "-"
    printf "| %s | %s | %.3f | %.2f | %.0f | %.0f | %s | %s |", s, n, w, c, bytes / 1e6 / w, kb / 1024, vf, vt }')")
}

declare -A WALL
run_shape() { # SHAPE FILE
  local shape=$1 f=$2 size floor tshark=0 m
  size=$(stat -L -c %s "$f")
  cat "$f" >/dev/null
  echo "== $shape: $f" >&2
  m=$(measure "$RUNS" tcpdump -r "$f" -w /dev/null)
  floor=${m%% *}
  row "$shape" "tcpdump -r F -w /dev/null (floor)" "$size" "$floor" 0 $m
  if [ "${NO_TSHARK:-0}" != 1 ]; then
    m=$(measure "$TSHARK_RUNS" tshark -n -r "$f" -o tcp.reassemble_out_of_order:TRUE -Y http2 -T fields \
      -e http2.header.value -d tcp.port==8080,http2 -d tcp.port==8081,http2)
    tshark=${m%% *}
    row "$shape" "tshark (http2.header.value)" "$size" "$floor" 0 $m
  fi
  m=$(measure "$RUNS" "$BIN" streams -q "$f")
  WALL[$shape.streams]=${m%% *}
  row "$shape" "h2lens streams" "$size" "$floor" "$tshark" $m
  m=$(measure "$RUNS" "$BIN" export -q --ndjson -o /dev/null "$f")
  WALL[$shape.export]=${m%% *}
  row "$shape" "h2lens export --ndjson" "$size" "$floor" "$tshark" $m
  if [ "$shape" = wire-sized ]; then
    local opts name
    # --jobs 1 hashes on every core within the capture (--threads 0); --jobs 2 decodes both
    # captures at once with one thread each (--threads 1), so "--jobs 1 --threads 1" is the
    # one-capture-at-a-time baseline with the same per-capture work. --interleave drops the
    # list order, so the second capture's records need not wait in a temporary file.
    for opts in "--jobs 1" "--jobs 1 --threads 1" "--jobs 2" "--jobs 2 --interleave"; do
      # shellcheck disable=SC2086
      m=$(measure "$RUNS" "$BIN" export -q --ndjson -o /dev/null $opts "$DATA/multi/big-1.pcap" "$DATA/multi/big-2.pcap")
      name=${opts// /_}
      WALL[multi.$name]=${m%% *}
      row "2 x wire-sized" "h2lens export --ndjson $opts (2 files)" $((size * 2)) "$(awk -v f="$floor" 'BEGIN { print f * 2 }')" \
        "$(awk -v t="$tshark" 'BEGIN { print t * 2 }')" $m
    done
  fi
}

run_shape wire-sized "$WIRE"
run_shape "large segments" "$GRO"

echo
echo "$(basename "$BIN") $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); RUNS=$RUNS, TSHARK_RUNS=$TSHARK_RUNS"
for f in "$WIRE" "$GRO"; do
  echo "- $(basename "$f"): $(stat -L -c %s "$f") bytes, $(capinfos -M -c "$f" 2>/dev/null | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }') packets"
done
echo
echo "| capture | command | wall s | CPU s | MB/s | peak RSS MB | vs floor | tshark / this |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
awk -v a="${WALL[wire-sized.export]}" -v b="${WALL[wire-sized.streams]}" -v c="${WALL[large segments.export]}" \
  -v d="${WALL[large segments.streams]}" -v m1="${WALL[multi.--jobs_1]}" -v m11="${WALL[multi.--jobs_1_--threads_1]}" \
  -v m2="${WALL[multi.--jobs_2]}" -v mi="${WALL[multi.--jobs_2_--interleave]}" 'BEGIN {
  printf "export / streams: wire-sized %.2fx, large segments %.2fx\n", a / b, c / d
  printf "two captures: --jobs 1 / --jobs 2 = %.2fx; --jobs 1 --threads 1 / --jobs 2 = %.2fx\n", m1 / m2, m11 / m2
  printf "two captures, --interleave: --jobs 1 / --jobs 2 --interleave = %.2fx; --jobs 1 --threads 1 / --jobs 2 --interleave = %.2fx\n", m1 / mi, m11 / mi }'
