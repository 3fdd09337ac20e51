#!/usr/bin/env bash
# CI smoke test of the load path: starts a private lobbyd, runs
# `lobbyd-load chat` against it for ~10 s (2 s warm-up + 8 s measured) and
# fails unless the run succeeded and every expected delivery arrived in order
# (delivery ratio exactly 1, nothing out of order).
#
# Usage: tools/load-smoke.sh [BUILD_DIR]          (default: build)
# Environment (all optional):
#   LOBBYD_BIN, LOBBYD_LOAD_BIN   binaries (default BUILD_DIR/bin/...)
#   SMOKE_CLIENTS=200 SMOKE_LOBBIES=8 SMOKE_RATE=2 SMOKE_WARMUP=2 SMOKE_DURATION=8
#   SMOKE_SERVER_THREADS=2
set -euo pipefail

build=${1:-build}
lobbyd=${LOBBYD_BIN:-$build/bin/lobbyd}
load=${LOBBYD_LOAD_BIN:-$build/bin/lobbyd-load}
clients=${SMOKE_CLIENTS:-200}
lobbies=${SMOKE_LOBBIES:-8}
rate=${SMOKE_RATE:-2}
warmup=${SMOKE_WARMUP:-2}
duration=${SMOKE_DURATION:-8}
server_threads=${SMOKE_SERVER_THREADS:-2}
python=$(command -v /usr/bin/python3 || command -v python3)

for bin in "$lobbyd" "$load"; do
  [[ -x "$bin" ]] || { echo "load-smoke: $bin is missing (build it first)" >&2; exit 2; }
done

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

{
  echo 'server_name = "lobbyd.smoke"'
  echo 'log_level = "warn"'
  echo 'stats_interval_s = 0'
  echo 'flood_rate = 100000.0'
  echo 'flood_burst = 100000'
  echo 'recvq_bytes = 1048576'
  echo 'sendq_bytes = 16777216'
  echo 'ping_interval_s = 120'
  echo 'client_timeout_s = 240'
  for ((i = 0; i < lobbies; i++)); do
    printf '\n[[lobby]]\nname = "#load%d"\ncapacity = %d\n' "$i" "$((clients + 10))"
  done
} > "$work/lobbyd.toml"

"$lobbyd" --config "$work/lobbyd.toml" --listen 127.0.0.1:0 --port-file "$work/ports" \
  --threads "$server_threads" > "$work/lobbyd.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/ports" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "load-smoke: lobbyd exited:" >&2; cat "$work/lobbyd.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$work/ports" ]] || { echo "load-smoke: lobbyd did not start" >&2; cat "$work/lobbyd.log" >&2; exit 1; }

echo "load-smoke: lobbyd at $(head -1 "$work/ports"): chat, $clients clients in $lobbies lobbies, $rate msg/s each, ${warmup}+${duration} s"
rc=0
"$load" chat --port-file "$work/ports" --clients "$clients" --lobbies "$lobbies" --rate "$rate" \
  --warmup "$warmup" --duration "$duration" --server-pid "$server_pid" --no-progress \
  > "$work/out.txt" || rc=$?
cat "$work/out.txt"

if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "load-smoke: FAIL: lobbyd died during the run" >&2
  tail -50 "$work/lobbyd.log" >&2
  exit 1
fi

grep '^{' "$work/out.txt" | tail -1 > "$work/result.json" || true
"$python" - "$work/result.json" "$rc" <<'PY'
import json, sys
path, rc = sys.argv[1], int(sys.argv[2])
try:
    r = json.load(open(path))
except Exception as e:
    sys.exit(f"load-smoke: FAIL: no JSON result from lobbyd-load (exit {rc}): {e}")
chat = r.get("chat") or {}
problems = []
if rc != 0 or not r.get("ok"):
    problems.append(f"lobbyd-load exit {rc}, status {r.get('status')}: {r.get('failures')}")
if chat.get("delivery_ratio") != 1:
    problems.append(f"delivery ratio {chat.get('delivery_ratio')} "
                    f"({chat.get('received')} of {chat.get('expected')} expected deliveries)")
if chat.get("out_of_order", 0) != 0:
    problems.append(f"{chat['out_of_order']} deliveries out of order")
if not chat.get("sent"):
    problems.append("no messages sent")
if problems:
    sys.exit("load-smoke: FAIL: " + "; ".join(problems))
lat = r.get("latency_ms", {})
print(f"load-smoke: OK: {chat['received']} of {chat['expected']} deliveries, "
      f"{chat['deliveries_per_s']:.0f}/s, p99 {lat.get('p99')} ms")
PY
