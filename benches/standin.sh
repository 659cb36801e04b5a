#!/usr/bin/env bash
# The stand-in's figures of README "Performance": rerun with
#   bash benches/standin.sh        (about 4 minutes; needs python3 and taskset)
# Throughput: `itemctl bench -c 64 -d 10s` (pinned to core 1) against each
# server (pinned to core 0), a fresh process per run, the servers
# interleaved; RUNS runs each (default 5), median [min-max] requests/s:
#  - itemctl serve --quiet (the tutorial),
#  - itemctl serve --quiet --openapi DOC, DOC the document of
#    benches/standin_app.py (the tutorial's path, a five-field model),
#  - that FastAPI app itself under uvicorn (one run: it is slow).
# Memory: the RSS of `serve --quiet --openapi DOC` after 1,000,000 upserts
# of five-field items (benches/fill.py sends name and size; the other three
# fields take their defaults, so every stored item has five).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
RUNS=${RUNS:-5}
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
start() { # start CMD...: pinned to core 0; sets URL
  rm -f "$DIR/url"
  taskset -c 0 "$BIN" serve --port 0 --quiet --url-file "$DIR/url" "$@" >/dev/null 2>&1 &
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
once() { taskset -c 1 "$BIN" bench --url "$URL" -c 64 -d 10s --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_sec"])'; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.0f [%.0f-%.0f]", a[int((NR+1)/2)], a[1], a[NR]}'; }
: >"$DIR/tutorial"; : >"$DIR/standin"
for _ in $(seq 1 "$RUNS"); do
  start; once >>"$DIR/tutorial"; stop
  start --openapi "$DIR/doc.json"; once >>"$DIR/standin"; stop
done
start_fastapi; fastapi=$(once); stop
tut=$(median <"$DIR/tutorial"); std=$(median <"$DIR/standin")
echo "== $(date -u +%F), itemctl bench -c 64 -d 10s, median of $RUNS [min-max] requests/s"
echo "serve --quiet (tutorial):          $tut"
echo "serve --quiet --openapi DOC:       $std"
echo "the FastAPI app (uvicorn, 1 run):  $(printf '%.0f' "$fastapi")"
python3 - "$DIR/tutorial" "$DIR/standin" "$fastapi" <<'PY'
import statistics, sys
tut = [float(x) for x in open(sys.argv[1])]
std = [float(x) for x in open(sys.argv[2])]
fa = float(sys.argv[3])
print(f"ratio stand-in / tutorial: {statistics.median(std) / statistics.median(tut):.2f} "
      f"(run by run: {min(s / t for s, t in zip(std, tut)):.2f}-{max(s / t for s, t in zip(std, tut)):.2f}); "
      f"stand-in / FastAPI: {statistics.median(std) / fa:.1f}x")
PY
echo "== memory: 1,000,000 five-field items"
start --openapi "$DIR/doc.json"
python3 benches/fill.py "$URL" 1000000
echo "RSS after 1,000,000 upserts: $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$PID/status") (VmHWM $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$PID/status"))"
stop
