#!/usr/bin/env bash
# The whole test suite. Called by `make test` (and so by .ci/run) with the venv on PATH and the
# checkout linked as a collection:
#   1. the community tooling (tests/tools/community-checks.sh);
#   2. the benchmark in quick mode (it measures, asserts nothing, and keeps bench/bench.py working);
#   3. pytest: unit tests, the emulator's self-tests, and the end-to-end, fault, load, TLS and
#      AWX-style suites against the emulator, with the modules also run on the oldest module-side
#      Python (3.9);
#   4. the ansible-core matrix, 2.16 to 2.22 (tests/tools/matrix.py): sanity, units, integration.
# Network tests run in a private network namespace that has only loopback, so nothing can leave
# this machine even by mistake. It ends with one summary table and a "N passed, N failed" line.
#   --only pytest   runs step 3 alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
ONLY=${2:-}
[ "${1:-}" = "--only" ] || ONLY=

in_private_network() {
  if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && unshare -n true 2>/dev/null; then
    unshare -n bash -c 'ip link set lo up && exec "$@"' _ "$@"
  else
    echo "note: cannot create a private network namespace (needs root, unshare and ip); running on the host network" >&2
    "$@"
  fi
}

# The oldest Python the modules support (RHEL 9's platform Python), with the SDKs, for the
# tests that run each module and a gate with it as ansible_python_interpreter.
oldest_module_python() {
  local venv=.cache/module-python-3.9 python
  if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.installed" ] || [ requirements.txt -nt "$venv/.installed" ]; then
    python=$( (pyenv prefix "$(pyenv versions --bare | grep -E '^3\.9\.[0-9]+$' | sort -V | tail -n 1)" 2>/dev/null \
               | sed 's|$|/bin/python3.9|') || command -v python3.9 || true)
    [ -x "$python" ] || { echo "Python 3.9 is needed for the module-side Python tests (pyenv install 3.9)" >&2; exit 1; }
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    touch "$venv/.installed"
  fi
  HEADROOM_MODULE_PYTHON=$PWD/$venv/bin/python
  export HEADROOM_MODULE_PYTHON
}

SUMMARY=$(mktemp "${TMPDIR:-/tmp}/headroom-summary.XXXXXX")
trap 'rm -f "$SUMMARY"' EXIT
started=$SECONDS
pytest_status=0
matrix_status=0

if [ -z "$ONLY" ]; then
  tests/tools/community-checks.sh
  echo "community checks: ok ($((SECONDS - started)) s)" >>"$SUMMARY"

  echo "== benchmark, quick mode (measures, asserts nothing; keeps bench/bench.py from rotting) =="
  in_private_network python bench/bench.py --quick
fi

echo "== pytest: unit tests, emulator self-tests, end-to-end suites (loopback-only network) =="
oldest_module_python
step=$SECONDS
in_private_network python -m pytest -q -p no:cacheprovider tests/unit tests/emulator tests/e2e | tee "$SUMMARY.pytest" \
  || pytest_status=$?
echo "pytest ($(python -c 'import ansible.release as r, sys; print("ansible-core %s, Python %d.%d" % (r.__version__, *sys.version_info[:2]))')): $(tail -n 1 "$SUMMARY.pytest" | tr -d '=' | sed 's/^ *//') ($((SECONDS - step)) s)" >>"$SUMMARY"
rm -f "$SUMMARY.pytest"

if [ -z "$ONLY" ]; then
  echo "== ansible-core matrix: sanity, units, integration on 2.16 to 2.22 =="
  python tests/tools/matrix.py --summary "$SUMMARY.json" || matrix_status=$?
fi

echo
echo "== summary ($((SECONDS - started)) s) =="
cat "$SUMMARY"
if [ -f "$SUMMARY.json" ]; then
  python - "$SUMMARY.json" "$pytest_status" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
columns = ["core", "python", "sanity", "units", "integration", "seconds"]
widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
print(" | ".join(c.ljust(widths[c]) for c in columns))
print("-+-".join("-" * widths[c] for c in columns))
for r in rows:
    print(" | ".join(str(r[c]).ljust(widths[c]) for c in columns))
cells = [str(r[c]) for r in rows for c in ("sanity", "units", "integration")]
passed = sum(cell.startswith("ok") for cell in cells) + (sys.argv[2] == "0")
failed = sum(cell.startswith("FAIL") for cell in cells) + (sys.argv[2] != "0")
print("\nsummary: %d passed, %d failed" % (passed, failed))
PY
  rm -f "$SUMMARY.json"
fi
[ "$pytest_status" = 0 ] && [ "$matrix_status" = 0 ]
