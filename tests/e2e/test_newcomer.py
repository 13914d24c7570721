# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a newcomer meets first: the README's ad hoc commands under the emulator's environment alone, and a gate
whose modules cannot run, each mistake named with its cause."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ali_env, hw_env
from test_gate_rules import gated, run_play
from test_quota_gate_role import KST1


def test_the_readmes_ad_hoc_commands_run_against_the_emulator_with_only_environment_variables(
        emulator, scenario, run_env):
    scenario.install()
    env = hw_env(ali_env(run_env, emulator), emulator)
    env.update(ALIBABA_CLOUD_KMS_ENDPOINT=emulator.kms_endpoint("cn-hangzhou"),
               HUAWEICLOUD_SDK_GAUSSDB_ENDPOINT=emulator.url)
    for module, args in (("kms_quota_info", "region=cn-hangzhou kms_instance_id=%s" % KST1),
                         ("taurusdb_quota_info", "region=cn-north-4")):
        proc = subprocess.run(["ansible", "localhost", "-m", "headroom.cloud." + module, "-a", args,
                               "-e", "ansible_python_interpreter=%s" % sys.executable],
                              env=env, capture_output=True, text=True, timeout=180, check=False)
        assert proc.returncode == 0 and "SUCCESS" in proc.stdout, proc.stdout + proc.stderr
    assert sorted(c["operation"] for c in emulator.requests()) == [
        "GetKmsInstanceQuotaInfos", "IAM.ListProjects", "ShowGaussMySqlProjectQuotas"]


def gate_with_interpreter(emulator, run_env, tmp_path, interpreter):
    return run_play(emulator, run_env, tmp_path, gated("""
        - name: Gate
          ansible.builtin.include_role:
            name: headroom.cloud.quota_gate
          vars:
            quota_gate_requirements: [{name: keys, service: kms, resource_type: key, kms_instance_id: %s}]
    """ % KST1), "localhost\n", extra_args=["-e", "ansible_python_interpreter=%s" % interpreter])


def test_an_interpreter_that_cannot_run_is_named_with_what_it_printed(scenario, emulator, run_env, tmp_path):
    scenario.install()
    shim = tmp_path / "python3.13"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    run = gate_with_interpreter(emulator, run_env, tmp_path, shim)
    assert run.provisioned() == []
    # The play's own tasks cannot save the report with this interpreter either: the stop message is the evidence.
    assert ("quota could not be read: headroom.cloud.kms_quota_info did not answer: it failed before it could "
            "report a result (interpreter %s, exit code 127): pyenv: python3.13: command not found." % shim) in run.output
    assert "deserialization" not in run.output


def test_a_python_without_the_sdks_names_the_missing_package(scenario, emulator, run_env, tmp_path):
    scenario.install()
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    run = gate_with_interpreter(emulator, run_env, tmp_path, venv / "bin" / "python")
    message = run.report("localhost")["checks"][0]["message"]
    assert "Failed to import the required Python library (alibabacloud-kms20160120)" in message, run
    assert run.provisioned() == []


def test_a_bad_target_beside_good_ones_fails_alone(emulator, scenario, run_env):
    scenario.install()
    env = ali_env(run_env, emulator)
    targets = [dict(kms_instance_id=KST1), dict(kms_instance_id="not-an-id"), dict(region="Hangzhou")]
    proc = subprocess.run(["ansible", "localhost", "-m", "headroom.cloud.kms_quota_info", "-a", json.dumps(dict(
        region="cn-hangzhou", endpoint=emulator.kms_endpoint("cn-hangzhou"), targets=targets)),
        "-e", "ansible_python_interpreter=%s" % sys.executable],
        env=env, capture_output=True, text=True, timeout=180, check=False)
    result = json.loads(proc.stdout.partition(" => ")[2])
    assert [r.get("failed", False) for r in result["results"]] == [False, True, True]
    assert result["results"][0]["kms_instance_ids"] == [KST1]
    assert result["results"][1]["msg"] == ("Invalid options: kms_instance_id 'not-an-id' is not a KMS instance id of the "
                                           "form kst-<letters and digits>.")
    assert "targets[" not in proc.stdout


def test_a_missing_region_names_every_way_to_set_it(run_env):
    proc = subprocess.run(["ansible", "localhost", "-m", "headroom.cloud.kms_quota_info", "-a",
                           "kms_instance_id=%s" % KST1, "-e", "ansible_python_interpreter=%s" % sys.executable],
                          env=run_env, capture_output=True, text=True, timeout=180, check=False)
    assert ("region is missing: set region (in a play, also through module_defaults for "
            "group/headroom.cloud.alicloud), or the environment variable ALIBABA_CLOUD_REGION_ID") in proc.stdout
