#!/usr/bin/env bash
# The whole test suite. Called by `make test` (and so by .ci/run) with the venv on PATH and the
# checkout linked as a collection. Network tests run in a private network namespace that has
# only loopback, so nothing can leave this machine even by mistake. pytest runs last, so its
# summary line closes the output.
set -euo pipefail
cd "$(dirname "$0")/../.."

in_private_network() {
  if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && unshare -n true 2>/dev/null; then
    unshare -n bash -c 'ip link set lo up && exec "$@"' _ "$@"
  else
    echo "note: cannot create a private network namespace (needs root, unshare and ip); running on the host network" >&2
    "$@"
  fi
}

tests/tools/community-checks.sh

echo "== benchmark, quick mode (measures, asserts nothing; keeps bench/bench.py from rotting) =="
in_private_network python bench/bench.py --quick

echo "== unit tests, emulator self-tests and integration tests (pytest, loopback-only network) =="
in_private_network python -m pytest -q tests/unit tests/emulator tests/e2e
