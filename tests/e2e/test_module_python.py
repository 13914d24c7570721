# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules on the oldest Python they support (3.9, RHEL 9's platform Python).

The modules run where the SDKs are: the controller or an execution environment, whose Python may be
older than the controller's. tests/tools/run-tests.sh makes a Python 3.9 venv with requirements.txt
and names it in HEADROOM_MODULE_PYTHON; these tests run each module, and a gate, with it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from conftest import HW_PROJECT, ROOT, ali_env, hw_env
from test_quota_gate_role import KST1, run_gate, statuses

MODULE_PYTHON = os.environ.get("HEADROOM_MODULE_PYTHON")


@pytest.fixture
def module_python():
    if not MODULE_PYTHON:
        pytest.fail("HEADROOM_MODULE_PYTHON is not set: run through tests/tools/run-tests.sh (make test), which "
                    "makes the Python 3.9 venv these tests need")
    version = subprocess.run([MODULE_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == "3.9", version
    return MODULE_PYTHON


def assert_sdks_ran_on_python_3_9(emulator):
    """Both SDKs name the Python they run on in their User-Agent, which the emulator logs."""
    agents = [entry["user_agent"] for entry in emulator.requests()]
    assert agents and all(re.search(r"python/3\.9\.\d+", agent, re.IGNORECASE) for agent in agents), agents


def adhoc_with(python, module, args, env):
    command = ["ansible", "localhost", "-m", "headroom.cloud." + module, "-a", json.dumps(args),
               "-e", "ansible_python_interpreter=%s" % python]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, cwd=str(ROOT), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.partition(" => ")[2])


def test_kms_quota_info_on_python_3_9(scenario, emulator, run_env, module_python):
    scenario.install()
    result = adhoc_with(module_python, "kms_quota_info", dict(
        region="cn-hangzhou", endpoint=emulator.kms_endpoint("cn-hangzhou"), kms_instance_id=KST1),
        ali_env(run_env, emulator))
    assert result["quotas"][0]["resource_type"] == "key" and result["quotas"][0]["available"] == 2
    assert_sdks_ran_on_python_3_9(emulator)


def test_taurusdb_quota_info_on_python_3_9(scenario, emulator, run_env, module_python):
    scenario.install()
    result = adhoc_with(module_python, "taurusdb_quota_info", dict(region="cn-north-4", endpoint=emulator.url),
                        hw_env(run_env, emulator))
    assert result["project_id"] == HW_PROJECT and result["quotas"][0]["available"] == 46
    assert_sdks_ran_on_python_3_9(emulator)


def test_a_gate_on_python_3_9(scenario, emulator, run_env, tmp_path, module_python):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        {"name": "keys", "service": "kms", "resource_type": "key", "kms_instance_id": KST1, "need": 3},
        {"name": "databases", "service": "taurusdb", "resource_type": "instance", "need": 2}],
        extra_vars={"ansible_python_interpreter": module_python})
    assert proc.returncode != 0
    assert statuses(report) == [("keys", "insufficient"), ("databases", "ok")]
    assert_sdks_ran_on_python_3_9(emulator)
