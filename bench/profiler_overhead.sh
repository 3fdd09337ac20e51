#!/usr/bin/env bash
# bench/profiler_overhead.sh: what lobbyd's live profiler costs on the chat
# benchmark (issue 6 cost goal: <= 3 % with the profiler on), side by side with
# the profiler off, the zones compiled out, and `perf record`; plus callgrind
# instruction counts. See docs/benchmarks.md, "Profiler overhead".
#
# lobbyd runs with --threads 1 pinned to CPU 0, lobbyd-load (and perf) on CPU 1,
# loopback only, flood limits off. Three parts:
#
#  (a) fixed offered load: 2,000 clients in 40 lobbies at a rate that gives
#      ~65 % server CPU (calibrated first, or --rate). In each chat run the
#      server's CPU time (schedstat, all threads) and its deliveries (STATS
#      msgs_out) are measured over consecutive segments; between segments the
#      profiler is switched with SIGUSR2 on the same process, or perf record
#      is attached. Segment order off,on,perf,perf,on,off (rotated each round)
#      so that drift and the neighbours' noise hit every mode alike. The
#      compiled-out build (build-prof-off, -DLOBBYD_PROFILER_DISABLED=ON) runs
#      the same chat in alternating runs. Metric: server CPU per delivery.
#  (b) ramp: the highest sustained deliveries/s (lobbyd-load ramp: a coarse
#      ramp finds the knee, then fine steps x1.05 from 0.7 of it), profiler
#      off / on / compiled out, in rotating order, --ramp-rounds times.
#  (c) callgrind: 100 clients, 4 lobbies, 2,000 messages, lobbyd under
#      valgrind --tool=callgrind with the profiler off and on
#      (profiler_enabled = true); total Ir per delivery, and the slowdown of
#      callgrind against the same workload run natively.
#
# Usage: bench/profiler_overhead.sh [--rounds N] [--seg S] [--rate R|auto]
#          [--reps N] [--ramp-rounds N] [--quick] [--no-build] [--skip-ramp] [--skip-perf] [--skip-callgrind]
#          [--rev REV] [--build-only] [--p99-bound-ms MS] [--nice N] [--wait-quiet S] [--out DIR]
#   --rounds N     (a): chat runs per build, alternating (default 8)
#   --ramp-rounds N (b): ramps per mode (default 4)
#   --seg S        segment length in (a), seconds (default 2)
#   --reps N       (a): the off,on,perf,perf,on,off pattern N times per chat run (default 2)
#   --rate R       msg/s per client in (a); auto (default): calibrate to ~65 % CPU
#   --quick        smoke check: 1 round, short segments, small callgrind run
#   --no-build     use the binaries as they are
#   --rev REV      build and measure commit REV from a clean export (git archive) in
#                  build/profiler-overhead-src/<rev>/{build,build-prof-off}; default:
#                  the working tree with build/ and build-prof-off/
#   --build-only   build, then stop
#   --nice N       run lobbyd, lobbyd-load, perf and the sampler at nice N
#                  (e.g. -15 on a machine shared with builds, so that a compile
#                  on CPU 0 does not take turns from lobbyd; default 0)
#   --wait-quiet S before each run, wait up to S s for the machine to be below
#                  50 % busy (the wait is logged; default 0: do not wait)
#   --p99-bound-ms (b): a passing step's p99 bound (lobbyd-load's default, 50)
#   --out DIR      results (default build/profiler-overhead/<date>/): every JSON,
#                  the servers' logs, perf.data files, callgrind.out.*, table.md
# Needs: taskset, python3, perf (linux-perf), valgrind; root or
# perf_event_paranoid <= 1 for perf -p. Every load run is bounded (lobbyd-load's
# own limit and `timeout`); every process started here is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
TOOL="$ROOT/bench/profiler_overhead_tool.py"
BUILD="$ROOT/build"
BUILD_OFF="$ROOT/build-prof-off"
SERVER_CPU=0
LOAD_CPU=1

ROUNDS=8
RAMP_ROUNDS=4
REPS=2
SEG=2
SETTLE=0.5
RATE=auto
TARGET_CPU=65
CLIENTS=2000
LOBBIES=40
BUILD_IT=1
DO_RAMP=1
DO_PERF=1
DO_CG=1
P99_MS=50
RAMP_FACTOR=1.05
RAMP_STEPS=16
RAMP_STEP_S=3
CG_CLIENTS=100
CG_LOBBIES=4
CG_RATE=1
CG_DURATION=20        # 100 clients x 1 msg/s x 20 s = 2,000 messages
OUT=""
NICE=0
WAIT_QUIET=0
REV=""
BUILD_ONLY=0

