# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's planning and judging, without any cloud."""

from __future__ import annotations

import pytest

from ansible_collections.headroom.cloud.plugins.plugin_utils._gate import (
    GateInputError,
    judge,
    plan,
    plan_play,
    play_report,
    report,
    results_by_target,
)


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


# --- requirements that share a quota are judged on their summed need -------------------------------------------

def keys(name, need, **kw):
    return req(name=name, need=need, **kw)


def one_target_report(requirements, result, **kw):
    """Every requirement reads the same result (whatever its key), as when they name one target."""
    results = dict((key, result) for key in [t["key"] for t in plan(requirements)["kms"]])
    return report(requirements, results, **kw)


def test_two_requirements_that_fit_alone_but_not_together_are_both_insufficient():
    the_report = one_target_report([keys("rollout-a", 3), keys("rollout-b", 3)], kms_result(12, 8))
    assert [c["status"] for c in the_report["checks"]] == ["insufficient", "insufficient"]
    assert the_report["checks"][0]["message"] == ("rollout-a: kms key on kst-abcd1 in cn-hangzhou — need 3 (6 with "
                                                  "rollout-b), used 8 of 12, 4 available (short by 2)")
    assert "need 3 (6 with rollout-a)" in the_report["checks"][1]["message"]
    assert [(c["need_total"], c["shared_with"]) for c in the_report["checks"]] == [(6, ["rollout-b"]), (6, ["rollout-a"])]
    assert the_report["summary"].startswith("Quota gate failed: 2 of 2 requirements cannot be met:")


def test_two_requirements_that_fit_together_pass_with_the_low_warning_on_the_total():
    alone = one_target_report([keys("a", 2)], kms_result(20, 13))
    assert alone["checks"][0]["status"] == "ok"  # 5 of 20 left: 25%
    the_report = one_target_report([keys("a", 2), keys("b", 2)], kms_result(20, 13))
    assert the_report["passed"] is True
    assert [c["status"] for c in the_report["checks"]] == ["low", "low"]  # 3 of 20 left after both: 15%
    assert "need 2 (4 with b), used 13 of 20, 7 available (leaves 15.0% free, under 20%)" in \
        the_report["checks"][0]["message"]


def test_three_requirements_on_one_quota():
    the_report = one_target_report([keys("a", 1), keys("b", 2), keys("c", 3)], kms_result(100, 90))
    assert [c["status"] for c in the_report["checks"]] == ["low", "low", "low"]
    assert "need 2 (6 with a, c), used 90 of 100, 10 available" in the_report["checks"][1]["message"]
    short = one_target_report([keys("a", 1), keys("b", 2), keys("c", 3)], kms_result(100, 95))
    assert short["failures"] and len(short["failures"]) == 3
    assert all("(short by 1)" in c["message"] for c in short["checks"])


def test_a_need_zero_requirement_adds_nothing_and_is_never_the_one_short():
    the_report = one_target_report([keys("a", 3), keys("watch", 0, max_usage_percent=90), keys("b", 3)],
                                   kms_result(12, 8))
    a, watch, b = the_report["checks"]
    assert a["need_total"] == 6 and a["shared_with"] == ["b"]  # the need-0 requirement is not a sharer
    assert a["status"] == b["status"] == "insufficient"
    assert watch["need_total"] == 6
    # Not short itself, but its usage limit is judged on what the others will use: (8 + 6) / 12 > 90%.
    assert watch["status"] == "insufficient" and "usage after creation 116.7% exceeds" in watch["message"]
    calm = one_target_report([keys("a", 1), keys("watch", 0)], kms_result(100, 10))
    assert [c["status"] for c in calm["checks"]] == ["ok", "ok"]


def test_different_resource_types_on_one_target_are_never_summed():
    result = dict(kms_result(12, 8), quotas=kms_result(12, 8)["quotas"] + [dict(
        kms_instance_id="kst-abcd1", resource_type="secret", quota=12, used=8, unlimited=False, available=4)])
    the_report = one_target_report([keys("k", 3), req(name="s", resource_type="secret", need=3)], result)
    assert [(c["status"], c["need_total"], c["shared_with"]) for c in the_report["checks"]] == [
        ("low", 3, []), ("low", 3, [])]


