#!/usr/bin/env bash
# The load-generator figures of README "Performance" (issue 22): rerun with
#   bash benches/loadgen.sh          (RUNS=3 DUR=10s: about 3 minutes)
# What it runs:
# - benches/constant_server.rs, pinned to core 0 (taskset -c 0), a fresh
#   process for every measurement: one epoll loop answering a fixed response
#   (201 the first time it sees a path, 200 after, so that bench's contract
#   check, which stays on, sees a correct server);
# - on core 1 (taskset -c 1), in turn within each of RUNS rounds
#   (interleaved, so that a busy minute hits every tool alike), -c 64 and
#   DUR each:
#     wrk -t1 -c64 with benches/put_static.lua: one pre-formatted PUT
#       to /items/static-1 (no per-request Lua);
#     itemctl bench --ids 1: the same load (one id, the same body), every
#       response checked against the contract;
#     itemctl bench: its default, 100,000 random ids;
#     oha -c 64 with the same PUT, when built (OHA=path, default
#       /tmp/oha/bin/oha: `cargo install oha --locked --root /tmp/oha`);
#     BASE=path: another itemctl binary's bench --ids 1 (e.g. main's), for
#       a before/after (ITEMCTL=path: measure that binary, not this tree's;
#       SERVER=path: that constant server, already built);
# - then the open loop: itemctl bench --rate R, R half the closed-loop
#   median of `itemctl bench` (100,000 ids), RUNS runs: the rate reached and
#   the latency (from each request's due time).
# Each figure is the median of RUNS with [min-max]; each ratio is the
# median of the per-round ratios (the same minute) with their range. Each
# run's line also gives the busy share of core 0 (server) and core 1 (load)
# and the host's steal, from /proc/stat: a load generator is measured only
# while the server's core has room to spare.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
DUR=${DUR:-10s}
CONNS=${CONNS:-64}
OHA=${OHA:-/tmp/oha/bin/oha}
BASE=${BASE:-}
BODY='{"name":"x","size":3}'
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

# ITEMCTL=path measures that binary instead of building this tree's.
if [ -z "${ITEMCTL:-}" ]; then cargo build --release -q || exit 1; fi
BIN=${ITEMCTL:-"$ROOT/target/release/itemctl"}
if [ -z "${SERVER:-}" ]; then
  cargo build --release -q --bench constant_server || exit 1
  SERVER=$(ls -t "$ROOT"/target/release/deps/constant_server-* | grep -v '\.d$' | head -n1)
fi
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
# SERVER_ARGS=--spin: the server polls without sleeping (see
# benches/constant_server.rs); default: it sleeps in epoll_wait.
SERVER_ARGS=${SERVER_ARGS:-}
URL="http://127.0.0.1:$PORT"

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
echo "== busiest other processes now:"
top -bn1 -o %CPU | sed -n '8,13p'
echo "== itemctl: $BIN ($(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ', uncommitted changes')); server: constant_server ${SERVER_ARGS:-(sleeps in epoll_wait)}"

PID=""
start() {
  # shellcheck disable=SC2086
  taskset -c 0 "$SERVER" --port "$PORT" $SERVER_ARGS >/tmp/loadgen-server.log 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()' "$PORT" 2>/dev/null && return
    sleep 0.05
  done
  echo "the constant server did not start" >&2; cat /tmp/loadgen-server.log >&2; exit 1
}
stop() { [ -n "$PID" ] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }; PID=""; }
trap stop EXIT

# cpu_snap: "cpu0busy cpu0total cpu1busy cpu1total steal total" jiffies.
cpu_snap() { awk '/^cpu[01] / {t=0; for(i=2;i<=NF;i++) t+=$i; b=t-$5-$6; printf "%d %d ", b, t; s+=$9; a+=t} END {print s, a}' /proc/stat; }
cpu_share() { # cpu_share BEFORE AFTER: "core0 X% core1 Y% steal Z%"
  set -- $1 $2
  awk -v b0="$1" -v t0="$2" -v b1="$3" -v t1="$4" -v s="$5" -v a="$6" \
      -v B0="$7" -v T0="$8" -v B1="$9" -v T1="${10}" -v S="${11}" -v A="${12}" \
      'BEGIN {printf "core0 %.0f%% core1 %.0f%% steal %.1f%%", 100*(B0-b0)/(T0-t0), 100*(B1-b1)/(T1-t1), 100*(S-s)/(A-a)}'
}

