# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Needs from a Terraform plan: the gate judges what examples/terraform/plan.json will create, against the
emulator's demo cloud, through real ansible-playbook runs."""

from __future__ import annotations

import json
from pathlib import Path

from test_gate_rules import gated, run_play

PLAN = Path(__file__).resolve().parents[2] / "examples" / "terraform" / "plan.json"
SENSITIVE = "example-Passw0rd"  # the plan's db_password, marked sensitive


def plan_without(tmp_path, *prefixes):
    """examples/terraform/plan.json without the changes whose address starts with one of ``prefixes``."""
    plan = json.loads(PLAN.read_text())
    plan["resource_changes"] = [rc for rc in plan["resource_changes"] if not rc["address"].startswith(prefixes)]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


GATE = """
    - name: Gate the plan
      ansible.builtin.include_role:
        name: headroom.cloud.quota_gate
      vars:
        quota_gate_terraform_plan: "{{ plan_file }}"
"""


def test_the_example_plan_fails_on_the_keys_of_its_child_module_and_the_databases_vcpus(scenario, emulator, run_env,
                                                                                        tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, gated(GATE), "localhost\n",
                   extra_args=["-e", "plan_file=%s" % PLAN, "-vvv"])
    assert run.provisioned() == [], run
    checks = dict(((c["name"], c["resource_type"]), c) for c in run.report("localhost")["checks"])
    keys = checks[("module.payments.alicloud_kms_key.tde[0..2]", "key")]
    assert keys["message"] == ("module.payments.alicloud_kms_key.tde[0..2]: kms key on kst-hzz0001demo in cn-hangzhou "
                               "— need 3, used 10 of 12, 2 available (short by 1)")
    assert keys["addresses"] == ["module.payments.alicloud_kms_key.tde[%d]" % i for i in range(3)]
    # Keys into the KMS instance the plan creates: its planned key_num, nothing read for it.
    planned = checks[("alicloud_kms_key.app[0, 1]", "key")]
    assert (planned["status"], planned["quota"], planned["need"]) == ("ok", 1000, 2)
    assert checks[("alicloud_kms_key.shared", "key")]["status"] == "skipped"
    # A create with one read replica (2 nodes) and an update that adds one (1 more node) of a 16-vCPU flavor:
    # 32 + 16 vCPUs on an enterprise project with 40 left.
    create = checks[("huaweicloud_gaussdb_mysql_instance.orders", "vcpus")]
    update = checks[("huaweicloud_gaussdb_mysql_instance.reports", "vcpus")]
    assert (create["need"], update["need"], create["need_total"], create["status"]) == (32, 16, 48, "insufficient")
    assert "need 16 vCPUs (update: 3 nodes × 16, now 2 nodes × 16)" in update["message"]
    assert checks[("huaweicloud_gaussdb_mysql_instance.reports", "ram")]["need"] == 64
    # no-op and delete add nothing.
    assert not [name for name, unused in checks if "unchanged" in name or "legacy" in name]
    assert SENSITIVE not in run.output


def test_a_plan_that_fits_passes_and_no_op_and_delete_changes_need_nothing(scenario, emulator, run_env, tmp_path):
    scenario.install()
    plan = plan_without(tmp_path, "module.payments", "huaweicloud_gaussdb_mysql_instance.orders",
                        "huaweicloud_gaussdb_mysql_instance.reports")
    run = run_play(emulator, run_env, tmp_path, gated(GATE), "localhost\n", extra_args=["-e", "plan_file=%s" % plan])
    assert run.provisioned() == ["localhost"], run
    report = run.report("localhost")
    assert report["summary"] == "Quota gate passed: all 1 requirements fit (1 more not gated)."
    assert [c["name"] for c in report["checks"]] == ["alicloud_kms_key.app[0, 1]", "alicloud_kms_key.shared"]
    assert [c for c in emulator.requests() if c["vendor"] != "control"] == []  # nothing to read for these


def test_a_plan_of_another_format_stops_the_gate_with_a_clear_message(scenario, emulator, run_env, tmp_path):
    scenario.install()
    plan = json.loads(PLAN.read_text())
    plan["format_version"] = "2.0"
    path = tmp_path / "plan2.json"
    path.write_text(json.dumps(plan))
    run = run_play(emulator, run_env, tmp_path, gated(GATE), "localhost\n", extra_args=["-e", "plan_file=%s" % path])
    assert run.provisioned() == []
    assert 'Plan format_version \\"2.0\\" is not supported: the reader knows the 1.x family' in run.output, run
    missing = run_play(emulator, run_env, tmp_path, gated(GATE), "localhost\n",
                       extra_args=["-e", "plan_file=%s" % (tmp_path / "nope.json")])
    assert "quota_gate_terraform_plan %s cannot be read: No such file or directory" % (tmp_path / "nope.json") in \
        missing.output


def test_a_plan_given_as_parsed_json_shows_no_sensitive_value_at_any_verbosity(scenario, emulator, run_env, tmp_path):
    scenario.install()
    gate = GATE.replace('"{{ plan_file }}"', '"{{ lookup(\'ansible.builtin.file\', plan_file) | from_json }}"')
    run = run_play(emulator, run_env, tmp_path, gated(gate), "localhost\n",
                   extra_args=["-e", "plan_file=%s" % PLAN, "-vvvv"])
    assert "module.payments.alicloud_kms_key.tde[0..2]: kms key on kst-hzz0001demo" in run.output, run
    assert SENSITIVE not in run.output
