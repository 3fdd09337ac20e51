#!/usr/bin/env bash
# The cost of durable_moves (issue 13): games/s and move latency with the
# setting off and on, side by side. Each round starts a fresh lobbyd on
# SQLite (same file system, same settings but the one), runs
# `lobbyd-load games` for DURATION s, and alternates off/on so that the
# machine's noise hits both alike. Prints one line per run and a summary
# (medians, and on/off ratios).
#
# Usage: bench/durable_moves.sh [BUILD_DIR]     (default: build)
# Environment: ROUNDS=3 TABLES=100 DURATION=10 GAME=connect4 THREADS=2
set -euo pipefail

build=${1:-build}
rounds=${ROUNDS:-3}
tables=${TABLES:-100}
duration=${DURATION:-10}
game=${GAME:-connect4}
threads=${THREADS:-2}
lobbyd=$build/bin/lobbyd
load=$build/bin/lobbyd-load
python=/usr/bin/python3
work=$(mktemp -d)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

run_one() {  # $1 = true|false; appends the result JSON to $work/results
  local durable=$1 dir
  dir=$(mktemp -d -p "$work")
  cat > "$dir/lobbyd.toml" <<EOF
log_level = "warn"
stats_interval_s = 0
flood_rate = 100000.0
flood_burst = 100000
recvq_bytes = 1048576
durable_moves = $durable

[[lobby]]
name = "#games0"
capacity = 10000
EOF
  "$lobbyd" --config "$dir/lobbyd.toml" --listen 127.0.0.1:0 --port-file "$dir/ports" \
    --threads "$threads" --db "sqlite:$dir/lobbyd.db" > "$dir/lobbyd.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [[ -s "$dir/ports" ]] && break; sleep 0.1; done
  "$load" games --port-file "$dir/ports" --tables "$tables" --game "$game" --duration "$duration" \
    --lobby-prefix '#games' --lobbies 1 --db "sqlite:$dir/lobbyd.db" --server-pid "$pid" --json-only \
    | DURABLE=$durable "$python" -c '
import json, os, sys
r = json.loads(sys.stdin.read().strip().splitlines()[-1])
g, m = r["games"], r["move_latency_ms"]
out = {"durable": os.environ["DURABLE"] == "true", "ok": r["ok"], "finished_per_s": g["finished_per_s"],
       "moves_per_s": g["moves_per_s"], "p50": m["p50"], "p99": m["p99"], "max": m["max"],
       "server_cpu": (r.get("server") or {}).get("cpu_percent"), "results_ok": r["game_results"].get("ok")}
print(json.dumps(out))' | tee -a "$work/results"
  kill -TERM "$pid"; wait "$pid" || true; pid=""
}

for ((i = 0; i < rounds; i++)); do
  run_one false
  run_one true
done

"$python" - "$work/results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(durable, k):
    return statistics.median(r[k] for r in rows if r["durable"] == durable)
print(f"\n{'':18} {'off':>10} {'on':>10} {'on/off':>8}")
for k, label in [("finished_per_s", "games/s"), ("moves_per_s", "moves/s"), ("p50", "move p50 ms"),
                 ("p99", "move p99 ms"), ("max", "move max ms"), ("server_cpu", "server CPU %")]:
    off, on = med(False, k), med(True, k)
    print(f"{label:18} {off:10.2f} {on:10.2f} {on / off if off else float('nan'):8.2f}")
bad = [r for r in rows if not r["ok"] or r["results_ok"] is False]
sys.exit(f"{len(bad)} run(s) failed" if bad else 0)
PY
