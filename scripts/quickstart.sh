#!/usr/bin/env bash
# First quick-start command: installs missing Debian packages, builds h2lens, and runs it on a
# bundled sample capture.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
sample=samples/h2c_nghttp.pcap
echo "== h2lens $sample"
./build/release/cli/h2lens "$sample"
echo "== h2lens streams $sample"
./build/release/cli/h2lens streams "$sample"