ARGS_GIVEN="$*"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --rounds) ROUNDS=${2:?}; shift ;;
    --ramp-rounds) RAMP_ROUNDS=${2:?}; shift ;;
    --seg) SEG=${2:?}; shift ;;
    --reps) REPS=${2:?}; shift ;;
    --rate) RATE=${2:?}; shift ;;
    --quick) ROUNDS=1; RAMP_ROUNDS=1; REPS=1; SEG=2; RAMP_STEPS=6; CG_DURATION=4 ;;
    --no-build) BUILD_IT=0 ;;
    --skip-ramp) DO_RAMP=0 ;;
    --skip-perf) DO_PERF=0 ;;
    --skip-callgrind) DO_CG=0 ;;
    --p99-bound-ms) P99_MS=${2:?}; shift ;;
    --out) OUT=${2:?}; shift ;;
    --nice) NICE=${2:?}; shift ;;
    --rev) REV=${2:?}; shift ;;
    --build-only) BUILD_ONLY=1 ;;
    --wait-quiet) WAIT_QUIET=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "profiler_overhead.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
((ROUNDS >= 1 && ROUNDS <= 40)) || { echo "--rounds: 1..40" >&2; exit 2; }
((RAMP_ROUNDS >= 1 && RAMP_ROUNDS <= 20)) || { echo "--ramp-rounds: 1..20" >&2; exit 2; }

log() { printf '[overhead %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------ processes, trap
PIDS=()          # everything started in the background, stopped on exit
stop_pid() {     # PID [seconds]: TERM, then KILL after the grace
  local pid=$1 grace=${2:-5} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local p
  for p in "${PIDS[@]}"; do stop_pid "$p" 3; done
  exit $rc
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

for t in taskset cmake; do command -v $t >/dev/null || die "$t is missing"; done
if ((DO_PERF)) && ! command -v perf >/dev/null; then
  log "perf missing: apt-get install -y linux-perf"
  apt-get install -y linux-perf >/dev/null 2>&1 || true
  command -v perf >/dev/null || { log "perf not available: skipping the perf column"; DO_PERF=0; }
fi
if ((DO_CG)) && ! command -v valgrind >/dev/null; then
  apt-get install -y valgrind >/dev/null 2>&1 || true
  command -v valgrind >/dev/null || { log "valgrind not available: skipping callgrind"; DO_CG=0; }
fi
if ((DO_PERF)); then   # is perf allowed here?
  if ! timeout 20 perf record -F 999 -g -o /dev/null -- true >/dev/null 2>&1; then
    log "perf record is not permitted in this machine (perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null)): no perf column"
    DO_PERF=0
  fi
fi

# --------------------------------------------------------------------- build
SRC=$ROOT
if [[ -n $REV ]]; then
  # a clean tree of REV (the working tree is shared and may hold others' edits)
  REV_ID=$(git rev-parse --short "$REV^{commit}") || die "--rev $REV: no such commit"
  SRC="$ROOT/build/profiler-overhead-src/$REV_ID"
  BUILD="$SRC/build"
  BUILD_OFF="$SRC/build-prof-off"
  if [[ ! -f $SRC/CMakeLists.txt ]]; then
    mkdir -p "$SRC"
    git archive "$REV_ID" | tar -x -C "$SRC"
  fi
fi
if ((BUILD_IT)); then
  log "building $BUILD (lobbyd, lobbyd-load) and $BUILD_OFF (zones compiled out), -j1"
  cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j1 --target lobbyd lobbyd-load
  cmake -S "$SRC" -B "$BUILD_OFF" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOBBYD_PROFILER_DISABLED=ON \
    -DLOBBYD_TESTS=OFF -DLOBBYD_BENCH=OFF >/dev/null
  cmake --build "$BUILD_OFF" -j1 --target lobbyd
fi
((BUILD_ONLY)) && { log "built; --build-only: done"; exit 0; }
for b in "$BUILD/bin/lobbyd" "$BUILD_OFF/bin/lobbyd" "$BUILD/bin/lobbyd-load"; do
  [[ -x $b ]] || die "$b is missing (run without --no-build)"
done
grep -q 'LOBBYD_PROFILER_DISABLED:BOOL=ON' "$BUILD_OFF/CMakeCache.txt" || die "$BUILD_OFF is not configured with LOBBYD_PROFILER_DISABLED=ON"

[[ -n $OUT ]] || OUT="$ROOT/build/profiler-overhead/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
RES=$(cd "$OUT" && pwd)
log "results: $RES"
# copies: a colleague's rebuild of build/ during the run must not change what is measured
mkdir -p "$RES/bin"
cp "$BUILD/bin/lobbyd" "$RES/bin/lobbyd"
cp "$BUILD_OFF/bin/lobbyd" "$RES/bin/lobbyd-zones-compiled-out"
cp "$BUILD/bin/lobbyd-load" "$RES/bin/lobbyd-load"
LOBBYD="$RES/bin/lobbyd"
LOBBYD_OFF="$RES/bin/lobbyd-zones-compiled-out"
LOAD="$RES/bin/lobbyd-load"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= CLIENTS + 200 )) || die "open-files limit $(ulimit -n) too small for $CLIENTS clients"

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  if [[ -n $REV ]]; then echo "source: commit $REV_ID (clean tree, $SRC)"
  else echo "source: working tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src CMakeLists.txt || echo ' + uncommitted changes in src/')"; fi
  echo "binaries: $BUILD/bin/lobbyd, $BUILD_OFF/bin/lobbyd (copied to bin/)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
  echo "kernel: $(uname -r); perf: $(perf --version 2>/dev/null); $(valgrind --version 2>/dev/null)"
  echo "args: $ARGS_GIVEN"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RES/machine.txt"

