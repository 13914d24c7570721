#!/usr/bin/env bash
# The community's own tooling, as adopters run it (ansible-test sanity, units and integration run
# per ansible-core version in tests/tools/matrix.py): ansible-lint
# (production profile, offline), antsibull-changelog, antsibull-docs (lint + a Sphinx docsite built
# with warnings as errors), ansible-galaxy build/install/ansible-doc/ad hoc, ansible-builder.
# Called by tests/tools/run-tests.sh with the venv on PATH. Every step prints a header; any
# failing step fails the run. Nothing is fetched but packages from the registries.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/headroom-checks.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

STARTED=$SECONDS
STEP_STARTED=$SECONDS
step() {
  if [ -n "${STEP_NAME:-}" ]; then echo "-- ok: $STEP_NAME ($((SECONDS - STEP_STARTED)) s)"; fi
  STEP_NAME=$*; STEP_STARTED=$SECONDS
  echo; echo "== $* =="
}
note() { echo "note: $*"; }

step "install the tools (tests/requirements-tools.txt)"
# pip leaves installed requirements alone (no index lookups) when they already satisfy the pins.
if ! python -m pip install --quiet --disable-pip-version-check -r tests/requirements-tools.txt >"$WORK/pip.log" 2>&1; then
  grep -v "^WARNING: Location" "$WORK/pip.log" >&2; exit 1
fi
python - <<'PY'
from importlib.metadata import version
for dist in ("ansible-core", "ansible-lint", "antsibull-docs", "antsibull-changelog", "ansible-builder",
             "sphinx", "sphinx-ansible-theme"):
    print("  %s %s" % (dist, version(dist)))
PY
for tool in ansible-lint antsibull-docs antsibull-changelog ansible-builder sphinx-build; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

# apt_install PACKAGE WITHOUT: install a Debian package where this runs as root with apt-get; WITHOUT says
# what happens when it cannot be installed.
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null) \
      || note "$1 could not be installed (apt-get failed, see above): $2"
  else
    note "not root or no apt-get, so $1 cannot be installed: $2"
  fi
}

if ! command -v shellcheck >/dev/null; then
  step "install shellcheck (Debian) for the shellcheck sanity test"
  apt_install shellcheck "ansible-test skips its shellcheck sanity test"
fi

# The tools resolve headroom.cloud through a snapshot of the files git tracks or would track,
# whatever the caller's collections path is.
COPY="$WORK/ansible_collections/headroom/cloud"
mkdir -p "$COPY"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$COPY"
export ANSIBLE_COLLECTIONS_PATH="$WORK" PYTHONPATH="$WORK"

step "ansible-lint --offline --profile production (roles/, examples/, tests/e2e/playbooks/)"
ansible-lint --offline --profile production --nocolor roles/ examples/ tests/e2e/playbooks/

step "antsibull-changelog lint, and every module, plugin and role in the changelog"
antsibull-changelog lint
python - <<'PY'
import json, subprocess, yaml
dump = json.loads(subprocess.check_output(
    ["ansible-doc", "--metadata-dump", "--no-fail-on-errors", "headroom.cloud"]))
present = {(kind, name.split(".")[-1]) for kind, names in dump["all"].items() if kind != "keyword" for name in names}
listed = set()
for release in (yaml.safe_load(open("changelogs/changelog.yaml"))["releases"] or {}).values():
    listed |= {("module", m["name"]) for m in release.get("modules", [])}
    for section in ("plugins", "objects"):
        for kind, items in release.get(section, {}).items():
            listed |= {(kind, item["name"]) for item in items}
# What galaxy.yml's version adds, before that version is released, is listed at release time: it
# must then say version_added: <that version>, which antsibull-changelog reads.
version = yaml.safe_load(open("galaxy.yml"))["version"]
if version not in (yaml.safe_load(open("changelogs/changelog.yaml"))["releases"] or {}):
    for kind, names in dump["all"].items():
        for name, doc in (names.items() if isinstance(names, dict) else []):
            if str(((doc or {}).get("doc") or {}).get("version_added")) == version:
                listed.add((kind, name.split(".")[-1]))
missing = sorted(present - listed)
if missing:
    raise SystemExit("not in changelogs/changelog.yaml as new in any release: %s (set version_added and run "
                     "antsibull-changelog release, or add them with a fragment)" % ", ".join("%s %s" % m for m in missing))
print("  changelog lists all %d: %s" % (len(present), ", ".join("%s %s" % p for p in sorted(present))))
PY

step "antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all"
# antsibull-docs renders into a mkdtemp() folder, whose random name may end in "_"; its rst check then
# reads that path as a link ("Unknown target name: antsibull-docs-..."). Only that is tried again, once.
lint_docs() { antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all . >"$WORK/docs-lint.log" 2>&1; }
if ! lint_docs; then
  if grep -q 'Unknown target name: "antsibull-docs-' "$WORK/docs-lint.log"; then
    note "antsibull-docs tripped over its own temporary folder name; running it again"
    lint_docs || { cat "$WORK/docs-lint.log"; exit 1; }
  else
    cat "$WORK/docs-lint.log"; exit 1
  fi
fi
echo "  no problems found"