def test_the_same_resource_type_on_different_targets_is_never_summed():
    requirements = [keys("a", 3), keys("b", 3, kms_instance_id="kst-other1")]
    the_plan = plan(requirements)
    results = {the_plan["kms"][0]["key"]: kms_result(12, 8),
               the_plan["kms"][1]["key"]: kms_result(12, 8, instance="kst-other1")}
    the_report = report(requirements, results)
    assert [(c["status"], c["need_total"]) for c in the_report["checks"]] == [("low", 3), ("low", 3)]
    # Same instance id, other region: another quota.
    requirements = [keys("a", 3, region="cn-hangzhou"), keys("b", 3, region="cn-shanghai")]
    the_plan = plan(requirements)
    results = {the_plan["kms"][0]["key"]: kms_result(12, 8),
               the_plan["kms"][1]["key"]: kms_result(12, 8, region="cn-shanghai")}
    assert [c["need_total"] for c in report(requirements, results)["checks"]] == [3, 3]


def test_an_implicit_and_an_explicit_reference_to_one_instance_are_summed():
    requirements = [keys("named", 3), dict(service="kms", resource_type="key", need=3, name="implicit")]
    the_plan = plan(requirements)
    assert len(the_plan["kms"]) == 2  # two reads as planned, one quota as read
    results = {the_plan["kms"][0]["key"]: kms_result(12, 8), the_plan["kms"][1]["key"]: kms_result(12, 8)}
    the_report = report(requirements, results)
    assert [(c["status"], c["need_total"]) for c in the_report["checks"]] == [("insufficient", 6)] * 2


def test_two_reads_of_one_quota_are_judged_on_the_tighter_one():
    requirements = [keys("named", 1), dict(service="kms", resource_type="key", need=1, name="implicit")]
    the_plan = plan(requirements)
    results = {the_plan["kms"][0]["key"]: kms_result(12, 2), the_plan["kms"][1]["key"]: kms_result(12, 11)}
    the_report = report(requirements, results)
    assert [(c["status"], c["available"]) for c in the_report["checks"]] == [("insufficient", 1)] * 2


def test_max_usage_percent_is_judged_on_the_total():
    the_report = one_target_report([keys("a", 5, max_usage_percent=60), keys("b", 5)], kms_result(100, 50))
    assert the_report["checks"][0]["status"] == "ok"  # (50 + 10) / 100 = 60%: at the limit
    over = one_target_report([keys("a", 5, max_usage_percent=59), keys("b", 5)], kms_result(100, 50))
    assert "usage after creation 60.0% exceeds max_usage_percent 59%" in over["checks"][0]["message"]
    assert over["checks"][1]["status"] == "ok"  # b sets no limit, and 40 of 100 stay free


def test_an_unlimited_shared_quota_is_ok():
    the_report = one_target_report([keys("a", 10 ** 6), keys("b", 10 ** 6)], kms_result(-1, 5))
    assert [c["status"] for c in the_report["checks"]] == ["ok", "ok"]
    assert "need 1000000 (2000000 with b), unlimited quota (5 used)" in the_report["checks"][0]["message"]


# --- play scope: every host's requirements judged together -------------------------------------------------------

def share(host, requirements, connection="acct-1"):
    return dict(host=host, requirements=requirements, plan=plan(requirements),
                connection=dict(kms=connection, taurusdb=connection))


def run_play(shares, result_for):
    """plan_play, then each reading host 'reads' with ``result_for(connection, target)``, then play_report."""
    reads = plan_play(shares)
    for item in filter(None, shares):
        item["reads"] = reads[item["host"]]
        item["results"] = dict((service, {"results": [result_for(item["connection"][service], t) for t in targets]})
                               for service, targets in item["reads"].items())
    return reads, play_report(shares)


def test_play_scope_reads_each_target_once_and_sums_across_hosts():
    shares = [share(host, [keys("app key", 2)]) for host in ("web1", "web2", "web3")]
    reads, the_report = run_play(shares, lambda connection, target: kms_result(12, 8))
    assert [len(reads[h]["kms"]) for h in ("web1", "web2", "web3")] == [1, 0, 0]
    assert the_report["passed"] is False
    assert [(c["host"], c["status"], c["need_total"]) for c in the_report["checks"]] == [
        ("web1", "insufficient", 6), ("web2", "insufficient", 6), ("web3", "insufficient", 6)]
    assert the_report["checks"][0]["message"] == (
        "web1: app key: kms key on kst-abcd1 in cn-hangzhou — need 2 (6 with web2: app key, web3: app key), "
        "used 8 of 12, 4 available (short by 2)")


