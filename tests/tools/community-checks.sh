#!/usr/bin/env bash
# The community's own tooling, as adopters run it: ansible-test sanity and units, ansible-lint
# (production profile, offline), antsibull-changelog, antsibull-docs (lint + a Sphinx docsite built
# with warnings as errors), ansible-galaxy build/install/ansible-doc/ad hoc, ansible-builder create.
# Called by tests/tools/run-tests.sh with the venv on PATH. Every step prints a header; any
# failing step fails the run. Nothing is fetched but packages from the registries.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/headroom-checks.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

step() { echo; echo "== $* =="; }

step "install the tools (tests/requirements-tools.txt, ansible-core pinned to 2.19)"
python -m pip install --quiet --disable-pip-version-check -r tests/requirements-tools.txt 2>&1 \
  | grep -v "^WARNING: Location" || true
python -m pip check >/dev/null 2>&1 || true
for tool in ansible-test ansible-lint antsibull-docs antsibull-changelog ansible-builder sphinx-build; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
ansible --version | sed -n 1p

if ! command -v shellcheck >/dev/null; then
  step "install shellcheck (Debian) for the shellcheck sanity test"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null) \
      || echo "note: shellcheck could not be installed; ansible-test skips its shellcheck test (with a warning)"
  else
    echo "note: not root or no apt-get; ansible-test skips its shellcheck test (with a warning)"
  fi
fi

# ansible-test needs the collection at a real .../ansible_collections/headroom/cloud path (a symlink
# is refused), so it gets a physical copy of the files git tracks or would track.
COPY="$WORK/ansible_collections/headroom/cloud"
mkdir -p "$COPY"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$COPY"

# ansible-test downloads a pip bootstrap script from a host this machine cannot reach; it looks in
# its cache first, so a stand-in that uses ensurepip and the registries goes there.
PIP_VERSION=$(python - <<'PY'
import re, ansible_test._internal.python_requirements as m
print(re.search(r"pip='([0-9.]+)'", open(m.__file__).read()).group(1))
PY
)
mkdir -p ~/.ansible/test/cache
cat > ~/.ansible/test/cache/"get_pip_${PIP_VERSION//./_}.py" <<'PY'
"""Stand-in for get-pip.py: bootstrap pip with ensurepip, then install what was asked."""
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PY

step "ansible-test sanity --python 3.11 (every test that runs without containers; no ignore files)"
test ! -e tests/sanity || ! ls tests/sanity/ignore-*.txt >/dev/null 2>&1 || { echo "ignore files are not allowed" >&2; exit 1; }
(cd "$COPY" && ansible-test sanity --python 3.11 --local --color no)

step "ansible-test units --python 3.11"
(cd "$COPY" && ansible-test units --python 3.11 --venv --color no)

step "ansible-lint --offline --profile production"
ansible-lint --offline --profile production roles/ examples/ tests/e2e/playbooks/

step "antsibull-changelog lint"
antsibull-changelog lint

step "antsibull-docs lint-collection-docs"
antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all .

step "docsite: antsibull-docs sphinx-init + Sphinx HTML build, warnings as errors"
DOCS="$WORK/docsite"
mkdir -m 700 "$DOCS"
antsibull-docs sphinx-init --use-current --dest-dir "$DOCS" headroom.cloud >/dev/null
# build.sh would fetch intersphinx inventories, which this network cannot reach: run its two steps
# here without intersphinx, and resolve the two Ansible-docs labels the generated pages use from
# a local stand-in page, so that -W still turns every other warning into an error.
(
  cd "$DOCS"
  mkdir -p rst && chmod og-w rst
  antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --use-current \
    --dest-dir rst headroom.cloud >/dev/null
  cp "$ROOT/docs/docsite/offline_intersphinx_stand_ins.rst" rst/
  sphinx-build -M html rst build -c . -W --keep-going -q -D extensions=sphinx.ext.autodoc,sphinx_antsibull_ext
)
find "$DOCS/build/html/collections/headroom/cloud" -name '*.html' -printf '  built: %P\n' | sort

step "ansible-galaxy collection build, install into an empty path, ansible-doc and one ad hoc call"
ansible-galaxy collection build --force --output-path "$WORK/dist" . >/dev/null
TARBALL=$(find "$WORK/dist" -name 'headroom-cloud-*.tar.gz' | head -n 1)
if tar -tzf "$TARBALL" | grep -E '(^|/)(\.venv|\.cache|\.git|\.pytest_cache|\.benchmarks|tests/output|bench/results|collections|__pycache__)(/|$)'; then
  echo "the artefact carries build or test leftovers (see above): fix build_ignore in galaxy.yml" >&2; exit 1
fi
echo "  $(basename "$TARBALL"): $(tar -tzf "$TARBALL" | wc -l) files"
INSTALLED="$WORK/installed"
ANSIBLE_COLLECTIONS_PATH="$INSTALLED" ansible-galaxy collection install --force -p "$INSTALLED" "$TARBALL" >/dev/null
(
  export ANSIBLE_COLLECTIONS_PATH="$INSTALLED" PYTHONPATH=
  for plugin in "headroom.cloud.kms_quota_info" "headroom.cloud.taurusdb_quota_info" \
                "-t role headroom.cloud.quota_gate" "-t filter headroom.cloud.quota_gate_report" \
                "-t filter headroom.cloud.quota_gate_plan"; do
    # shellcheck disable=SC2086  # the word splitting of "-t role NAME" is wanted
    ansible-doc $plugin >/dev/null
    echo "  ansible-doc $plugin: ok"
  done
  cd "$WORK"
  # shellcheck disable=SC2016  # $HEADROOM_KMS_ENDPOINT is set by with_emulator.py for the inner shell
  python "$ROOT/tests/emulator/with_emulator.py" -- bash -c \
    'ansible localhost -m headroom.cloud.kms_quota_info -a "region=cn-hangzhou kms_instance_id=kst-hzz0001demo endpoint=$HEADROOM_KMS_ENDPOINT"' \
    | sed -n 1,3p
)

step "ansible-builder create (execution environment build context; no container engine needed)"
# An EE definition as users write one: the built collection plus its Python requirements, which
# ansible-builder also finds through the collection's meta/execution-environment.yml.
mkdir -p "$WORK/ee-def"
cp "$TARBALL" requirements.txt "$WORK/ee-def/"
cat > "$WORK/ee-def/execution-environment.yml" <<EE
---
version: 3
images:
  base_image:
    name: quay.io/ansible/awx-ee:latest
dependencies:
  galaxy:
    collections:
      - name: $(basename "$TARBALL")
        type: file
  python: requirements.txt
EE
ansible-builder create -f "$WORK/ee-def/execution-environment.yml" --context "$WORK/ee" >/dev/null
find "$WORK/ee" -maxdepth 2 -mindepth 1 -printf '  context: %P\n' | sort

echo
echo "community checks passed"
