#!/usr/bin/env bash
# The figures of README "Using serve in tests" (issue 11), measured as
# benchmarks, not timed tests:
#   bash benches/double.sh           (about 4 minutes; needs taskset)
# - durable upserts/s with --state vs in-memory serve --quiet, same run;
# - --admin on, no faults, vs plain serve --quiet;
# - the delay distribution of --delay 10ms..200ms over 10,000 requests;
# - the failure share of --fail-rate 0.1 over 10,000 requests.
# serve on core 0, itemctl bench on core 1, -c 64; medians of 5 interleaved runs.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -q
BIN="$PWD/target/release/itemctl"
RUNS=${RUNS:-5}
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
once() { # once: requests/s of one -c 64 -d 10s run against $URL
  taskset -c 1 "$BIN" bench --url "$URL" -c 64 -d 10s --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_sec"])'
}
median() { sort -n | awk '{a[NR]=$1} END {printf "%.0f [%.0f-%.0f]", a[int((NR+1)/2)], a[1], a[NR]}'; }
echo "== throughput, -c 64, 10 s (median of $RUNS [min-max] requests/s; the three servers interleaved, a fresh process per run)"
: >"$DIR/mem"; : >"$DIR/state"; : >"$DIR/admin"
for i in $(seq 1 "$RUNS"); do
  start;                                      once >>"$DIR/mem";   stop
  rm -f "$DIR/state.db"*
  start --state "$DIR/state.db";              once >>"$DIR/state"; stop
  start --admin;                              once >>"$DIR/admin"; stop
done
MEM=$(median <"$DIR/mem"); STATE=$(median <"$DIR/state"); ADMIN=$(median <"$DIR/admin")
echo "serve --quiet (in memory): $MEM"
echo "serve --quiet --state:     $STATE"
echo "serve --quiet --admin:     $ADMIN"
python3 - "$DIR/mem" "$DIR/state" "$DIR/admin" <<'PY'
import statistics, sys
mem, state, admin = ([float(x) for x in open(p)] for p in sys.argv[1:])
m = statistics.median(mem)
print(f"--state / in memory: {statistics.median(state) / m:.2f}x; --admin / in memory: {statistics.median(admin) / m:.2f}x")
pairs = [a / b for a, b in zip(admin, mem)]
spread = (max(mem) - min(mem)) / m
print(f"--admin / in memory per interleaved pair: {', '.join(f'{r:.2f}' for r in pairs)}; in-memory run-to-run spread {100 * spread:.0f}%")
PY
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
# Uniform on [10, 200]: the quantile p is 10 + 190 p.
worst = max(abs(q(p) - (10 + 190 * p)) / (10 + 190 * p) for p in (0.1, 0.25, 0.5, 0.75, 0.9))
ks = max(max(abs((i + 1) / n - (x - 10) / 190), abs(i / n - (x - 10) / 190)) for i, x in enumerate(lat))
print("in the server (the journal, %d upserts): mean %.2f ms (uniform: 105; off by %.2f%%), p10 %.1f, p50 %.1f, p90 %.1f, min %.2f, max %.2f;"
      % (n, mean, 100 * abs(mean - 105) / 105, q(0.1), q(0.5), q(0.9), lat[0], lat[-1]))
print("  quantiles p10..p90 off by at most %.2f%%; Kolmogorov-Smirnov distance to uniform[10,200] %.4f (1.36/sqrt(n) = %.4f is the 5%% critical value)"
      % (100 * worst, ks, 1.36 / n ** 0.5))
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
