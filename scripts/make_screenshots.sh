#!/bin/sh
# Regenerates the GUI screenshots from the shared captures: docs/screenshot.png (the README's)
# and docs/screenshots/*.png, one per kind of capture the GUI must stay readable on (a browser's
# TLS session with its key log, gRPC, many streams, loss and reordering, server push). Each is
# the window exactly as it opens on that capture (h2lens-gui --screenshot: nothing selected by
# hand unless a --select is given below), so a look at them shows what a new user sees.
#
#   scripts/make_screenshots.sh [BUILD_DIR]      (default build/release; needs h2lens-gui built)
#
# H2LENS_SHARED overrides where the shared captures are (default: ../shared next to the repo).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
gui=$build/gui/h2lens-gui
shared=${H2LENS_SHARED:-$root/../shared}
out=$root/docs/screenshots
[ -x "$gui" ] || { echo "make_screenshots: $gui not built" >&2; exit 2; }
[ -d "$shared/captures" ] || { echo "make_screenshots: no shared captures in $shared" >&2; exit 2; }
mkdir -p "$out"
export QT_QPA_PLATFORM=offscreen
export H2LENS_GUI_NO_DIALOGS=1

# shot NAME CAPTURE [KEYLOG|-] [CONN:STREAM]
shot() {
    name=$1 capture=$2 keylog=${3:--} select=${4:-}
    set -- --screenshot "$out/$name.png" --size 1600x1000
    [ "$keylog" = - ] || set -- "$@" --keylog "$shared/$keylog"
    [ -z "$select" ] || set -- "$@" --select "$select"
    "$gui" "$@" "$shared/$capture" 2>/dev/null
}

shot tls_browser_firefox corpus/pcaps/pcap2har/firefox-tls13-facebook-dsb.pcapng \
    corpus/pcaps/pcap2har/firefox-tls13-facebook-dsb.keys
shot tls_curl_nginx captures/03a_tls13_curl_nginx/capture.pcap \
    captures/03a_tls13_curl_nginx/keylog.txt
shot grpc captures/13_grpc_python/capture.pcap
shot many_streams captures/05_many_streams_h2load_nghttpd/capture.pcap
shot loss_reorder captures/09_netem_loss_reorder/capture.pcap captures/09_netem_loss_reorder/keylog.txt
shot server_push captures/06_server_push/capture.pcap
# From the repository's own captures: nghttp's RFC 7540 tree with lanes in priority order, and a
# recorded rapid-reset attack with the audit's finding shaded.
"$gui" --screenshot "$out/priority_tree.png" --size 1600x1000 --lane-order priority --select 0:13 \
    "$root/tests/data/priority/nghttp_nghttpd_7540.pcap" 2>/dev/null
"$gui" --screenshot "$out/audit_rapid_reset.png" --size 1600x1000 \
    "$root/tests/data/attacks/rapid-reset.pcap" 2>/dev/null
# The README's: nghttp against nghttpd with small windows, the 1 MiB stream selected.
"$gui" --screenshot "$root/docs/screenshot.png" --select 0:29 \
    "$shared/captures/01_h2c_prior_knowledge/capture.pcap" 2>/dev/null
