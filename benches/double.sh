#!/usr/bin/env bash
# The figures of README "Using serve in tests" (issue 11), measured as
# benchmarks, not timed tests:
#   bash benches/double.sh           (about 2 minutes; needs taskset)
# - durable upserts/s with --state vs in-memory serve --quiet, same run;
# - --admin on, no faults, vs plain serve --quiet;
# - the delay distribution of --delay 10ms..200ms over 10,000 requests;
# - the failure share of --fail-rate 0.1 over 10,000 requests.
# serve on core 0, itemctl bench on core 1, -c 64; medians of 3 runs.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -q
BIN="$PWD/target/release/itemctl"
RUNS=${RUNS:-3}
DIR=$(mktemp -d)
PID=""
start() { # start ARGS...: serve pinned to core 0; sets URL
  rm -f "$DIR/url"
  taskset -c 0 "$BIN" serve --port 0 --quiet --url-file "$DIR/url" "$@" >/dev/null 2>&1 &
  PID=$!
  URL=$("$BIN" wait --url-file "$DIR/url" --pid "$PID" --timeout 30s --quiet)
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""; }
trap stop EXIT
rps() { # rps: medians of requests/s of -c 64 -d 10s runs
  for _ in $(seq 1 "$RUNS"); do
    taskset -c 1 "$BIN" bench --url "$URL" -c 64 -d 10s --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_sec"])'
  done | sort -n | awk '{a[NR]=$1} END {printf "%.0f [%.0f-%.0f]", a[int((NR+1)/2)], a[1], a[NR]}'
}
echo "== throughput, -c 64, 10 s (median of $RUNS [min-max] requests/s)"
start;                                   MEM=$(rps);   echo "serve --quiet (in memory): $MEM"; stop
start --state "$DIR/state.db";           STATE=$(rps); echo "serve --quiet --state:     $STATE"; stop
start --admin;                           ADMIN=$(rps); echo "serve --quiet --admin:     $ADMIN"; stop
python3 -c "import sys; m,s,a=(float(x.split()[0]) for x in sys.argv[1:]); print(f'--state / in memory: {s/m:.2f}x; --admin / in memory: {a/m:.2f}x')" "$MEM" "$STATE" "$ADMIN"
echo "== --delay 10ms..200ms, 10,000 requests, -c 64 (uniform: mean 105 ms, p10 29, p50 105, p90 181)"
start --delay 10ms..200ms --admin --journal 10000
taskset -c 1 "$BIN" bench --url "$URL" -c 64 -n 10000 --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["latency_ms"]
print("at the client: mean %.1f ms, p50 %.1f, p90 %.1f, max %.1f (mean off by %.2f%%; includes the network and queueing)" % (r["mean"], r["p50"], r["p90"], r["max"], 100 * abs(r["mean"] - 105) / 105))'
python3 - "$URL" <<'PY'
import json, sys, urllib.request
doc = json.load(urllib.request.urlopen(sys.argv[1] + "/__itemctl/requests"))
lat = sorted(r["latency_ms"] for r in doc["requests"] if r["target"].startswith("/items/"))
n = len(lat)
mean = sum(lat) / n
q = lambda p: lat[min(n - 1, int(p * n))]
print("in the server (the journal, %d upserts): mean %.1f ms, p10 %.1f, p50 %.1f, p90 %.1f, min %.1f, max %.1f (mean off by %.2f%%)"
      % (n, mean, q(0.1), q(0.5), q(0.9), lat[0], lat[-1], 100 * abs(mean - 105) / 105))
PY
stop
echo "== --fail-rate 0.1 (503), 10,000 requests"
start --fail-rate 0.1 --fault-seed 7
taskset -c 1 "$BIN" bench --url "$URL" -c 64 -n 10000 --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
failed = r["status"].get("503", 0)
print("observed: %d of %d failed = %.2f%% (asked 10%%)" % (failed, r["requests"], 100 * failed / r["requests"]))'
stop
