# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' ``targets`` option: several targets in one call, each with its own result."""

from __future__ import annotations

from conftest import HW_PROJECT, adhoc, ali_env, hw_env

SG_PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def test_kms_targets_are_read_concurrently_and_a_bad_one_does_not_hide_the_others(scenario, emulator, run_env):
    scenario["defaults"] = {"latency_ms": 300}
    scenario.install()
    endpoint = emulator.kms_endpoint("cn-hangzhou")
    start_targets = [{"kms_instance_id": "kst-hzz0001demo"}, {"kms_instance_id": "kst-ghost0001"},
                     {"kms_instance_id": "kst-hzz0002demo"},
                     {"region": "cn-shanghai", "endpoint": emulator.kms_endpoint("cn-shanghai"),
                      "kms_instance_id": "kst-sha0001demo"}]
    run = adhoc("kms_quota_info", dict(region="cn-hangzhou", endpoint=endpoint, resource_types=["key"],
                                       targets=start_targets), ali_env(run_env, emulator))
    assert run.rc != 0  # one target failed, so the call fails ...
    results = run.result["results"]  # ... but every target has its own answer, in order
    assert [r.get("failed", False) for r in results] == [False, True, False, False]
    assert results[0]["quotas"][0]["available"] == 2
    assert "Forbidden.DKMSInstanceNotFound" in results[1]["msg"] and results[1]["error"]["request_id"]
    assert results[3]["region"] == "cn-shanghai" and results[3]["quotas"][0]["used"] == 120
    assert run.result["msg"].startswith("1 of 4 targets could not be read: GetKmsInstanceQuotaInfos for kst-ghost0001")
    calls = emulator.requests()
    assert len(calls) == 4
    # Concurrent: the four 300 ms replies overlapped instead of queuing one after another.
    span = max(c["ts"] for c in calls) - min(c["ts"] for c in calls)
    assert span < 0.6, span


def test_taurusdb_targets_in_two_regions(scenario, emulator, run_env):
    scenario.install()
    run = adhoc("taurusdb_quota_info", dict(region="cn-north-4", endpoint=emulator.url,
                                            targets=[{"region": "cn-north-4"}, {"region": "ap-southeast-1"}]),
                hw_env(run_env, emulator))
    assert run.rc == 0, run
    results = run.result["results"]
    assert [(r["region"], r["project_id"]) for r in results] == [("cn-north-4", HW_PROJECT),
                                                                 ("ap-southeast-1", SG_PROJECT)]
    assert results[1]["quotas"][0]["available"] == 1
    assert sorted(c["operation"] for c in emulator.requests()) == ["IAM.ListProjects"] * 2 + [
        "ShowGaussMySqlProjectQuotas"] * 2
