#!/usr/bin/env bash
# Live capture under load (issue 19): nghttpd on loopback, h2load fetching a 64 KiB file, and
# `h2lens live -i lo` decoding it as it happens; prints one table row per run: requests, streams
# h2lens saw, packets lost in the kernel and in h2lens, the capture's rate, and h2lens's peak
# memory. Run as root (or with capture rights on lo). Traffic stays on 127.0.0.1.
#
#   bench/live_load.sh [REQUESTS...]            default: 20000 40000 80000
#   TLS=1 bench/live_load.sh 20000              the same over TLS: h2load writes its key log as
#                                               it runs (LD_PRELOAD shim of
#                                               ../shared/captures/tools/sslkeylog.c) and h2lens
#                                               follows it with --keylog
#   BUFFER=256 bench/live_load.sh 20000         h2lens live --buffer-size 256 (MiB)
#   LIVE_ARGS="--no-immediate" bench/live_load.sh   more options for h2lens live
#   GUI=1 bench/live_load.sh 20000              the GUI's live capture instead (h2lens-gui
#                                               --live-stats, offscreen): streams in its store,
#                                               the longest event-loop stall, the child's loss
#                                               line, how far the window fell behind the
#                                               child's file, the GUI's and the child's peak
#                                               memory
#
# Each run: a fresh h2lens live --ndjson --stats --duration, then after one second h2load -n N
# -c 4 -m 10; h2lens stops on its own (duration long enough for the load). Streams are counted
# from the NDJSON stream records; losses from h2lens's last line on stderr.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
H2LENS=${H2LENS:-$ROOT/build/release/cli/h2lens}
TLS=${TLS:-0}
BUFFER=${BUFFER:-}
PORT=${PORT:-19555}
REQUESTS=("$@")
[ ${#REQUESTS[@]} -eq 0 ] && REQUESTS=(20000 40000 80000)

for tool in nghttpd h2load /usr/bin/time; do
    command -v "$tool" > /dev/null || { echo "live_load: $tool is missing (scripts/install-deps.sh)" >&2; exit 2; }
done
[ -x "$H2LENS" ] || { echo "live_load: build h2lens first ($H2LENS)" >&2; exit 2; }
GUI=${GUI:-0}
H2LENS_GUI=${H2LENS_GUI:-$ROOT/build/release/gui/h2lens-gui}
if [ "$GUI" = 1 ]; then
    [ -x "$H2LENS_GUI" ] || { echo "live_load: build h2lens-gui first ($H2LENS_GUI)" >&2; exit 2; }
    [ "$TLS" = 1 ] && { echo "live_load: GUI=1 runs cleartext only" >&2; exit 2; }
fi

WORK=$(mktemp -d /tmp/h2lens-live-load.XXXXXX)
cleanup() {
    [ -n "${SERVER:-}" ] && kill "$SERVER" 2> /dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
head -c 65536 /dev/urandom > "$WORK/64k.bin"

serverArgs=(--no-tls)
scheme=http
keylogArgs=()
preload=()
if [ "$TLS" = 1 ]; then
    certs=$ROOT/../shared/captures/tools/certs
    shim=$ROOT/../shared/captures/tools/sslkeylog.c
    [ -f "$shim" ] || { echo "live_load: TLS=1 needs ../shared (the key log shim and certificates)" >&2; exit 2; }
    gcc -shared -fPIC -O2 -o "$WORK/sslkeylog.so" "$shim" -ldl
    serverArgs=("$certs/rsa.key" "$certs/rsa.crt")
    scheme=https
    : > "$WORK/keylog.txt"
    keylogArgs=(--keylog "$WORK/keylog.txt")
    preload=(env LD_PRELOAD="$WORK/sslkeylog.so" SSLKEYLOGFILE="$WORK/keylog.txt")
fi
nghttpd -a 127.0.0.1 -d "$WORK" "$PORT" "${serverArgs[@]}" > /dev/null 2>&1 &
SERVER=$!
for _ in $(seq 50); do
    (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null && break
    sleep 0.1
done

bufferArgs=()
[ -n "$BUFFER" ] && bufferArgs=(--buffer-size "$BUFFER")
read -r -a extraArgs <<< "${LIVE_ARGS:-}"

if [ "$GUI" = 1 ]; then
    printf '| %-6s | %8s | %8s | %5s | %12s | %s | %s | %s | %s |\n' run requests streams "MB/s" "longest stall" "window behind" "GUI peak memory" "child's peak memory (queue)" "losses (child)"
    printf '|%s|\n' "--------|----------|----------|-------|---------------|---------------|-----------------|-----------------------------|---------------"
fi
[ "$GUI" = 1 ] || printf '| %-6s | %8s | %8s | %12s | %12s | %9s | %11s |\n' \
    run requests streams "kernel drops" "h2lens drops" "MB/s" "peak memory"
[ "$GUI" = 1 ] || printf '|%s|\n' "--------|----------|----------|--------------|--------------|-----------|-------------"
run=0
for n in "${REQUESTS[@]}"; do
    run=$((run + 1))
    duration=$((n / 8000 + 6))
    if [ "$GUI" = 1 ]; then
        QT_QPA_PLATFORM=offscreen "$H2LENS_GUI" --live-stats lo --filter "tcp port $PORT" \
            --seconds "$duration" > "$WORK/gui.txt" 2> "$WORK/gui.err" &
        gui=$!
        sleep 1.5
        start=$(date +%s.%N)
        h2load -n "$n" -c 4 -m 10 "http://127.0.0.1:$PORT/64k.bin" > "$WORK/h2load.txt" 2>&1 || true
        end=$(date +%s.%N)
        mbs=$(awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n * 65536 / 1e6 / (e - s) }')
        wait "$gui" || true
        line=$(cat "$WORK/gui.txt")
        succeeded=$(grep -o '[0-9]* succeeded' "$WORK/h2load.txt" | grep -o '^[0-9]*' || echo "?")
        streams=$(grep -o '[0-9]* streams\?\b' <<< "$line" | grep -o '^[0-9]*' || echo "?")
        stall=$(grep -o 'stall [0-9.]* ms' <<< "$line" | grep -o '[0-9.]* ms' || echo "?")
        rss=$(grep -o 'peak RSS [0-9]*' <<< "$line" | awk '{ printf "%.1f MB", $3 / 1024 }')
        loss=$(grep -o 'lost [^;]*' <<< "$line" || echo "?")
        child=$(grep -o "child's peak queue [0-9.]* MB, peak memory [0-9.]* MB" <<< "$line" |
            awk '{ printf "%s MB (%s MB)", $8, $4 }' || true)
        [ -z "$child" ] && child="?"
        behind=$(grep -o 'at most [0-9]* MB behind' <<< "$line" | grep -o '[0-9]* MB' || echo "?")
        printf '| %-6s | %8s | %8s | %5s | %13s | %13s | %15s | %27s | %s |\n' "$run" "$succeeded" "$streams" "$mbs" "$stall" "$behind" "$rss" "$child" "$loss"
        [ -n "${VERBOSE:-}" ] && cat "$WORK/gui.txt" "$WORK/gui.err"
        continue
    fi
    /usr/bin/time -f '%M' -o "$WORK/rss" "$H2LENS" live -i lo -f "tcp port $PORT" \
        --duration "$duration" --ndjson --stats "${keylogArgs[@]}" "${bufferArgs[@]}" "${extraArgs[@]}" \
        > "$WORK/out.ndjson" 2> "$WORK/err.txt" &
    live=$!
    sleep 1
    start=$(date +%s.%N)
    "${preload[@]}" h2load -n "$n" -c 4 -m 10 "$scheme://127.0.0.1:$PORT/64k.bin" > "$WORK/h2load.txt" 2>&1 || true
    end=$(date +%s.%N)
    wait "$live" || true
    streams=$(grep -c '^{"conn":' "$WORK/out.ndjson" || true)
    last=$(grep '^h2lens: lost' "$WORK/err.txt" | tail -1 || true)
    kernel=$(grep -o '[0-9]* in the kernel buffer' <<< "$last" | grep -o '^[0-9]*' || true)
    ours=$(grep -o "[0-9]* in h2lens's decode queue" <<< "$last" | grep -o '^[0-9]*' || true)
    [ -z "$kernel" ] && kernel=0
    [ -z "$ours" ] && ours=0
    succeeded=$(grep -o '[0-9]* succeeded' "$WORK/h2load.txt" | grep -o '^[0-9]*' || echo "?")
    mbs=$(awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n * 65536 / 1e6 / (e - s) }')
    rss=$(awk '{ printf "%.1f MB", $1 / 1024 }' "$WORK/rss")
    printf '| %-6s | %8s | %8s | %12s | %12s | %9s | %11s |\n' \
        "$run" "$succeeded" "$streams" "$kernel" "$ours" "$mbs" "$rss"
    [ -n "${VERBOSE:-}" ] && { tail -3 "$WORK/err.txt"; }
done
