#!/usr/bin/env bash
# The figures of README "Using serve in tests" (issue 11), measured as
# benchmarks, not timed tests:
#   bash benches/double.sh           (about 4 minutes; needs taskset)
# - durable upserts/s with --state vs in-memory serve --quiet, same run;
# - --admin on, no faults, vs plain serve --quiet;
# - the delay distribution of --delay 10ms..200ms over 10,000 requests (3 runs);
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
DELAY_RUNS=${DELAY_RUNS:-3}
echo "== --delay 10ms..200ms, 10,000 requests, -c 64, $DELAY_RUNS runs (uniform: mean 105 ms, p10 29, p50 105, p90 181)"
# Accuracy, not throughput: serve may use both cores (pinned to one, its
# runtime and its delay-timer thread share it, and the scheduler adds
# milliseconds to a wake-up now and then). Each run also reports the share
# of CPU time the hypervisor stole meanwhile (/proc/stat): on a busy host a
# wake-up comes late whatever serve does.
steal() { awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
for run in $(seq 1 "$DELAY_RUNS"); do
  PIN=0,1 start --delay 10ms..200ms --admin --journal 10000 --fault-seed 11
  BEFORE=$(steal)
  taskset -c 1 "$BIN" bench --url "$URL" -c 64 -n 10000 --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["latency_ms"]
print("run %s at the client: mean %.1f ms, p50 %.1f, p90 %.1f, max %.1f (mean %+.2f%% of 105 ms; includes the network and queueing)" % (sys.argv[1], r["mean"], r["p50"], r["p90"], r["max"], 100 * (r["mean"] / 105 - 1)))' "$run"
  python3 - "$URL" "$BEFORE" "$(steal)" <<'PY'
import bisect, json, sys, urllib.request
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
# Kolmogorov-Smirnov distance: the largest gap between two cumulative
# distributions, as a share of the requests.
ks_drawn = max(abs(bisect.bisect_right(lat, x) - bisect.bisect_right(drawn, x)) for x in lat + drawn) / n
uniform = lambda x: min(1, max(0, (x - 10) / 190))
ks_set = max(max((i + 1) / n - uniform(x), uniform(x) - i / n) for i, x in enumerate(lat))
(s0, t0), (s1, t1) = (map(int, a.split()) for a in sys.argv[2:4])
print("  in the server (the journal, %d upserts): mean %.2f ms, p10 %.1f, p50 %.1f, p90 %.1f, min %.2f, max %.2f; host steal %.1f%% of CPU time"
      % (n, mean, q(0.1), q(0.5), q(0.9), lat[0], lat[-1], 100 * (s1 - s0) / max(1, t1 - t0)))
print("  against the delays drawn (same seed, rank by rank): mean %.2f ms, observed %+.2f%%; excess p50 %.3f ms, p90 %.3f, p99 %.3f, max %.3f; KS distance %.2f%%"
      % (sum(drawn) / n, 100 * (mean / (sum(drawn) / n) - 1), excess[n // 2], excess[int(0.9 * n)], excess[int(0.99 * n)], excess[-1], 100 * ks_drawn))
print("  against the setting (uniform 10..200 ms): mean %+.2f%% of 105 ms; KS distance %.2f%% (10,000 true uniform draws stay under 1.36%% 95 times in 100)"
      % (100 * (mean / 105 - 1), 100 * ks_set))
PY
  stop
done
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
