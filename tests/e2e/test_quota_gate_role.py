# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quota_gate role through real ansible-playbook runs against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import HW_PROJECT, ali_env, hw_env, playbook

PLAYBOOK = Path(__file__).parent / "playbooks" / "gate.yml"
KST1, KST2 = "kst-hzz0001demo", "kst-hzz0002demo"


def run_gate(emulator, run_env, tmp_path, requirements, extra_vars=None, check=False, endpoints=True, verbosity=0):
    report_file = tmp_path / "report.json"
    variables = dict(quota_gate_requirements=requirements, report_file=str(report_file))
    if endpoints:
        variables.update(kms_endpoint=emulator.kms_endpoint("cn-hangzhou"), taurusdb_endpoint=emulator.url)
    variables.update(extra_vars or {})
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(variables))
    env = hw_env(ali_env(run_env, emulator), emulator)
    args = ["-e", "@%s" % vars_file]
    if check:
        args.append("--check")
    if verbosity:
        args.append("-" + "v" * verbosity)
    proc = playbook(PLAYBOOK, env, args)
    report = json.loads(report_file.read_text()) if report_file.exists() else None
    return proc, report


def statuses(report):
    return [(c["name"], c["status"]) for c in report["checks"]]


MIXED = [
    {"name": "keys", "service": "kms", "resource_type": "key", "kms_instance_id": KST1, "need": 3},  # 2 available
    {"name": "secrets", "service": "kms", "resource_type": "secret", "kms_instance_id": KST1, "need": 5},
    {"name": "qps", "service": "kms", "resource_type": "qps", "kms_instance_id": KST1, "need": 700},  # 800 left: low
    {"name": "unlimited keys", "service": "kms", "resource_type": "key", "kms_instance_id": KST2, "need": 500},
    {"name": "full secrets", "service": "kms", "resource_type": "secret", "kms_instance_id": KST2, "need": 1},  # 50/50
    {"name": "databases", "service": "taurusdb", "resource_type": "instance", "project_id": HW_PROJECT, "need": 2},
]


def test_mixed_gate_fails_naming_every_shortfall_and_reports_all(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, MIXED)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "PROVISIONING STARTED" not in output
    assert statuses(report) == [("keys", "insufficient"), ("secrets", "ok"), ("qps", "low"),
                                ("unlimited keys", "ok"), ("full secrets", "insufficient"), ("databases", "ok")]
    assert report["passed"] is False
    assert "Quota gate failed: 2 of 6 requirements cannot be met:" in output
    assert ("- keys: kms key on kst-hzz0001demo in cn-hangzhou — need 3, used 10 of 12, 2 available (short by 1)"
            in output)
    assert ("- full secrets: kms secret on kst-hzz0002demo in cn-hangzhou — need 1, used 50 of 50, 0 available "
            "(short by 1)" in output)
    first = report["checks"][0]
    assert {k: first[k] for k in ("service", "region", "target", "resource_type", "quota", "used", "available", "need",
                                  "unlimited")} == dict(service="kms", region="cn-hangzhou", target=KST1,
                                                        resource_type="key", quota=12, used=10, available=2, need=3,
                                                        unlimited=False)
    # Each distinct target is read once, however many requirements point at it: 2 KMS instances, 1 project.
    operations = sorted((c["operation"], c["target"]) for c in emulator.requests())
    assert operations == [("GetKmsInstanceQuotaInfos", KST1), ("GetKmsInstanceQuotaInfos", KST2),
                          ("ShowGaussMySqlProjectQuotas", HW_PROJECT)]


def test_an_exact_fit_is_low_and_passes(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        {"service": "kms", "resource_type": "key", "kms_instance_id": KST1, "need": 2}])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert statuses(report) == [("requirement 1", "low")]
    assert "leaves 0.0% free" in report["checks"][0]["message"]
    assert "PROVISIONING STARTED" in proc.stdout
    assert "[WARNING]: quota low: requirement 1: kms key on kst-hzz0001demo" in proc.stdout + proc.stderr


