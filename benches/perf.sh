#!/usr/bin/env bash
# The performance figures of README "Performance": rerun with
#   bash benches/perf.sh            (about 8 minutes; needs wrk, hyperfine, taskset, python3)
# Servers run pinned to core 0, load generators to core 1; each throughput
# figure is the median of 3 wrk runs (-t1 -c64 -d10s, PUT /items/k<random
# 1..100000> with {"name":"x","size":3}), min-max in brackets.
# Optional: OHA=/path/to/oha for the load-generator comparison.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
CONFORMANCE="$ROOT/../shared/conformance"
RUNS=${RUNS:-3}
DUR=${DUR:-10s}
command -v wrk >/dev/null && command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk hyperfine; }

cargo build --release -q
cargo build --release -q --bench axum_upsert
BIN="$ROOT/target/release/itemctl"
AXUM=$(ls -t "$ROOT"/target/release/deps/axum_upsert-* | grep -v '\.d$' | head -n1)
VENV=${BENCH_VENV:-/tmp/itemctl-bench-venv}
if [ ! -x "$VENV/bin/uvicorn" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q fastapi==0.165.0 starlette==1.10.0 pydantic==2.14.3 pydantic_core==2.50.4 \
    uvicorn==0.54.0 h11==0.16.0 anyio==4.16.0 annotated-types==0.8.0 annotated-doc==0.0.7 \
    typing-inspection==0.4.5 typing_extensions==4.16.0 click==8.5.1 idna==3.20 uvloop httptools
fi

PID=""
start() { # start PORT CMD...: a server pinned to core 0
  local port=$1; shift
  taskset -c 0 "$@" >/tmp/perf-server.log 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()' "$port" 2>/dev/null && return
    sleep 0.05
  done
  echo "server on $port did not start" >&2; cat /tmp/perf-server.log >&2
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""; }
trap stop EXIT

median() { sort -n | awk '{a[NR]=$1} END {printf "%.0f [%.0f-%.0f]\n", a[int((NR+1)/2)], a[1], a[NR]}'; }
p99() { awk '/ 99%/ {v=$2; if (v ~ /ms/) {sub("ms","",v); v*=1000} else if (v ~ /us/) {sub("us","",v)} else if (v ~ /s/) {sub("s","",v); v*=1000000}; print v}'; }

wrk_runs() { # wrk_runs URL: medians of requests/s and p99 (us)
  local url=$1 rps=() lat=()
  taskset -c 1 wrk -t1 -c64 -d2s -s benches/upsert.lua "$url" >/dev/null 2>&1  # warm-up
  for _ in $(seq 1 "$RUNS"); do
    out=$(taskset -c 1 wrk -t1 -c64 -d"$DUR" --latency -s benches/upsert.lua "$url" 2>&1)
    rps+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
    lat+=("$(echo "$out" | p99)")
  done
  echo "$(printf '%s\n' "${rps[@]}" | median | tr -d '\n') req/s, p99 $(printf '%s\n' "${lat[@]}" | median | tr -d '\n') us"
}

echo "== servers under wrk (server on core 0, wrk on core 1)"
start 18901 "$BIN" serve --quiet --port 18901;       echo "itemctl serve --quiet:   $(wrk_runs http://127.0.0.1:18901)"; stop
start 18902 "$BIN" serve --port 18902;               echo "itemctl serve (logging): $(wrk_runs http://127.0.0.1:18902)"; stop
start 18903 "$AXUM" --port 18903;                    echo "minimal axum upsert:     $(wrk_runs http://127.0.0.1:18903)"; stop
(cd "$CONFORMANCE" && start 18904 "$VENV/bin/uvicorn" reference_app:app --host 127.0.0.1 --port 18904 \
   --loop uvloop --http httptools --no-access-log --workers 1 && echo "reference (uvicorn):     $(wrk_runs http://127.0.0.1:18904)"; stop)

echo "== load generators against the axum server (-c 64, 10 s, core 1)"
start 18905 "$AXUM" --port 18905
for _ in $(seq 1 "$RUNS"); do
  taskset -c 1 wrk -t1 -c64 -d"$DUR" -s benches/upsert.lua http://127.0.0.1:18905 2>&1 | awk '/Requests\/sec/ {print $2}'
done | median | sed 's/^/wrk:           /;s/$/ req\/s/'
for _ in $(seq 1 "$RUNS"); do
  taskset -c 1 "$BIN" bench --url http://127.0.0.1:18905 -c 64 -d "$DUR" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_sec"])'
done | median | sed 's/^/itemctl bench: /;s/$/ req\/s/'
if [ -n "${OHA:-}" ]; then
  for _ in $(seq 1 "$RUNS"); do
    taskset -c 1 "$OHA" --no-tui --output-format json -c 64 -z "$DUR" -m PUT -H 'content-type: application/json' -d '{"name":"x","size":3}' \
      --rand-regex-url 'http://127\.0\.0\.1:18905/items/k[1-9][0-9]{0,4}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["requestsPerSec"])'
  done | median | sed 's/^/oha:           /;s/$/ req\/s/'
fi
stop

echo "== itemctl put vs curl, one PUT from a fresh process (hyperfine, 50+ runs)"
start 18906 "$BIN" serve --quiet --port 18906
hyperfine -N --warmup 5 --runs 100 --export-json /tmp/perf-put.json \
  "$BIN put foo --name x --size 3 --url http://127.0.0.1:18906" \
  "curl -s -X PUT -H content-type:application/json -d {\"name\":\"x\",\"size\":3} http://127.0.0.1:18906/items/foo" \
  "$BIN --version" 2>/dev/null | grep -E "Time|±|Benchmark"
stop

echo "== itemctl check against the embedded server (wall)"
hyperfine -N --warmup 3 --runs 30 "$BIN check" 2>/dev/null | grep -E "Time|Range"

echo "== memory (RSS)"
start 18907 "$BIN" serve --quiet --port 18907
sleep 0.5; echo "idle: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"
python3 benches/fill.py http://127.0.0.1:18907 1000000
sleep 0.5; echo "1,000,000 items (10-character ids and names): $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"
stop