def test_play_scope_reads_per_account_and_never_sums_other_accounts_quotas():
    shares = [share("web1", [keys("k", 2)], "acct-1"), share("web2", [keys("k", 2)], "acct-1"),
              share("db1", [keys("k", 2, kms_instance_id="kst-other1")], "acct-2")]
    seen = []

    def read(connection, target):
        seen.append(connection)
        return kms_result(20, 14, instance=target["args"]["kms_instance_id"])

    reads, the_report = run_play(shares, read)
    assert sorted(seen) == ["acct-1", "acct-2"]  # one read per account's target, by that account's first host
    assert [len(reads[h]["kms"]) for h in ("web1", "web2", "db1")] == [1, 0, 1]
    assert [(c["host"], c["status"], c["need_total"]) for c in the_report["checks"]] == [
        ("web1", "low", 4), ("web2", "low", 4), ("db1", "ok", 2)]


def test_play_scope_sums_hosts_that_reach_one_quota_with_other_settings():
    # Two connection ids (say one host names an endpoint, the other uses the default one): two reads,
    # but the reads resolve to the same instance, so it is one quota and the needs add up.
    shares = [share("web1", [keys("k", 2)], "settings-a"), share("web2", [keys("k", 2)], "settings-b")]
    reads, the_report = run_play(shares, lambda connection, target: kms_result(12, 8))
    assert [len(reads[h]["kms"]) for h in ("web1", "web2")] == [1, 1]
    assert [(c["status"], c["need_total"]) for c in the_report["checks"]] == [("low", 4), ("low", 4)]
    short = [share("web1", [keys("k", 3)], "settings-a"), share("web2", [keys("k", 3)], "settings-b")]
    assert run_play(short, lambda connection, target: kms_result(12, 8))[1]["passed"] is False


def test_a_read_that_answered_for_another_quota_is_never_judged():
    # An enterprise_project in the play's module defaults reaches a read the requirement meant for the tenant.
    plain = [dict(name="db", service="taurusdb", resource_type="instance", need=3)]
    check = report(plain, {"taurusdb||": ep_result()})["checks"][0]
    assert check["status"] == "unknown"
    assert "answered for enterprise project payments" in check["message"]
    other = [dict(name="db", service="taurusdb", resource_type="instance", need=3, enterprise_project="analytics")]
    assert report(other, {"taurusdb|||analytics": ep_result()})["checks"][0]["status"] == "unknown"
    wrong_instance = report([keys("k", 1)], {"kms||kst-abcd1": kms_result(12, 0, instance="kst-zzzz9")})
    assert "answered for KMS instance kst-zzzz9" in wrong_instance["checks"][0]["message"]


def test_host_scope_judges_each_host_alone_on_reads_shared_across_the_play():
    shares = [share(host, [keys("app key", 2)]) for host in ("web1", "web2", "web3")]
    reads, unused = run_play(shares, lambda connection, target: kms_result(12, 8))
    assert [len(reads[h]["kms"]) for h in ("web1", "web2", "web3")] == [1, 0, 0]  # web1 reads for all three
    reports = play_report(shares, by_host=True)
    assert sorted(reports) == ["web1", "web2", "web3"]
    for host in ("web1", "web2", "web3"):
        the_report = reports[host]
        assert the_report["passed"] is True
        assert [(c["status"], c["need_total"], c["shared_with"]) for c in the_report["checks"]] == [("low", 2, [])]
        assert "host" not in the_report["checks"][0]
        assert the_report["checks"][0]["message"] == (
            "app key: kms key on kst-abcd1 in cn-hangzhou — need 2, used 8 of 12, 4 available (leaves 16.7% free, "
            "under 20%)")


