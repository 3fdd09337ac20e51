#!/usr/bin/env bash
# A throw-away MariaDB server on loopback for tests and benchmarks.
#   tools/mariadb-test-server.sh start DIR PORT   -> prints a lobbyd --db URL
#   tools/mariadb-test-server.sh stop DIR
#   tools/mariadb-test-server.sh restart DIR PORT  (same data; for outage tests)
# The data directory lives under DIR; nothing outside it is touched.
set -euo pipefail
cmd=${1:?start|stop|restart}
dir=${2:?data dir}
port=${3:-3307}
mkdir -p "$dir" "$dir/tmp"
dir=$(cd "$dir" && pwd)
sock="$dir/mysqld.sock"
user_opt=()
[[ $(id -u) -eq 0 ]] && user_opt=(--user=root)

mariadbd_bin() {
  for b in /usr/sbin/mariadbd /usr/sbin/mysqld; do [[ -x $b ]] && { echo "$b"; return; }; done
  echo "mariadb-server is not installed (tools/install-deps.sh installs it)" >&2
  exit 1
}

start_server() {
  "$(mariadbd_bin)" --no-defaults --datadir="$dir/data" --socket="$sock" --port="$port" \
    --bind-address=127.0.0.1 --pid-file="$dir/mysqld.pid" --skip-log-bin --skip-name-resolve \
    --tmpdir="$dir/tmp" \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --max-connections=200 \
    "${user_opt[@]}" >"$dir/mysqld.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 150); do
    if mariadb --no-defaults -uroot --socket="$sock" -e 'SELECT 1' >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break  # it gave up (e.g. the port is taken): say so now
    sleep 0.1
  done
  echo "MariaDB did not start; see $dir/mysqld.log" >&2
  tail -20 "$dir/mysqld.log" >&2
  return 1
}

stop_server() {
  if [[ -f "$dir/mysqld.pid" ]]; then
    local pid
    pid=$(cat "$dir/mysqld.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/mysqld.pid"
  fi
}

case "$cmd" in
  start)
    if [[ ! -d "$dir/data/mysql" ]]; then
      mkdir -p "$dir/tmp"
      mariadb-install-db --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --auth-root-authentication-method=normal \
        --skip-test-db "${user_opt[@]}" >"$dir/install.log" 2>&1 ||
        { cat "$dir/install.log" >&2; exit 1; }
    fi
    start_server
    mariadb --no-defaults -uroot --socket="$sock" -e "
      CREATE DATABASE IF NOT EXISTS lobbyd;
      CREATE USER IF NOT EXISTS 'lobbyd'@'127.0.0.1' IDENTIFIED BY 'lobbyd';
      GRANT ALL ON lobbyd.* TO 'lobbyd'@'127.0.0.1';
      SET GLOBAL log_bin_trust_function_creators = 1;"
    echo "mysql://lobbyd:lobbyd@127.0.0.1:$port/lobbyd"
    ;;
  stop) stop_server ;;
  restart) stop_server; start_server ;;
  *) echo "usage: $0 start|stop|restart DIR [PORT]" >&2; exit 2 ;;
esac