# ------------------------------------------------------------------ servers
write_config() {  # FILE [extra lines...]
  local f=$1; shift
  {
    echo 'flood_rate = 1000000000.0'
    echo 'flood_burst = 1000000'
    echo 'recvq_bytes = 1048576'
    echo 'sendq_bytes = 4194304'
    echo 'max_clients = 19000'
    echo 'ping_interval_s = 120'
    echo 'client_timeout_s = 240'
    echo 'allow_create_lobbies = true'
    echo 'created_lobby_capacity = 5000'
    echo 'stats_interval_s = 0'
    local l; for l in "$@"; do echo "$l"; done
  } >"$f"
}
write_config "$RES/lobbyd.toml"
# the toggled server writes its reports at every switch-off (zone counts for the report)
write_config "$RES/lobbyd-toggled.toml" "profiler_dir = \"$RES/prof-reports\""
write_config "$RES/lobbyd-prof-on.toml" 'profiler_enabled = true'

SRV_PID=""
# start_server NAME BINARY CONFIG [WRAPPER...]: sets SRV_PID, NAME.port, NAME.log
start_server() {
  local name=$1 bin=$2 cfg=$3; shift 3
  local pf="$RES/$name.port" lg="$RES/$name.log" i
  rm -f "$pf" "$RES/$name.db"*
  nice -n "$NICE" taskset -c $SERVER_CPU "$@" "$bin" --config "$cfg" --threads 1 --listen 127.0.0.1:0 \
    --port-file "$pf" --db "sqlite:$RES/$name.db" >"$lg" 2>&1 &
  SRV_PID=$!
  PIDS+=("$SRV_PID")
  for ((i = 0; i < 1200; i++)); do   # up to 120 s (valgrind starts slowly)
    [[ -s $pf ]] && return 0
    kill -0 "$SRV_PID" 2>/dev/null || die "$name exited at start (see $lg)"
    sleep 0.1
  done
  die "$name: no port file after 120 s"
}

# busy_pct: the machine's busy share over one second (/proc/stat, all cores)
busy_pct() {
  local c u n s i w q sq st b1 t1
  read -r c u n s i w q sq st _ </proc/stat; b1=$((u + n + s + q + sq + st)); t1=$((b1 + i + w))
  sleep 1
  read -r c u n s i w q sq st _ </proc/stat
  echo $((100 * (u + n + s + q + sq + st - b1) / (u + n + s + q + sq + st + i + w - t1 + 1)))
}
# wait_quiet: up to WAIT_QUIET s until the machine is below 50 % busy
wait_quiet() {
  ((WAIT_QUIET > 0)) || return 0
  local t0=$SECONDS busy=100
  while ((SECONDS - t0 < WAIT_QUIET)); do
    busy=$(busy_pct)
    if ((busy < 50)); then
      ((SECONDS - t0 > 1)) && log "waited $((SECONDS - t0)) s for a quiet machine"
      return 0
    fi
  done
  log "machine still ${busy}% busy after $WAIT_QUIET s: going on"
}

LOAD_PID=""
# run_load OUTFILE ARGS...: lobbyd-load on CPU 1 in the background (LOAD_PID)
run_load() {
  local out=$1; shift
  wait_quiet
  timeout -k 10 900 nice -n "$NICE" taskset -c $LOAD_CPU "$LOAD" "$@" --json-only >"$out" 2>"${out%.json}.err" &
  LOAD_PID=$!
  PIDS+=("$LOAD_PID")
}
wait_load() { local rc=0; wait "$LOAD_PID" || rc=$?; LOAD_PID=""; return $rc; }

