#!/usr/bin/env bash
# Soak test: one lobbyd (release build, SQLite in a temp dir, loopback) under
# waves of moderate mixed load - chat in lobbies, games played to the end,
# connect/register/QUIT churn (lobbyd-load storm) - while the control plane
# changes rows (MOTD, a timeout, a lobby created and removed, a ban added and
# lifted, a broadcast) and the profiler is switched on and off. Every 10 s
# RSS, fds, sessions, DB queue and loop p99 go into a CSV (bench/soak_sample.py);
# at the end a summary and a PNG (gnuplot). The load is modest on purpose: this
# looks for leaks, not for capacity.
#
# Usage: bench/soak.sh [--duration SECONDS] [--out DIR] [--build DIR]
#   default 3600 s, out = a temp dir (CSV, PNG, summary.txt, logs kept there).
# Exit status non-zero if: RSS grew > 5 % after warm-up (first 20 % of the
# run, at least 30 s), idle fds at the end exceed the idle fds before the load by > 4, any [error]
# line in the server log, any failed lobbyd-load run, or lobbyd died.
set -euo pipefail

duration=3600 out="" build=build
while (($#)); do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: $0 [--duration S] [--out DIR] [--build DIR]" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lobbyd=${LOBBYD_BIN:-$build/bin/lobbyd}
load=${LOBBYD_LOAD_BIN:-$build/bin/lobbyd-load}
python=/usr/bin/python3
for bin in "$lobbyd" "$load"; do
  [[ -x $bin ]] || { echo "soak: $bin missing (cmake --build $build --target lobbyd lobbyd-load)" >&2; exit 2; }
done
work=$(mktemp -d)
out=${out:-$work/out}
mkdir -p "$out"
token=soak-$RANDOM$RANDOM
db=$work/lobbyd.db

pids=() server_pid=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 143" TERM INT   # so a killed soak still stops its lobbyd

{
  echo 'server_name = "lobbyd.soak"'
  echo 'log_level = "warn"'
  echo 'stats_interval_s = 0'
  echo 'flood_rate = 100000.0'
  echo 'flood_burst = 100000'
  echo "http_admin_token = \"$token\""
  echo "profiler_dir = \"$work/prof\""
  for i in 0 1 2 3; do printf '\n[[lobby]]\nname = "#load%d"\ncapacity = 1000\n' "$i"; done
  for i in 0 1; do printf '\n[[lobby]]\nname = "#games%d"\ncapacity = 1000\n' "$i"; done
} > "$work/lobbyd.toml"

"$lobbyd" --config "$work/lobbyd.toml" --listen 127.0.0.1:0 --http 127.0.0.1:0 \
  --db "sqlite:$db" --port-file "$work/ports" --threads 2 > "$out/lobbyd.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^http ' "$work/ports" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "soak: lobbyd exited" >&2; cat "$out/lobbyd.log" >&2; exit 1; }
  sleep 0.1
done
http=$(awk '/^http /{print $2}' "$work/ports")
[[ -n $http ]] || { echo "soak: lobbyd did not start" >&2; exit 1; }
echo "soak: lobbyd pid $server_pid at $(head -1 "$work/ports"), http $http, ${duration} s, out $out"

fd_idle0=$(ls "/proc/$server_pid/fd" | wc -l)   # before any load: the leak baseline
"$python" "$here/soak_sample.py" --pid "$server_pid" --url "http://$http/metrics" \
  --csv "$out/soak.csv" --stop-file "$work/stop" &
pids+=($!)

end=$((SECONDS + duration))
: > "$out/load-runs.txt"
: > "$out/control-errors.txt"
run_load() { # name args...: one bounded lobbyd-load run, exit status logged
  local name=$1; shift
  local rc=0
  timeout 120 "$load" "$@" --port-file "$work/ports" --json-only > "$work/$name.out" 2>&1 || rc=$?
  echo "$(date -u +%T) $name rc=$rc $(tail -c 300 "$work/$name.out" | tr '\n' ' ')" >> "$out/load-runs.txt"
}

# Control plane: one change every 5 s, cycling through the kinds. An
# operator's write waits for lobbyd's own (SQLite has one writer at a
# time), as an operator's shell with a busy timeout would; one that still
# fails is a soak failure (control-errors.txt).
sql() { sqlite3 -cmd ".timeout 5000" "$db" "$1" > /dev/null || echo "sql failed: $1" >> "$out/control-errors.txt"; }
control() {
  local n=0 api="http://$http/api"
  while ((SECONDS < end - 5)); do
    case $((n % 8)) in
      0) sql "INSERT OR REPLACE INTO settings (\`key\`, value) VALUES ('motd', 'soak $n');" ;;
      1) sql "INSERT OR REPLACE INTO settings (\`key\`, value) VALUES ('client_timeout_s', '$((200 + n % 50))');" ;;
      2) sql "INSERT INTO lobbies (name, topic, capacity) VALUES ('#soak$n', 'temp', 50);" ;;
      3) sql "DELETE FROM lobbies WHERE name LIKE '#soak%';" ;;
      4) sql "INSERT INTO bans (mask, reason) VALUES ('nobody$n!*@192.0.2.*', 'soak');" ;;
      5) sql "DELETE FROM bans WHERE reason = 'soak';" ;;
      6) sql "INSERT INTO admin_commands (verb, args) VALUES ('broadcast', 'soak broadcast $n');"
         curl -sf -X POST -H "Authorization: Bearer $token" "$api/profile/start" > /dev/null || echo "profile start failed" >> "$out/control-errors.txt" ;;
      7) curl -sf -X POST -H "Authorization: Bearer $token" "$api/profile/stop" > /dev/null || echo "profile stop failed" >> "$out/control-errors.txt" ;;
    esac
    n=$((n + 1)); sleep 5
  done
}
control & pids+=($!)

# Load waves: ~25 s each, chat + games + storm at once, until the end.
wave=0
while ((SECONDS < end - 30)); do
  run_load chat chat --clients 150 --lobbies 4 --rate 1 --warmup 2 --duration 15 --nick-prefix "c${wave}x" &
  w1=$!
  run_load games games --tables 20 --game mix --lobby-prefix '#games' --lobbies 2 --think-ms 20 \
    --duration 15 --db "sqlite:$db" --nick-prefix "g${wave}x" &
  w2=$!
  run_load storm storm --count 300 --concurrency 8 --duration 15 --nick-prefix "s${wave}x" &
  w3=$!
  wait "$w1" "$w2" "$w3"
  wave=$((wave + 1))
  sleep 5
done
while ((SECONDS < end)); do sleep 1; done
touch "$work/stop"; sleep 11
kill -0 "$server_pid" 2>/dev/null && alive=1 || alive=0
fd_idle1=$( ((alive)) && ls "/proc/$server_pid/fd" | wc -l || echo -1)   # idle again: all load gone

"$python" "$here/soak_summary.py" --csv "$out/soak.csv" --log "$out/lobbyd.log" \
  --runs "$out/load-runs.txt" --control-errors "$out/control-errors.txt" --alive "$alive" --waves "$wave" --fd-idle "$fd_idle0" "$fd_idle1" > "$out/summary.txt" && rc=0 || rc=$?
cat "$out/summary.txt"
if command -v gnuplot > /dev/null; then
  gnuplot -e "csv='$out/soak.csv'; png='$out/soak.png'" "$here/soak_plot.gp" || echo "soak: gnuplot failed (not a soak failure)"
fi
exit $rc
