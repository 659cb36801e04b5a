#!/usr/bin/env bash
# The stand-in's figures of README "Performance" (issue 20): rerun with
#   bash benches/standin.sh        (about 6 minutes; needs python3 and taskset)
#   BASE=/path/to/other/itemctl bash benches/standin.sh   (that binary too, same rounds)
# Throughput: `itemctl bench -c 64 -d 10s` (pinned to core 1) against each
# server (pinned to core 0), a fresh process per run, the servers
# interleaved in each of RUNS rounds (default 5); median [min-max]
# requests/s, and the ratios of each round's runs:
#  - itemctl serve --quiet (the tutorial),
#  - itemctl serve --quiet --openapi DOC, DOC the document of
#    benches/standin_app.py (the tutorial's path, a five-field model),
#  - that FastAPI app itself under uvicorn.
# Memory: the RSS of `serve --quiet --openapi DOC` after 1,000,000 upserts
# of five-field items (benches/fill.py sends name and size; the other three
# fields take their defaults, so every stored item has five), and of the
# tutorial's serve idle and after 1,000,000 of its items.
# What else runs on the machine shows in the load averages printed: figures
# taken while other jobs use the cores are noise, the ratios of a round less
# so. benches/instructions.sh counts instructions per request, which load
# does not change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
RUNS=${RUNS:-5}
DUR=${DUR:-10s}
cargo build --release -q
BIN="$ROOT/target/release/itemctl"
VENV=${VENV:-/tmp/itemctl-reference-venv}
[ -x "$VENV/bin/uvicorn" ] || PORT=0 timeout 300 "$ROOT/../shared/conformance/serve_reference.sh" >/dev/null 2>&1 || true
DIR=$(mktemp -d)
(cd benches && "$VENV/bin/python" -c 'import json, standin_app; print(json.dumps(standin_app.app.openapi()))') >"$DIR/doc.json"
rm -rf benches/__pycache__
PID=""
stop() { [ -n "$PID" ] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; }; PID=""; }
trap 'stop; rm -rf "$DIR"' EXIT
start() { # start ARGS...: serve (SERVER, default this build) pinned to core 0; sets URL
  rm -f "$DIR/url"
  taskset -c 0 "${SERVER:-$BIN}" serve --port 0 --quiet --url-file "$DIR/url" "$@" >/dev/null 2>&1 &
  PID=$!
  URL=$("$BIN" wait --url-file "$DIR/url" --pid "$PID" --timeout 30s --quiet)
}
start_fastapi() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd benches && exec taskset -c 0 "$VENV/bin/uvicorn" standin_app:app --port "$port" --log-level warning --no-access-log) >/dev/null 2>&1 &
  PID=$!
  URL="http://127.0.0.1:$port"
  "$BIN" wait --url "$URL" --pid "$PID" --timeout 30s --quiet >/dev/null
}
once() { taskset -c 1 "$BIN" bench --url "$URL" -c 64 -d "$DUR" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_sec"])' >>"$1"; }
echo "== $(date -u +%F) itemctl bench -c 64 -d $DUR, $RUNS interleaved rounds; $(nproc) CPUs, $(uptime | sed 's/.*load/load/') at the start"
for f in tutorial standin fastapi basetutorial basestandin; do : >"$DIR/$f"; done
for _ in $(seq 1 "$RUNS"); do
  start; once "$DIR/tutorial"; stop
  start --openapi "$DIR/doc.json"; once "$DIR/standin"; stop
  start_fastapi; once "$DIR/fastapi"; stop
  if [ -n "${BASE:-}" ]; then
    SERVER=$BASE start; once "$DIR/basetutorial"; stop
    SERVER=$BASE start --openapi "$DIR/doc.json"; once "$DIR/basestandin"; stop
  fi
done
echo "   $(uptime | sed 's/.*load/load/') at the end"
python3 - "$DIR" "${BASE:-}" <<'PY'
import statistics, sys
d, base = sys.argv[1], sys.argv[2]
read = lambda name: [float(x) for x in open(f"{d}/{name}")]
spread = lambda xs: f"{statistics.median(xs):.0f} [{min(xs):.0f}-{max(xs):.0f}]"
def ratio(label, a, b):
    p = [x / y for x, y in zip(a, b)]
    print(f"{label}: median of rounds {statistics.median(p):.2f} [{min(p):.2f}-{max(p):.2f}]; of medians {statistics.median(a) / statistics.median(b):.2f}; rounds {', '.join(f'{r:.2f}' for r in p)}")
tut, std, fa = read("tutorial"), read("standin"), read("fastapi")
print(f"serve --quiet (tutorial):          {spread(tut)} req/s")
print(f"serve --quiet --openapi DOC:       {spread(std)} req/s")
print(f"the FastAPI app (uvicorn):         {spread(fa)} req/s")
ratio("stand-in / tutorial", std, tut)
ratio("stand-in / FastAPI", std, fa)
if base:
    bt, bs = read("basetutorial"), read("basestandin")
    print(f"BASE serve --quiet (tutorial):     {spread(bt)} req/s")
    print(f"BASE serve --quiet --openapi DOC:  {spread(bs)} req/s")
    ratio("BASE stand-in / BASE tutorial", bs, bt)
    ratio("tutorial, this build / BASE", tut, bt)
    ratio("stand-in, this build / BASE", std, bs)
PY
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$PID/status"; }
hwm() { awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$PID/status"; }
for server in "$BIN" ${BASE:+"$BASE"}; do
  echo "== memory, $server"
  SERVER=$server start --openapi "$DIR/doc.json"
  python3 benches/fill.py "$URL" 1000000
  echo "stand-in, RSS after 1,000,000 upserts of five-field items: $(rss) (VmHWM $(hwm))"
  stop
  SERVER=$server start
  sleep 0.5
  idle=$(rss)
  python3 benches/fill.py "$URL" 1000000
  echo "tutorial, RSS idle: $idle; after 1,000,000 items (10-character ids and names): $(rss) (VmHWM $(hwm))"
  stop
done
