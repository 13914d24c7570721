# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's planning and judging, without any cloud."""

from __future__ import annotations

import pytest

from ansible_collections.headroom.cloud.plugins.module_utils._gate import GateInputError, judge, plan, report, results_by_target


def kms_result(quota, used, instance="kst-abcd1", region="cn-hangzhou", instances=None):
    unlimited = quota == -1
    return dict(region=region, kms_instance_ids=instances or [instance], quotas=[dict(
        kms_instance_id=instance, resource_type="key", quota=quota, used=used, unlimited=unlimited,
        available=None if unlimited else max(quota - used, 0), usage_percent=None)])


def req(**kw):
    base = dict(service="kms", resource_type="key", kms_instance_id="kst-abcd1", need=1)
    base.update(kw)
    return base


@pytest.mark.parametrize("quota, used, need, limit, status", [
    (100, 10, 5, None, "ok"),
    (100, 10, 90, None, "low"),        # exact fit: nothing left
    (100, 10, 91, None, "insufficient"),
    (100, 75, 5, None, "ok"),          # leaves 20% free: not under 20%
    (100, 76, 5, None, "low"),         # leaves 19%
    (100, 10, 5, 15, "ok"),            # 15% after creation: at the limit
    (100, 10, 6, 15, "insufficient"),  # 16% after creation
    (5, 9, 0, None, "low"),            # quota lowered below usage, nothing asked
    (5, 9, 1, None, "insufficient"),
    (0, 0, 1, None, "insufficient"),
    (-1, 10 ** 6, 10 ** 6, 50, "ok"),  # unlimited is always ok, even with a usage limit
])
def test_statuses(quota, used, need, limit, status):
    got, unused_record, detail = judge(req(need=need, max_usage_percent=limit), kms_result(quota, used), 20)
    assert got == status, detail


def test_short_by_is_in_the_message():
    unused_status, unused_record, detail = judge(req(need=3), kms_result(12, 10), 20)
    assert detail == "need 3, used 10 of 12, 2 available (short by 1)"


def test_failed_read_is_unknown_with_the_module_message():
    status, unused_record, detail = judge(req(), {"failed": True, "msg": "X failed: Throttling.User. Request id: R1."}, 20)
    assert status == "unknown" and "Throttling.User. Request id: R1." in detail


def test_a_result_without_quotas_is_unknown_never_guessed():
    status, unused_record, detail = judge(req(), {"changed": False, "skipped": True}, 20)
    assert status == "unknown" and detail == "quota could not be read: the quota was not read"


def test_plan_reads_each_target_once_and_keeps_only_naming_args():
    requirements = [req(), req(resource_type="secret"), req(kms_instance_id="kst-other1"),
                    dict(service="taurusdb", resource_type="instance", region="cn-north-4"),
                    dict(service="taurusdb", resource_type="instance", region="cn-north-4", need=3, name="x")]
    targets = plan(requirements)
    assert [t["args"] for t in targets["kms"]] == [{"kms_instance_id": "kst-abcd1"}, {"kms_instance_id": "kst-other1"}]
    assert [t["args"] for t in targets["taurusdb"]] == [{"region": "cn-north-4"}]


def test_batch_results_are_matched_to_targets_in_order_and_a_whole_failure_reaches_each():
    the_plan = plan([req(), req(kms_instance_id="kst-other1"), dict(service="taurusdb", resource_type="instance")])
    ok, failed = kms_result(12, 1), dict(failed=True, msg="GetKmsInstanceQuotaInfos failed: X")
    mapped = results_by_target(the_plan, {"kms": {"results": [ok, failed]},
                                          "taurusdb": {"failed": True, "msg": "no credentials"}})
    keys = [t["key"] for t in the_plan["kms"] + the_plan["taurusdb"]]
    assert [mapped[k] for k in keys] == [ok, failed, {"failed": True, "msg": "no credentials"}]


def test_plan_lists_every_bad_requirement_at_once():
    with pytest.raises(GateInputError) as caught:
        plan([req(need=-2), dict(service="taurusdb", resource_type="qps", max_usage_percent=101)])
    text = str(caught.value)
    assert "quota_gate_requirements[0]: need must be 0 or more, got -2" in text
    assert "quota_gate_requirements[1]: resource_type 'qps' is not a taurusdb resource type" in text
    assert "max_usage_percent must be between 0 and 100, got 101" in text


def test_report_passes_with_unknown_only_when_told_to_warn():
    requirements = [req(name="a")]
    results = {}
    assert report(requirements, results, on_unknown="fail")["passed"] is False
    warned = report(requirements, results, on_unknown="warn")
    assert warned["passed"] is True and warned["checks"][0]["status"] == "unknown"


def test_need_defaults_to_one_and_strings_are_numbers():
    key = plan([dict(service="kms", resource_type="key", kms_instance_id="kst-abcd1")])["kms"][0]["key"]
    result = report([dict(service="kms", resource_type="key", kms_instance_id="kst-abcd1", need="2")],
                    {key: kms_result(12, 10)})
    assert result["checks"][0]["need"] == 2 and result["checks"][0]["status"] == "low"
