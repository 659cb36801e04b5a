#!/usr/bin/env bash
# Instructions per request of `itemctl serve` (user space, both threads),
# counted by valgrind's callgrind: the same on a busy machine as on a quiet
# one, so it is what to compare while other jobs share the cores (wall-clock
# figures are then noise). The kernel's share (the TCP path, fsync) is not
# counted: benches/double.sh and benches/standin.sh time the whole.
#   bash benches/instructions.sh             (about 2 minutes; needs valgrind)
#   BASE=/path/to/other/itemctl bash benches/instructions.sh
# Each server runs pinned to core 0 (one CPU: tokio's current-thread runtime,
# as in the benches) under callgrind; `itemctl bench -c 1` sends N upserts
# from core 1 (one connection: one read, one answer, one wake-up each, so
# the count does not depend on timing); the figure is (total - a run's
# start-up and shutdown with 1 request) / (N - 1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
N=${N:-5000}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
cargo build --release -q
BIN="$ROOT/target/release/itemctl"
VENV=${VENV:-/tmp/itemctl-reference-venv}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
[ -x "$VENV/bin/python" ] || PORT=0 timeout 300 "$ROOT/../shared/conformance/serve_reference.sh" >/dev/null 2>&1 || true
(cd benches && "$VENV/bin/python" -c 'import json, standin_app; print(json.dumps(standin_app.app.openapi()))') >"$DIR/doc.json"
rm -rf benches/__pycache__
count() { # count SERVER N ARGS...: instructions collected
  local server=$1 n=$2; shift 2
  rm -f "$DIR/url" "$DIR/state.db"*
  taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$DIR/cg.out" \
    "$server" serve --port 0 --quiet --url-file "$DIR/url" "$@" >/dev/null 2>"$DIR/err" &
  local pid=$!
  local url
  url=$("$BIN" wait --url-file "$DIR/url" --timeout 120s --quiet)
  taskset -c 1 "$BIN" bench --url "$url" -c 1 -n "$n" --json >/dev/null
  kill -INT "$pid"; wait "$pid" || true
  grep -oE 'Collected : [0-9]+' "$DIR/err" | grep -oE '[0-9]+$'
}
per_request() { # per_request LABEL SERVER ARGS...
  local label=$1 server=$2; shift 2
  local one all
  one=$(count "$server" 1 "$@")
  all=$(count "$server" "$N" "$@")
  printf "%-50s %8.0f instructions/request\n" "$label" "$(echo "($all - $one) / ($N - 1)" | bc -l)"
}
echo "== $(date -u +%F) instructions per upsert (callgrind, user space), $N upserts, -c 1; $(uptime | sed 's/.*load/load/')"
for server in "$BIN" ${BASE:+"$BASE"}; do
  echo "-- $server"
  per_request "serve --quiet (tutorial)" "$server"
  per_request "serve --quiet --openapi DOC (five fields)" "$server" --openapi "$DIR/doc.json"
  per_request "serve --quiet --state FILE (one write per commit)" "$server" --state "$DIR/state.db"
done
