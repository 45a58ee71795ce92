#!/usr/bin/env bash
# Second quick-start command (and what CI runs): builds everything with warnings as errors and
# runs the whole test suite with ctest. Pass "asan" to use the sanitizer preset instead.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
./scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset"
