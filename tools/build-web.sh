#!/usr/bin/env bash
# Builds the web pages (play client and admin page) into web/dist: installs
# web/node_modules from package-lock.json when it changed, then bundles with
# esbuild when a source is newer than the output. Idempotent and quick when
# nothing changed. Usage: tools/build-web.sh [--force]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="${root}/web"
force=0
[[ "${1:-}" == "--force" ]] && force=1

if ! command -v npm >/dev/null 2>&1; then
  echo "build-web: npm not found; run tools/install-deps.sh" >&2
  exit 1
fi

# npm ci when the lock file is newer than the last install (npm writes
# node_modules/.package-lock.json on every install).
stamp="${web}/node_modules/.package-lock.json"
if ((force)) || [[ ! -f "${stamp}" || "${web}/package-lock.json" -nt "${stamp}" || "${web}/package.json" -nt "${stamp}" ]]; then
  echo "build-web: npm ci"
  (cd "${web}" && npm ci --no-audit --no-fund --loglevel=error)
  touch "${stamp}"
fi

out="${web}/dist/index.html"
if ((force)) || [[ ! -f "${out}" ]] \
  || [[ -n "$(find "${web}/src" "${web}/build.mjs" "${stamp}" -newer "${out}" -print -quit)" ]]; then
  (cd "${web}" && node build.mjs)
fi
