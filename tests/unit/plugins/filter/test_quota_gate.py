# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quota_gate_plan and quota_gate_report filters: a custom gate on one host, as their EXAMPLES write it."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.headroom.cloud.plugins.filter.quota_gate import FilterModule

FILTERS = FilterModule().filters()
plan_of, report_of = FILTERS["quota_gate_plan"], FILTERS["quota_gate_report"]

REQUIREMENTS = [
    dict(name="north db", service="taurusdb", resource_type="instance", region="cn-north-4", need=2),
    dict(name="south db", service="taurusdb", resource_type="instance", region="ap-southeast-1", need=2),
]


def tenant(region, quota, used):
    # Huawei Cloud projects are per region: each region's read resolves its own project id.
    return dict(region=region, project_id=region.replace("-", "").ljust(32, "0"), quotas=[
        dict(resource_type="instance", quota=quota, used=used, available=max(quota - used, 0), unlimited=False,
             usage_percent=None)])


def test_each_target_is_judged_on_its_own_result_in_the_plans_order():
    plan = plan_of(REQUIREMENTS)
    assert [target["args"]["region"] for target in plan["taurusdb"]] == ["cn-north-4", "ap-southeast-1"]
    registered = dict(results=[tenant("cn-north-4", 50, 4), tenant("ap-southeast-1", 50, 49)])
    report = report_of(REQUIREMENTS, plan, taurusdb=registered)
    assert [(c["name"], c["status"]) for c in report["checks"]] == [("north db", "ok"), ("south db", "insufficient")]


def test_one_regions_read_handed_over_for_two_regions_never_passes_the_other():
    # A single read (no targets) has no results list: it must not stand in for a region it did not read.
    report = report_of(REQUIREMENTS, plan_of(REQUIREMENTS), taurusdb=tenant("cn-north-4", 50, 4))
    assert report["passed"] is False
    south = report["checks"][1]
    assert south["status"] == "unknown"
    assert "the read answered for region cn-north-4, not ap-southeast-1" in south["message"]


def test_a_run_that_failed_as_a_whole_is_every_targets_failure():
    failed = dict(failed=True, msg="No credentials for Huawei Cloud")
    report = report_of(REQUIREMENTS, plan_of(REQUIREMENTS), taurusdb=failed)
    assert [c["status"] for c in report["checks"]] == ["unknown", "unknown"]
    assert "quota could not be read: No credentials for Huawei Cloud" in report["checks"][0]["message"]


@pytest.mark.parametrize("settings, problem", [
    (dict(on_unknown="FAIL"), "on_unknown must be one of fail, warn, got 'FAIL'"),
    (dict(on_unknown="warn "), "on_unknown must be one of fail, warn, got 'warn '"),
    (dict(low_percent="twenty"), "low_percent must be a number from 0 to 100, got 'twenty'"),
    (dict(low_percent=101), "low_percent must be a number from 0 to 100, got 101"),
])
def test_a_misspelt_setting_is_refused_never_read_as_warn(settings, problem):
    # The judge blocks on unknown only for on_unknown == "fail": anything else would let a failed read pass.
    with pytest.raises(AnsibleFilterError) as caught:
        report_of(REQUIREMENTS, plan_of(REQUIREMENTS), taurusdb=dict(failed=True, msg="boom"), **settings)
    assert str(caught.value) == "quota_gate_report: %s." % problem


def test_settings_as_strings_from_the_command_line_are_read_as_numbers():
    registered = dict(results=[tenant("cn-north-4", 10, 7), tenant("ap-southeast-1", 10, 0)])
    report = report_of(REQUIREMENTS, plan_of(REQUIREMENTS), taurusdb=registered, low_percent="15")
    assert [c["status"] for c in report["checks"]] == ["low", "ok"]  # 1 of 10 left after: under 15%
