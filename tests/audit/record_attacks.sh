#!/bin/bash
# Records each HTTP/2 attack of attack_client.py against a real server on 127.0.0.1 (nghttpd
# and h2o from Debian), tcpdump capturing on lo, one small pcap per attack, and writes
# MANIFEST.md beside them with what each holds and what the server answered.
# Needs root (tcpdump on lo), nghttpd, h2o, tcpdump, /usr/bin/python3 with hyperframe and hpack
# (python3-hyperframe, python3-hpack). Bounded: each attack sends at most a few thousand frames
# and stops by itself within 20 s (slow-read takes 11 s); traffic goes to 127.0.0.1 only.
#   tests/audit/record_attacks.sh [OUTDIR]   (default: tests/data/attacks)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mkdir -p "${1:-$HERE/../data/attacks}" && cd "${1:-$HERE/../data/attacks}" && pwd)
WORK=$(mktemp -d)
chmod 755 "$WORK"  # h2o started as root serves files as nobody
NGHTTPD_PORT=19480 NGHTTPD_LIMITED_PORT=19482 H2O_PORT=19481
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/www"
echo '<html><body>attack target</body></html>' > "$WORK/www/index.html"
head -c 1048576 /dev/zero | tr '\0' 'z' > "$WORK/www/1m.bin"

nghttpd --no-tls -a 127.0.0.1 -d "$WORK/www" "$NGHTTPD_PORT" > "$WORK/nghttpd.log" 2>&1 &
PIDS+=($!)
nghttpd --no-tls -a 127.0.0.1 -m 10 -d "$WORK/www" "$NGHTTPD_LIMITED_PORT" \
    > "$WORK/nghttpd_limited.log" 2>&1 &
PIDS+=($!)
cat > "$WORK/h2o.conf" <<CONF
listen:
  host: 127.0.0.1
  port: $H2O_PORT
error-log: $WORK/h2o_error.log
hosts:
  default:
    paths:
      /:
        file.dir: $WORK/www
CONF
h2o -m worker -c "$WORK/h2o.conf" > "$WORK/h2o.log" 2>&1 &
PIDS+=($!)
sleep 1

# attack server port: what is sent is described in attack_client.py
ATTACKS=(
    "rapid-reset nghttpd $NGHTTPD_PORT"
    "continuation-flood h2o $H2O_PORT"
    "hpack-bomb nghttpd $NGHTTPD_PORT"
    "settings-flood h2o $H2O_PORT"
    "ping-flood nghttpd $NGHTTPD_PORT"
    "empty-frames h2o $H2O_PORT"
    "reset-flood nghttpd $NGHTTPD_PORT"
    "slow-read nghttpd $NGHTTPD_PORT"
    "priority-churn h2o $H2O_PORT"
    "stream-limit nghttpd-m10 $NGHTTPD_LIMITED_PORT"
)

{
    echo "# Attack captures"
    echo
    echo "Recorded by \`tests/audit/record_attacks.sh\` on $(date -u +%Y-%m-%d) ($(nghttpd --version 2>&1 | head -1), $(h2o --version | head -1), $(tcpdump --version 2>&1 | head -1))."
    echo "Client: \`tests/audit/attack_client.py ATTACK 127.0.0.1 PORT\` (raw frames, hyperframe + hpack)."
    echo "One connection per file (connection 0). \"server sent\" is what the client read back."
    echo
    echo "| file | server | bytes | packets | server sent |"
    echo "|---|---|---:|---:|---|"
} > "$OUT/MANIFEST.md"

# Not an attack: h2load at 100 concurrent streams, nghttpd's own limit, which no audit
# threshold may take for one (the ordinary traffic the defaults are measured against).
ATTACKS+=("ordinary-h2load-m100 nghttpd $NGHTTPD_PORT")

for entry in "${ATTACKS[@]}"; do
    read -r name server port <<< "$entry"
    file="$OUT/$name.pcap"
    tcpdump -i lo -s 0 -B 65536 --immediate-mode -U -w "$file" "tcp port $port" > "$WORK/tcpdump.log" 2>&1 &
    dump=$!
    sleep 1
    if [ "$name" = ordinary-h2load-m100 ]; then
        timeout 30 h2load -n 1000 -c 1 -m 100 "http://127.0.0.1:$port/index.html" \
            > "$WORK/h2load.log" 2>&1 || echo "h2load exited with $?" >> "$WORK/$name.log"
        grep -E '^requests:' "$WORK/h2load.log" >> "$WORK/$name.log" || true
    else
        timeout 30 /usr/bin/python3 "$HERE/attack_client.py" "$name" 127.0.0.1 "$port" \
            2> "$WORK/$name.log" || echo "$name: client exited with $?" >> "$WORK/$name.log"
    fi
    sleep 1  # tcpdump writes what the kernel still holds
    kill "$dump"
    wait "$dump" || true
    answer=$(grep -v '^$' "$WORK/$name.log" | tr '\n' ' ' | sed 's/ *$//')
    packets=$(tcpdump -r "$file" 2>/dev/null | wc -l)
    echo "| \`$name.pcap\` | $server | $(stat -c %s "$file") | $packets | $answer |" >> "$OUT/MANIFEST.md"
    echo "$name: $(stat -c %s "$file") bytes, $packets packets; $answer"
done
