# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_quota_info ad hoc, through the real SDK and real HTTP, against the emulator."""

from __future__ import annotations

from conftest import ALI_KEY, ALI_SECRET, adhoc, ali_env

KST1 = "kst-hzz0001demo"
KST2 = "kst-hzz0002demo"


def kms_args(emulator, region="cn-hangzhou", **extra):
    args = dict(region=region, endpoint=emulator.kms_endpoint(region))
    args.update(extra)
    return args


def test_one_instance_gives_normalised_records(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id=KST1), ali_env(run_env, emulator))
    assert run.rc == 0, run
    result = run.result
    assert result["changed"] is False
    assert "ansible_facts" not in result
    assert result["region"] == "cn-hangzhou"
    assert result["kms_instance_ids"] == [KST1]
    assert result["quotas"] == [
        dict(kms_instance_id=KST1, resource_type="key", quota=12, used=10, available=2, unlimited=False, usage_percent=83.3),
        dict(kms_instance_id=KST1, resource_type="secret", quota=100, used=5, available=95, unlimited=False,
             usage_percent=5.0),
        dict(kms_instance_id=KST1, resource_type="qps", quota=1000, used=200, available=800, unlimited=False,
             usage_percent=20.0),
        dict(kms_instance_id=KST1, resource_type="vpc", quota=5, used=1, available=4, unlimited=False, usage_percent=20.0),
    ]
    calls = emulator.requests()
    assert [c["operation"] for c in calls] == ["GetKmsInstanceQuotaInfos"]
    assert "ResourceType" not in calls[0]["query"]  # one call per target; types are filtered client-side
    assert result["request_ids"] == [calls[0]["request_id"]]


def test_check_mode_returns_the_same_data(scenario, emulator, run_env):
    scenario.install()
    env = ali_env(run_env, emulator)
    normal = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id=KST1), env)
    checked = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id=KST1), env, check=True)
    assert checked.rc == 0, checked
    assert checked.result["quotas"] == normal.result["quotas"]
    assert checked.result["changed"] is False


def test_all_instances_of_a_region_across_pages(scenario, emulator, run_env):
    scenario["alicloud"]["list_page_size_cap"] = 1  # the server answers one instance per page
    scenario.install()
    run = adhoc("kms_quota_info", kms_args(emulator, resource_types=["key"]), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["kms_instance_ids"] == [KST1, KST2]
    assert [(q["kms_instance_id"], q["resource_type"]) for q in run.result["quotas"]] == [(KST1, "key"), (KST2, "key")]
    operations = [c["operation"] for c in emulator.requests()]
    assert operations.count("ListKmsInstances") == 2
    assert operations.count("GetKmsInstanceQuotaInfos") == 2
    assert len(run.result["request_ids"]) == 4
    assert all(c["region"] == "cn-hangzhou" for c in emulator.requests())


def test_minus_one_is_unlimited(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id=KST2, resource_types=["key"]),
                ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["quotas"] == [dict(kms_instance_id=KST2, resource_type="key", quota=-1, used=40, available=None,
                                         unlimited=True, usage_percent=None)]


def test_a_region_without_instances_gives_an_empty_list(scenario, emulator, run_env):
    scenario["alicloud"]["instances"].append(
        {"account": "acct-other", "region": "cn-beijing", "id": "kst-bjs0001othr", "quotas": []})
    scenario.install()
    run = adhoc("kms_quota_info", kms_args(emulator, region="cn-beijing"), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert run.result["quotas"] == [] and run.result["kms_instance_ids"] == []


def test_a_named_instance_that_does_not_exist_is_an_error_with_code_and_request_id(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id="kst-nothere0001"), ali_env(run_env, emulator))
    assert run.rc != 0
    msg = run.result["msg"]
    request_id = emulator.requests()[-1]["request_id"]
    assert msg.startswith("GetKmsInstanceQuotaInfos for kst-nothere0001 in cn-hangzhou failed: "
                          "Forbidden.DKMSInstanceNotFound (HTTP 403)")
    assert "Request id: %s." % request_id in msg
    assert "Check kms_instance_id and region" in msg
    assert run.result["error"]["code"] == "Forbidden.DKMSInstanceNotFound"
    assert "Traceback" not in run.stdout + run.stderr and "MODULE FAILURE" not in run.stdout


def test_a_wrong_secret_is_reported_as_the_vendor_auth_error(scenario, emulator, run_env):
    scenario.install()
    env = ali_env(run_env, emulator)
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "not-the-secret-9d2e"
    run = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id=KST1), env)
    assert run.rc != 0
    assert "SignatureDoesNotMatch (HTTP 400)" in run.stdout + run.stderr
    assert emulator.requests()[-1]["request_id"] in run.stdout + run.stderr
    assert "not-the-secret-9d2e" not in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_sts_credentials_work(scenario, emulator, run_env):
    scenario["alicloud"]["credentials"]["STS.NTestStsKeyId01"] = {
        "secret": "sts-secret-41c7", "account": "1234567890123456", "security_token": "sts-token-e5a0"}
    scenario.install()
    env = dict(run_env, ALICLOUD_ACCESS_KEY="STS.NTestStsKeyId01", ALICLOUD_SECRET_KEY="sts-secret-41c7",
               ALICLOUD_SECURITY_TOKEN="sts-token-e5a0")
    run = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id=KST1), env)
    assert run.rc == 0, run
    assert emulator.requests()[-1]["sts"] is True
    wrong = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id=KST1),
                  dict(env, ALICLOUD_SECURITY_TOKEN="sts-token-other"))
    assert wrong.rc != 0 and "InvalidSecurityToken.Mismatch" in wrong.result["msg"]


def test_the_access_key_id_option_beats_the_environment(scenario, emulator, run_env):
    scenario.install()
    env = dict(run_env, ALIBABA_CLOUD_ACCESS_KEY_ID="LTAIunknownKey999", ALIBABA_CLOUD_ACCESS_KEY_SECRET="x-y-z")
    run = adhoc("kms_quota_info", kms_args(emulator, kms_instance_id=KST1, access_key_id=ALI_KEY,
                                           access_key_secret=ALI_SECRET), env)
    assert run.rc == 0, run
    assert emulator.requests()[-1]["access_key"] == ALI_KEY
