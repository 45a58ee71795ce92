#!/usr/bin/env bash
# A ClickHouse server of our own for h2lens records: loopback only, unprivileged paths, its own
# ports, everything in one folder that `stop` removes.
#
#   scripts/h2lens-db.sh start                       start the server, create the tables
#   scripts/h2lens-db.sh load CAPTURE|DIR...         export each capture (--ndjson --flat, tagged
#                                                    with its file) and insert it; starts if needed
#   scripts/h2lens-db.sh query 'SQL'                 run a query (PrettyCompact on a terminal,
#                                                    TSV otherwise; FORMAT ... in SQL wins)
#   scripts/h2lens-db.sh run CAPTURE... -- 'SQL'...  start, load, run each query (left running)
#   scripts/h2lens-db.sh stop                        stop the server and remove its folder
#   scripts/h2lens-db.sh status                      whether it runs, and where
#
# Environment: H2LENS_DB_DIR (default /tmp/h2lens-db-$UID), H2LENS_DB_PORT (native protocol,
# default 19000; HTTP is that + 1), H2LENS (the h2lens binary; default build/release/cli/h2lens
# of this checkout, else h2lens on PATH), H2LENS_EXPORT_ARGS (more export options, e.g.
# "--jobs 2 --redact authorization"). Tables: docs/clickhouse.sql. Exit codes: 0 done; 1 the
# server or a query failed, or some captures were skipped (the others are loaded); 2 bad usage.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${H2LENS_DB_DIR:-/tmp/h2lens-db-$(id -u)}
PORT=${H2LENS_DB_PORT:-19000}
HTTP_PORT=$((PORT + 1))
SERVER=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
CLIENT=$(command -v clickhouse-client || true)
if [ -n "${H2LENS:-}" ]; then
  BIN=$H2LENS
elif [ -x "$ROOT/build/release/cli/h2lens" ]; then
  BIN=$ROOT/build/release/cli/h2lens
else
  BIN=$(command -v h2lens || true)
fi

usage() {
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() {
  echo "h2lens-db: $*" >&2
  exit 1
}
need_clickhouse() {
  [ -x "$SERVER" ] && [ -n "$CLIENT" ] ||
    die "clickhouse-server and clickhouse-client are needed (apt-get install clickhouse-server clickhouse-client)"
}
ch() { "$CLIENT" --host 127.0.0.1 --port "$PORT" "$@"; }
running() { [ -f "$DIR/server.pid" ] && kill -0 "$(cat "$DIR/server.pid")" 2>/dev/null; }

write_config() {
  mkdir -p "$DIR/data" "$DIR/tmp" "$DIR/user_files" "$DIR/format_schemas"
  cat >"$DIR/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$DIR/server.log</log>
        <errorlog>$DIR/server.err.log</errorlog>
        <console>0</console>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$PORT</tcp_port>
    <http_port>$HTTP_PORT</http_port>
    <path>$DIR/data/</path>
    <tmp_path>$DIR/tmp/</tmp_path>
    <user_files_path>$DIR/user_files/</user_files_path>
    <format_schema_path>$DIR/format_schemas/</format_schema_path>
    <users_config>$DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>h2lens</default_database>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>0</uncompressed_cache_size>
    <max_concurrent_queries>20</max_concurrent_queries>
</yandex>
XML
  cat >"$DIR/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <input_format_skip_unknown_fields>1</input_format_skip_unknown_fields>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default></default></quotas>
</yandex>
XML
}

start() {
  need_clickhouse
  if running; then return 0; fi
  if "$CLIENT" --host 127.0.0.1 --port "$PORT" -q "SELECT 1" >/dev/null 2>&1; then
    die "port $PORT is taken by another server (set H2LENS_DB_PORT)"
  fi
  write_config
  # The server stays in the foreground of its own background process; we keep its pid.
  "$SERVER" --config-file="$DIR/config.xml" >"$DIR/stdout.log" 2>&1 &
  echo $! >"$DIR/server.pid"
  local i
  for i in $(seq 150); do
    if ch -q "SELECT 1" >/dev/null 2>&1; then break; fi
    running || { tail -5 "$DIR/server.err.log" "$DIR/stdout.log" >&2 2>/dev/null; die "the server did not start"; }
    sleep 0.2
  done
  ch -q "SELECT 1" >/dev/null 2>&1 || die "the server did not answer on 127.0.0.1:$PORT"
  # The client takes one statement per -q: split the schema on ';' at line ends.
  awk '/^--/ { next } { buf = buf $0 "\n" } /;[[:space:]]*$/ { print buf; printf "%c", 0; buf = "" }' \
    "$ROOT/docs/clickhouse.sql" |
    while IFS= read -r -d '' stmt; do
      [ -n "${stmt//[[:space:]]/}" ] || continue
      ch -q "$stmt"
    done
  echo "h2lens-db: ClickHouse on 127.0.0.1:$PORT, data in $DIR" >&2
}

load() {
  [ $# -ge 1 ] || usage
  [ -n "$BIN" ] || die "no h2lens binary (build it, or set H2LENS)"
  start
  local status=0 extra=()
  # shellcheck disable=SC2206
  [ -n "${H2LENS_EXPORT_ARGS:-}" ] && extra=(${H2LENS_EXPORT_ARGS})
  # One export for all captures: every record says which capture it came from; exit code 1
  # (some captures skipped or damaged) still loads the rest.
  set +e
  "$BIN" export -q --ndjson --flat --capture-field --interleave "${extra[@]}" "$@" |
    ch --input_format_skip_unknown_fields=1 -q "INSERT INTO h2lens.records FORMAT JSONEachRow"
  local codes=("${PIPESTATUS[@]}")
  set -e
  [ "${codes[1]}" -eq 0 ] || die "the insert failed"
  [ "${codes[0]}" -le 1 ] || die "h2lens export failed (exit code ${codes[0]})"
  [ "${codes[0]}" -eq 0 ] || status=1
  ch -q "SELECT count() FROM h2lens.streams" | sed 's/^/h2lens-db: streams in the database: /' >&2
  return $status
}

query() {
  [ $# -eq 1 ] || usage
  running || die "not running (scripts/h2lens-db.sh start)"
  local fmt=()
  [ -t 1 ] && fmt=(--format PrettyCompact)
  ch "${fmt[@]}" -q "$1"
}

stop() {
  if running; then
    local pid
    pid=$(cat "$DIR/server.pid")
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  # Only ever our own folder: it holds our config.
  if [ -f "$DIR/config.xml" ]; then rm -rf "$DIR"; fi
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
case $cmd in
  start) start ;;
  load) load "$@" ;;
  query) query "$@" ;;
  stop) stop ;;
  status)
    if running; then echo "running on 127.0.0.1:$PORT (pid $(cat "$DIR/server.pid")), data in $DIR"; else echo "not running"; exit 1; fi
    ;;
  run)
    files=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do files+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    [ ${#files[@]} -gt 0 ] || usage
    rc=0
    load "${files[@]}" || rc=$?
    for q in "$@"; do query "$q"; done
    exit $rc
    ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