median() { sort -g | awk '{a[NR]=$1} END {printf "%s [%s-%s]", a[int((NR+1)/2)], a[1], a[NR]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }

# measure NAME CMD...: runs CMD (which prints requests/s, its load pinned
# to core 1) against a fresh server; prints the figure and keeps it in
# R_<NAME>.
measure() {
  local name=$1; shift
  start
  local before after rps
  before=$(cpu_snap)
  rps=$("$@")
  after=$(cpu_snap)
  stop
  printf '  %-22s %10s req/s  (%s)\n' "$name" "$rps" "$(cpu_share "$before" "$after")" >&2
  eval "R_$name+=(\"$rps\")"
}

wrk_static() { taskset -c 1 wrk -t1 -c"$CONNS" -d"$DUR" -s benches/put_static.lua "$URL/items/static-1" | awk '/Requests\/sec/ {print $2}'; }
bench_json() { taskset -c 1 "$@" --url "$URL" --path '/items/{item_id}' --body "$BODY" -c "$CONNS" -d "$DUR" --json \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); assert not r["problems"], r["problems"]; print(r["requests_per_sec"])'; }
oha_static() { taskset -c 1 "$OHA" --no-tui --output-format json -c "$CONNS" -z "$DUR" -m PUT -H 'content-type: application/json' -d "$BODY" "$URL/items/static-1" \
  | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["summary"]["requestsPerSec"], 1))'; }

R_wrk=(); R_bench1=(); R_bench=(); R_oha=(); R_base=()
echo "== closed loop, -c $CONNS, $DUR each, $RUNS rounds (server: core 0; load: core 1)"
for round in $(seq 1 "$RUNS"); do
  echo " round $round" >&2
  measure wrk wrk_static
  measure bench1 bench_json "$BIN" bench --ids 1
  measure bench bench_json "$BIN" bench
  [ -x "$OHA" ] && measure oha oha_static
  [ -n "$BASE" ] && measure base bench_json "$BASE" bench --ids 1
done 2>&1

per_round() { # per_round A B: the per-round ratios A/B
  local -n a=$1 b=$2
  for i in "${!a[@]}"; do ratio "${a[$i]}" "${b[$i]}"; echo; done
}
echo "== results (median [min-max] of $RUNS)"
echo "wrk -t1 static:          $(printf '%s\n' "${R_wrk[@]}" | median) req/s"
echo "itemctl bench --ids 1:   $(printf '%s\n' "${R_bench1[@]}" | median) req/s"
echo "itemctl bench (100k ids): $(printf '%s\n' "${R_bench[@]}" | median) req/s"
[ ${#R_oha[@]} -gt 0 ] && echo "oha:                     $(printf '%s\n' "${R_oha[@]}" | median) req/s"
[ ${#R_base[@]} -gt 0 ] && echo "BASE bench --ids 1:      $(printf '%s\n' "${R_base[@]}" | median) req/s"
echo "bench --ids 1 / wrk:     $(per_round R_bench1 R_wrk | median) (per round)"
echo "bench 100k ids / wrk:    $(per_round R_bench R_wrk | median) (per round)"
[ ${#R_oha[@]} -gt 0 ] && echo "bench --ids 1 / oha:     $(per_round R_bench1 R_oha | median) (per round)"
[ ${#R_base[@]} -gt 0 ] && echo "bench --ids 1 / BASE:    $(per_round R_bench1 R_base | median) (per round)"

MAX=$(printf '%s\n' "${R_bench[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
RATE=$(awk -v m="$MAX" 'BEGIN {printf "%d", m/2}')
echo "== open loop: itemctl bench --rate $RATE (half of $MAX), $DUR, $RUNS runs"
SECS=$(python3 -c 'import sys,re; m=re.fullmatch(r"([0-9.]+)(ms|s|m)?", sys.argv[1]); v=float(m[1]); print(v*{"ms":0.001,"s":1,"m":60,None:1}[m[2]])' "$DUR")
ACC=(); P50=(); P99=()
for _ in $(seq 1 "$RUNS"); do
  start
  before=$(cpu_snap)
  out=$(taskset -c 1 "$BIN" bench --url "$URL" --path '/items/{item_id}' --body "$BODY" -c "$CONNS" -d "$DUR" --rate "$RATE" --json)
  after=$(cpu_snap)
  stop
  line=$(python3 -c '
import json, sys
r = json.loads(sys.argv[1]); rate = float(sys.argv[2]); secs = float(sys.argv[3])
assert not r["problems"], r["problems"]
l = r["latency_ms"]
print("%.2f %s %s %s %s" % (100 * r["requests"] / (rate * secs), l["p50"], l["p99"], r["requests"], r["requests_per_sec"]))' "$out" "$RATE" "$SECS")
  read -r acc p50 p99 n rps <<<"$line"
  ACC+=("$acc"); P50+=("$p50"); P99+=("$p99")
  echo "  --rate $RATE: $n requests in $DUR = ${acc}% of the rate ($rps req/s over the run), p50 $p50 ms, p99 $p99 ms  ($(cpu_share "$before" "$after"))"
done
echo "requests / (rate x duration): $(printf '%s\n' "${ACC[@]}" | median) %"
echo "latency from due time:       p50 $(printf '%s\n' "${P50[@]}" | median) ms, p99 $(printf '%s\n' "${P99[@]}" | median) ms"