def test_an_unlimited_quota_is_always_ok(scenario, emulator, run_env, tmp_path):
    scenario["huaweicloud"]["projects"][0]["resources"] = [{"type": "instance", "used": 9000, "quota": -1}]
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        {"service": "taurusdb", "resource_type": "instance", "need": 100000}])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert statuses(report) == [("requirement 1", "ok")]
    assert report["checks"][0]["unlimited"] is True and report["checks"][0]["target"] == HW_PROJECT


def test_max_usage_percent_makes_a_fitting_requirement_insufficient(scenario, emulator, run_env, tmp_path):
    scenario.install()
    # Both draw on the project's instance quota, so usage after creation counts both: (4 + 2) / 50 = 12%.
    requirements = [{"name": "db", "service": "taurusdb", "resource_type": "instance", "need": 1,
                     "max_usage_percent": 11},  # 12% > 11%
                    {"name": "db2", "service": "taurusdb", "resource_type": "instance", "need": 1,
                     "max_usage_percent": 12}]  # exactly 12%: allowed
    proc, report = run_gate(emulator, run_env, tmp_path, requirements)
    assert proc.returncode != 0
    assert statuses(report) == [("db", "insufficient"), ("db2", "ok")]
    assert "usage after creation 12.0% exceeds max_usage_percent 11%" in report["checks"][0]["message"]


def test_check_mode_gates_the_same_way(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, MIXED, check=True)
    assert proc.returncode != 0
    assert [status for unused_name, status in statuses(report)] == ["insufficient", "ok", "low", "ok", "insufficient", "ok"]


@pytest.mark.parametrize("on_unknown", ["fail", "warn"])
def test_an_unreadable_target_fails_closed_unless_told_to_warn(scenario, emulator, run_env, tmp_path, on_unknown):
    scenario.install()
    requirements = [{"name": "ghost", "service": "kms", "resource_type": "key", "kms_instance_id": "kst-ghost0001"},
                    {"name": "db", "service": "taurusdb", "resource_type": "instance", "need": 1}]
    proc, report = run_gate(emulator, run_env, tmp_path, requirements, {"quota_gate_on_unknown": on_unknown})
    assert statuses(report) == [("ghost", "unknown"), ("db", "ok")]
    message = report["checks"][0]["message"]
    assert "Forbidden.DKMSInstanceNotFound" in message
    request_id = [c for c in emulator.requests() if c["target"] == "kst-ghost0001"][0]["request_id"]
    assert request_id in message
    if on_unknown == "fail":
        assert proc.returncode != 0 and report["passed"] is False
        assert "PROVISIONING STARTED" not in proc.stdout
    else:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert report["passed"] is True and "PROVISIONING STARTED" in proc.stdout
        assert "[WARNING]: quota unknown: ghost: kms key on kst-ghost0001" in proc.stdout + proc.stderr


def test_an_unreachable_endpoint_is_unknown_and_fails_closed(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        {"name": "kms", "service": "kms", "resource_type": "key", "kms_instance_id": KST1}],
        {"kms_endpoint": "http://127.0.0.1:9", "kms_retries": 0})
    assert proc.returncode != 0
    assert statuses(report) == [("kms", "unknown")]
    assert "refused" in report["checks"][0]["message"]


def test_a_region_with_several_instances_asks_for_kms_instance_id(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [{"service": "kms", "resource_type": "vpc"}])
    assert statuses(report) == [("requirement 1", "unknown")]
    assert "the region has 2 KMS instances (kst-hzz0001demo, kst-hzz0002demo): set kms_instance_id" in \
        report["checks"][0]["message"]


def test_connection_settings_from_role_variables(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        {"service": "kms", "resource_type": "secret", "kms_instance_id": KST1}], {
        "quota_gate_alicloud": {"endpoint": emulator.kms_endpoint("cn-hangzhou")}}, endpoints=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert statuses(report) == [("requirement 1", "ok")]


def test_disabled_gate_reads_nothing(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, MIXED, {"quota_gate_enabled": False})
    assert proc.returncode == 0
    assert emulator.requests() == []
    assert "PROVISIONING STARTED" in proc.stdout


def test_report_only_mode_does_not_fail(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, MIXED, {"quota_gate_fail": False})
    assert proc.returncode == 0
    assert report["passed"] is False and len(report["failures"]) == 2


