# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""taurusdb_quota_info ad hoc, through the real SDK and real HTTP, against the emulator."""

from __future__ import annotations

from conftest import HW_PROJECT, adhoc, hw_env

SEED_EXAMPLE_BODY = '{\n  "quotas" : {\n    "resources" : [ {\n      "type" : "instance,",\n      "used" : "4,",\n      "quota" : 50\n    } ]\n  }\n}'


def hw_args(emulator, **extra):
    args = dict(region="cn-north-4", endpoint=emulator.url)
    args.update(extra)
    return args


def test_with_a_project_id_one_call_and_no_iam(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("taurusdb_quota_info", hw_args(emulator, project_id=HW_PROJECT), hw_env(run_env, emulator))
    assert run.rc == 0, run
    result = run.result
    assert result["changed"] is False and "ansible_facts" not in result
    assert result["quotas"] == [dict(resource_type="instance", quota=50, used=4, available=46, unlimited=False,
                                     usage_percent=8.0)]
    assert result["project_id"] == HW_PROJECT and result["region"] == "cn-north-4"
    calls = emulator.requests()
    assert [c["operation"] for c in calls] == ["ShowGaussMySqlProjectQuotas"]
    assert result["request_id"] == calls[0]["request_id"]
    assert calls[0]["x_language"] == "en-us"


def test_the_project_id_is_resolved_through_iam(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("taurusdb_quota_info", hw_args(emulator, language="zh-cn"), hw_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["project_id"] == HW_PROJECT
    calls = emulator.requests()
    assert [c["operation"] for c in calls] == ["IAM.ListProjects", "ShowGaussMySqlProjectQuotas"]
    assert calls[0]["query"].get("name") in ("cn-north-4", ["cn-north-4"])
    assert calls[1]["x_language"] == "zh-cn"


def test_check_mode_returns_the_same_data(scenario, emulator, run_env):
    scenario.install()
    env = hw_env(run_env, emulator)
    normal = adhoc("taurusdb_quota_info", hw_args(emulator), env)
    checked = adhoc("taurusdb_quota_info", hw_args(emulator), env, check=True)
    assert checked.rc == 0, checked
    assert checked.result["quotas"] == normal.result["quotas"]


def test_minus_one_is_unlimited(scenario, emulator, run_env):
    scenario["huaweicloud"]["projects"][0]["resources"] = [{"type": "instance", "used": 7, "quota": -1}]
    scenario.install()
    run = adhoc("taurusdb_quota_info", hw_args(emulator, project_id=HW_PROJECT), hw_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["quotas"] == [dict(resource_type="instance", quota=-1, used=7, available=None, unlimited=True,
                                         usage_percent=None)]


def test_a_vendor_error_names_code_message_and_request_id(scenario, emulator, run_env):
    scenario["huaweicloud"]["projects"][0]["fault"] = {
        "error": {"status": 400, "code": "DBS.200001", "message": "Parameter error."}}
    scenario.install()
    run = adhoc("taurusdb_quota_info", hw_args(emulator, project_id=HW_PROJECT), hw_env(run_env, emulator))
    assert run.rc != 0
    request_id = emulator.requests()[-1]["request_id"]
    assert run.result["msg"] == (
        "ShowGaussMySqlProjectQuotas for project %s in cn-north-4 failed: DBS.200001 (HTTP 400): Parameter error. "
        "Request id: %s. A request parameter was refused; check project_id (32 letters or digits), region and "
        "enterprise_project." % (HW_PROJECT, request_id))
    assert "Traceback" not in run.stdout + run.stderr


def test_a_wrong_secret_is_reported_as_the_vendor_auth_error(scenario, emulator, run_env):
    scenario.install()
    env = dict(hw_env(run_env, emulator), HUAWEICLOUD_SDK_SK="wrong-secret-6b1f")
    run = adhoc("taurusdb_quota_info", hw_args(emulator, project_id=HW_PROJECT), env)
    assert run.rc != 0
    assert "APIGW.0301 (HTTP 401)" in run.result["msg"]
    assert emulator.requests()[-1]["request_id"] in run.result["msg"]
    assert "wrong-secret-6b1f" not in run.stdout + run.stderr


def test_a_failed_iam_lookup_names_code_and_request_id(scenario, emulator, run_env):
    scenario["huaweicloud"]["iam_faults"] = {"hw-demo-account/cn-north-4": {"error": {
        "status": 403, "code": "IAM.0002", "message": "You do not have permission to perform this action."}}}
    scenario.install()
    run = adhoc("taurusdb_quota_info", hw_args(emulator), hw_env(run_env, emulator))
    assert run.rc != 0
    msg = run.result["msg"]
    assert msg.startswith("IAM project lookup for region cn-north-4 failed:")
    assert emulator.requests()[-1]["request_id"] in msg
    assert "set project_id" in msg


def test_the_vendor_pages_own_example_reply_fails_closed(scenario, emulator, run_env):
    scenario["huaweicloud"]["projects"][0]["fault"] = {
        "raw": {"status": 200, "content_type": "application/json", "body": SEED_EXAMPLE_BODY}}
    scenario.install()
    run = adhoc("taurusdb_quota_info", hw_args(emulator, project_id=HW_PROJECT), hw_env(run_env, emulator))
    assert run.rc != 0
    msg = run.result["msg"]
    assert "malformed reply: field quotas.resources[0].type is not a resource type name (raw value: 'instance,')" in msg
    assert emulator.requests()[-1]["request_id"] in msg
    assert "Traceback" not in run.stdout + run.stderr and "ValueError" not in msg
