# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the end-to-end tests: one emulator process per session, real ansible CLIs.

The emulator runs as its own process (it never imports the collection) and the modules reach it
through the real SDKs over real HTTP on loopback. Each test installs its own scenario.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = ROOT / "tests" / "emulator" / "cloud_emulator.py"
DEMO_SCENARIO = json.loads((ROOT / "tests" / "emulator" / "scenarios" / "demo.json").read_text())

ALI_KEY, ALI_SECRET = "LTAI5tDemoKeyId0001", "demo-secret-do-not-use-1"
HW_KEY, HW_SECRET = "HWDEMOAK0000000000001", "hw-demo-secret-do-not-use"
HW_PROJECT = "054e292c9880d4992f02c0196d3ea468"


class Emulator:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.ports_file = workdir / "ports.json"
        self.log_file = workdir / "requests.jsonl"
        self.proc = None
        self.ports = None

    def start(self, scenario, extra_args=()):
        path = self.workdir / "scenario.json"
        path.write_text(json.dumps(scenario))
        self.proc = subprocess.Popen(
            [sys.executable, str(EMULATOR), "--scenario", str(path), "--port", "0",
             "--ports-file", str(self.ports_file), "--log", str(self.log_file)] + list(extra_args),
            stdout=subprocess.DEVNULL, stderr=(self.workdir / "emulator.stderr").open("w"),
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.ports_file.exists():
                try:
                    self.ports = json.loads(self.ports_file.read_text())
                    return
                except ValueError:
                    pass
            if self.proc.poll() is not None:
                raise RuntimeError("emulator exited: %s" % (self.workdir / "emulator.stderr").read_text())
            time.sleep(0.05)
        raise RuntimeError("emulator did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.ports.get("scheme", "http"), self.ports["main"])

    def kms_endpoint(self, region):
        self.ports = json.loads(self.ports_file.read_text())
        return "%s://127.0.0.1:%d" % (self.ports.get("scheme", "http"), self.ports["kms"][region])

    def _control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read() or b"{}")

    def load(self, scenario):
        self._control("PUT", "/_emulator/scenario", scenario)
        self.ports = json.loads(self.ports_file.read_text())

    def requests(self, vendor_only=True):
        entries = self._control("GET", "/_emulator/requests")["requests"]
        return [e for e in entries if not vendor_only or e.get("vendor") != "control"]


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    emu = Emulator(tmp_path_factory.mktemp("emulator"))
    emu.start(DEMO_SCENARIO)
    yield emu
    emu.stop()


@pytest.fixture
def scenario(emulator):
    """A fresh copy of the demo scenario; call ``install()`` after editing it."""

    class Scenario(dict):
        def install(self):
            emulator.load(dict(self))
            return emulator

    data = Scenario(copy.deepcopy(DEMO_SCENARIO))
    emulator.load(dict(data))
    return data


@pytest.fixture
def run_env(tmp_path):
    """A minimal, controlled environment for the ansible CLIs: no cloud variables from the host."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(ROOT / ".cache" / "collections")),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
    }
    return env


def ali_env(env, emulator, region="cn-hangzhou"):
    env = dict(env)
    env.update(ALIBABA_CLOUD_ACCESS_KEY_ID=ALI_KEY, ALIBABA_CLOUD_ACCESS_KEY_SECRET=ALI_SECRET)
    return env


def hw_env(env, emulator):
    env = dict(env)
    env.update(HUAWEICLOUD_SDK_AK=HW_KEY, HUAWEICLOUD_SDK_SK=HW_SECRET, HUAWEICLOUD_SDK_IAM_ENDPOINT=emulator.url)
    return env


class AdHocResult:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        # The ad hoc output is "localhost | SUCCESS => {json}" (or FAILED!); the JSON is the module result.
        unused_host, arrow, payload = proc.stdout.partition(" => ")
        try:
            self.result = json.loads(payload) if arrow else None
        except ValueError:
            self.result = None

    def __repr__(self):
        return "rc=%s\nstdout=%s\nstderr=%s" % (self.rc, self.stdout[-3000:], self.stderr[-3000:])


def adhoc(module, args, env, check=False, verbosity=0):
    """Run ``ansible localhost -m headroom.cloud.<module> -a <json>``; return rc, output and the result."""
    command = ["ansible", "localhost", "-m", "headroom.cloud." + module, "-a", json.dumps(args)]
    if check:
        command.append("--check")
    if verbosity:
        command.append("-" + "v" * verbosity)
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, cwd=str(ROOT), check=False)
    return AdHocResult(proc)


def playbook(path, env, extra_args=(), inventory="localhost,"):
    command = ["ansible-playbook", "-i", inventory, str(path)] + list(extra_args)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=str(ROOT), check=False)
