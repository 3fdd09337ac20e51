#!/usr/bin/env bash
# bench/compare.sh: lobbyd side by side with ngIRCd, InspIRCd and ircd-hybrid.
#
# Every server gets the same lobbyd-load scenarios on loopback, pinned to CPU 0
# with the load generator on CPU 1:
#   chat   2,000 clients in 40 lobbies at a fixed rate (latency, server CPU)
#   ramp   the same clients, rate raised step by step: the highest sustained
#          deliveries/s with p99 <= 50 ms and nothing lost (a coarse ramp x2,
#          then a fine one x1.19 above the best coarse step)
#   storm  connect/register/QUIT churn: registrations/s
#   idle   10,000 registered clients: memory per connection (VmRSS)
# plus lobbyd unpinned with --threads 2 (chat, ramp, storm) for scaling, and
# a capacity phase: ramp and storm again with every server held to a share of
# CPU 0 by a CPU cgroup (CFS bandwidth, 10 ms period), so that the server, not
# the one-core load generator, is what runs out first.
# Each run starts a fresh server and is bounded in time (lobbyd-load's own
# limit, and `timeout` around it).
#
# Usage: bench/compare.sh [--quick] [--servers lobbyd,ngircd,inspircd,hybrid]
#                         [--no-docs | --docs] [--keep] [--wait-quiet SECONDS]
#   --quick        small N, short runs: a smoke check (< 3 min); implies --no-docs
#   --servers      which servers (lobbyd is always run: figures are ratios to it)
#   --no-docs      do not update docs/benchmarks.md
#   --docs         update docs/benchmarks.md even with --quick
#   --keep         keep the temporary directory (configs, logs of the servers)
#   --wait-quiet S before each server, wait up to S seconds for the machine to
#                  be below 50% busy (it is shared); the wait is reported
#   --cap PCT      the capacity phase's CPU share per server, % of one core
#                  (default 40; 0 skips the phase)
#   --only-cap     run only the capacity phase
#
# Needs root (apt-get; InspIRCd and ircd-hybrid are started as user irc with
# setpriv). Results: build/compare/<date>/ (JSON of every run, table, logs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
REPORT="$ROOT/bench/compare_report.py"
LOBBYD="$ROOT/build/bin/lobbyd"
LOAD="$ROOT/build/bin/lobbyd-load"
IRCDS_DIR="$ROOT/build/compare-ircds"     # ngircd unpacked here (build/ is ignored by git)
SERVER_CPU=0
LOAD_CPU=1

QUICK=0
DOCS=1
DOCS_FORCED=0
KEEP=0
WAIT_QUIET=0
SERVERS="lobbyd,ngircd,inspircd,hybrid"
CAP=40
ONLY_CAP=0
ARGS_GIVEN="$*"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --quick) QUICK=1 ;;
    --servers) SERVERS=${2:?--servers needs a list}; shift ;;
    --servers=*) SERVERS=${1#*=} ;;
    --no-docs) DOCS=0 ;;
    --docs) DOCS_FORCED=1 ;;
    --keep) KEEP=1 ;;
    --wait-quiet) WAIT_QUIET=${2:?--wait-quiet needs seconds}; shift ;;
    --cap) CAP=${2:?--cap needs a percentage}; shift ;;
    --only-cap) ONLY_CAP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if ((QUICK)) && ((!DOCS_FORCED)); then DOCS=0; fi
[[ $CAP =~ ^[0-9]+$ ]] && ((CAP <= 100)) || { echo "compare.sh: --cap takes 0..100" >&2; exit 2; }
((ONLY_CAP)) && ((CAP == 0)) && { echo "compare.sh: --only-cap with --cap 0 runs nothing" >&2; exit 2; }
if ((DOCS_FORCED)); then DOCS=1; fi

# lobbyd first (the reference), then the others in a fixed order
LIST=(lobbyd)
IFS=, read -r -a _req <<<"$SERVERS"
for s in ngircd inspircd hybrid; do
  for r in "${_req[@]}"; do [[ $r == "$s" ]] && LIST+=("$s"); done
