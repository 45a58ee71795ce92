#!/usr/bin/env bash
# Installs the Debian 12 packages h2lens needs to build, test and benchmark.
# Only packages that are missing are installed; nothing is fetched from outside Debian.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git
  libpcap-dev            # capture files and live capture (one target links it)
  libfmt-dev             # formatting (g++ 12 has no <format>)
  libcli11-dev           # CLI parsing
  nlohmann-json3-dev     # JSON output
  catch2                 # unit tests (2.13, catch2/catch.hpp)
  zlib1g-dev libbrotli-dev libzstd-dev   # content-encoding bodies
  libssl-dev             # TLS decryption (libcrypto)
  qt6-base-dev           # GUI
  tshark tcpdump         # reference decodes in tests, benchmark floor
  clang libclang-rt-14-dev   # libFuzzer targets
  libbenchmark-dev       # bench/
  nghttp2-client nghttp2-server curl util-linux   # live-capture tests: real peers on loopback
  brotli                 # brotli test data for the content-encoding tests
  node-har-validator     # HAR 1.2 schema check of the HAR export (tests/export/har/validate.js)
  h2o python3-h2         # scripts/record_priority_captures.sh: a second server, raw priority frames
  ethtool iproute2 time  # bench/make_big_capture.sh (veth offloads), bench/compare.sh (peak RSS)
  clickhouse-server clickhouse-client   # scripts/h2lens-db.sh and its test: NDJSON into ClickHouse
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "h2lens: installing missing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

