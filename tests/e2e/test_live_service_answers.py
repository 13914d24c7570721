# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the vendors' live services do that the emulator did not say before issue 19, each through
the real SDKs over HTTP: an untyped KMS call answered with one type, throttling as a 400 (and the
wait a reply asks for), an instance in a bad state among healthy ones, the open-beta enterprise
project API refused, and flavors answered with 200."""

from __future__ import annotations

import pytest

from conftest import adhoc, ali_env, hw_env
from test_faults import tdb
from test_kms_module import kms_args as kms
from test_quota_gate_role import run_gate

KST1, KST2 = "kst-hzz0001demo", "kst-hzz0002demo"
CLEAN = ("Traceback", "MODULE FAILURE", "KeyError", "TypeError")


def instance(scenario, kms_id):
    return next(i for i in scenario["alicloud"]["instances"] if i["id"] == kms_id)


def assert_clean(run):
    for word in CLEAN:
        assert word not in run.stdout + run.stderr


# --- an untyped GetKmsInstanceQuotaInfos answered with one type -------------------------------------------------
def test_types_an_untyped_reply_left_out_are_asked_for_each_with_its_own_numbers(scenario, emulator, run_env):
    instance(scenario, KST1)["untyped_types"] = ["key"]  # what the API reference's example reply holds
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, kms_instance_id=KST1), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert [(q["resource_type"], q["quota"], q["used"]) for q in run.result["quotas"]] == [
        ("key", 12, 10), ("secret", 100, 5), ("qps", 1000, 200), ("vpc", 5, 1)]
    calls = emulator.requests()
    assert [c["query"].get("ResourceType") for c in calls][0] is None  # one call first, without ResourceType
    assert sorted(c["query"].get("ResourceType") for c in calls[1:]) == ["qps", "secret", "vpc"]
    assert run.result["request_ids"] == [calls[0]["request_id"]] + [
        next(c["request_id"] for c in calls if c["query"].get("ResourceType") == t) for t in ("secret", "qps", "vpc")]
    assert run.result["attempts"] == 4


def test_one_call_per_instance_where_the_service_answers_every_type(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, kms_instance_id=KST1), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert [c["query"].get("ResourceType") for c in emulator.requests()] == [None]
    assert len(run.result["quotas"]) == 4 and run.result["attempts"] == 1


def test_one_type_asked_for_is_asked_for_at_once(scenario, emulator, run_env):
    instance(scenario, KST1)["untyped_types"] = ["key"]
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, kms_instance_id=KST1, resource_types=["secret"]),
                ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert [(q["resource_type"], q["quota"]) for q in run.result["quotas"]] == [("secret", 100)]
    assert [c["query"].get("ResourceType") for c in emulator.requests()] == ["secret"]


def test_a_type_the_service_reports_nowhere_is_left_out_never_invented(scenario, emulator, run_env):
    found = instance(scenario, KST1)
    found["quotas"] = [q for q in found["quotas"] if q["ResourceType"] != "vpc"]
    found["untyped_types"] = ["key"]
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, kms_instance_id=KST1), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert [q["resource_type"] for q in run.result["quotas"]] == ["key", "secret", "qps"]


def test_a_gate_on_secrets_is_judged_on_the_secret_quota(scenario, emulator, run_env, tmp_path):
    instance(scenario, KST1)["untyped_types"] = ["key"]
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        {"name": "secrets", "service": "kms", "resource_type": "secret", "kms_instance_id": KST1, "need": 5}])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [(c["status"], c["quota"], c["used"], c["available"]) for c in report["checks"]] == [("ok", 100, 5, 95)]


# --- throttling as a 400, and the wait a reply asks for -------------------------------------------------------
@pytest.mark.parametrize("code", ["Rejected.Throttling", "Throttling.Resource"])
def test_a_400_throttling_answer_twice_then_success_is_read_in_three_attempts(scenario, emulator, run_env, code):
    instance(scenario, KST1)["fault"] = {"throttle_first": 2, "throttle_code": code, "throttle_status": 400}
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, kms_instance_id=KST1), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["attempts"] == 3 and len(run.result["request_ids"]) == 1
    assert [(c["status"], c["error_code"]) for c in emulator.requests()] == [(400, code), (400, code), (200, None)]


def test_throttling_that_never_clears_names_the_code_and_the_attempts(scenario, emulator, run_env):
    instance(scenario, KST1)["fault"] = {"throttle_first": 50, "throttle_code": "Rejected.Throttling",
                                         "throttle_status": 400}
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, kms_instance_id=KST1, retries=2), ali_env(run_env, emulator))
    assert run.rc != 0
    assert "Rejected.Throttling (HTTP 400)" in run.result["msg"] and "Gave up after 3 attempts." in run.result["msg"]
    assert "The API is throttled for this account" in run.result["msg"]
    assert run.result["error"]["attempts"] == 3
    assert_clean(run)


def gaps(calls):
    times = [c["ts"] for c in calls]
    return [later - earlier for earlier, later in zip(times, times[1:])]


def test_the_wait_an_alibaba_reply_asks_for_is_honoured(scenario, emulator, run_env):
    # x-acs-retry-after is read by the SDK in milliseconds; the backoff alone would wait at most 0.2 s, then 0.4 s.
    instance(scenario, KST1)["fault"] = {"throttle_first": 2, "throttle_code": "Rejected.Throttling",
                                         "throttle_status": 400, "retry_after": 1200}
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, kms_instance_id=KST1), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["attempts"] == 3
    assert all(gap >= 1.2 for gap in gaps(emulator.requests())), gaps(emulator.requests())


def test_the_wait_a_huawei_reply_asks_for_is_honoured(scenario, emulator, run_env):
    scenario["huaweicloud"]["projects"][0]["fault"] = {"server_error_first": 1, "retry_after": 1}
    scenario.install()
    run = adhoc("taurusdb_quota_info", tdb(emulator), hw_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["attempts"] == 2
    assert gaps(emulator.requests())[0] >= 1.0, gaps(emulator.requests())


def test_a_successful_taurusdb_read_reports_its_attempts_including_the_iam_lookup(scenario, emulator, run_env):
    scenario["huaweicloud"]["projects"][0]["fault"] = {"throttle_first": 1}
    scenario.install()
    run = adhoc("taurusdb_quota_info", tdb(emulator, project_id=None), hw_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["attempts"] == 3  # the IAM lookup, then the quota call twice
    assert [c["operation"] for c in emulator.requests()] == ["IAM.ListProjects"] + ["ShowGaussMySqlProjectQuotas"] * 2


# --- a region with an instance in a bad state ----------------------------------------------------------------
def test_a_region_read_returns_the_healthy_instance_and_names_the_other(scenario, emulator, run_env):
    instance(scenario, KST2)["state"] = "Connecting"
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, resource_types=["key", "secret"]), ali_env(run_env, emulator))
    assert run.rc == 0, run
    result = run.result
    assert result["kms_instance_ids"] == [KST1]
    assert [(q["kms_instance_id"], q["resource_type"], q["available"]) for q in result["quotas"]] == [
        (KST1, "key", 2), (KST1, "secret", 95)]
    [unreadable] = result["unreadable_instances"]
    failed_call = next(c for c in emulator.requests() if c["target"] == KST2)
    assert unreadable["kms_instance_id"] == KST2
    assert unreadable["error"] == dict(code="Forbidden.DKMSInstanceStateInvalid", http_status=403, attempts=1,
                                       message="The DKMS Instance state is invalid.",
                                       request_id=failed_call["request_id"])
    assert unreadable["msg"].startswith("GetKmsInstanceQuotaInfos for %s in cn-hangzhou failed: "
                                        "Forbidden.DKMSInstanceStateInvalid (HTTP 403)" % KST2)
    assert "The KMS instance is not running" in unreadable["msg"]
    assert "Read 1 of 2 KMS instances in cn-hangzhou; could not read %s (Forbidden.DKMSInstanceStateInvalid)" % KST2 \
        in run.stdout + run.stderr  # a warning
    assert failed_call["request_id"] not in result["request_ids"]


def test_a_region_none_of_whose_instances_can_be_read_fails_naming_each(scenario, emulator, run_env):
    instance(scenario, KST1)["state"] = "Releasing"
    instance(scenario, KST2)["fault"] = {"error": {"status": 403, "code": "Forbidden.RAM", "message": "denied"}}
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator), ali_env(run_env, emulator))
    assert run.rc != 0
    msg = run.result["msg"]
    assert msg.startswith("None of the 2 KMS instances in cn-hangzhou could be read: GetKmsInstanceQuotaInfos for %s"
                          % KST1)
    assert "Forbidden.DKMSInstanceStateInvalid (HTTP 403)" in msg and "Forbidden.RAM (HTTP 403): denied" in msg
    assert [u["error"]["code"] for u in run.result["unreadable_instances"]] == [
        "Forbidden.DKMSInstanceStateInvalid", "Forbidden.RAM"]
    assert run.result["error"]["code"] == "Forbidden.DKMSInstanceStateInvalid"
    assert_clean(run)


def test_a_named_instance_in_a_bad_state_fails_the_read(scenario, emulator, run_env):
    instance(scenario, KST2)["state"] = "Connecting"
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, kms_instance_id=KST2), ali_env(run_env, emulator))
    assert run.rc != 0 and run.result["error"]["code"] == "Forbidden.DKMSInstanceStateInvalid"


def test_a_region_target_with_a_bad_instance_is_read_among_other_targets(scenario, emulator, run_env):
    instance(scenario, KST2)["state"] = "Connecting"
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, resource_types=["key"], targets=[
        {"region": "cn-hangzhou"}, {"region": "cn-shanghai", "endpoint": emulator.kms_endpoint("cn-shanghai")}]),
        ali_env(run_env, emulator))
    assert run.rc == 0, run
    hangzhou, shanghai = run.result["results"]
    assert hangzhou["kms_instance_ids"] == [KST1] and [u["kms_instance_id"] for u in hangzhou["unreadable_instances"]] \
        == [KST2]
    assert shanghai["unreadable_instances"] == [] and shanghai["quotas"][0]["used"] == 120


def test_listing_pages_after_the_first_are_asked_for_together(scenario, emulator, run_env):
    scenario["alicloud"]["list_page_size_cap"] = 1
    for number in range(3, 5):
        scenario["alicloud"]["instances"].append(dict(instance(scenario, KST1), id="kst-hzz000%ddemo" % number))
    scenario["defaults"] = {"latency_ms": 400}
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, resource_types=["key"]), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["kms_instance_ids"] == [KST1, KST2, "kst-hzz0003demo", "kst-hzz0004demo"]
    listing = sorted(c["ts"] for c in emulator.requests() if c["operation"] == "ListKmsInstances")
    reads = sorted(c["ts"] for c in emulator.requests() if c["operation"] == "GetKmsInstanceQuotaInfos")
    assert len(listing) == 4 and listing[-1] - listing[1] < 0.3  # pages 2 to 4 together, after page 1
    assert reads[-1] - reads[0] < 0.3  # then every instance together
    assert reads[0] - listing[-1] >= 0.35


# --- the open-beta enterprise project API refused ----------------------------------------------------------
@pytest.mark.parametrize("refusal, status, code", [("unpublished", 404, "APIGW.0101"), ("forbidden", 403, "APIGW.0302")])
def test_a_refused_enterprise_project_api_names_the_open_beta(scenario, emulator, run_env, refusal, status, code):
    scenario["huaweicloud"]["projects"][0]["enterprise_quotas_api"] = refusal
    scenario.install()
    run = adhoc("taurusdb_quota_info", tdb(emulator, enterprise_project="payments"), hw_env(run_env, emulator))
    assert run.rc != 0
    msg = run.result["msg"]
    assert "%s (HTTP %d)" % (code, status) in msg
    assert "Request id: %s." % emulator.requests()[-1]["request_id"] in msg
    assert "is in open beta for TaurusDB and is enabled per account by a service ticket" in msg
    assert "The tenant's instance quota can still be read and gated without it: leave enterprise_project out" in msg
    assert_clean(run)
    tenant = adhoc("taurusdb_quota_info", tdb(emulator), hw_env(run_env, emulator))
    assert tenant.rc == 0 and tenant.result["quotas"][0]["available"] == 46


def test_a_gate_fails_on_the_enterprise_lines_with_the_code_and_the_open_beta(scenario, emulator, run_env, tmp_path):
    scenario["huaweicloud"]["projects"][0]["enterprise_quotas_api"] = "unpublished"
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        {"name": "db", "service": "taurusdb", "flavor": "gaussdb.mysql.4xlarge.x86.4", "nodes": 2, "need": 1,
         "enterprise_project": "payments"}])
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "PROVISIONING STARTED" not in output
    assert [(c["resource_type"], c["status"]) for c in report["checks"]] == [
        ("instance", "unknown"), ("vcpus", "unknown"), ("ram", "unknown"), ("instance", "ok")]
    for check in report["checks"][:3]:
        assert "APIGW.0101 (HTTP 404)" in check["message"], check["message"]
        assert "open beta" in check["message"] and "service ticket" in check["message"]


# --- flavors answered with 200, as the live service does ------------------------------------------------------
def test_flavors_answered_with_200_are_read(scenario, emulator, run_env):
    scenario["huaweicloud"]["flavors_status"] = 200
    scenario.install()
    run = adhoc("taurusdb_quota_info", tdb(emulator, flavors=["gaussdb.mysql.4xlarge.x86.4"]), hw_env(run_env, emulator))
    assert run.rc == 0, run
    assert [(f["vcpus"], f["ram"]) for f in run.result["flavors"]] == [(16, 64)]
    assert [c["status"] for c in emulator.requests() if c["operation"] == "ShowGaussMySqlFlavors"] == [200]
