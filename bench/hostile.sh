#!/usr/bin/env bash
# The hostile-client probe (bench/hostile.py) against lobbyd and InspIRCd 3
# side by side, in one run, one attack at a time (issue 13; docs/benchmarks.md,
# "Hostile clients").
#
#   bench/hostile.sh [BUILD_DIR] [ATTACKS] [MEMBERS]
#     BUILD_DIR  lobbyd's build (default build)
#     ATTACKS    comma-separated bench/hostile.py attacks (default: part 2's)
#     MEMBERS    idle #lobby members (default 500)
#   RUNS=3 runs everything three times; OUT=file collects the JSON lines.
#
# lobbyd: defaults plus connection_limit_exempt = "127.0.0.1" (so attackers
# from 127.0.0.2 and up are limited), allow_create_lobbies (InspIRCd creates
# channels on JOIN too) and a #lobby for 1,000. InspIRCd: Debian's shipped
# <connect allow="*"> limits (localmax 3, recvq 8192, threshold 10), a first
# class for 127.0.0.1 with localmax 1000 and lobbyd's line rate (10/s, burst
# 20) for the harness, resolvehostnames="no";
# run as the irc user (setpriv). Needs root (setpriv) and the inspircd package.
set -euo pipefail

BUILD=${1:-build}
ATTACKS=${2:-none,join_flood,slowloris_many,storm_many,reply_probe_many}
MEMBERS=${3:-500}
RUNS=${RUNS:-1}
OUT=${OUT:-/dev/stdout}
HERE=$(cd "$(dirname "$0")" && pwd)
LOBBYD=$(cd "$BUILD" && pwd)/bin/lobbyd
command -v inspircd >/dev/null || { echo "hostile.sh: apt-get install inspircd" >&2; exit 2; }
[ -x "$LOBBYD" ] || { echo "hostile.sh: no $LOBBYD" >&2; exit 2; }
ulimit -n 20000

DIR=$(mktemp -d /tmp/lobbyd-hostile.XXXXXX)
LPORT=16668 IPORT=16667
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

cat >"$DIR/lobbyd.toml" <<EOF
server_name = "lobbyd.bench"
connection_limit_exempt = "127.0.0.1"
allow_create_lobbies = true
stats_interval_s = 0

[[lobby]]
name = "#lobby"
capacity = 1000
EOF

# Debian's /etc/inspircd/inspircd.conf, with our port, files, and the
# harness class in front of allow="*" (InspIRCd takes the first match).
sed -e "s|port=\"6667\"|port=\"$IPORT\"|" \
    -e "s|/var/run/inspircd/inspircd.pid|$DIR/inspircd.pid|" \
    -e "s|/etc/inspircd/inspircd.motd|$DIR/inspircd.motd|" \
    -e 's|<connect allow="\*"|<connect allow="*" resolvehostnames="no"|' \
    /etc/inspircd/inspircd.conf >"$DIR/inspircd.conf.in"
python3 - "$DIR/inspircd.conf.in" "$DIR/inspircd.conf" <<'EOF'
import sys
text = open(sys.argv[1]).read()
# The harness may send what lobbyd lets any client send (flood_rate 10/s,
# flood_burst 20): else InspIRCd's fakelag (1 command/s by default) delays
# the well-behaved group's own PRIVMSG+PING pairs by seconds in a long
# attack, and its p99 measures that rather than the attack.
harness = ('<connect allow="127.0.0.1" timeout="60" threshold="20" commandrate="10000" '
           'pingfreq="120" hardsendq="262144" softsendq="8192" recvq="8192" localmax="1000" '
           'globalmax="1000" resolvehostnames="no">\n')
i = text.index('<connect allow="*"')
open(sys.argv[2], "w").write(text[:i] + harness + text[i:])
EOF
echo "bench" >"$DIR/inspircd.motd"
chown -R irc:irc "$DIR"

"$LOBBYD" --config "$DIR/lobbyd.toml" --db "sqlite:$DIR/lobbyd.db" --listen 127.0.0.1:$LPORT \
  --http off >"$DIR/lobbyd.log" 2>&1 &
LPID=$!
PIDS+=("$LPID")
setpriv --reuid=irc --regid=irc --init-groups inspircd --config "$DIR/inspircd.conf" --nofork \
  >"$DIR/inspircd.out" 2>&1 &
IPID=$!
PIDS+=("$IPID")
for port in $LPORT $IPORT; do
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.1
  done
done
IPID_REAL=$(cat "$DIR/inspircd.pid" 2>/dev/null || echo "$IPID")

for run in $(seq "$RUNS"); do
  for s in lobbyd inspircd; do
    if [ $s = lobbyd ]; then port=$LPORT pid=$LPID; else port=$IPORT pid=$IPID_REAL; fi
    echo "$(date +%T) run $run $s" >&2
    python3 "$HERE/hostile.py" --port $port --pid "$pid" --label $s --members "$MEMBERS" \
      --group 10 --seconds 4 --attacks "$ATTACKS" | sed "s/^{/{\"run\": $run, /" >>"$OUT"
  done
done