@pytest.mark.parametrize("requirement, expected", [
    ({"service": "kms", "resource_type": "key", "need": -1}, "need must be 0 or more, got -1"),
    ({"service": "kms", "resource_type": "key", "max_usage_percent": 120}, "max_usage_percent must be between 0 and 100"),
    ({"service": "taurusdb", "resource_type": "key"}, "resource_type 'key' is not a taurusdb resource type"),
    ({"service": "taurusdb", "resource_type": "instance", "kms_instance_id": KST1},
     "kms_instance_id belongs to kms requirements, not taurusdb"),
    ({"service": "kms", "resource_type": "key", "project_id": HW_PROJECT}, "project_id belongs to taurusdb requirements"),
    ({"service": "rds", "resource_type": "key"}, "quota_gate_requirements[0]: service 'rds' is not one of kms, taurusdb"),
    ({"service": "kms"}, "resource_type is missing (or, for taurusdb, give a flavor)"),
    ({"service": "kms", "resource_type": "key", "need": "three"}, "need"),
])
def test_bad_requirements_are_refused_before_any_call(scenario, emulator, run_env, tmp_path, requirement, expected):
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [requirement])
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr
    assert emulator.requests() == []


def test_play_defaults_keyed_by_module_name_reach_the_reads_and_win_over_the_group(scenario, emulator, run_env,
                                                                                   tmp_path):
    # As for a task of the module itself: the group's endpoint (nothing listens there) is overridden by
    # the defaults for the module's own name. Both services are read in one task.
    scenario.install()
    report_file = tmp_path / "report.json"
    play = [dict(
        name="gate", hosts="localhost", connection="local", gather_facts=False,
        vars=dict(ansible_python_interpreter="{{ ansible_playbook_python }}"),
        module_defaults={
            "group/headroom.cloud.alicloud": dict(region="cn-hangzhou", endpoint="http://127.0.0.1:9", retries=0),
            "group/headroom.cloud.huaweicloud": dict(region="cn-north-4", endpoint="http://127.0.0.1:9", retries=0),
            "headroom.cloud.kms_quota_info": dict(endpoint=emulator.kms_endpoint("cn-hangzhou")),
            "headroom.cloud.taurusdb_quota_info": dict(endpoint=emulator.url)},
        roles=[dict(role="headroom.cloud.quota_gate", vars=dict(quota_gate_requirements=[
            {"service": "kms", "resource_type": "secret", "kms_instance_id": KST1},
            {"service": "taurusdb", "resource_type": "instance", "project_id": HW_PROJECT}]))],
        post_tasks=[dict(name="save", **{"ansible.builtin.copy": dict(
            content="{{ quota_gate_report | to_json }}", dest=str(report_file), mode="0600")})])]
    path = tmp_path / "play.json"
    path.write_text(json.dumps(play))
    proc = playbook(path, hw_env(ali_env(run_env, emulator), emulator))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert statuses(json.loads(report_file.read_text())) == [("requirement 1", "ok"), ("requirement 2", "ok")]
    assert sorted(e["operation"] for e in emulator.requests()) == ["GetKmsInstanceQuotaInfos",
                                                                   "ShowGaussMySqlProjectQuotas"]


def test_both_services_are_read_at_once(scenario, emulator, run_env, tmp_path):
    # 2 s replies: read one after the other, the TaurusDB reply would come 2 s (plus a module start)
    # after the KMS one; read side by side, the two replies come close together.
    scenario["defaults"] = {"latency_ms": 2000}
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        {"service": "kms", "resource_type": "secret", "kms_instance_id": KST1},
        {"service": "taurusdb", "resource_type": "instance", "project_id": HW_PROJECT}])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert statuses(report) == [("requirement 1", "ok"), ("requirement 2", "ok")]
    calls = emulator.requests()
    assert sorted(c["operation"] for c in calls) == ["GetKmsInstanceQuotaInfos", "ShowGaussMySqlProjectQuotas"]
    span = max(c["ts"] for c in calls) - min(c["ts"] for c in calls)
    assert span < 1.5, span
