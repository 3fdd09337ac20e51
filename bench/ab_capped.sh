#!/usr/bin/env bash
# bench/ab_capped.sh: A/B two (or more) lobbyd binaries for the same CPU.
#
# Each binary in turn, ROUNDS times (alternating, so that the shared machine's
# drift hits both): a fresh lobbyd held to PCT% of CPU 0 by a CPU cgroup
# (bench/cgroup_cap.sh), then on CPU 1
#   storm  lobbyd-load storm --count 200000 --concurrency 64 --duration 10
#          (the server runs out first: registrations/s is its capacity)
#   chat   lobbyd-load chat -n 2000 --lobbies 40 --rate RATE --duration 10
#          (a fixed load below the limit: server CPU per delivery)
#   idle   (with --idle) 10,000 clients: RSS per connection
# One line per run; the medians at the end.
#
# Usage: bench/ab_capped.sh [--cap PCT] [--rounds N] [--rate R] [--idle] BIN_A BIN_B...
# Needs root (the cgroup). Example:
#   cp build/bin/lobbyd /tmp/lobbyd.new; git stash; cmake --build build --target lobbyd
#   cp build/bin/lobbyd /tmp/lobbyd.old; git stash pop
#   bench/ab_capped.sh --rounds 3 /tmp/lobbyd.old /tmp/lobbyd.new
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOAD="$ROOT/build/bin/lobbyd-load"
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3
CAP=40; ROUNDS=3; RATE=0.35; IDLE=0
while (($#)); do
  case $1 in
    --cap) CAP=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --idle) IDLE=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "ab_capped.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
(($# >= 2)) || { echo "ab_capped.sh: give two or more lobbyd binaries" >&2; exit 2; }
[[ -x $LOAD ]] || { echo "ab_capped.sh: build lobbyd-load first" >&2; exit 2; }
# shellcheck source=bench/cgroup_cap.sh
. "$ROOT/bench/cgroup_cap.sh"
cg_setup "$CAP" "lobbyd-ab.$$" || { echo "ab_capped.sh: no CPU cgroup (run as root)" >&2; exit 1; }
T=$(mktemp -d /tmp/lobbyd-ab.XXXXXX)
SRV=""
cleanup() { [[ -n $SRV ]] && kill "$SRV" 2>/dev/null; wait 2>/dev/null; cg_remove; rm -rf "$T"; }
trap cleanup EXIT
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cp "$(dirname "$0")/lobbyd-bench.toml" "$T/lobbyd.toml"

start() {  # BIN: sets SRV and PORT
  rm -f "$T/port" "$T"/db*
  "${CG_PREFIX[@]}" taskset -c 0 "$1" --config "$T/lobbyd.toml" --db "sqlite:$T/db" --listen 127.0.0.1:0 \
    --http off --threads 1 --port-file "$T/port" >"$T/server.log" 2>&1 &
  SRV=$!
  local i; for i in $(seq 100); do [[ -s $T/port ]] && break; sleep 0.1; done
  [[ -s $T/port ]] || { tail -3 "$T/server.log" >&2; exit 1; }
  PORT=$(head -1 "$T/port"); PORT=${PORT##*:}
}
stop() { kill "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; SRV=""; sleep 0.5; }
load() {  # SCENARIO ARGS...: the run's JSON line
  taskset -c 1 "$LOAD" "$@" --port "$PORT" --server-pid "$SRV" --no-progress 2>/dev/null | grep '^{' | tail -1
}

: >"$T/results"
for r in $(seq "$ROUNDS"); do
  for b in "$@"; do
    start "$b"; s=$(load storm --count 200000 --concurrency 64 --duration 10 --sources 4); stop
    start "$b"; c=$(load chat -n 2000 --lobbies 40 --rate "$RATE" --warmup 2 --duration 10 --drain 3); stop
    i='{}'
    if ((IDLE)); then start "$b"; i=$(load idle -n 10000 --duration 2 --sources 4); stop; fi
    "$PY" - "$r" "$b" "$s" "$c" "$i" "$T/results" <<'PYEOF'
import json, sys
r, b, s, c, i, out = sys.argv[1:]
s, c, i = (json.loads(x or "{}") for x in (s, c, i))
row = {"bin": b}
row["storm_rps"] = s.get("storm", {}).get("registrations_per_s")
cfg = c.get("config", {})
dps = c.get("chat", {}).get("deliveries_per_s")
cpu = c.get("server", {}).get("cpu_percent")
if dps and cpu:
    row["us_per_delivery"] = cpu / 100 * c["wall_s"] / (dps * (cfg["duration_s"] + cfg["warmup_s"])) * 1e6
row["chat_ok"] = c.get("ok") and c.get("chat", {}).get("delivery_ratio") == 1
row["chat_p99_ms"] = c.get("latency_ms", {}).get("p99")
row["idle_bpc"] = i.get("memory", {}).get("bytes_per_connection")
open(out, "a").write(json.dumps(row) + "\n")
print(f"round {r} {b}: storm {row['storm_rps'] or 0:.0f} reg/s | chat {dps or 0:.0f} deliveries/s "
      f"{'ok' if row['chat_ok'] else 'NOT OK'}, p99 {row['chat_p99_ms']} ms, "
      f"{row.get('us_per_delivery', 0):.2f} µs server CPU per delivery"
      + (f" | idle {row['idle_bpc']} B/connection" if row['idle_bpc'] else ""))
PYEOF
  done
done
"$PY" - "$T/results" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
bins = list(dict.fromkeys(r["bin"] for r in rows))
def med(b, k):
    v = [r[k] for r in rows if r["bin"] == b and r.get(k)]
    return statistics.median(v) if v else None
print("\nmedians (ratio to the first binary):")
base = {k: med(bins[0], k) for k in ("storm_rps", "us_per_delivery", "idle_bpc")}
for b in bins:
    parts = []
    for k, label in (("storm_rps", "storm reg/s"), ("us_per_delivery", "µs/delivery"), ("idle_bpc", "B/connection")):
        v = med(b, k)
        if v is not None:
            parts.append(f"{label} {v:.4g}" + (f" ({v / base[k]:.2f})" if base[k] else ""))
    print(f"  {b}: " + ", ".join(parts))
PYEOF
