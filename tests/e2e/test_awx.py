# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate the way AWX / Automation Platform runs it, and the report files CI systems read.

AWX runs a job through ansible-runner with a private data dir, the credentials injected as
environment variables by the credential types; these tests do the same, with the credential
types shipped in extensions/awx/, against the emulator.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.etree import ElementTree

import jinja2
import pytest
import yaml

from conftest import ALI_SECRET, HW_KEY, HW_SECRET, ROOT
from test_quota_gate_role import KST1, run_gate

CREDENTIAL_TYPES = ROOT / "extensions" / "awx" / "credential_types"
STS_TOKEN = "sts-token-do-not-print-0001"

FAILING = [
    {"name": "rollout-a", "service": "kms", "resource_type": "key", "kms_instance_id": KST1, "need": 3},
    {"name": "rollout-b", "service": "kms", "resource_type": "key", "kms_instance_id": KST1, "need": 3},
    {"name": "databases", "service": "taurusdb", "resource_type": "instance", "need": 2},
]


def four_keys_left(scenario):
    scenario["alicloud"]["instances"][0]["quotas"][0].update(ResourceQuota=12, UsedQuantity=8)


# --- quota_gate_report_path -------------------------------------------------------------------------------------

def test_a_failing_gate_writes_every_report_format(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    paths = [str(tmp_path / name) for name in ("report.json", "summary.md", "junit.xml")]
    proc, report = run_gate(emulator, run_env, tmp_path, FAILING, {"quota_gate_report_path": paths})
    assert proc.returncode != 0 and "Quota gate failed: 2 of 3 requirements cannot be met" in proc.stdout
    assert json.loads(Path(paths[0]).read_text()) == report
    rows = [line for line in Path(paths[1]).read_text().splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 3 and rows[0].startswith("| rollout-a | kms key kst-hzz0001demo cn-hangzhou | 3 (6 shared) |")
    suite = ElementTree.parse(paths[2]).getroot()
    assert [case.get("name") for case in suite.iter("testcase")] == ["rollout-a", "rollout-b", "databases"]
    assert [case.find("failure") is not None for case in suite.iter("testcase")] == [True, True, False]


def test_a_passing_gate_writes_its_report_too_and_one_path_may_be_a_string(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, FAILING[2:], {"quota_gate_report_path": str(tmp_path / "r.xml")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    suite = ElementTree.parse(tmp_path / "r.xml").getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")


def test_an_unwritable_path_is_a_clear_error_after_the_verdict(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    bad = str(tmp_path / "missing-dir" / "r.json")
    proc, report = run_gate(emulator, run_env, tmp_path, FAILING, {"quota_gate_report_path": [bad]})
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and report["passed"] is False
    assert "Quota gate failed: 2 of 3 requirements cannot be met" in output
    assert "The quota report could not be written: %s: No such file or directory." % bad in output
    proc, report = run_gate(emulator, run_env, tmp_path, FAILING[2:], {"quota_gate_report_path": [bad]})
    assert proc.returncode != 0 and report["passed"] is True  # the verdict stands; the write failed
    assert "Quota gate passed, but:" in proc.stdout


def test_a_disabled_gate_reports_every_requirement_skipped(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, unused = run_gate(emulator, run_env, tmp_path, FAILING,
                            {"quota_gate_enabled": False, "quota_gate_report_path": [str(tmp_path / "r.xml")]})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    suite = ElementTree.parse(tmp_path / "r.xml").getroot()
    assert suite.get("skipped") == "3" and emulator.requests() == []


# --- the AWX credential types ---------------------------------------------------------------------------------

def credential_types():
    return dict((path.stem, yaml.safe_load(path.read_text())) for path in sorted(CREDENTIAL_TYPES.glob("*.yml")))


def test_credential_types_mark_secrets_and_inject_what_the_modules_read():
    from ansible_collections.headroom.cloud.plugins.module_utils._alicloud import ALICLOUD_ARGUMENT_SPEC
    from ansible_collections.headroom.cloud.plugins.module_utils._huaweicloud import HUAWEICLOUD_ARGUMENT_SPEC

    types = credential_types()
    assert sorted(types) == ["alibaba_cloud", "huawei_cloud"]
    for name, spec in (("alibaba_cloud", ALICLOUD_ARGUMENT_SPEC), ("huawei_cloud", HUAWEICLOUD_ARGUMENT_SPEC)):
        credential_type = types[name]
        fields = dict((field["id"], field) for field in credential_type["inputs"]["fields"])
        for field_id, field in fields.items():
            # Each input is the module option of the same name, read from the variable the module reads first.
            assert field_id in spec, field_id
            assert bool(field.get("secret")) == bool(spec[field_id].get("no_log")), field_id
            env_name = spec[field_id]["fallback"][1][0]
            assert credential_type["injectors"]["env"][env_name] in ("{{ %s }}" % field_id,
                                                                     "{{ %s | default('') }}" % field_id)
        assert len(credential_type["injectors"]["env"]) == len(fields)
        assert set(credential_type["inputs"]["required"]) <= set(fields)


def inject(credential_type, inputs):
    """What AWX puts in the job's environment for a credential of this type."""
    return dict((name, jinja2.Template(template).render(**inputs))
                for name, template in credential_type["injectors"]["env"].items())


# --- a job as AWX runs it -------------------------------------------------------------------------------------

AWX_PLAYBOOK = """
- name: Provision behind the gate
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/headroom.cloud.alicloud: {region: cn-hangzhou, endpoint: "{{ kms_endpoint }}"}
    group/headroom.cloud.huaweicloud: {region: cn-north-4, endpoint: "{{ taurusdb_endpoint }}"}
  roles:
    - role: headroom.cloud.quota_gate
  tasks:
    - name: Provision
      ansible.builtin.debug:
        msg: PROVISIONING STARTED
"""


def test_an_awx_job_fails_at_the_gate_with_the_report_and_no_secret(scenario, emulator, run_env, tmp_path):
    import ansible_runner

    four_keys_left(scenario)
    scenario["alicloud"]["credentials"]["STS.NTestStsKeyId01"] = {
        "secret": ALI_SECRET + "-sts", "account": scenario["alicloud"]["instances"][0]["account"],
        "security_token": STS_TOKEN}
    scenario.install()
    types = credential_types()
    envvars = dict(run_env)
    envvars.update(inject(types["alibaba_cloud"], dict(
        access_key_id="STS.NTestStsKeyId01", access_key_secret=ALI_SECRET + "-sts", security_token=STS_TOKEN)))
    envvars.update(inject(types["huawei_cloud"], dict(access_key=HW_KEY, secret_key=HW_SECRET, iam_endpoint=emulator.url)))
    private = tmp_path / "runner"
    for folder in ("project", "env", "inventory"):
        (private / folder).mkdir(parents=True)
    (private / "project" / "site.yml").write_text(AWX_PLAYBOOK)
    (private / "inventory" / "hosts").write_text("localhost ansible_python_interpreter=%s\n" % sys.executable)
    reports = tmp_path / "reports"
    reports.mkdir()
    extravars = dict(kms_endpoint=emulator.kms_endpoint("cn-hangzhou"), taurusdb_endpoint=emulator.url,
                     quota_gate_requirements=FAILING,
                     quota_gate_report_path=[str(reports / "gate.xml"), str(reports / "gate.md")])
    (private / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    (private / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    run = ansible_runner.run(private_data_dir=str(private), playbook="site.yml", verbosity=4, quiet=True,
                             ident="gate")
    assert (run.status, run.rc) == ("failed", 2)
    events = list(run.events)
    failed = [e for e in events if e.get("event") == "runner_on_failed"]
    assert len(failed) == 1 and failed[0]["event_data"]["task"] == "Stop the play before anything is provisioned"
    assert failed[0]["event_data"]["res"]["msg"].startswith("Quota gate failed: 2 of 3 requirements cannot be met:")
    assert not any("PROVISIONING STARTED" in e.get("stdout", "") for e in events)
    assert (reports / "gate.xml").exists() and (reports / "gate.md").exists()
    stdout = (private / "artifacts" / "gate" / "stdout").read_text()
    job_events = "".join(path.read_text() for path in (private / "artifacts" / "gate" / "job_events").glob("*.json"))
    assert "need 3 (6 with rollout-b)" in stdout and "need 3 (6 with rollout-b)" in job_events
    for secret in (ALI_SECRET + "-sts", STS_TOKEN, HW_SECRET):
        assert secret not in stdout, secret
        assert secret not in job_events, secret
    # The emulator saw the STS credentials that the credential type injected, signature verified.
    kms_calls = [c for c in emulator.requests() if c["vendor"] == "alicloud"]
    assert kms_calls and all(c["auth"] == "ok" and c["sts"] for c in kms_calls)


@pytest.mark.parametrize("name", ["alibaba_cloud", "huawei_cloud"])
def test_empty_optional_inputs_are_injected_as_empty_and_treated_as_unset(name):
    credential_type = credential_types()[name]
    required = dict((field, "x") for field in credential_type["inputs"]["required"])
    injected = inject(credential_type, required)
    assert sorted(v for v in injected.values() if v == "") and all(injected[k] for k in injected if k.endswith(
        ("ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "_AK", "_SK")))