def test_host_scope_still_sums_one_hosts_own_requirements_and_uses_its_own_accounts_read():
    shares = [share("web1", [keys("a", 3), keys("b", 3)], "acct-1"),
              share("db1", [keys("c", 3, kms_instance_id="kst-other1")], "acct-2")]

    def read(connection, target):
        return kms_result(12, 8 if connection == "acct-1" else 0, instance=target["args"]["kms_instance_id"])

    run_play(shares, read)
    reports = play_report(shares, by_host=True)
    web1, db1 = reports["web1"], reports["db1"]
    assert [(c["status"], c["need_total"]) for c in web1["checks"]] == [("insufficient", 6), ("insufficient", 6)]
    assert [(c["status"], c["available"], c["need_total"]) for c in db1["checks"]] == [("ok", 12, 3)]


def test_play_scope_skips_hosts_without_a_share():
    shares = [share("web1", [keys("k", 1)]), None]
    reads, the_report = run_play(shares, lambda connection, target: kms_result(12, 0))
    assert list(reads) == ["web1"] and the_report["passed"] is True


def test_the_role_argument_spec_lists_exactly_the_services_resource_types():
    import yaml
    from pathlib import Path

    from ansible_collections.headroom.cloud.plugins.module_utils._quota import RESOURCE_TYPES
    from ansible_collections.headroom.cloud.plugins.modules import kms_quota_info, taurusdb_quota_info

    spec = yaml.safe_load((Path(__file__).resolve().parents[4] / "roles" / "quota_gate" / "meta" /
                           "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]["quota_gate_requirements"]["options"]
    assert options["resource_type"]["choices"] == [t for service in ("kms", "taurusdb") for t in RESOURCE_TYPES[service]]
    assert options["service"]["choices"] == list(RESOURCE_TYPES)
    for module, service in ((kms_quota_info.KmsQuotaInfo, "kms"), (taurusdb_quota_info.TaurusdbQuotaInfo, "taurusdb")):
        assert module.argument_spec["resource_types"]["choices"] == list(RESOURCE_TYPES[service])


# --- TaurusDB: enterprise-project quotas and requirements given by flavor -------------------------------------

FLAVOR = "gaussdb.mysql.4xlarge.x86.4"


def ep_result(instances=(10, 2), vcpus=(100, 60), ram=(400, 100), flavors=None, region="cn-north-4"):
    records = [dict(resource_type=rt, quota=q, used=u, available=q - u, unlimited=False, enterprise_project_id="ep-1",
                    enterprise_project_name="payments")
               for rt, (q, u) in (("instance", instances), ("vcpus", vcpus), ("ram", ram))]
    return dict(region=region, project_id="p" * 32, enterprise_project=dict(id="ep-1", name="payments"),
                quotas=records, flavors=flavors if flavors is not None else [
                    dict(spec_code=FLAVOR, found=True, vcpus=16, ram=64)])


def db(**kw):
    base = dict(name="db", service="taurusdb", flavor=FLAVOR, nodes=2, need=2, enterprise_project="payments")
    base.update(kw)
    return base


def tenant_result(quota=50, used=4, region="cn-north-4"):
    """What the tenant's read (project-quotas) answers: its instance quota."""
    return dict(region=region, project_id="p" * 32, quotas=[dict(
        resource_type="instance", quota=quota, used=used, available=max(quota - used, 0), unlimited=False)])


TENANT = "taurusdb||"  # the key of the tenant's read in the default region


def test_a_flavor_requirement_checks_instances_vcpus_and_ram_each_on_its_own_line():
    requirements = [db()]
    the_plan = plan(requirements)
    assert the_plan["taurusdb"] == [dict(key="taurusdb|||payments", args=dict(enterprise_project="payments",
                                                                              flavors=[FLAVOR])),
                                    dict(key=TENANT, args={})]
    the_report = report(requirements, {"taurusdb|||payments": ep_result(), TENANT: tenant_result()})
    checks = the_report["checks"]
    assert [(c["resource_type"], c["need"], c["status"]) for c in checks] == [
        ("instance", 2, "ok"), ("vcpus", 64, "insufficient"), ("ram", 256, "low"), ("instance", 2, "ok")]
    assert checks[1]["message"] == ("db: taurusdb vcpus in enterprise project payments in cn-north-4 — need 64 vCPUs "
                                    "(2 instances × 2 nodes × 16), used 60 of 100, 40 available (short by 24)")
    assert "need 256 GB RAM (2 instances × 2 nodes × 64 GB), used 100 of 400, 300 available" in checks[2]["message"]
    assert checks[0]["message"].endswith("need 2 instances, used 2 of 10, 8 available")
    assert checks[3]["message"] == (
        "db: taurusdb instance in project %s in cn-north-4 (the tenant's quota, which enterprise project payments "
        "counts against) — need 2, used 4 of 50, 46 available" % ("p" * 32))
    assert the_report["failures"] == [checks[1]["message"]]


def test_an_enterprise_project_with_room_does_not_hide_a_full_tenant_quota():
    # The enterprise project has 8 instances left, the tenant none: the create would fail, so the gate must.
    requirements = [dict(name="db", service="taurusdb", resource_type="instance", need=1, enterprise_project="payments",
                         max_usage_percent=50)]
    the_report = report(requirements, {"taurusdb|||payments": ep_result(), TENANT: tenant_result(50, 50)})
    assert [(c["status"], c["enterprise_project"]) for c in the_report["checks"]] == [
        ("ok", "payments"), ("insufficient", None)]
    assert the_report["failures"][0].endswith("need 1, used 50 of 50, 0 available (short by 1)")


def test_the_tenant_check_is_summed_with_the_tenants_own_requirements_and_read_once():
    requirements = [db(need=1), dict(name="plain", service="taurusdb", resource_type="instance", need=46)]
    assert [t["key"] for t in plan(requirements)["taurusdb"]] == ["taurusdb|||payments", TENANT]
    checks = report(requirements, {"taurusdb|||payments": ep_result(), TENANT: tenant_result(50, 4)})["checks"]
    tenant = [c for c in checks if c["resource_type"] == "instance" and c["enterprise_project"] is None]
    assert [(c["name"], c["need_total"], c["status"]) for c in tenant] == [
        ("db", 47, "insufficient"), ("plain", 47, "insufficient")]  # each fits alone in the 46 left


def test_a_tenant_check_fails_closed_when_the_tenants_read_fails():
    checks = report([db()], {"taurusdb|||payments": ep_result(), TENANT: dict(failed=True, msg="APIGW.0301")})["checks"]
    assert checks[3]["status"] == "unknown" and checks[3]["message"].endswith("quota could not be read: APIGW.0301")


def test_nodes_have_no_default_because_the_create_call_has_none():
    with pytest.raises(GateInputError) as caught:
        plan([db(nodes=None)])
    assert "nodes is missing: with flavor, give the nodes per instance" in str(caught.value)
    the_report = report([db(nodes=3, need=1)], {"taurusdb|||payments": ep_result()})
    assert the_report["checks"][1]["need"] == 48  # 1 instance × 3 nodes × 16 vCPUs


def test_an_unknown_flavor_is_unknown_naming_flavor_and_region_never_a_guess():
    result = ep_result(flavors=[dict(spec_code=FLAVOR, found=False, vcpus=None, ram=None)])
    checks = report([db()], {"taurusdb|||payments": result, TENANT: tenant_result()})["checks"]
    assert [c["status"] for c in checks] == ["ok", "unknown", "unknown", "ok"]
    assert checks[1]["message"].endswith("quota could not be read: flavor %s is not offered in cn-north-4" % FLAVOR)


def test_a_flavor_is_looked_up_once_per_region():
    requirements = [db(), db(name="db2", enterprise_project="analytics"), db(name="db3", region="ap-southeast-1")]
    targets = plan(requirements)["taurusdb"]
    assert [(t["key"], t["args"].get("flavors")) for t in targets] == [
        ("taurusdb|||payments", [FLAVOR]), (TENANT, None), ("taurusdb|||analytics", None),
        ("taurusdb|ap-southeast-1||payments", [FLAVOR]), ("taurusdb|ap-southeast-1|", None)]
    results = {"taurusdb|||payments": ep_result(), "taurusdb|||analytics": ep_result(flavors=[]),
               "taurusdb|ap-southeast-1||payments": ep_result(region="ap-southeast-1"), TENANT: tenant_result(),
               "taurusdb|ap-southeast-1|": tenant_result(region="ap-southeast-1")}
    results["taurusdb|||analytics"]["quotas"] = [dict(r, enterprise_project_id="ep-2", enterprise_project_name="analytics")
                                                 for r in results["taurusdb|||analytics"]["quotas"]]
    checks = report(requirements, results)["checks"]
    # db2 reads another enterprise project but finds the flavor that db's read looked up in the same region.
    assert [(c["name"], c["resource_type"], c["need"]) for c in checks[4:8]] == [
        ("db2", "instance", 2), ("db2", "vcpus", 64), ("db2", "ram", 256), ("db2", "instance", 2)]
    assert checks[7]["need_total"] == 4  # db and db2 both create their instances in the tenant's project
    assert checks[1]["need_total"] == 64  # another enterprise project's vCPUs are another quota


def test_play_scope_looks_a_flavor_up_once_per_account_and_region():
    # Two hosts, one flavor, one region, different enterprise projects: one lookup for the play.
    shares = [share("db1", [db()]), share("db2", [db(name="db2", enterprise_project="analytics")]),
              share("db3", [db(name="db3")], connection="acct-2")]

    def result_for(connection, target):
        if "enterprise_project" not in target["args"]:
            return tenant_result()
        asked, name = target["args"].get("flavors", []), target["args"]["enterprise_project"]
        result = ep_result(flavors=[dict(spec_code=f, found=True, vcpus=16, ram=64) for f in asked])
        result["quotas"] = [dict(r, enterprise_project_id="ep-" + name, enterprise_project_name=name)
                            for r in result["quotas"]]
        return result
    reads, the_report = run_play(shares, result_for)
    assert [[t["args"].get("flavors") for t in reads[h]["taurusdb"]] for h in ("db1", "db2", "db3")] == [
        [[FLAVOR], None], [None], [[FLAVOR], None]]  # another account looks it up with its own credentials
    assert [(c["host"], c["resource_type"], c["need"]) for c in the_report["checks"] if c["host"] == "db2"] == [
        ("db2", "instance", 2), ("db2", "vcpus", 64), ("db2", "ram", 256), ("db2", "instance", 2)]


def test_flavor_needs_on_one_enterprise_project_are_summed():
    results = {"taurusdb|||payments": ep_result(vcpus=(100, 30)), TENANT: tenant_result()}
    checks = report([db(need=1), db(name="db2", need=1)], results)["checks"]
    vcpus = [c for c in checks if c["resource_type"] == "vcpus"]
    assert [(c["need"], c["need_total"], c["status"]) for c in vcpus] == [(32, 64, "low"), (32, 64, "low")]
    assert "need 32 vCPUs (1 instance × 2 nodes × 16) (64 with db2)" in vcpus[0]["message"]


@pytest.mark.parametrize("requirement, problem", [
    (dict(service="taurusdb", resource_type="vcpus", need=8), "resource_type vcpus exists per enterprise project"),
    (dict(service="taurusdb", flavor=FLAVOR, resource_type="vcpus"), "give resource_type or flavor, not both"),
    (dict(service="kms", flavor=FLAVOR), "flavor belongs to taurusdb requirements, not kms"),
    (dict(service="taurusdb", flavor=FLAVOR, nodes=0), "nodes must be 1 or more, got 0"),
    (dict(service="taurusdb", flavor=FLAVOR, nodes=2), "flavor needs enterprise_project: vCPU and RAM quotas exist"),
    (dict(service="taurusdb", resource_type="instance", nodes=2), "nodes goes with flavor"),
    (dict(service="taurusdb"), "resource_type is missing (or, for taurusdb, give a flavor)"),
    (dict(service="kms", resource_type="key", enterprise_project="x"), "enterprise_project belongs to taurusdb"),
])
def test_flavor_and_enterprise_project_rules(requirement, problem):
    with pytest.raises(GateInputError) as caught:
        plan([requirement])
    assert problem in str(caught.value)


def test_plain_vcpus_requirements_with_an_explicit_need_work():
    checks = report([dict(service="taurusdb", resource_type="vcpus", need=41, enterprise_project="payments")],
                    {"taurusdb|||payments": ep_result()})["checks"]
    assert checks[0]["status"] == "insufficient" and checks[0]["message"].endswith("(short by 1)")
