#!/usr/bin/env bash
# One upsert from a fresh process (README "Performance", issue 22): rerun with
#   bash benches/put.sh             (about two minutes; needs hyperfine, taskset, curl;
#                                    valgrind for the instruction counts)
#   ITEMCTL=/path/to/itemctl bash benches/put.sh    (another build, e.g. main's)
# itemctl serve --quiet runs pinned to core 0; every client runs pinned to
# core 1, each command a fresh process, interleaved by hyperfine -N (no
# shell) with RUNS runs each (100 unless set):
#   put         itemctl put with discovery (GET /openapi.json, then the PUT)
#   put --path  itemctl put with --path (the PUT alone)
#   curl        curl sending the same PUT
#   std client  benches/put_std.rs: the standard library only, the PUT alone
#   /bin/true   a process that does nothing
# It prints each command's time (mean ± σ, median, min-max), its ratio to
# curl (the ratio of the means, and the spread of the ratio from the
# medians and quartiles), then, for the breakdown, each command's
# instructions (valgrind --tool=callgrind: the dynamic linker before main,
# Rust's runtime start-up, and the program's main with its requests) and
# its minor page faults (median of 11 runs of /usr/bin/time). The load
# average and the busiest other processes are printed before and after:
# wall-clock time on a shared machine depends on them, counts do not.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-100}
PORT=${PORT:-18961}
command -v hyperfine >/dev/null && command -v curl >/dev/null || {
  apt-get update -qq && apt-get install -y -qq hyperfine curl
}

# ITEMCTL=/path/to/itemctl measures that binary instead of this tree's
# release build (say, main's, for a before-and-after).
if [ -z "${ITEMCTL:-}" ]; then
  cargo build --release -q
fi
cargo build --release -q --bench put_std
BIN=${ITEMCTL:-$PWD/target/release/itemctl}
STD=$(ls -t target/release/deps/put_std-* | grep -v '\.d$' | head -n1)
STD="$PWD/$STD"
URL="http://127.0.0.1:$PORT"
BODY='{"name":"x","size":3}'
OUT=$(mktemp -d /tmp/itemctl-put-bench.XXXXXX)

taskset -c 0 "$BIN" serve --quiet --port "$PORT" >"$OUT/serve.log" 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; wait $SERVE 2>/dev/null; rm -rf "$OUT"' EXIT
"$BIN" wait --url "$URL" --timeout 10s >/dev/null

# name|command (hyperfine splits the command like a shell, without one)
COMMANDS=(
  "put|$BIN put foo --name x --size 3 --url $URL"
  "put --path|$BIN put foo --name x --size 3 --url $URL --path /items/{item_id}"
  "curl|curl -s -X PUT -H content-type:application/json -d '$BODY' $URL/items/foo"
  "std client|$STD 127.0.0.1:$PORT foo '$BODY'"
  "/bin/true|/bin/true"
)

busy() {
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "  busiest processes (%CPU since each started): $(ps -eo pcpu=,comm= --sort=-pcpu | head -n5 | awk '{printf "%s %s%%; ", $2, $1}')"
}

echo "== $(date -u +%Y-%m-%d\ %H:%M) UTC, $(nproc) cores; serve on core 0, clients on core 1"
echo "before:"; busy
args=()
for c in "${COMMANDS[@]}"; do args+=(-n "${c%%|*}" "${c#*|}"); done
taskset -c 1 hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$OUT/times.json" \
  --style none "${args[@]}" >/dev/null 2>"$OUT/hyperfine.err" || { cat "$OUT/hyperfine.err" >&2; exit 1; }
echo "after:"; busy

python3 - "$OUT/times.json" <<'EOF'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
curl = results["curl"]
def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]
print(f"\n{'':12} {'mean ± σ':>16} {'median':>8} {'min-max':>13}   ratio to curl (means; medians; quartile spread)")
for name, r in results.items():
    t = [x * 1000 for x in r["times"]]
    c = [x * 1000 for x in curl["times"]]
    line = f"{name:12} {r['mean']*1000:7.2f} ± {r['stddev']*1000:4.2f} ms {statistics.median(t):6.2f} {min(t):5.2f}-{max(t):5.2f} ms"
    if name != "curl":
        # The ratio's spread: this command's lower quartile over curl's
        # upper one, and its upper quartile over curl's lower one.
        lo, hi = q(t, 0.25) / q(c, 0.75), q(t, 0.75) / q(c, 0.25)
        line += f"   {r['mean']/curl['mean']:.2f}x; {statistics.median(t)/statistics.median(c):.2f}x; {lo:.2f}-{hi:.2f}x"
    print(line)
EOF

echo
echo "== instructions (callgrind) and minor page faults (median of 11 runs), per fresh process"
faults() {
  for _ in $(seq 1 11); do
    # shellcheck disable=SC2086
    taskset -c 1 /usr/bin/time -f '%R' $1 2>&1 >/dev/null | tail -n1
  done | sort -n | sed -n 6p
}
# Splits callgrind_annotate --inclusive=yes into total, ld.so, runtime, main.
SPLIT='
import re, sys
total = ld = rt = main = 0
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)", line)
    if not m:
        continue
    n, what = int(m.group(1).replace(",", "")), m.group(2)
    if "PROGRAM TOTALS" in what: total = n
    elif "rtld.c:_dl_start " in what: ld = max(ld, n)
    elif re.search(r":std::rt::lang_start_internal \[", what): rt = max(rt, n)
    elif re.search(r":std::rt::lang_start::\{\{closure\}\} \[", what): main = max(main, n)
fmt = lambda n: f"{n:,}" if n else "-"
print(f"{fmt(total):>11} {fmt(ld):>11} {fmt(rt - main if rt else 0):>11} {fmt(main):>11}")
'
printf '%-12s %11s %11s %11s %11s %7s\n' "" "total" "ld.so" "runtime" "main" "faults"
for c in "${COMMANDS[@]}"; do
  name=${c%%|*}
  cmd=${c#*|}
  cmd=${cmd//\'/}
  f=$(faults "$cmd")
  counts=$(printf '%11s %11s %11s %11s' - - - -)
  if command -v valgrind >/dev/null; then
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg" $cmd >/dev/null 2>"$OUT/vg.err" || true
    counts=$(callgrind_annotate --inclusive=yes "$OUT/cg" 2>/dev/null | python3 -c "$SPLIT")
  fi
  printf '%-12s %s %7s\n' "$name" "$counts" "$f"
done
echo "(ld.so: the dynamic linker's start-up, relocations and symbol look-ups; runtime: Rust's std start-up before main; main: the program, its requests included)"
