#!/bin/bash
# Builds the fuzz preset (clang libFuzzer + ASan/UBSan) and runs every fuzz target for RUNS
# executions (default 10^6), one after the other with one job each, seeded with its corpus in
# fuzz/corpus/<target>/ plus inputs made from the recorded attack captures
# (tests/data/attacks/*.pcap: as pcapng for fuzz_pcapng, as TCP byte streams for fuzz_frames).
# Not run in CI (minutes to hours). New inputs go to build/fuzz/runs/<target>/ (thrown away);
# a crash is written to build/fuzz/crashes/<target>-crash-* and the script goes on, then lists
# them and exits 1. Copy a fixed crasher into fuzz/corpus/<target>/ so the replay tests keep it.
#   fuzz/run_all.sh [RUNS] [TARGET...]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUNS=${1:-1000000}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(filter frames hpack packet pcap pcapng tls)

cmake --preset fuzz > /dev/null || exit 2
cmake --build --preset fuzz -j2 --target "${TARGETS[@]/#/fuzz_}" || exit 2
OUT=build/fuzz/runs
CRASHES=build/fuzz/crashes
SEEDS=build/fuzz/seeds
mkdir -p "$OUT" "$CRASHES" "$SEEDS"

# Seeds from the attack captures, made with tools the test suite already needs.
CLI=build/release/cli/h2lens
if command -v editcap > /dev/null; then
    mkdir -p "$SEEDS/pcapng"
    for f in tests/data/attacks/*.pcap; do
        editcap -F pcapng -c 20 "$f" "$SEEDS/pcapng/$(basename "$f" .pcap).pcapng" 2> /dev/null
    done
fi
if [ -x "$CLI" ]; then
    mkdir -p "$SEEDS/frames"
    for f in tests/data/attacks/*.pcap; do
        dump=$(mktemp -d)
        "$CLI" flows -q --dump "$dump" "$f" > /dev/null 2>&1
        for d in "$dump"/*.c2s "$dump"/*.s2c; do
            [ -f "$d" ] || continue
            # fuzz_frames layout: byte 0 start mode (0: preface on c2s, 1: mid-stream), byte 1
            # the chunking seed, then the bytes (the first 8 KiB: fuzz_frames decodes each input
            # three times, and 64 KiB seeds ran at 134 executions a second).
            mode='\x00'
            [ "${d##*.}" = s2c ] && mode='\x01'
            { printf "$mode\x07"; head -c 8192 "$d"; } > "$SEEDS/frames/$(basename "$f" .pcap)-$(basename "$d")"
        done
        rm -rf "$dump"
    done
fi

status=0
for t in "${TARGETS[@]}"; do
    bin=build/fuzz/fuzz/fuzz_$t
    [ -x "$bin" ] || { echo "fuzz_$t: not built"; status=1; continue; }
    mkdir -p "$OUT/$t"
    dirs=("$OUT/$t" "fuzz/corpus/$t")
    [ -d "$SEEDS/$t" ] && dirs+=("$SEEDS/$t")
    echo "== fuzz_$t: $RUNS runs"
    start=$(date +%s)
    "$bin" "${dirs[@]}" -runs="$RUNS" -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$CRASHES/$t-" > "$OUT/$t.log" 2>&1
    rc=$?
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$OUT/$t.log"
    echo "fuzz_$t: exit $rc after $(( $(date +%s) - start )) s"
    [ $rc -ne 0 ] && status=1
done
ls "$CRASHES" 2> /dev/null | sed 's/^/crash: /'
exit $status
