#!/usr/bin/env bash
# Times the reference tools on a capture and prints a Markdown table to compare h2lens against.
#
#   bench/baseline.sh FILE [-- CMD ARGS... [-- CMD ARGS...]]
#
# Always measured:
#   tcpdump  tcpdump -r FILE -w /dev/null                      (floor: read + write every packet)
#   tshark   tshark -n -r FILE -o tcp.reassemble_out_of_order:TRUE -Y http2 -T fields
#              -e http2.header.value -d tcp.port==8080,http2 -d tcp.port==8081,http2
# plus every extra command given after "--" (e.g. -- build/release/cli/h2lens flows FILE).
# Each command runs RUNS times (env, default 1) under /usr/bin/time -v with stdout to /dev/null;
# the table shows the median wall time, user+sys CPU of that run and the highest peak RSS.
# The file is read once beforehand so every command starts with a warm page cache.
# MB are 10^6 bytes. Ratios are wall time / wall time of tcpdump and of tshark.
set -euo pipefail

usage() {
  echo "usage: $0 FILE [-- CMD ARGS... [-- CMD ARGS...]]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
FILE=$1
shift
[ -r "$FILE" ] || {
  echo "cannot read $FILE" >&2
  exit 1
}
[ -x /usr/bin/time ] || {
  echo "/usr/bin/time missing (apt-get install time)" >&2
  exit 1
}
RUNS=${RUNS:-1}

# show ARGS...: the command as a readable shell line (quoted only where needed)
show() {
  local a out=
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+="${out:+ }$a"; else out+="${out:+ }$(printf '%q' "$a")"; fi
  done
  printf '%s' "$out"
}
NAMES=(tcpdump tshark)
CMDS=(
  "$(show tcpdump -r "$FILE" -w /dev/null)"
  "$(show tshark -n -r "$FILE" -o tcp.reassemble_out_of_order:TRUE -Y http2 -T fields \
    -e http2.header.value -d tcp.port==8080,http2 -d tcp.port==8081,http2)"
)
# extra commands: everything after each "--"
if [ $# -gt 0 ]; then
  [ "$1" = "--" ] || usage
  cur=()
  flush() {
    [ ${#cur[@]} -gt 0 ] || usage
    local name
    name=$(basename "${cur[0]}")
    [[ ${cur[1]:-} =~ ^[a-z][a-z0-9_-]*$ ]] && name+=" ${cur[1]}"
    NAMES+=("$name")
    CMDS+=("$(show "${cur[@]}")")
    cur=()
  }
  shift
  for a in "$@"; do
    if [ "$a" = "--" ]; then flush; else cur+=("$a"); fi
  done
  flush
fi

TMP=$(mktemp -d /tmp/h2lens-baseline.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
SIZE=$(stat -L -c %s "$FILE")
cat "$FILE" >/dev/null

declare -a SEC CPU RSS
for i in "${!CMDS[@]}"; do
  echo "== ${NAMES[$i]}: ${CMDS[$i]}" >&2
  walls=()
  rss=0
  for r in $(seq "$RUNS"); do
    log=$TMP/time.$i.$r
    t0=$(date +%s%N)
    if ! /usr/bin/time -v -o "$log" bash -c "${CMDS[$i]} >/dev/null 2>$TMP/stderr.$i"; then
      echo "command failed (exit status in $log):" >&2
      tail -5 "$TMP/stderr.$i" >&2
      exit 1
    fi
    t1=$(date +%s%N)
    # wall time measured here: /usr/bin/time only reports 10 ms resolution
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$log")
    kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
    [ "$kb" -gt "$rss" ] && rss=$kb
    walls+=("$wall $cpu")
    echo "   run $r: ${wall} s wall, ${cpu} s cpu, $((kb / 1024)) MB peak RSS" >&2
  done
  median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
  SEC[i]=${median% *}
  CPU[i]=${median#* }
  RSS[i]=$rss
done

PACKETS=$(capinfos -M -c "$FILE" 2>/dev/null | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }' || true)
echo
echo "file: $FILE, $SIZE bytes ($(awk -v s="$SIZE" 'BEGIN { printf "%.1f", s / 1e6 }') MB), ${PACKETS:-?} packets;" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), runs $RUNS"
echo
echo "| command | seconds | cpu s | MB/s | peak RSS MB | vs tcpdump | vs tshark |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for i in "${!CMDS[@]}"; do
  awk -v n="${NAMES[$i]}" -v s="${SEC[$i]}" -v c="${CPU[$i]}" -v kb="${RSS[$i]}" -v size="$SIZE" \
    -v t0="${SEC[0]}" -v t1="${SEC[1]}" 'BEGIN {
      mbs = s > 0 ? sprintf("%.1f", size / 1e6 / s) : "inf"
      r0 = t0 > 0 ? sprintf("%.2fx", s / t0) : "-"
      r1 = t1 > 0 ? sprintf("%.3fx", s / t1) : "-"
      printf "| %s | %.3f | %.2f | %s | %.1f | %s | %s |\n", n, s, c, mbs, kb / 1024, r0, r1 }'
done
echo
for i in "${!CMDS[@]}"; do echo "- ${NAMES[$i]}: \`${CMDS[$i]}\`"; done
