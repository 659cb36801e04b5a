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
start() { # start ARGS...: serve pinned to core 0 (PIN= to leave it free); sets URL
  rm -f "$DIR/url"
  taskset -c "${PIN-0}" "$BIN" serve --port 0 --quiet --url-file "$DIR/url" "$@" >/dev/null 2>&1 &
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
# Accuracy, not throughput: serve may use both cores (pinned to one, its
# runtime and its delay-timer thread share it, and the scheduler adds
# milliseconds to a wake-up now and then).
PIN=0,1 start --delay 10ms..200ms --admin --journal 10000 --fault-seed 11
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
# The delays serve drew: --fault-seed makes them a known sequence (three
# draws per upsert: delay, drop, fail).
sys.path.insert(0, "benches")
from draws import units
draw = units(11)
drawn = []
for _ in range(n):
    drawn.append(10 + 190 * next(draw))
    next(draw); next(draw)
drawn.sort()
excess = sorted(o - d for o, d in zip(lat, drawn))
print("in the server (the journal, %d upserts): mean %.2f ms, p10 %.1f, p50 %.1f, p90 %.1f, min %.2f, max %.2f"
      % (n, mean, q(0.1), q(0.5), q(0.9), lat[0], lat[-1]))
print("  against the delays drawn (same seed, rank by rank): mean %.2f ms, observed %.2f%% more; excess p50 %.3f ms, p90 %.3f, p99 %.3f, max %.3f"
      % (sum(drawn) / n, 100 * (mean / (sum(drawn) / n) - 1), excess[n // 2], excess[int(0.9 * n)], excess[int(0.99 * n)], excess[-1]))
print("  every quantile p1..p99 within %.2f%% of the drawn one"
      % max(100 * abs(lat[int(p / 100 * n)] / drawn[int(p / 100 * n)] - 1) for p in range(1, 100)))
PY
stop
echo "== --fail-rate 0.1 (503), 10,000 requests"
start --fail-rate 0.1 --fault-seed 7
taskset -c 1 "$BIN" bench --url "$URL" -c 64 -n 10000 --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
failed = r["status"].get("503", 0)
# The draws of seed 7 (two per upsert: drop, then fail).
sys.path.insert(0, "benches")
from draws import units
draw, expected = units(7), 0
for _ in range(r["requests"]):
    next(draw)
    expected += next(draw) < 0.1
print("observed: %d of %d failed = %.2f%% (asked 10%%; the seed-7 draws hold %d below 0.1: %s)"
      % (failed, r["requests"], 100 * failed / r["requests"], expected, "exactly those" if expected == failed else "DIFFERENT"))'
stop