step "diagrams: docs/diagrams/*.dot against their SVGs and the docsite's copies (make diagrams regenerates them)"
if ! command -v dot >/dev/null; then
  apt_install graphviz "the SVGs are checked against the pages only"
fi
python tests/tools/diagrams.py --check

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
for page in kms_quota_info_module taurusdb_quota_info_module quota_gate_role quota_gate_plan_filter \
            quota_gate_report_filter quota_gate_requirements_from_plan_filter docsite/guide_quota_gate \
            docsite/guide_terraform_plan docsite/guide_credentials docsite/guide_troubleshooting \
            docsite/guide_offline_testing; do
  test -s "$DOCS/build/html/collections/headroom/cloud/$page.html" || { echo "page not built: $page" >&2; exit 1; }
done
find "$DOCS/build/html/collections/headroom/cloud" -name '*.html' -printf '  built: %P\n' | sort
# The diagrams reach the site inside the pages (antsibull-docs copies only .rst files): the gate guide shows two.
shown=$(grep -o '<svg ' "$DOCS/build/html/collections/headroom/cloud/docsite/guide_quota_gate.html" | wc -l)
[ "$shown" -ge 2 ] || { echo "the gate guide shows $shown diagrams, not 2" >&2; exit 1; }
echo "  diagrams shown in the gate guide: $shown"

step "ansible-galaxy collection build, install into an empty path, ansible-doc and one ad hoc call"
ansible-galaxy collection build --force --output-path "$WORK/dist" . >/dev/null
TARBALL=$(find "$WORK/dist" -name 'headroom-cloud-*.tar.gz')
tar -tzf "$TARBALL" >"$WORK/tarball.list"
if grep -E '(^|/)(\.venv|\.cache|\.git|\.ansible|\.pytest_cache|\.benchmarks|\.ci|\.mypy_cache|\.ruff_cache|__pycache__|tests/output|tests/integration/inventory|bench/results|collections|build)(/|$)|\.pyc$|\.tar\.gz$|\.plugin-cache\.yaml$' \
    "$WORK/tarball.list"; then
  echo "the artefact carries build or test leftovers (listed above): fix build_ignore in galaxy.yml" >&2; exit 1
fi
echo "  $(basename "$TARBALL"): $(wc -l <"$WORK/tarball.list") entries, no leftovers"
INSTALLED="$WORK/installed"
mkdir "$INSTALLED"
ANSIBLE_COLLECTIONS_PATH="$INSTALLED" ansible-galaxy collection install --force -p "$INSTALLED" "$TARBALL" >/dev/null
(
  export ANSIBLE_COLLECTIONS_PATH="$INSTALLED" PYTHONPATH=
  for plugin in "headroom.cloud.kms_quota_info" "headroom.cloud.taurusdb_quota_info" \
                "-t role headroom.cloud.quota_gate" "-t filter headroom.cloud.quota_gate_report" \
                "-t filter headroom.cloud.quota_gate_plan" "-t filter headroom.cloud.quota_gate_requirements_from_plan"; do
    # shellcheck disable=SC2086  # the word splitting of "-t role NAME" is wanted
    ansible-doc $plugin >/dev/null
    echo "  ansible-doc $plugin: ok"
  done
  cd "$WORK"
  # shellcheck disable=SC2016  # $HEADROOM_KMS_ENDPOINT is set by with_emulator.py for the inner shell
  python "$ROOT/tests/emulator/with_emulator.py" -- bash -c \
    'ansible localhost -m headroom.cloud.kms_quota_info -a "region=cn-hangzhou kms_instance_id=kst-hzz0001demo endpoint=$HEADROOM_KMS_ENDPOINT"' \
    >"$WORK/adhoc.log" 2>&1 || { cat "$WORK/adhoc.log"; exit 1; }
  grep -q '^localhost | SUCCESS' "$WORK/adhoc.log" || { cat "$WORK/adhoc.log"; exit 1; }
  echo "  ad hoc headroom.cloud.kms_quota_info against the emulator: $(grep -c '"resource_type"' "$WORK/adhoc.log") quota records"
)

step "ansible-builder: the collection's EE metadata (introspect) and an EE build context (create)"
# meta/execution-environment.yml is collection metadata: its `python: requirements.txt` is relative
# to the collection root, which is how ansible-builder reads it when an EE includes the collection.
ansible-builder introspect --sanitize "$INSTALLED" >"$WORK/introspect.log"
grep -Ev '^\s*(#|$)' requirements.txt | while read -r requirement; do
  grep -qF -- "$requirement" "$WORK/introspect.log" \
    || { cat "$WORK/introspect.log"; echo "ansible-builder does not see $requirement" >&2; exit 1; }
done
echo "  introspect: headroom.cloud brings $(grep -c 'from collection headroom.cloud' "$WORK/introspect.log") Python requirements"
# An EE definition as users write one: the built collection plus its Python requirements.
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
test -s "$WORK/ee/Containerfile" -o -s "$WORK/ee/Dockerfile"
find "$WORK/ee" -maxdepth 2 -mindepth 1 -printf '  context: %P\n' | sort

step "done"
echo "community checks passed in $((SECONDS - STARTED)) s"
