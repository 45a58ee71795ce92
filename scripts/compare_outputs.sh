#!/usr/bin/env bash
# Runs two h2lens binaries over every capture in samples/, tests/data/ and ../shared and reports each command
# whose output differs: the proof that a refactoring kept every output byte for byte.
#   scripts/compare_outputs.sh OLD_BINARY NEW_BINARY [COMMAND-SET]
# COMMAND-SET "refactor" (default) runs the commands whose output is meant to stay the same.
# Exit 0 when every output is identical, 1 otherwise (differences listed on stdout).
set -uo pipefail
old="$1"
new="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="$here/../shared"
captures=("$here"/samples/*.pcap "$here"/samples/*.pcapng)
while IFS= read -r f; do captures+=("$f"); done < <(find "$here/tests/data" -name '*.pcap' -o -name '*.pcapng' | sort)
if [ -d "$shared" ]; then
  while IFS= read -r f; do captures+=("$f"); done < <(find "$shared" -name '*.pcap' -o -name '*.pcapng' | sort)
fi
# "ARGS" or "OLD ARGS|NEW ARGS" where the new binary needs an option to ask for the old output
# (e.g. "streams --json|streams --json --sort end" across the change that sorted the rows).
commands=(
  "summary --color never"
  "streams"
  "streams --json"
  "frames"
  "frames --json"
  "audit --json"
  "flows"
  "flows --json"
  "export -o -"
  "export --ndjson -o -"
  "export --har -o -"
  "export --frames --ndjson -o -"
)
keylog_for() {
  local d k
  d="$(dirname "$1")"
  for k in "$d/keylog.txt" "${1%.*}.keys"; do
    [ -f "$k" ] && { echo "$k"; return; }
  done
}
differ=0
checked=0
for cap in "${captures[@]}"; do
  key="$(keylog_for "$cap")"
  for pair in "${commands[@]}"; do
    oldcmd="${pair%%|*}"
    cmd="${pair#*|}"
    extra=()
    if [ -n "$key" ] && [[ "$cmd" != flows* ]]; then extra=(--keylog "$key"); fi
    # shellcheck disable=SC2086
    a="$("$old" $oldcmd "${extra[@]}" -q "$cap" 2>&1 | md5sum)"
    # shellcheck disable=SC2086
    b="$("$new" $cmd "${extra[@]}" -q "$cap" 2>&1 | md5sum)"
    checked=$((checked + 1))
    if [ "$a" != "$b" ]; then
      echo "DIFFERS: h2lens $cmd ${extra[*]} $cap"
      differ=$((differ + 1))
    fi
  done
done
echo "$checked outputs compared, $differ differ"
[ "$differ" -eq 0 ]
