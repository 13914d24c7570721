# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TaurusDB enterprise-project quotas (instances, vCPUs, RAM) and flavor-aware gates, against the emulator."""

from __future__ import annotations

import pytest

from conftest import HW_PROJECT, adhoc, hw_env
from test_quota_gate_role import run_gate

FLAVOR = "gaussdb.mysql.4xlarge.x86.4"  # 16 vCPUs, 64 GB in the demo scenario
PAYMENTS_ID = "3c9e8a4d-5f6b-4c7d-8e9f-0a1b2c3d4e5f"
CLEAN = ("Traceback", "MODULE FAILURE", "KeyError", "TypeError")


def args(emulator, **extra):
    base = dict(region="cn-north-4", endpoint=emulator.url, project_id=HW_PROJECT)
    base.update(extra)
    return base


def operations(emulator):
    return [(c["operation"], c["query"]) for c in emulator.requests()]


def assert_clean(run):
    for word in CLEAN:
        assert word not in run.stdout + run.stderr


def test_an_enterprise_project_gives_instance_vcpus_and_ram(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("taurusdb_quota_info", args(emulator, enterprise_project="payments", flavors=[FLAVOR]),
                hw_env(run_env, emulator))
    assert run.rc == 0, run
    result = run.result
    assert result["enterprise_project"] == {"id": PAYMENTS_ID, "name": "payments"}
    assert [(q["resource_type"], q["quota"], q["used"], q["available"]) for q in result["quotas"]] == [
        ("instance", 10, 2, 8), ("vcpus", 100, 60, 40), ("ram", 400, 100, 300)]
    assert all(q["enterprise_project_name"] == "payments" for q in result["quotas"])
    assert [(f["spec_code"], f["found"], f["vcpus"], f["ram"]) for f in result["flavors"]] == [(FLAVOR, True, 16, 64)]
    assert [op for op, unused in operations(emulator)] == ["ShowGaussMySqlQuotas", "ShowGaussMySqlFlavors"]


def test_the_right_enterprise_project_is_found_across_pages_by_id(scenario, emulator, run_env):
    scenario["huaweicloud"]["quota_page_size_cap"] = 1
    scenario.install()
    run = adhoc("taurusdb_quota_info", args(emulator, enterprise_project=PAYMENTS_ID), hw_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["enterprise_project"]["name"] == "payments"
    pages = [query for op, query in operations(emulator) if op == "ShowGaussMySqlQuotas"]
    assert [page.get("offset") for page in pages] == ["0", "1"] and len(run.result["request_ids"]) == 2


def test_without_an_enterprise_project_the_calls_are_exactly_todays(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("taurusdb_quota_info", args(emulator, project_id=None), hw_env(run_env, emulator))
    assert run.rc == 0, run
    assert [op for op, unused in operations(emulator)] == ["IAM.ListProjects", "ShowGaussMySqlProjectQuotas"]
    assert [q["resource_type"] for q in run.result["quotas"]] == ["instance"]


def test_an_enterprise_project_that_does_not_exist_is_named(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("taurusdb_quota_info", args(emulator, enterprise_project="nope"), hw_env(run_env, emulator))
    assert run.rc != 0
    msg = run.result["msg"]
    assert msg.startswith("ShowGaussMySqlQuotas for project %s in cn-north-4 failed: EnterpriseProjectNotFound: "
                          "no enterprise project with name 'nope' has TaurusDB quotas." % HW_PROJECT)
    assert emulator.requests()[-1]["request_id"] in msg and "Check enterprise_project" in msg
    assert_clean(run)


@pytest.mark.parametrize("quota_list, expected", [
    ("not a list", "malformed reply: field quota_list is not a list"),
    ([{"enterprise_project_id": PAYMENTS_ID, "enterprise_project_name": "payments", "instance_quota": "10,",
       "vcpus_quota": 100, "ram_quota": 400, "availability_instance_quota": 8, "availability_vcpus_quota": 40,
       "availability_ram_quota": 300}], "field quota_list[0].instance_quota is not a whole number (raw value: '10,')"),
    ([{"enterprise_project_id": PAYMENTS_ID, "enterprise_project_name": "payments", "instance_quota": 10,
       "vcpus_quota": 100, "ram_quota": 400, "availability_instance_quota": 8, "availability_vcpus_quota": 140,
       "availability_ram_quota": 300}], "field quota_list[0].availability_vcpus_quota does not fit its quota 100"),
    # Found by its name, but without the id the gate tells quotas apart by: never used (was an UnexpectedError).
    ([{"enterprise_project_name": "payments", "instance_quota": 10, "vcpus_quota": 100, "ram_quota": 400,
       "availability_instance_quota": 8, "availability_vcpus_quota": 40, "availability_ram_quota": 300}],
     "field quota_list[0].enterprise_project_id is missing or empty (raw value: None)"),
    ([{"enterprise_project_id": PAYMENTS_ID, "enterprise_project_name": "payments", "instance_quota": "²",
       "vcpus_quota": 100, "ram_quota": 400, "availability_instance_quota": 8, "availability_vcpus_quota": 40,
       "availability_ram_quota": 300}], "field quota_list[0].instance_quota is not a whole number (raw value: '²')"),
])
def test_a_malformed_quota_list_fails_closed(scenario, emulator, run_env, quota_list, expected):
    scenario["huaweicloud"]["projects"][0]["quotas_fault"] = {"raw": {"status": 200, "body": {
        "quota_list": quota_list, "total_count": 1}}}
    scenario.install()
    run = adhoc("taurusdb_quota_info", args(emulator, enterprise_project="payments"), hw_env(run_env, emulator))
    assert run.rc != 0
    assert expected in run.result["msg"] and "The reply was not used" in run.result["msg"]
    assert_clean(run)


def test_an_enterprise_project_whose_quotas_were_never_set_is_named_with_what_to_do(scenario, emulator, run_env):
    # The API reference's own example: an enterprise project listed with quotas of 0 and something available.
    scenario["huaweicloud"]["projects"][0]["enterprise_projects"].append(dict(
        enterprise_project_id="d72ebb42-9110-464c-a8e2-f9b9f349f80f", enterprise_project_name="eps_auto_test",
        instance_quota=0, vcpus_quota=0, ram_quota=0, availability_instance_quota=1, availability_vcpus_quota=4,
        availability_ram_quota=8))
    scenario.install()
    run = adhoc("taurusdb_quota_info", args(emulator, enterprise_project="eps_auto_test"), hw_env(run_env, emulator))
    assert run.rc != 0
    msg = run.result["msg"]
    assert msg.startswith("ShowGaussMySqlQuotas for project %s in cn-north-4 failed: EnterpriseProjectQuotaNotSet: "
                          "enterprise project eps_auto_test reports its instance quota as 0 with 1 available" % HW_PROJECT)
    assert "Set the enterprise project's TaurusDB quotas" in msg and emulator.requests()[-1]["request_id"] in msg
    assert_clean(run)


@pytest.mark.parametrize("field", ["vcpus", "ram"])
def test_a_flavor_of_size_zero_is_refused_never_judged(scenario, emulator, run_env, field):
    scenario["huaweicloud"]["flavors"]["cn-north-4"][0][field] = "0"
    scenario.install()
    run = adhoc("taurusdb_quota_info", args(emulator, enterprise_project="payments", flavors=[FLAVOR]),
                hw_env(run_env, emulator))
    assert run.rc != 0
    assert "malformed reply: field flavors[0].%s is 0 (raw value: '0')" % field in run.result["msg"]
    assert_clean(run)


@pytest.mark.parametrize("fault_key, extra", [("quotas_fault", {}), ("flavors_fault", {"flavors": [FLAVOR]})])
def test_throttling_on_the_new_calls_is_retried_then_named(scenario, emulator, run_env, fault_key, extra):
    scenario["huaweicloud"]["projects"][0][fault_key] = {"throttle_first": 50}
    scenario.install()
    run = adhoc("taurusdb_quota_info", args(emulator, enterprise_project="payments", retries=1, **extra),
                hw_env(run_env, emulator))
    assert run.rc != 0
    # The SDK's transport gives up on a 429 itself and passes on neither body nor request id.
    assert "Throttled (HTTP 429): the service answered HTTP 429 Too Many Requests. Gave up after 2 attempts. The API " \
        "is throttled for this account" in run.result["msg"]
    assert_clean(run)


# --- the gate: what the play creates, in the terms of the create call ------------------------------------------

def gate(emulator, run_env, tmp_path, requirements, **extra):
    return run_gate(emulator, run_env, tmp_path, requirements, extra)


def test_a_vcpu_shortfall_fails_the_gate_with_each_quota_on_its_own_line(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = gate(emulator, run_env, tmp_path, [
        {"name": "payments db", "service": "taurusdb", "flavor": FLAVOR, "nodes": 2, "need": 2,
         "enterprise_project": "payments"}])
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "PROVISIONING STARTED" not in output
    assert [(c["resource_type"], c["enterprise_project"], c["need"], c["available"], c["status"])
            for c in report["checks"]] == [
        ("instance", "payments", 2, 8, "ok"), ("vcpus", "payments", 64, 40, "insufficient"),
        ("ram", "payments", 256, 300, "low"), ("instance", None, 2, 46, "ok")]
    assert ("- payments db: taurusdb vcpus in enterprise project payments in cn-north-4 — need 64 vCPUs "
            "(2 instances × 2 nodes × 16), used 60 of 100, 40 available (short by 24)") in output
    assert "Quota gate failed: 1 of 1 requirements cannot be met" in output
    ops = sorted(op for op, unused in operations(emulator) if op.startswith("Show"))
    assert ops == ["ShowGaussMySqlFlavors", "ShowGaussMySqlProjectQuotas", "ShowGaussMySqlQuotas"]


def test_an_enterprise_project_with_room_never_hides_a_full_tenant_quota(scenario, emulator, run_env, tmp_path):
    scenario["huaweicloud"]["projects"][0]["resources"] = [{"type": "instance", "used": 50, "quota": 50}]
    scenario.install()
    proc, report = gate(emulator, run_env, tmp_path, [
        {"name": "payments db", "service": "taurusdb", "resource_type": "instance", "need": 1,
         "enterprise_project": "payments"}])
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "PROVISIONING STARTED" not in output
    assert [(c["enterprise_project"], c["status"]) for c in report["checks"]] == [
        ("payments", "ok"), (None, "insufficient")]
    assert ("- payments db: taurusdb instance in project %s in cn-north-4 (the tenant's quota, which enterprise "
            "project payments counts against) — need 1, used 50 of 50, 0 available (short by 1)" % HW_PROJECT) in output


def test_one_flavor_lookup_per_region_and_flavor_and_one_read_per_target(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = gate(emulator, run_env, tmp_path, [
        {"name": "a", "service": "taurusdb", "flavor": FLAVOR, "nodes": 2, "need": 1, "enterprise_project": "payments"},
        {"name": "b", "service": "taurusdb", "flavor": FLAVOR, "nodes": 2, "need": 1, "enterprise_project": "default"},
        {"name": "c", "service": "taurusdb", "flavor": "gaussdb.mysql.2xlarge.x86.4", "nodes": 2, "need": 1,
         "enterprise_project": "payments"},
        {"name": "tenant", "service": "taurusdb", "resource_type": "instance", "need": 1}])
    assert report is not None, proc.stdout + proc.stderr
    ops = [(op, query.get("spec_code") or query.get("enterprise_project_name")) for op, query in operations(emulator)
           if op.startswith("Show")]
    assert sorted(ops) == [("ShowGaussMySqlFlavors", "gaussdb.mysql.2xlarge.x86.4"), ("ShowGaussMySqlFlavors", FLAVOR),
                           ("ShowGaussMySqlProjectQuotas", None), ("ShowGaussMySqlQuotas", "default"),
                           ("ShowGaussMySqlQuotas", "payments")]  # the tenant's read serves all four
    vcpus = dict((c["name"], c) for c in report["checks"] if c["resource_type"] == "vcpus")
    assert vcpus["a"]["need_total"] == 32 + 16 and vcpus["b"]["need_total"] == 32  # c shares a's quota
    tenant = [c for c in report["checks"] if c["resource_type"] == "instance" and not c["enterprise_project"]]
    assert [(c["name"], c["need_total"]) for c in tenant] == [("a", 4), ("b", 4), ("c", 4), ("tenant", 4)]


def test_an_unknown_flavor_fails_closed_naming_flavor_and_region(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = gate(emulator, run_env, tmp_path, [
        {"name": "db", "service": "taurusdb", "flavor": "gaussdb.mysql.huge.x86.8", "nodes": 2, "need": 1,
         "enterprise_project": "payments"}])
    assert proc.returncode != 0
    assert [c["status"] for c in report["checks"]] == ["ok", "unknown", "unknown", "ok"]
    assert report["checks"][1]["message"].endswith(
        "quota could not be read: flavor gaussdb.mysql.huge.x86.8 is not offered in cn-north-4")


def test_an_enterprise_project_that_does_not_exist_fails_the_gate_closed(scenario, emulator, run_env, tmp_path):
    scenario.install()
    proc, report = gate(emulator, run_env, tmp_path, [
        {"name": "db", "service": "taurusdb", "flavor": FLAVOR, "nodes": 2, "need": 1, "enterprise_project": "nope"}])
    assert proc.returncode != 0
    assert [c["status"] for c in report["checks"]] == ["unknown"] * 3 + ["ok"]
    assert "EnterpriseProjectNotFound" in report["checks"][0]["message"]


def test_throttled_flavor_lookup_fails_the_gate_closed(scenario, emulator, run_env, tmp_path):
    scenario["huaweicloud"]["projects"][0]["flavors_fault"] = {"throttle_first": 50}
    scenario.install()
    proc, report = gate(emulator, run_env, tmp_path, [
        {"name": "db", "service": "taurusdb", "flavor": FLAVOR, "nodes": 2, "need": 1, "enterprise_project": "payments"}],
        quota_gate_huaweicloud={"retries": 1})
    assert proc.returncode != 0
    # Only the lines that need the flavor's size are unknown: the instance lines do not depend on it.
    assert [c["status"] for c in report["checks"]] == ["ok", "unknown", "unknown", "ok"]
    assert "ShowGaussMySqlFlavors" in report["checks"][1]["message"] and "Throttled" in report["checks"][1]["message"]


@pytest.mark.parametrize("fault, expected", [
    ({"throttle_first": 50}, "Throttled (HTTP 429)"),
    ({"raw": {"status": 200, "body": {"quota_list": "not a list", "total_count": 1}}},
     "malformed reply: field quota_list is not a list"),
])
def test_a_throttled_or_malformed_quota_read_fails_the_gate_closed(scenario, emulator, run_env, tmp_path, fault,
                                                                   expected):
    scenario["huaweicloud"]["projects"][0]["quotas_fault"] = fault
    scenario.install()
    proc, report = gate(emulator, run_env, tmp_path, [
        {"name": "db", "service": "taurusdb", "flavor": FLAVOR, "nodes": 2, "need": 1, "enterprise_project": "payments"}],
        quota_gate_huaweicloud={"retries": 1})
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "PROVISIONING STARTED" not in output
    assert [c["status"] for c in report["checks"]] == ["unknown"] * 3 + ["ok"]  # the tenant's own read is fine
    assert all(expected in c["message"] for c in report["checks"][:3]), [c["message"] for c in report["checks"]]
    assert "Traceback" not in output and "MODULE FAILURE" not in output
