#!/usr/bin/env bash
# bench/modules_load.sh: the whole server playing a Lua module against the
# same game compiled in, side by side (issue 15: Lua >= 0.7x C++).
#   bench/modules_load.sh BIN_DIR [RUNS] [CPP_GAME] [LUA_GAME]
# One lobbyd build; each run a fresh server (pinned to CPU 0, one worker,
# bench/lobbyd-bench.toml, --modules modules/ so the Lua ports are loaded)
# and lobbyd-load (pinned to CPU 1): 200 bots playing CPP_GAME (default
# connect4) or LUA_GAME (default connect4_lua) for 8 s, the server's core
# saturated. Runs alternate C++ Lua C++ Lua ...; prints one line per run
# and the medians with the Lua/C++ ratio (moves/s and games/s at the same
# CPU). Loopback only; every run is bounded by lobbyd-load and `timeout`.
set -euo pipefail
BIN=${1:?bin dir}; RUNS=${2:-4}; CPP=${3:-connect4}; LUA=${4:-connect4_lua}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/lobbyd-modload.XXXXXX)
SRV=
trap '[[ -n $SRV ]] && kill $SRV 2>/dev/null || true; rm -rf "$TMP"' EXIT
run() {  # LABEL GAME
  local label=$1 game=$2
  local d=$TMP/$label-$RANDOM; mkdir -p "$d"
  taskset -c 0 "$BIN/lobbyd" --config "$HERE/lobbyd-bench.toml" --db "sqlite:$d/db" --listen 127.0.0.1:0 \
    --threads 1 --port-file "$d/port" --modules "$HERE/../modules" >"$d/log" 2>&1 &
  SRV=$!
  for _ in $(seq 100); do [[ -s $d/port ]] && break; sleep 0.1; done
  local port; port=$(head -1 "$d/port"); port=${port##*:}
  sleep 2  # the modules directory is read by the control plane's first polls (both sides wait alike)
  timeout 120 taskset -c 1 "$BIN/lobbyd-load" games --port "$port" --server-pid "$SRV" --no-progress \
    -n 200 --duration 8 --game "$game" >"$d/out" 2>&1 || true
  kill "$SRV"; wait "$SRV" 2>/dev/null || true
  SRV=
  tail -1 "$d/out" | /usr/bin/python3 "$HERE/ab_parse.py" "$label" games | tee -a "$TMP/results"
}
for _ in $(seq "$RUNS"); do
  run cpp "$CPP"
  run lua "$LUA"
done
/usr/bin/python3 - "$TMP/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(label, key):
    v = [float(f.split("=")[1]) for r in rows if r[1] == label for f in r[2:] if f.startswith(key + "=")]
    return statistics.median(v) if v else float("nan")
print("medians (lua/cpp):")
for key in ["moves_per_s", "games_per_s", "server_cpu_pct"]:
    c, l = med("cpp", key), med("lua", key)
    print(f"  {key}: cpp {c:.1f}  lua {l:.1f}  ratio {l / c:.3f}")
PY
