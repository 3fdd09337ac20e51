#!/usr/bin/env bash
# Records the seeds of fuzz_session (fuzz/fuzz_session.cpp) from the
# integration tests' traffic: runs the given test files (default: a set that
# covers registration, lobbies, chat, tables, accounts and the limits)
# against build/bin/lobbyd with LOBBYD_SESSION_SEEDS set, so that the clients
# fixture writes what each test's clients sent, one file per test, into
# fuzz/corpus/session. Usage: tools/fuzz-session-seeds.sh [test_file.py ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${root}/fuzz/corpus/session"
mkdir -p "${out}"
files=("$@")
if ((${#files[@]} == 0)); then
  files=(test_registration.py test_lobbies.py test_tables.py test_accounts.py test_resume.py
         test_encoding.py test_limits.py test_reply_cost.py test_interop_pyirc.py)
fi
cd "${root}/tests/integration"
existing=()
for f in "${files[@]}"; do [[ -f $f ]] && existing+=("$f"); done
LOBBYD_BIN="${LOBBYD_BIN:-${root}/build/bin/lobbyd}" LOBBYD_SESSION_SEEDS="${out}" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "${existing[@]}" || true  # a failing test still leaves its seed
echo "fuzz-session-seeds: $(ls "${out}" | wc -l) seeds in ${out}"
