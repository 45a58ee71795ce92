#!/usr/bin/env bash
# Records the priority captures of tests/data/priority (issue 17) on loopback: real clients that
# send RFC 7540 dependency trees and RFC 9218 priorities against nghttpd and h2o.
#   sudo scripts/record_priority_captures.sh [OUTDIR]   (default tests/data/priority)
# Needs root (tcpdump on lo), nghttpd, nghttp, h2o, curl, /usr/bin/python3 with h2.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/tests/data/priority}"
mkdir -p "$out"
work="$(mktemp -d)"
chmod 755 "$work"  # h2o serves as nobody
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A page whose assets nghttp -a fetches with its dependency tree (CSS and JS above images).
site="$work/site"
mkdir -p "$site"
cat > "$site/index.html" <<'HTML'
<html><head><link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head>
<body><img src="/img.png"><img src="/img2.png"></body></html>
HTML
head -c 65536 /dev/urandom > "$site/style.css"
head -c 65536 /dev/urandom > "$site/app.js"
head -c 98304 /dev/urandom > "$site/img.png"
head -c 98304 /dev/urandom > "$site/img2.png"
head -c 262144 /dev/urandom > "$site/big"
cp "$site/app.js" "$site/late.js"
chmod -R a+rX "$site"

nghttpd_port=8093
h2o_port=8094
nghttpd --no-tls -d "$site" "$nghttpd_port" >/dev/null 2>&1 &
pids+=($!)
cat > "$work/h2o.conf" <<CONF
listen: $h2o_port
hosts:
  default:
    paths:
      /:
        file.dir: $site
access-log: /dev/null
CONF
h2o -c "$work/h2o.conf" >/dev/null 2>&1 &
pids+=($!)
sleep 1

# record NAME PORT COMMAND...: one capture of one client run.
record() {
  local name="$1" port="$2"
  shift 2
  tcpdump -i lo -s 0 -U -w "$out/$name.pcap" "tcp port $port" >/dev/null 2>&1 &
  local tp=$!
  sleep 0.5
  "$@" >/dev/null 2>&1 || echo "note: $name: client exited $?" >&2
  sleep 0.5
  kill "$tp"
  wait "$tp" 2>/dev/null || true
  echo "$name: $(stat -c %s "$out/$name.pcap") bytes"
}

py=/usr/bin/python3
client="$here/scripts/priority_client.py"
record nghttp_nghttpd_7540 "$nghttpd_port" nghttp -a -n "http://127.0.0.1:$nghttpd_port/index.html"
record nghttp_h2o_7540 "$h2o_port" nghttp -a -n "http://127.0.0.1:$h2o_port/index.html"
record python_nghttpd_7540 "$nghttpd_port" "$py" "$client" 127.0.0.1 "$nghttpd_port" rfc7540
record python_nghttpd_9218 "$nghttpd_port" "$py" "$client" 127.0.0.1 "$nghttpd_port" rfc9218
record python_h2o_9218 "$h2o_port" "$py" "$client" 127.0.0.1 "$h2o_port" rfc9218
record curl_nghttpd_9218 "$nghttpd_port" curl -s -o /dev/null --http2-prior-knowledge \
  -H "priority: u=2, i" "http://127.0.0.1:$nghttpd_port/big"