# ------------------------------------------------- (a) fixed offered load
start_server prof "$LOBBYD" "$RES/lobbyd-toggled.toml"; PID_ON=$SRV_PID       # zones compiled in, toggled
start_server nozones "$LOBBYD_OFF" "$RES/lobbyd.toml"; PID_CO=$SRV_PID  # zones compiled out
log "servers: prof pid $PID_ON (port $(cat "$RES/prof.port")), compiled-out pid $PID_CO (port $(cat "$RES/nozones.port"))"

# fixed_run LABEL SERVERNAME PID PLAN RATE
fixed_run() {
  local label=$1 name=$2 pid=$3 plan=$4 rate=$5 nseg dur rc=0
  nseg=$(tr ',' '\n' <<<"$plan" | grep -c .)
  # warm-up 3 s + steady check + segments (+ perf start/stop) + slack
  dur=$(awk -v n="$nseg" -v s="$SEG" -v st="$SETTLE" 'BEGIN{print int(n*(s+st+2)+15)}')
  log "$label: chat $CLIENTS clients / $LOBBIES lobbies at $rate msg/s, segments $plan"
  run_load "$RES/$label.load.json" chat --port-file "$RES/$name.port" --clients "$CLIENTS" \
    --lobbies "$LOBBIES" --rate "$rate" --warmup 3 --duration "$dur" --drain 3 --server-pid "$pid" \
    --conn-timeout 60
  nice -n "$NICE" taskset -c $LOAD_CPU "$PY" "$TOOL" segments --pid "$pid" --log "$RES/$name.log" \
    --port-file "$RES/$name.port" --plan "$plan" --clients "$CLIENTS" --rate "$rate" --seg "$SEG" \
    --settle "$SETTLE" --warmup 1 --perf-dir "$RES" --label "$label" --nick "ovh$RANDOM" \
    --out "$RES/$label.segments.json" &
  local spid=$!
  PIDS+=("$spid")
  wait "$spid" || rc=$?
  # the segments are done: stop sending (status "interrupted" is expected)
  kill -INT "$LOAD_PID" 2>/dev/null || true
  wait_load || true
  ((rc == 0)) || die "$label: segment sampler failed ($rc)"
  kill -0 "$pid" 2>/dev/null || die "$label: server $name is gone"
}

if [[ $RATE == auto ]]; then   # two steps towards TARGET_CPU (CPU per delivery falls with the rate)
  RATE=1
  for it in 1 2; do
    fixed_run "calib$it" prof "$PID_ON" off,off "$RATE"
    RATE=$("$PY" "$TOOL" rate "$RES/calib$it.segments.json" --target "$TARGET_CPU")
    mv "$RES/calib$it.segments.json" "$RES/calib$it.json"   # not part of the figures
  done
fi
echo "fixed rate: $RATE msg/s per client" >>"$RES/machine.txt"

