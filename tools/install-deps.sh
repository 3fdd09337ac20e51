#!/usr/bin/env bash
# Installs the Debian packages lobbyd needs to build and test. Idempotent:
# apt-get runs only when something is missing. Usage: tools/install-deps.sh [--ci]
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libboost-dev libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsodium-dev
  libsoci-dev libsoci-sqlite3-4.0 libsoci-mysql4.0 sqlite3 mariadb-server mariadb-client
  libgtest-dev libgmock-dev libbenchmark-dev
  liblua5.4-dev # game modules (src/modules)
  python3 python3-irc python3-pytest
  libssl-dev openssl python3-websockets python3-prometheus-client # TLS, /ws, /metrics (tests too)
  chromium # the browser end-to-end tests (tests/e2e) drive it headless
)
# npm builds the web pages. A Node.js from elsewhere (e.g. nodesource) brings its
# own npm, and Debian's npm package would conflict with it: install it only
# when there is no npm at all.
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
if [[ "${1:-}" == "--ci" ]]; then
  # Sanitizer build and the libFuzzer target; the soak's HTTP calls and plot.
  pkgs+=(clang-14 libclang-rt-14-dev curl gnuplot-nox)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
