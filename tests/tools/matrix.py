# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ansible-test sanity, units and integration on every supported ansible-core, one venv each.

    python3 tests/tools/matrix.py [--rows 2.16,2.22] [--lanes N] [--summary FILE]

Each row gets its own venv under .cache/matrix/ (reused while its requirements are unchanged) with
the newest release of that ansible-core series and the collection's requirements.txt, and its own
physical copy of the collection (ansible-test refuses a symlinked collection path) for sanity and
units. Integration runs on the collection as users install it (built and installed by the row's
own ansible-galaxy), against the bundled emulator, inside a private network namespace that has
only loopback when one can be made. Rows run in lanes side by side (one per core, at most two by
default), the rows of one controller Python in one lane, one after the other. Prints one summary
table; exits non-zero when any step of any row failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "matrix"

# core series, controller Python, pip requirement. The newest release of each series; the 2.22
# row takes its release candidate until GA.
ROWS = [
    ("2.16", "3.11", "ansible-core>=2.16.0,<2.17"),
    ("2.17", "3.11", "ansible-core>=2.17.0,<2.18"),
    ("2.18", "3.11", "ansible-core>=2.18.0,<2.19"),
    ("2.19", "3.11", "ansible-core>=2.19.0,<2.20"),
    ("2.20", "3.12", "ansible-core>=2.20.0,<2.21"),
    ("2.21", "3.13", "ansible-core>=2.21.0,<2.22"),
    ("2.22", "3.13", "ansible-core>=2.22.0rc1,<2.23"),
]
# The one test skipped anywhere, and why: ansible-test 2.22.0rc1's pylint requirements pin a
# dependency to a source archive on a host this machine cannot reach. Every other row runs pylint.
SKIPPED_SANITY = {"2.22": ["pylint"]}