done
for r in "${_req[@]}"; do
  case $r in lobbyd|ngircd|inspircd|hybrid) ;; *) echo "compare.sh: unknown server '$r'" >&2; exit 2 ;; esac
done

log() { printf '[compare %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (apt-get, and setpriv to start InspIRCd/ircd-hybrid as user irc)"
command -v taskset >/dev/null || die "taskset missing (util-linux)"
command -v setpriv >/dev/null || die "setpriv missing (util-linux)"
(( $(nproc) >= 2 )) || die "needs 2 CPUs (server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU)"

T0=$(date +%s)

# ---------------------------------------------------------------- build
if [[ ! -x $LOBBYD || ! -x $LOAD ]]; then
  log "building lobbyd and lobbyd-load (-j1)"
  cmake -S . -B build -G Ninja >/dev/null
  cmake --build build -j1 --target lobbyd lobbyd-load
fi

# ---------------------------------------------------------------- packages
POLICY_CREATED=0
apt_install() {  # apt_install PKG...: install without starting the daemons
  local rc=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; POLICY_CREATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$TMPLOG" 2>&1 || rc=$?
  if ((rc)); then
    log "apt-get install failed; apt-get update and retry"
    apt-get update -q >>"$TMPLOG" 2>&1 || true
    rc=0; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$TMPLOG" 2>&1 || rc=$?
  fi
  if ((POLICY_CREATED)); then rm -f /usr/sbin/policy-rc.d; POLICY_CREATED=0; fi
  ((rc == 0)) || { tail -20 "$TMPLOG" >&2; die "apt-get install $* failed"; }
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
want() { local s; for s in "${LIST[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }

TMPLOG=$(mktemp /tmp/lobbyd-compare-apt.XXXXXX)
need=()
want inspircd && ! installed inspircd && need+=(inspircd)
want hybrid && ! installed ircd-hybrid && need+=(ircd-hybrid)
if ((${#need[@]})); then log "installing ${need[*]}"; apt_install "${need[@]}"; fi

NGIRCD_BIN=""
NGIRCD_VERSION=""
if want ngircd; then
  # ngircd conflicts with ircd-hybrid as a package: unpack it beside instead.
  ngdir="$IRCDS_DIR/ngircd"
  if [[ ! -x $ngdir/root/usr/sbin/ngircd ]]; then
    log "fetching ngircd (apt-get download; unpacked under build/compare-ircds)"
    rm -rf "$ngdir"; mkdir -p "$ngdir"
    (cd "$ngdir" && apt-get download ngircd >"$TMPLOG" 2>&1) ||
      { apt-get update -q >>"$TMPLOG" 2>&1 || true; (cd "$ngdir" && apt-get download ngircd >>"$TMPLOG" 2>&1); } ||
      { tail -5 "$TMPLOG" >&2; die "apt-get download ngircd failed"; }
    dpkg-deb -x "$ngdir"/ngircd_*.deb "$ngdir/root"
  fi
  NGIRCD_BIN="$ngdir/root/usr/sbin/ngircd"
  if ldd "$NGIRCD_BIN" | grep -q 'not found'; then
    # install its library dependencies (not ngircd itself)
    deps=$(dpkg-deb -f "$ngdir"/ngircd_*.deb Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$')
    missing=(); for d in $deps; do installed "$d" || missing+=("$d"); done
    ((${#missing[@]})) && { log "installing ngircd's libraries: ${missing[*]}"; apt_install "${missing[@]}"; }
    ! ldd "$NGIRCD_BIN" | grep 'not found' || die "ngircd still misses libraries"
  fi
  NGIRCD_VERSION=$(dpkg-deb -f "$ngdir"/ngircd_*.deb Version)
fi
rm -f "$TMPLOG"

# ---------------------------------------------------------------- parameters
if ((QUICK)); then
  CHAT_N=200; CHAT_L=8
  CHAT_ARGS=(-n $CHAT_N --lobbies $CHAT_L --rate 1 --warmup 0.5 --duration 2 --drain 1)
  RAMP_ARGS=(-n $CHAT_N --lobbies $CHAT_L --warmup 0.5 --drain 1 --step-duration 1)
  RAMP_START=1; RAMP_FACTOR=4; RAMP_STEPS=3; FINE_STEPS=1
  STORM_ARGS=(--count 500 --concurrency 64 --duration 3 --sources 4)
  IDLE_N=500; IDLE_ARGS=(-n $IDLE_N --duration 1 --sources 4)
else
  CHAT_N=2000; CHAT_L=40
  CHAT_ARGS=(-n $CHAT_N --lobbies $CHAT_L --rate 0.5 --warmup 2 --duration 10 --drain 3)
  RAMP_ARGS=(-n $CHAT_N --lobbies $CHAT_L --warmup 2 --drain 3 --step-duration 4)
  RAMP_START=0.1; RAMP_FACTOR=2; RAMP_STEPS=10; FINE_STEPS=3
  STORM_ARGS=(--count 20000 --concurrency 64 --duration 15 --sources 4)
  IDLE_N=10000; IDLE_ARGS=(-n $IDLE_N --duration 5 --sources 4)
fi
FINE_FACTOR=1.19   # 2^(1/4): three fine steps between the best coarse step and the failing one
FINER_FACTOR=1.09  # 2^(1/8): the capacity phase's last step, halfway between two fine steps
COMMON_ARGS=(--no-progress --conn-timeout 60 --p99-bound-ms 50)

# ---------------------------------------------------------------- work dirs
STAMP=$(date +%Y%m%d-%H%M%S)
RES="$ROOT/build/compare/$STAMP"
mkdir -p "$RES"
T=$(mktemp -d /tmp/lobbyd-compare.XXXXXX)
chmod 755 "$T"

SRV_PID=""
LOAD_PID=""
STUB_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n $LOAD_PID ]] && kill -TERM "$LOAD_PID" 2>/dev/null || true
  [[ -n $STUB_PID ]] && kill -TERM "$STUB_PID" 2>/dev/null || true
  if [[ -n $SRV_PID ]]; then
    kill -TERM "$SRV_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SRV_PID" 2>/dev/null || true
  fi
  ((POLICY_CREATED)) && rm -f /usr/sbin/policy-rc.d
  [[ $(type -t cg_remove) == function ]] && cg_remove
  if ((KEEP)); then log "kept $T"; else rm -rf "$T"; fi
  exit $rc
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
FDLIMIT=$(ulimit -n)

# ---------------------------------------------------------------- configs
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

write_lobbyd_conf() {  # DIR
  cp "$ROOT/bench/lobbyd-bench.toml" "$1/lobbyd.toml"
}

write_ngircd_conf() {  # DIR PORT
  local help="$IRCDS_DIR/ngircd/root/usr/share/doc/ngircd/Commands.txt"
  cat >"$1/ngircd.conf" <<EOF
[Global]
	Name = ngircd.bench.local
	Info = lobbyd comparison
	AdminInfo1 = bench
	AdminInfo2 = loopback
	AdminEMail = root@localhost
	Listen = 127.0.0.1
	Ports = $2
	MotdPhrase = "bench"
	PidFile = $1/ngircd.pid
	HelpFile = $help
	ServerUID = irc
	ServerGID = irc
[Limits]
	ConnectRetry = 60
	IdleTimeout = 0
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxNickLength = 30
	MaxPenaltyTime = 0
	MaxListSize = 100
	PingTimeout = 300
	PongTimeout = 60
[Options]
	DNS = no
	Ident = no
	PAM = no
	RequireAuthPing = no
	ConnectIPv6 = no
	ConnectIPv4 = yes
EOF
}

write_inspircd_conf() {  # DIR PORT
  echo "bench" >"$1/motd.txt"
  cat >"$1/inspircd.conf" <<EOF
<server name="inspircd.bench.local" description="lobbyd comparison" network="bench">
<admin name="bench" nick="bench" email="root@localhost">
<bind address="127.0.0.1" port="$2" type="clients">
<connect allow="*" timeout="60" pingfreq="300"
         threshold="1000000" commandrate="1000000000" fakelag="yes"
         hardsendq="16777216" softsendq="16777216" recvq="1048576"
         localmax="100000" globalmax="100000" maxconnwarn="no" limit="100000" maxchans="100"
         resolvehostnames="no" useident="no">
<cidr ipv4clone="32" ipv6clone="128">
<files motd="$1/motd.txt">
<dns timeout="1">
<pid file="$1/inspircd.pid">
<options prefixquit="Quit: " syntaxhints="no" announcets="no" hostintopic="yes" pingwarning="15" splitwhois="no" exemptchanops="">
<security userstats="Pu" customversion="" flatlinks="no" hidesplits="no" hideulines="no" hidebans="no" maxtargets="20">
<performance quietbursts="yes" softlimit="19000" somaxconn="4096" netbuffersize="65536" clonesonconnect="no">
<limits maxnick="30" maxchan="60">
<channels users="100" opers="100">
<whowas groupsize="0" maxgroups="0" maxkeep="3600">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="$1/inspircd.log">
EOF
}

write_hybrid_conf() {  # DIR PORT
  cat >"$1/ircd.conf" <<EOF
serverinfo {
	name = "hybrid.bench.local";
	sid = "0HY";
	description = "lobbyd comparison";
	network_name = "bench";
	network_description = "bench";
	hub = no;
	default_max_clients = 19000;
	max_nick_length = 30;
	max_topic_length = 300;
};
admin { name = "bench"; description = "bench"; email = "<root@localhost>"; };
class {
	name = "users";
	ping_time = 5 minutes;
	number_per_ip_local = 100000;
	number_per_ip_global = 100000;
	max_number = 100000;
	cidr_bitlen_ipv4 = 32;
	cidr_bitlen_ipv6 = 128;
	number_per_cidr = 100000;
	sendq = 16 megabytes;
	recvq = 8000 bytes;
	max_channels = 100;
};
listen { host = "127.0.0.1"; port = $2; };
auth {
	user = "*@*";
	class = "users";
	flags = exceed_limit, can_flood, kline_exempt, xline_exempt, resv_exempt, no_tilde;
};
exempt { ip = "127.0.0.0/8"; };
channel {
	disable_fake_channels = no;
	max_channels = 100;
	default_join_flood_count = 0;
	default_join_flood_time = 0 seconds;
};
general {
	disable_auth = yes;
	default_floodcount = 0;
	default_floodtime = 0 seconds;
	throttle_count = 1000000;
	throttle_time = 0 seconds;
	anti_nick_flood = no;
	invisible_on_connect = no;
	ping_cookie = no;
	max_targets = 999;
	pace_wait = 0 seconds;
	pace_wait_simple = 0 seconds;
	short_motd = yes;
};
modules {
	path = "/usr/lib/ircd-hybrid/modules";
	path = "/usr/lib/ircd-hybrid/modules/autoload";
};
log { use_logging = no; };
EOF
}

# ---------------------------------------------------------------- servers
SRV_PORT=""
SRV_CMD=""
AS_IRC=(setpriv --reuid=irc --regid=irc --init-groups)

shown() {  # the prefix as the docs show it
  (($#)) || return 0
  if [[ $1 == sh ]]; then echo -n "(in the CPU cgroup: $CAP_TEXT) taskset -c $SERVER_CPU "; else echo -n "$* "; fi
}

wait_listening() {  # PORT PID TIMEOUT_S
  local i
  for i in $(seq $(($3 * 10))); do
    kill -0 "$2" 2>/dev/null || return 1
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN && return 0
    sleep 0.1
  done
  return 1
}

# start_server KIND PIN(pin|nopin|cap) THREADS LOGFILE: sets SRV_PID, SRV_PORT, SRV_CMD
# cap: pinned, and started inside the CPU cgroup (a child stays in its parent's group)
start_server() {
  local kind=$1 pin=$2 threads=$3 logf=$4 d
  local pre=()
  [[ $pin == pin ]] && pre=(taskset -c "$SERVER_CPU")
  [[ $pin == cap ]] && pre=("${CG_PREFIX[@]}" taskset -c "$SERVER_CPU")
  d=$(mktemp -d "$T/$kind.XXXX"); chmod 755 "$d"
  case $kind in
    lobbyd)
      write_lobbyd_conf "$d"
      local cmd=("$LOBBYD" --config "$d/lobbyd.toml" --db "sqlite:$d/lobbyd.db" --listen 127.0.0.1:0
                 --threads "$threads" --port-file "$d/port")
      "${pre[@]}" "${cmd[@]}" >"$logf" 2>&1 &
      SRV_PID=$!
      local i; for i in $(seq 150); do [[ -s $d/port ]] && break; kill -0 $SRV_PID 2>/dev/null || break; sleep 0.1; done
      [[ -s $d/port ]] || { tail -5 "$logf" >&2; die "lobbyd did not start"; }
      SRV_PORT=$(head -1 "$d/port"); SRV_PORT=${SRV_PORT##*:}
      SRV_CMD="$(shown "${pre[@]}")build/bin/lobbyd --config lobbyd.toml --db sqlite:lobbyd.db --listen 127.0.0.1:0 --threads $threads --port-file port"
      ;;
    ngircd)
      SRV_PORT=$(free_port)
      write_ngircd_conf "$d" "$SRV_PORT"; chown -R irc:irc "$d"
      "${pre[@]}" "${AS_IRC[@]}" "$NGIRCD_BIN" -n -f "$d/ngircd.conf" >"$logf" 2>&1 &
      SRV_PID=$!
      SRV_CMD="$(shown "${pre[@]}")${AS_IRC[*]} ngircd -n -f ngircd.conf"
      ;;
    inspircd)
      SRV_PORT=$(free_port)
      write_inspircd_conf "$d" "$SRV_PORT"; chown -R irc:irc "$d"
      "${pre[@]}" "${AS_IRC[@]}" /usr/sbin/inspircd --config "$d/inspircd.conf" --nofork >"$logf" 2>&1 &
      SRV_PID=$!
      SRV_CMD="$(shown "${pre[@]}")${AS_IRC[*]} /usr/sbin/inspircd --config inspircd.conf --nofork"
      ;;
    hybrid)
      SRV_PORT=$(free_port)
      write_hybrid_conf "$d" "$SRV_PORT"; chown -R irc:irc "$d"
      local hy=("${pre[@]}" "${AS_IRC[@]}" /usr/sbin/ircd-hybrid -configfile "$d/ircd.conf" -pidfile "$d/ircd.pid"
        -logfile "$d/ircd.log" -klinefile "$d/kline.db" -dlinefile "$d/dline.db" -xlinefile "$d/xline.db"
        -resvfile "$d/resv.db" -foreground)
      SRV_CMD="$(shown "${pre[@]}")${AS_IRC[*]} /usr/sbin/ircd-hybrid -configfile ircd.conf -pidfile ircd.pid -logfile ircd.log -foreground (+ -klinefile/-dlinefile/-xlinefile/-resvfile in the temp dir)"
      if [[ $HYBRID_DNS == stub ]]; then
        # its own /etc/resolv.conf (naming the stub), in a private mount namespace; same pid (exec)
        unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$T/resolv.conf" "${hy[@]}" >"$logf" 2>&1 &
        SRV_CMD="unshare -m sh -c 'mount --bind resolv.conf /etc/resolv.conf && exec ...' $SRV_CMD   # resolv.conf: nameserver $STUB_ADDR"
      else
        "${hy[@]}" >"$logf" 2>&1 &
      fi
      SRV_PID=$!
      ;;
  esac
  if ! wait_listening "$SRV_PORT" "$SRV_PID" 20; then
    tail -20 "$logf" >&2; cat "$d"/*.log 2>/dev/null | tail -20 >&2
    die "$kind did not start listening on 127.0.0.1:$SRV_PORT"
  fi
  cp "$d"/*.conf "$d"/*.toml "$RES/" 2>/dev/null || true
}

stop_server() {
  [[ -n $SRV_PID ]] || return 0
  kill -TERM "$SRV_PID" 2>/dev/null || true
  local i; for i in $(seq 80); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
  SRV_PID=""
}

# run_load LABEL PIN SCENARIO ARGS...: one lobbyd-load run against the running server
run_load() {
  local label=$1 pin=$2 scen=$3; shift 3
  local pre=() out="$RES/$label.out" rc=0
  [[ $pin != nopin ]] && pre=(taskset -c "$LOAD_CPU")
  local extra=()
  # ngIRCd listens with a backlog of 10: set up its clients 8 at a time (storm keeps its --concurrency)
  [[ $KIND == ngircd && $scen != storm ]] && extra=(--connect-concurrency 8)
  local cmd=("$LOAD" "$scen" --port "$SRV_PORT" --server-pid "$SRV_PID" "${COMMON_ARGS[@]}" "${extra[@]}" "$@")
  echo "${pre[*]} build/bin/lobbyd-load $scen --port PORT --server-pid PID ${COMMON_ARGS[*]} ${extra[*]}${extra[*]:+ }$*" >"$RES/$label.cmd"
  timeout -k 10 900 "${pre[@]}" "${cmd[@]}" >"$out" 2>"$RES/$label.err" &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  grep '^{' "$out" | tail -1 >"$RES/$label.json" || true
  if [[ ! -s $RES/$label.json ]]; then
    log "  $label: no JSON (exit $rc): $(tail -2 "$RES/$label.err" | tr '\n' ' ')"
    rm -f "$RES/$label.json"
    return 0
  fi
  log "  $label: $("$PY" "$REPORT" summary "$RES/$label.json")"
}

# wait (bounded) for the shared machine to calm down
wait_quiet() {
  ((WAIT_QUIET > 0)) || return 0
  local start=$SECONDS busy
  while :; do
    busy=$("$PY" - <<'EOF'
import time
def snap():
    f = open('/proc/stat').readline().split()[1:]
    v = list(map(int, f)); idle = v[3] + v[4]
    return sum(v), idle
a = snap(); time.sleep(2); b = snap()
print(round(100.0 * (1 - (b[1] - a[1]) / max(1, b[0] - a[0]))))
EOF
)
    if ((busy < 50)); then log "machine ${busy}% busy: go"; echo "$1 waited $((SECONDS - start)) s, then ${busy}% busy" >>"$RES/quiet.txt"; return 0; fi
    if ((SECONDS - start >= WAIT_QUIET)); then
      log "machine still ${busy}% busy after ${WAIT_QUIET} s: going on"
      echo "$1 waited $((SECONDS - start)) s, still ${busy}% busy" >>"$RES/quiet.txt"; return 0
    fi
    sleep 5
  done
}

# ---------------------------------------------------------------- one server
# one_run LABEL PIN SCENARIO ARGS...: a fresh server, one load run, stop. A run
# ended by a signal that this script did not send (the machine is shared: a
# colleague's `pkill lobbyd` hits lobbyd-load too), or one whose server died,
# is kept as LABEL.try1.* and run once more.
one_run() {
  local label=$1 pin=$2 try st died
  for try in 1 2; do
    start_server "$KIND" "$pin" "$THREADS" "$RES/$label.server.log"
    [[ -s $RES/${label%%.*}.server.cmd ]] || echo "$SRV_CMD" >"$RES/${label%%.*}.server.cmd"
    run_load "$@"
    died=0; kill -0 "$SRV_PID" 2>/dev/null || died=1
    stop_server
    st=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("status",""))' "$RES/$label.json" 2>/dev/null || echo none)
    if [[ $st != interrupted && $st != none && $died == 0 ]] || ((try == 2)); then
      ((died)) && echo "$label: the server was gone at the end of the run (see $label.server.log)" >>"$RES/incidents.txt"
      return 0
    fi
    log "  $label: status '$st'$( ((died)) && echo ', server gone'): keeping it as $label.try1.*, running it again"
    echo "$label: first try status '$st'$( ((died)) && echo ', server gone at the end'); rerun" >>"$RES/incidents.txt"
    local f; for f in "$RES/$label".*; do mv "$f" "${f/$label./$label.try1.}"; done
  done
}

ramp_pair() {  # PREFIX PIN: coarse ramp, then a fine one above its best step
  local p=$1 pin=$2 best
  one_run "$p.ramp" "$pin" ramp "${RAMP_ARGS[@]}" --rate "$RAMP_START" --step-factor "$RAMP_FACTOR" --max-steps "$RAMP_STEPS"
  ((FINE_STEPS > 0)) || return 0
  best=$("$PY" "$REPORT" best-rate "$RES/$p.ramp.json" 2>/dev/null || echo 0)
  if [[ $best != 0 ]]; then
    local start; start=$("$PY" -c "print(round($best*$FINE_FACTOR, 4))")
    one_run "$p.ramp-fine" "$pin" ramp "${RAMP_ARGS[@]}" --rate "$start" --step-factor "$FINE_FACTOR" --max-steps "$FINE_STEPS"
  fi
  # capacity phase: one more step between the best and the first failing step (x1.09)
  [[ $pin == cap ]] || return 0
  best=$("$PY" "$REPORT" best-rate "$RES/$p.ramp.json" "$RES/$p.ramp-fine.json" 2>/dev/null || echo 0)
  if [[ $best != 0 ]]; then
    local start; start=$("$PY" -c "print(round($best*$FINER_FACTOR, 4))")
    one_run "$p.ramp-finer" "$pin" ramp "${RAMP_ARGS[@]}" --rate "$start" --step-factor "$FINER_FACTOR" --max-steps 1
  fi
}

bench_capped() {  # KIND PREFIX: ramp and storm with the server held to CAP% of CPU 0
  KIND=$1; THREADS=1; local p=$2
  log "$p: $KIND, server held to $CAP_TEXT, load generator on CPU $LOAD_CPU"
  wait_quiet "$p"
  ramp_pair "$p" cap
  one_run "$p.storm" cap storm "${STORM_ARGS[@]}"
}

bench_server() {  # KIND PIN THREADS PREFIX [idle]
  KIND=$1; local pin=$2; THREADS=$3; local p=$4 with_idle=${5:-idle}
  local where="server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU"
  [[ $pin == pin ]] || where="unpinned"
  [[ $KIND == lobbyd ]] && where+=", --threads $THREADS"
  log "$p: $KIND, $where"
  wait_quiet "$p"
  one_run "$p.chat" "$pin" chat "${CHAT_ARGS[@]}"
  ramp_pair "$p" "$pin"
  one_run "$p.storm" "$pin" storm "${STORM_ARGS[@]}"
  [[ $with_idle == idle ]] && one_run "$p.idle" "$pin" idle "${IDLE_ARGS[@]}"
  return 0
}

# ---------------------------------------------------------------- meta
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "quick=$QUICK"
  echo "args=$ARGS_GIVEN"
  echo "servers=${LIST[*]}"
  echo "cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "cores=$(nproc)"
  echo "mem=$(free -g | awk '/^Mem:/{print $2}') GiB"
  echo "kernel=$(uname -r)"
  echo "os=$(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "fdlimit=$FDLIMIT"
  echo "version_lobbyd=lobbyd $(sed -n 's/^project(lobbyd VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null)$([[ -z $(git status --porcelain -- src 2>/dev/null) ]] || echo ' plus uncommitted changes in src/')"
  want ngircd && echo "version_ngircd=ngircd $NGIRCD_VERSION (Debian package, unpacked with dpkg-deb -x)"
  want inspircd && echo "version_inspircd=inspircd $(dpkg-query -W -f='${Version}' inspircd)"
  want hybrid && echo "version_hybrid=ircd-hybrid $(dpkg-query -W -f='${Version}' ircd-hybrid)"
  echo "chat_args=${CHAT_ARGS[*]}"
  echo "ramp_args=${RAMP_ARGS[*]} --rate $RAMP_START --step-factor $RAMP_FACTOR --max-steps $RAMP_STEPS; fine: --rate <best coarse rate x $FINE_FACTOR> --step-factor $FINE_FACTOR --max-steps $FINE_STEPS"
  echo "storm_args=${STORM_ARGS[*]}"
  echo "idle_args=${IDLE_ARGS[*]}"
  echo "common_args=${COMMON_ARGS[*]}"
  echo "server_cpu=$SERVER_CPU"
  echo "load_cpu=$LOAD_CPU"
} >"$RES/meta.txt"

# ---------------------------------------------------------------- DNS stub for hybrid
# ircd-hybrid resolves every client's address and cannot be told not to. The
# resolver of this machine may be slow or rate-limited (a burst of queries gets
# answers for some, the rest wait for hybrid's retries: seconds). Give hybrid a
# stub that answers NXDOMAIN at once, through its own /etc/resolv.conf in a
# private mount namespace (the machine's file is not touched).
HYBRID_DNS=system
STUB_ADDR=127.0.0.153
if want hybrid; then
  echo "nameserver $STUB_ADDR" >"$T/resolv.conf"; chmod 644 "$T/resolv.conf"
  if unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && grep -q "$1" /etc/resolv.conf' "$T/resolv.conf" "$STUB_ADDR" 2>/dev/null; then
    taskset -c "$LOAD_CPU" "$PY" "$ROOT/bench/compare_dnsstub.py" "$STUB_ADDR" 53 2>"$RES/dnsstub.err" &
    STUB_PID=$!
    for _ in $(seq 50); do
      ss -Hlun "sport = :53" 2>/dev/null | grep -q "$STUB_ADDR:53" && break
      kill -0 "$STUB_PID" 2>/dev/null || break
      sleep 0.1
    done
    if ss -Hlun "sport = :53" 2>/dev/null | grep -q "$STUB_ADDR:53"; then HYBRID_DNS=stub
    else kill "$STUB_PID" 2>/dev/null || true; STUB_PID=""; fi
  fi
  [[ $HYBRID_DNS == stub ]] || log "warning: no DNS stub for ircd-hybrid (unshare/mount or port 53 failed): its registrations wait for the system resolver"
fi
echo "hybrid_dns=$HYBRID_DNS" >>"$RES/meta.txt"

# ---------------------------------------------------------------- CPU cgroup for the capacity phase
# shellcheck source=bench/cgroup_cap.sh
. "$ROOT/bench/cgroup_cap.sh"
CAP_TEXT="$CAP% of CPU $SERVER_CPU ($((CAP * 100)) µs per 10 ms)"
if ((CAP > 0)); then
  if cg_setup "$CAP" "lobbyd-compare.$$"; then
    echo "cap=$CAP" >>"$RES/meta.txt"; echo "cap_text=$CAP_TEXT" >>"$RES/meta.txt"
  else
    log "warning: no CPU cgroup (cgroup v1 cpu or v2 cpu.max) could be made: skipping the capacity phase"
    echo "cap_unavailable=1" >>"$RES/meta.txt"; CAP=0
    ((ONLY_CAP)) && die "--only-cap without a CPU cgroup"
  fi
fi

# ---------------------------------------------------------------- runs
log "results in ${RES#"$ROOT"/}"
if ((!ONLY_CAP)); then
  for s in "${LIST[@]}"; do
    bench_server "$s" pin 1 "$s"
  done
  bench_server lobbyd nopin 2 lobbyd-t2 no-idle
fi
if ((CAP > 0)); then
  for s in "${LIST[@]}"; do
    bench_capped "$s" "$s-cap"
  done
fi

T1=$(date +%s)
echo "elapsed_s=$((T1 - T0))" >>"$RES/meta.txt"

report_args=(report "$RES")
((DOCS)) && report_args+=(--docs "$ROOT/docs/benchmarks.md")
"$PY" "$REPORT" "${report_args[@]}" | tee "$RES/table.md"
log "done in $((T1 - T0)) s; results in ${RES#"$ROOT"/}"