MODES=(off on); ((DO_PERF)) && MODES+=(perf)
for ((r = 1; r <= ROUNDS; r++)); do
  # rotate, then mirror: off,on,perf,perf,on,off / on,perf,off,off,perf,on / ...
  rot=("${MODES[@]:$(((r - 1) % ${#MODES[@]}))}" "${MODES[@]:0:$(((r - 1) % ${#MODES[@]}))}")
  one=$(IFS=,; echo "${rot[*]}"),$(for ((k = ${#rot[@]} - 1; k >= 0; k--)); do printf '%s,' "${rot[k]}"; done)
  plan=""; for ((k = 0; k < REPS; k++)); do plan+=$one; done
  plan=${plan%,}
  co_plan=$(tr -s 'a-z' 'x' <<<"$plan" | sed 's/x/co/g')
  if ((r % 2)); then
    fixed_run "fixed.r$r.prof" prof "$PID_ON" "$plan" "$RATE"
    fixed_run "fixed.r$r.nozones" nozones "$PID_CO" "$co_plan" "$RATE"
  else
    fixed_run "fixed.r$r.nozones" nozones "$PID_CO" "$co_plan" "$RATE"
    fixed_run "fixed.r$r.prof" prof "$PID_ON" "$plan" "$RATE"
  fi
done

# the toggled server's reports as of the end of (a): zone counts while on
[[ -d $RES/prof-reports ]] && cp -r "$RES/prof-reports" "$RES/prof-reports-fixed"

# ------------------------------------------------------------------ (b) ramp
if ((DO_RAMP)); then
  RAMP_ARGS=(--clients "$CLIENTS" --lobbies "$LOBBIES" --warmup 1 --drain 2
    --step-duration "$RAMP_STEP_S" --p99-bound-ms "$P99_MS" --conn-timeout 60)
  # a coarse ramp (profiler off) finds the knee; the fine ramps start below it
  "$PY" "$TOOL" profiler --pid "$PID_ON" --log "$RES/prof.log" off
  log "ramp calibration: coarse (x1.4 from 0.1 msg/s)"
  run_load "$RES/ramp-coarse.json" ramp --port-file "$RES/prof.port" "${RAMP_ARGS[@]}" \
    --rate 0.1 --step-factor 1.4 --max-steps 12 --server-pid "$PID_ON"
  wait_load || true
  RSTART=$("$PY" "$TOOL" ramp-start "$RES/ramp-coarse.json" --factor 0.7 --fallback 0.1)
  echo "fine ramps: from $RSTART msg/s per client, x$RAMP_FACTOR per step, at most $RAMP_STEPS steps" >>"$RES/machine.txt"
  RMODES=(off on co)
  for ((r = 1; r <= RAMP_ROUNDS; r++)); do
    rot=("${RMODES[@]:$(((r - 1) % 3))}" "${RMODES[@]:0:$(((r - 1) % 3))}")
    for m in "${rot[@]}"; do
      if [[ $m == co ]]; then name=nozones; pid=$PID_CO
      else name=prof; pid=$PID_ON; "$PY" "$TOOL" profiler --pid "$PID_ON" --log "$RES/prof.log" "$m"; fi
      log "ramp round $r: $m (from $RSTART msg/s, x$RAMP_FACTOR)"
      run_load "$RES/ramp.r$r.$m.json" ramp --port-file "$RES/$name.port" "${RAMP_ARGS[@]}" \
        --rate "$RSTART" --step-factor "$RAMP_FACTOR" --max-steps "$RAMP_STEPS" --server-pid "$pid"
      wait_load || log "ramp.r$r.$m: lobbyd-load exited non-zero (see the JSON)"
      kill -0 "$pid" 2>/dev/null || die "server $name is gone after ramp r$r $m"
    done
  done
  "$PY" "$TOOL" profiler --pid "$PID_ON" --log "$RES/prof.log" off
fi
stop_pid "$PID_ON" 10
stop_pid "$PID_CO" 10

# -------------------------------------------------------------- (c) callgrind
if ((DO_CG)); then
  CG_ARGS=(--clients "$CG_CLIENTS" --lobbies "$CG_LOBBIES" --rate "$CG_RATE" --duration "$CG_DURATION"
    --warmup 0 --drain 120 --conn-timeout 120)
  # cg_run LABEL CONFIG WRAP(native|callgrind)
  cg_run() {
    local label=$1 cfg=$2 wrap=$3 cpu file=-
    if [[ $wrap == callgrind ]]; then
      file="$RES/callgrind.out.$label"
      start_server "cg-$label" "$LOBBYD" "$cfg" valgrind --tool=callgrind --callgrind-out-file="$file"
    else
      start_server "cg-$label" "$LOBBYD" "$cfg"
    fi
    local pid=$SRV_PID
    log "callgrind phase: $label ($wrap), $CG_CLIENTS clients, $CG_LOBBIES lobbies, $CG_RATE msg/s for $CG_DURATION s"
    run_load "$RES/cg-$label.load.json" chat --port-file "$RES/cg-$label.port" "${CG_ARGS[@]}" --server-pid "$pid"
    wait_load || log "cg-$label: lobbyd-load exited non-zero (see cg-$label.load.json)"
    cpu=$("$PY" "$TOOL" cpu "$pid")
    stop_pid "$pid" 120   # callgrind writes its file at exit
    "$PY" "$TOOL" callgrind --file "$file" --load "$RES/cg-$label.load.json" --cpu-s "$cpu" --label "$label" \
      >"$RES/callgrind.$label.json"
  }
  cg_run native "$RES/lobbyd.toml" native
  cg_run off "$RES/lobbyd.toml" callgrind
  cg_run on "$RES/lobbyd-prof-on.toml" callgrind
  grep -q 'profiler_enabled = true: ok: profiler on' "$RES/cg-on.log" ||
    log "warning: cg-on.log does not show the profiler switched on by profiler_enabled"
fi

echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/machine.txt"
"$PY" "$TOOL" report "$RES" --clients "$CLIENTS" --lobbies "$LOBBIES" | tee "$RES/report.txt"
cat "$RES/machine.txt"
