#!/usr/bin/env bash
# bench/ab.sh: two lobbyd builds side by side on the same scenarios, runs
# interleaved A B A B ... so that the shared machine's drift hits both alike.
#   [NEW_CONFIG_EXTRA='key = value'] bench/ab.sh BASE_BIN_DIR NEW_BIN_DIR [RUNS]
# Each run: a fresh server (pinned to CPU 0, one worker), lobbyd-load of NEW
# (pinned to CPU 1) doing
#   chat   2,000 clients in 40 lobbies, 0.5 msg/s each, 10 s measured
#   games  200 bots playing tic-tac-toe and connect four for 12 s
# Prints one line per run (scenario, build, server CPU %, deliveries/s,
# p99 ms, games) and the medians, with NEW/BASE ratios. Loopback only;
# every run is bounded by lobbyd-load's own limits and `timeout`.
set -euo pipefail
BASE=${1:?base bin dir}; NEW=${2:?new bin dir}; RUNS=${3:-3}
LOAD=$NEW/lobbyd-load
TMP=$(mktemp -d /tmp/lobbyd-ab.XXXXXX)
trap 'kill $SRV 2>/dev/null || true; rm -rf "$TMP"' EXIT
cp "$(dirname "$0")/lobbyd-bench.toml" "$TMP/lobbyd.toml"
# NEW_CONFIG_EXTRA: lines for the new build's configuration only (a setting
# the base does not know, e.g. "durable_moves = false" against a base from
# before that setting: the same behaviour on both sides).
cp "$TMP/lobbyd.toml" "$TMP/lobbyd-new.toml"
printf '%s\n' "${NEW_CONFIG_EXTRA:-}" >>"$TMP/lobbyd-new.toml"
run() {  # BIN_DIR LABEL SCENARIO ARGS...
  local bin=$1 label=$2 scen=$3; shift 3
  local d=$TMP/$label-$scen-$RANDOM; mkdir -p "$d"
  local conf=$TMP/lobbyd.toml; [[ $label == new ]] && conf=$TMP/lobbyd-new.toml
  taskset -c 0 "$bin/lobbyd" --config "$conf" --db "sqlite:$d/db" --listen 127.0.0.1:0 \
    --threads 1 --port-file "$d/port" >"$d/log" 2>&1 &
  SRV=$!
  for _ in $(seq 100); do [[ -s $d/port ]] && break; sleep 0.1; done
  local port; port=$(head -1 "$d/port"); port=${port##*:}
  timeout 120 taskset -c 1 "$LOAD" "$scen" --port "$port" --server-pid "$SRV" --no-progress "$@" \
    >"$d/out" 2>&1 || true
  kill "$SRV"; wait "$SRV" 2>/dev/null || true
  tail -1 "$d/out" | /usr/bin/python3 "$(dirname "$0")/ab_parse.py" "$label" "$scen" | tee -a "$TMP/results"
}
for i in $(seq "$RUNS"); do
  for pair in "base $BASE" "new $NEW"; do
    set -- $pair
    run "$2" "$1" chat -n 2000 --lobbies 40 --rate 0.5 --warmup 2 --duration 10 --drain 3 --conn-timeout 60
    run "$2" "$1" games -n 200 --duration 8 --game tictactoe,connect4
  done
done
/usr/bin/python3 - "$TMP/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(scen, label, key):
    v = [float(f.split("=")[1]) for r in rows if r[0] == scen and r[1] == label for f in r[2:] if f.startswith(key + "=")]
    return statistics.median(v) if v else float("nan")
print("medians (new/base):")
for scen, key in [("chat", "cpu_us_per_delivery"), ("chat", "p99_ms"), ("games", "moves_per_s")]:
    b, n = med(scen, "base", key), med(scen, "new", key)
    print(f"  {scen} {key}: base {b:.3f}  new {n:.3f}  ratio {n / b:.3f}")
PY