PIP_STAND_IN = '''"""Stand-in for get-pip.py: bootstrap pip with ensurepip, then install what was asked."""
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''


def log(message):
    print(message, flush=True)


def find_python(minor):
    """The interpreter for ``minor`` (3.11): pyenv's build of it, else python3.X on PATH."""
    try:
        versions = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True, check=True).stdout
        for version in sorted(versions.split(), reverse=True):
            if re.fullmatch(re.escape(minor) + r"\.\d+", version):
                prefix = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True,
                                        check=True).stdout.strip()
                return str(Path(prefix) / "bin" / ("python" + minor))
    except (OSError, subprocess.CalledProcessError):
        pass
    found = shutil.which("python" + minor)
    if found:
        return found
    raise SystemExit("Python %s is needed for the ansible-core rows that run on it; install it (pyenv) first" % minor)


def run(command, log_file, env=None, cwd=None):
    """Run ``command``, its output appended to ``log_file``; True when it succeeded."""
    with open(log_file, "a") as out:
        out.write("\n$ %s\n" % " ".join(command))
        out.flush()
        return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, check=False).returncode == 0


def private_network(command):
    """``command`` inside a new network namespace with only loopback up, when that can be made."""
    if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip") and \
            subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0:
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "_"] + command
    log("note: cannot create a private network namespace (needs root, unshare and ip); using the host network")
    return command


def prepare_venv(core, minor, requirement, log_file):
    venv = CACHE / ("venv-" + core)
    wanted = hashlib.sha256((requirement + (ROOT / "requirements.txt").read_text()).encode()).hexdigest()
    stamp = venv / ".requirements"
    if stamp.exists() and stamp.read_text() == wanted:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    python = find_python(minor)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    ok = run([python, "-m", "venv", str(venv)], log_file) and run(
        pip + (["--pre"] if "rc" in requirement else []) + [requirement, "-r", str(ROOT / "requirements.txt")],
        log_file)
    if not ok:
        return None
    stamp.write_text(wanted)
    return venv


def copy_collection(core):
    """A physical copy of the files git tracks or would track, at .../ansible_collections/headroom/cloud.

    It lives outside this checkout: inside it, ansible-test would ask git for the files, and git
    ignores .cache/.
    """
    top = Path(tempfile.mkdtemp(prefix="headroom-matrix-%s-" % core))  # unique: runs may overlap
    copy = top / "ansible_collections" / "headroom" / "cloud"
    copy.mkdir(parents=True)
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = copy / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return top, copy


def pip_stand_in(venv):
    """ansible-test fetches a pip bootstrap script from a host this machine cannot reach; it looks in
    its cache first, so a stand-in that uses ensurepip and the registries goes there."""
    source = next(venv.glob("lib/python*/site-packages/ansible_test/_internal/python_requirements.py")).read_text()
    version = re.search(r"pip='([0-9.]+)'", source)
    if version is None:  # newer releases name the version in a constant instead
        version = re.search(r"PIP_VERSION\s*=\s*'([0-9.]+)'", source)
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed: another lane's ansible-test may be reading the same file.
    handle, temporary = tempfile.mkstemp(dir=str(cache))
    with os.fdopen(handle, "w") as out:
        out.write(PIP_STAND_IN)
    os.replace(temporary, cache / ("get_pip_%s.py" % version.group(1).replace(".", "_")))


def run_row(core, minor, requirement, logs):
    log_file = logs / ("%s.log" % core)
    log_file.write_text("")
    row = dict(core=core, python=minor, sanity="-", units="-", integration="-", log=str(log_file.relative_to(ROOT)))
    started = time.monotonic()
    venv = prepare_venv(core, minor, requirement, log_file)
    if venv is None:
        row.update(sanity="FAIL (install)", seconds=round(time.monotonic() - started))
        return row
    pip_stand_in(venv)
    version = subprocess.run([str(venv / "bin" / "python"), "-c", "import ansible; print(ansible.__version__)"],
                             capture_output=True, text=True, check=False).stdout.strip()
    row["core"] = version or core
    top, copy = copy_collection(core)
    env = dict(os.environ, PATH="%s:%s" % (venv / "bin", os.environ["PATH"]), ANSIBLE_COLLECTIONS_PATH=str(top),
               PYTHONPATH="", ALIBABA_CLOUD_ECS_METADATA_DISABLED="true", ANSIBLE_NOCOLOR="1")
    env.pop("VIRTUAL_ENV", None)
    test = [str(venv / "bin" / "ansible-test")]
    skips = [arg for name in SKIPPED_SANITY.get(core, []) for arg in ("--skip-test", name)]
    checks = [
        ("sanity", test + ["sanity", "--python", minor, "--local", "--color", "no"] + skips),
        ("units", test + ["units", "--python", minor, "--venv", "--color", "no"]),
    ]
    for name, command in checks:
        step_started = time.monotonic()
        ok = run(command, log_file, env=env, cwd=copy)
        row[name] = "%s (%ds)" % ("ok" if ok else "FAIL", time.monotonic() - step_started)
        if name == "sanity" and skips:
            row[name] += " -" + ",".join(SKIPPED_SANITY[core])
    # Integration runs on the collection as users get it: built and installed by this row's ansible-galaxy.
    step_started = time.monotonic()
    installed_top, installed = install_collection(venv, copy, log_file, env)
    ok = installed is not None and run(private_network([
        str(venv / "bin" / "python"), str(installed / "tests" / "emulator" / "with_emulator.py"),
        "--integration-config", str(installed / "tests" / "integration" / "integration_config.yml"), "--",
    ] + test + ["integration", "--python", minor, "--local", "--color", "no"]), log_file,
        env=dict(env, ANSIBLE_COLLECTIONS_PATH=str(installed_top)), cwd=installed)
    row["integration"] = "%s (%ds)" % ("ok" if ok else "FAIL", time.monotonic() - step_started)
    row["seconds"] = round(time.monotonic() - started)
    shutil.rmtree(top, ignore_errors=True)
    shutil.rmtree(installed_top, ignore_errors=True)
    return row


def install_collection(venv, copy, log_file, env):
    """``copy`` built into a tarball and installed into an empty path; (path, collection) or (path, None)."""
    top = Path(tempfile.mkdtemp(prefix="headroom-installed-"))
    galaxy = str(venv / "bin" / "ansible-galaxy")
    if not run([galaxy, "collection", "build", "--output-path", str(top / "dist"), str(copy)], log_file, env=env,
               cwd=copy):
        return top, None
    tarball = next((top / "dist").glob("headroom-cloud-*.tar.gz"))
    if not run([galaxy, "collection", "install", "-p", str(top), str(tarball)], log_file,
               env=dict(env, ANSIBLE_COLLECTIONS_PATH=str(top)), cwd=top):
        return top, None
    return top, top / "ansible_collections" / "headroom" / "cloud"


def lanes(rows, count):
    """``rows`` split into at most ``count`` lanes that run side by side. The rows of one controller
    Python share a lane, in order: ansible-test keeps its venvs for each Python under ~/.ansible/test,
    and two runs must never build the same one at once."""
    by_python = {}
    for row in rows:
        by_python.setdefault(row[1], []).append(row)
    split = [[] for unused in range(max(1, count))]
    for group in sorted(by_python.values(), key=len, reverse=True):
        min(split, key=len).extend(group)
    return [lane for lane in split if lane]


def run_lane(lane, logs):
    results = {}
    for core, minor, requirement in lane:
        log("== ansible-core %s on Python %s: sanity, units, integration (log: %s) ==" % (
            core, minor, (logs / ("%s.log" % core)).relative_to(ROOT)))
        results[core] = run_row(core, minor, requirement, logs)
        log("   %s" % json.dumps(results[core]))
    return results


def table(rows):
    columns = ["core", "python", "sanity", "units", "integration", "seconds"]
    widths = dict((c, max(len(c), *(len(str(r.get(c, ""))) for r in rows))) for c in columns)
    lines = [" | ".join(c.ljust(widths[c]) for c in columns), "-+-".join("-" * widths[c] for c in columns)]
    lines += [" | ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(core for core, unused, unused in ROWS),
                        help="comma-separated ansible-core series to run (default: all)")
    parser.add_argument("--lanes", type=int, default=min(2, os.cpu_count() or 1),
                        help="rows run side by side in this many lanes (default: the cores, at most 2)")
    parser.add_argument("--summary", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    wanted = args.rows.split(",")
    unknown = set(wanted) - set(core for core, unused, unused in ROWS)
    if unknown:
        parser.error("no such row: %s" % ", ".join(sorted(unknown)))
    if list((ROOT / "tests" / "sanity").glob("ignore-*.txt")) if (ROOT / "tests" / "sanity").exists() else []:
        raise SystemExit("tests/sanity/ignore-*.txt files are not allowed: fix the code instead")
    logs = CACHE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    chosen = [row for row in ROWS if row[0] in wanted]
    results = {}
    with ThreadPoolExecutor(max_workers=args.lanes) as pool:
        for lane_results in pool.map(lambda lane: run_lane(lane, logs), lanes(chosen, args.lanes)):
            results.update(lane_results)
    rows = [results[core] for core, unused, unused in chosen]
    failed = [r for r in rows if any(str(r[c]).startswith("FAIL") for c in ("sanity", "units", "integration"))]
    for row in failed:
        log("\n== the last 120 lines of %s (ansible-core %s) ==" % (row["log"], row["core"]))
        log("\n".join((ROOT / row["log"]).read_text().splitlines()[-120:]))
    if args.summary:
        args.summary.write_text(json.dumps(rows, indent=2))
    log("\n" + table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
