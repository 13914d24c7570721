# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's verdict, without any cloud: each rule of _judge.py on module results as the modules return them."""

from __future__ import annotations

import pytest

from ansible_collections.headroom.cloud.plugins.plugin_utils._judge import judge, warnings
from ansible_collections.headroom.cloud.tests.unit.plugins.plugin_utils.gate_helpers import (
    FLAVOR,
    PROJECT,
    cloud,
    db,
    ep_result,
    flavor_result,
    gate,
    keys,
    kms_result,
    plan_host,
    play,
    record,
    statuses,
    tenant_result,
)


def kms(quota, used, **kw):
    return cloud(kms=kms_result(quota, used, **kw))


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
    report = gate([keys("k", need, max_usage_percent=limit)], kms(quota, used))
    assert report["checks"][0]["status"] == status, report["checks"][0]["message"]


def test_short_by_and_what_must_be_freed_first_are_in_the_message():
    assert gate([keys("k", 3)], kms(12, 10))["checks"][0]["message"] == (
        "k: kms key on kst-abcd1 in cn-hangzhou — need 3, used 10 of 12, 2 available (short by 1)")
    over = gate([keys("k", 1)], kms(12, 15))["checks"][0]["message"]
    assert over.endswith("need 1, used 15 of 12, 0 available (short by 1 — 3 over quota, to be freed first)")


def test_a_failed_read_is_unknown_with_the_modules_message_and_blocks_unless_told_to_warn():
    failed = cloud(kms=dict(failed=True, msg="GetKmsInstanceQuotaInfos failed: Throttling.User. Request id: R1."))
    report = gate([keys("k", 1)], failed)
    assert statuses(report) == [("k", "key", "unknown")] and report["passed"] is False
    assert report["checks"][0]["message"].endswith("quota could not be read: GetKmsInstanceQuotaInfos failed: "
                                                   "Throttling.User. Request id: R1.")
    warned = gate([keys("k", 1)], failed, on_unknown="warn")
    assert warned["passed"] is True and warnings(warned, "warn") == ["quota unknown: " + warned["checks"][0]["message"]]
    assert warnings(report, "fail") == []


@pytest.mark.parametrize("result", [{"changed": False, "skipped": True}, None, "text", {"quotas": "x", "failed": True}])
def test_anything_that_is_not_a_quota_result_is_unknown_never_guessed(result):
    report = gate([keys("k", 1)], cloud(kms=result))
    assert report["checks"][0]["status"] == "unknown"


def test_a_read_of_the_region_with_one_unreadable_instance_never_judges_an_implicit_requirement():
    # The healthy instance must not pass for "the region's only instance": the region has two.
    result = kms_result(12, 0, instances=["kst-abcd1"], unreadable_instances=[dict(
        kms_instance_id="kst-bad01", msg="kst-bad01: Forbidden.DKMSInstanceStateInvalid")])
    report = gate([dict(service="kms", resource_type="key", name="k")], cloud(kms=result))
    assert report["checks"][0]["status"] == "unknown"
    assert "the region has 2 KMS instances (kst-abcd1, kst-bad01): set kms_instance_id" in report["checks"][0]["message"]
    only_bad = dict(kms_result(12, 0), kms_instance_ids=[], quotas=[], unreadable_instances=[dict(
        kms_instance_id="kst-bad01", msg="kst-bad01: Forbidden.DKMSInstanceStateInvalid")])
    report = gate([dict(service="kms", resource_type="key", name="k")], cloud(kms=only_bad))
    assert report["checks"][0]["message"].endswith("quota could not be read: kst-bad01: Forbidden.DKMSInstanceStateInvalid")


def test_a_read_that_answered_for_another_quota_is_never_judged():
    # An enterprise_project in the play's module defaults reaches a read the requirement meant for the tenant.
    plain = [dict(name="db", service="taurusdb", resource_type="instance", need=3)]
    check = gate(plain, cloud(tenant=ep_result()))["checks"][0]
    assert check["status"] == "unknown" and "answered for enterprise project payments" in check["message"]
    other = [dict(name="db", service="taurusdb", resource_type="instance", need=3, enterprise_project="analytics")]
    assert gate(other, cloud(enterprise=ep_result()))["checks"][0]["status"] == "unknown"
    wrong = gate([keys("k", 1)], cloud(kms=kms_result(12, 0, instance="kst-zzzz9")))["checks"][0]
    assert wrong["status"] == "unknown" and "did not report a key quota for kst-abcd1" in wrong["message"]


# --- needs on one quota are summed -------------------------------------------------------------------------------

def test_two_requirements_that_fit_alone_but_not_together_are_both_insufficient():
    report = gate([keys("rollout-a", 3), keys("rollout-b", 3)], kms(12, 8))
    assert [c["status"] for c in report["checks"]] == ["insufficient", "insufficient"]
    assert report["checks"][0]["message"] == ("rollout-a: kms key on kst-abcd1 in cn-hangzhou — need 3 (6 with "
                                              "rollout-b), used 8 of 12, 4 available (short by 2)")
    assert [(c["need_total"], c["shared_with"]) for c in report["checks"]] == [(6, ["rollout-b"]), (6, ["rollout-a"])]
    assert report["summary"].startswith("Quota gate failed: 2 of 2 requirements cannot be met:")


def test_needs_that_fit_together_pass_with_the_low_warning_on_the_total():
    assert gate([keys("a", 2)], kms(20, 13))["checks"][0]["status"] == "ok"  # 5 of 20 left: 25%
    report = gate([keys("a", 2), keys("b", 2)], kms(20, 13))
    assert report["passed"] is True and [c["status"] for c in report["checks"]] == ["low", "low"]
    assert "need 2 (4 with b), used 13 of 20, 7 available (leaves 15.0% free, under 20%)" in report["checks"][0]["message"]


def test_a_need_zero_requirement_adds_nothing_and_is_never_the_one_short():
    a, watch, b = gate([keys("a", 3), keys("watch", 0, max_usage_percent=90), keys("b", 3)], kms(12, 8))["checks"]
    assert a["need_total"] == 6 and a["shared_with"] == ["b"]
    assert a["status"] == b["status"] == "insufficient"
    # Not short itself, but its usage limit is judged on what the others will use: (8 + 6) / 12 > 90%.
    assert watch["status"] == "insufficient" and "usage after creation 116.7% exceeds" in watch["message"]


def test_max_usage_percent_is_judged_on_the_total():
    assert gate([keys("a", 5, max_usage_percent=60), keys("b", 5)], kms(100, 50))["checks"][0]["status"] == "ok"
    over = gate([keys("a", 5, max_usage_percent=59), keys("b", 5)], kms(100, 50))["checks"]
    assert "usage after creation 60.0% exceeds max_usage_percent 59%" in over[0]["message"]
    assert over[1]["status"] == "ok"


def test_an_unlimited_shared_quota_is_ok():
    report = gate([keys("a", 10 ** 6), keys("b", 10 ** 6)], kms(-1, 5))
    assert [c["status"] for c in report["checks"]] == ["ok", "ok"]
    assert "need 1000000 (2000000 with b), unlimited quota (5 used)" in report["checks"][0]["message"]


def test_different_resource_types_and_different_instances_are_never_summed():
    both = kms_result(12, 8)
    both["quotas"].append(record("secret", 12, 8, kms_instance_id="kst-abcd1"))
    report = gate([keys("k", 3), keys("s", 3, resource_type="secret")], cloud(kms=both))
    assert [(c["status"], c["need_total"]) for c in report["checks"]] == [("low", 3), ("low", 3)]

    def by_instance(target):
        return kms_result(12, 8, instance=target["kms_instance_id"])
    report = gate([keys("a", 3), keys("b", 3, kms_instance_id="kst-other1")], cloud(kms=by_instance))
    assert [(c["status"], c["need_total"]) for c in report["checks"]] == [("low", 3), ("low", 3)]


def test_a_quota_is_identified_by_the_ids_the_read_resolved_not_by_labels_given_beside_them():
    # Rule 2. An implicit and an explicit reference to the region's only instance are one quota, and so are
    # two region labels for one instance id (ids are unique by themselves) ...
    report = gate([keys("named", 3), dict(service="kms", resource_type="key", need=3, name="implicit")], kms(12, 8))
    assert [(c["status"], c["need_total"]) for c in report["checks"]] == [("insufficient", 6)] * 2

    def answer(target):
        return kms_result(12, 8, region=target.get("region", "cn-hangzhou"))
    report = gate([keys("a", 3, region="cn-hangzhou"), keys("b", 3, region="cn-shanghai")], cloud(kms=answer))
    assert [c["need_total"] for c in report["checks"]] == [6, 6]
    # ... and an enterprise project named by its name and by its id is one quota.
    by_name, by_id = dict(service="taurusdb", resource_type="vcpus", need=30, enterprise_project="payments"), dict(
        service="taurusdb", resource_type="vcpus", need=30, enterprise_project="ep-payments")
    report = gate([by_name, by_id], cloud(enterprise=ep_result()))
    assert [(c["status"], c["need_total"]) for c in report["checks"]] == [("insufficient", 60)] * 2


def test_two_reads_of_one_quota_are_judged_on_the_tighter_one():
    def answer(target):
        return kms_result(12, 2 if target.get("kms_instance_id") else 11)
    report = gate([keys("named", 1), dict(service="kms", resource_type="key", need=1, name="implicit")],
                  cloud(kms=answer))
    assert [(c["status"], c["available"]) for c in report["checks"]] == [("insufficient", 1)] * 2


# --- TaurusDB: enterprise projects, the tenant's quota and flavors -----------------------------------------------

def test_a_flavor_requirement_checks_instances_vcpus_and_ram_each_on_its_own_line():
    report = gate([db()], cloud(enterprise=ep_result()))
    checks = report["checks"]
    assert [(c["resource_type"], c["need"], c["status"]) for c in checks] == [
        ("instance", 2, "ok"), ("vcpus", 64, "insufficient"), ("ram", 256, "low"), ("instance", 2, "ok")]
    assert checks[1]["message"] == ("db: taurusdb vcpus in enterprise project payments in cn-north-4 — need 64 vCPUs "
                                    "(2 instances × 2 nodes × 16), used 60 of 100, 40 available (short by 24)")
    assert "need 256 GB RAM (2 instances × 2 nodes × 64 GB), used 100 of 400, 300 available" in checks[2]["message"]
    assert checks[0]["message"].endswith("need 2 instances, used 2 of 10, 8 available")
    assert checks[3]["message"] == (
        "db: taurusdb instance in project %s in cn-north-4 (the tenant's quota, which enterprise project payments "
        "counts against) — need 2, used 4 of 50, 46 available" % PROJECT)
    assert report["failures"] == [checks[1]["message"]]


def test_an_enterprise_project_with_room_does_not_hide_a_full_tenant_quota():
    requirement = dict(name="db", service="taurusdb", resource_type="instance", need=1, enterprise_project="payments",
                       max_usage_percent=50)
    report = gate([requirement], cloud(enterprise=ep_result(), tenant=tenant_result(50, 50)))
    assert [(c["status"], c["enterprise_project"]) for c in report["checks"]] == [
        ("ok", "payments"), ("insufficient", None)]


def test_the_tenant_check_is_summed_with_the_tenants_own_requirements():
    requirements = [db(need=1), dict(name="plain", service="taurusdb", resource_type="instance", need=46)]
    checks = gate(requirements, cloud(enterprise=ep_result(), tenant=tenant_result(50, 4)))["checks"]
    tenant = [c for c in checks if c["resource_type"] == "instance" and c["enterprise_project"] is None]
    assert [(c["name"], c["need_total"], c["status"]) for c in tenant] == [
        ("db", 47, "insufficient"), ("plain", 47, "insufficient")]  # each fits alone in the 46 left


def test_flavor_needs_on_one_enterprise_project_are_summed():
    checks = gate([db(need=1), db(name="db2", need=1)], cloud(enterprise=ep_result(vcpus=(100, 30))))["checks"]
    vcpus = [c for c in checks if c["resource_type"] == "vcpus"]
    assert [(c["need"], c["need_total"], c["status"]) for c in vcpus] == [(32, 64, "low"), (32, 64, "low")]
    assert "need 32 vCPUs (1 instance × 2 nodes × 16) (64 with db2)" in vcpus[0]["message"]


def test_an_unknown_flavor_is_unknown_naming_flavor_and_region():
    checks = gate([db()], cloud(enterprise=ep_result(), flavor=flavor_result(found=False)))["checks"]
    assert [c["status"] for c in checks] == ["ok", "unknown", "unknown", "ok"]
    assert checks[1]["message"].endswith("quota could not be read: flavor %s is not offered in cn-north-4" % FLAVOR)


def test_one_targets_failure_never_hides_another_targets_shortfall():
    # Rule 5: a mistyped enterprise project, a failed flavor lookup and a failed read each make their own
    # lines unknown; the shortfall read elsewhere stays insufficient (which on_unknown: warn would not hide).
    def enterprise(target):
        if target["enterprise_project"] == "paymnts":
            return dict(failed=True, msg="EnterpriseProjectNotFound")
        return ep_result(name=target["enterprise_project"], vcpus=(100, 90))
    report = gate([db(name="typo", enterprise_project="paymnts"), db(name="analytics", enterprise_project="analytics")],
                  cloud(enterprise=enterprise), on_unknown="warn")
    assert statuses(report) == [
        ("typo", "instance", "unknown"), ("typo", "vcpus", "unknown"), ("typo", "ram", "unknown"),
        ("typo", "instance", "ok"), ("analytics", "instance", "ok"), ("analytics", "vcpus", "insufficient"),
        ("analytics", "ram", "low"), ("analytics", "instance", "ok")]
    assert report["passed"] is False
    failed_lookup = gate([db()], cloud(enterprise=ep_result(instances=(10, 10)), flavor=dict(failed=True, msg="Throttled")),
                         on_unknown="warn")
    assert [c["status"] for c in failed_lookup["checks"]] == ["insufficient", "unknown", "unknown", "ok"]
    assert failed_lookup["passed"] is False


def test_two_hosts_gating_one_flavor_in_different_enterprise_projects_are_both_judged_on_its_size():
    def read(service, target, settings):
        if target.get("resource_types") == []:
            return flavor_result()
        if target.get("enterprise_project"):
            return ep_result(name=target["enterprise_project"])
        return tenant_result()
    report, unused = play([("db1", [db(need=1)], None), ("db2", [db(need=1, enterprise_project="analytics")], None)],
                          read)
    vcpus = [(c["host"], c["need"]) for c in report["checks"] if c["resource_type"] == "vcpus"]
    assert vcpus == [("db1", 32), ("db2", 32)]


def test_the_flavor_is_looked_up_once_for_every_requirement_of_one_connection_and_region():
    checks, reads = plan_host([db(), db(name="db2", enterprise_project="analytics"), db(name="db3", region="ap-southeast-1")])
    lookups = [r["target"] for r in reads.values() if r["target"].get("resource_types") == []]
    assert lookups == [dict(flavors=[FLAVOR], resource_types=[]),
                       dict(flavors=[FLAVOR], region="ap-southeast-1", resource_types=[])]
    assert len(set(c["flavor_read"] for c in checks if c.get("flavor_read"))) == 2


# --- play scope and claims of earlier runs -----------------------------------------------------------------------

def test_play_scope_sums_across_hosts_and_names_each_host():
    report, claims = play([(host, [keys("app key", 2)], None) for host in ("web1", "web2", "web3")],
                          lambda service, target, settings: kms_result(12, 8))
    assert [(c["host"], c["status"], c["need_total"]) for c in report["checks"]] == [
        ("web1", "insufficient", 6), ("web2", "insufficient", 6), ("web3", "insufficient", 6)]
    assert report["checks"][0]["message"] == (
        "web1: app key: kms key on kst-abcd1 in cn-hangzhou — need 2 (6 with web2: app key, web3: app key), "
        "used 8 of 12, 4 available (short by 2)")
    assert [(c["host"], c["need"], c["identity"]) for c in claims] == [
        (h, 2, ["kms", "kst-abcd1", "key"]) for h in ("web1", "web2", "web3")]


def test_play_scope_never_sums_quotas_of_other_accounts():
    def read(service, target, settings):
        return kms_result(20, 14, instance="kst-abcd1" if settings is None else "kst-other1")
    other_account = {"kms": {"access_key_id": "B", "region": "cn-hangzhou"}, "taurusdb": {}}
    report, unused = play([("web1", [keys("k", 2)], None), ("web2", [keys("k", 2)], None),
                           ("db1", [keys("k", 2, kms_instance_id="kst-other1")], other_account)], read)
    assert [(c["host"], c["status"], c["need_total"]) for c in report["checks"]] == [
        ("web1", "low", 4), ("web2", "low", 4), ("db1", "ok", 2)]


def test_an_earlier_runs_claim_counts_until_released_and_the_report_says_how_to_release_it():
    earlier = [dict(host="web1", identity=["kms", "kst-abcd1", "key"], name="tier-1 keys", need=3, read="x",
                    resource_type="key", run="run-1")]
    report = gate([keys("tier-2 keys", 2)], kms(12, 8), claims=earlier)
    check = report["checks"][0]
    assert check["status"] == "insufficient" and check["need_total"] == 5
    assert "need 2 (5 with web1: tier-1 keys claimed by an earlier gate run)" in check["message"]
    assert "release them with ansible.builtin.set_fact: {quota_gate_claims: []}" in report["summary"]
    assert gate([keys("tier-2 keys", 2)], kms(12, 8))["passed"] is True  # released: fits


def test_a_claim_whose_read_failed_counts_on_the_same_read():
    checks, reads = plan_host([keys("k", 2)])
    earlier = [dict(host=None, identity=None, name="earlier", need=3, read=checks[0]["read"], resource_type="key",
                    run="run-1")]
    assert gate([keys("k", 2)], kms(12, 8), claims=earlier)["checks"][0]["need_total"] == 5
    other_type = [dict(earlier[0], resource_type="secret")]
    assert gate([keys("k", 2)], kms(12, 8), claims=other_type)["checks"][0]["need_total"] == 2


def test_claims_of_a_run_are_its_judged_needs_and_unknown_lines_are_claimed_too():
    checks, reads = plan_host([keys("k", 2), keys("zero", 0)])
    results = dict.fromkeys(reads, dict(failed=True, msg="boom"))
    unused, claims = judge(checks, results, run="r")
    assert [(c["name"], c["need"], c["identity"], c["run"]) for c in claims] == [("k", 2, None, "r")]


# --- requirements from a Terraform plan ----------------------------------------------------------------------------

def test_keys_into_a_kms_instance_the_plan_creates_are_judged_against_its_planned_key_num():
    planned = dict(address="alicloud_kms_instance.app", quota=2, used=0)
    report = gate([dict(name="alicloud_kms_key.app[0..2]", service="kms", resource_type="key", need=3,
                        planned_quota=planned, addresses=["alicloud_kms_key.app[0]", "alicloud_kms_key.app[1]",
                                                          "alicloud_kms_key.app[2]"])], cloud())
    check = report["checks"][0]
    assert check["message"] == ("alicloud_kms_key.app[0..2]: kms key on alicloud_kms_instance.app (planned) in "
                                "cn-hangzhou — need 3, used 0 of 2, 2 available (short by 1)")
    assert check["addresses"] == ["alicloud_kms_key.app[0]", "alicloud_kms_key.app[1]", "alicloud_kms_key.app[2]"]
    checks, reads = plan_host([dict(service="kms", resource_type="key", planned_quota=planned)])
    assert reads == {} and "read" not in checks[0]  # nothing to read


def test_an_update_needs_the_growth_of_its_flavor_and_nodes_never_less_than_nothing():
    def flavors(service, target):
        if target.get("resource_types") == []:
            sizes = {FLAVOR: (16, 64), "gaussdb.mysql.2xlarge.x86.4": (8, 32)}[target["flavors"][0]]
            return flavor_result(vcpus=sizes[0], ram=sizes[1], spec_code=target["flavors"][0])
        return ep_result(vcpus=(100, 90))
    update = dict(name="db", service="taurusdb", flavor=FLAVOR, nodes=3, from_flavor=FLAVOR, from_nodes=2, need=0,
                  enterprise_project="payments")
    checks = gate([update], flavors)["checks"]
    assert [(c["resource_type"], c["need"], c["status"]) for c in checks] == [
        ("vcpus", 16, "insufficient"), ("ram", 64, "ok")]
    assert "need 16 vCPUs (update: 3 nodes × 16, now 2 nodes × 16)" in checks[0]["message"]
    smaller = dict(update, flavor="gaussdb.mysql.2xlarge.x86.4")  # 3 × 8 < 2 × 16: frees, needs nothing
    assert [(c["need"], c["status"]) for c in gate([smaller], flavors)["checks"]] == [(0, "low"), (0, "ok")]


def test_unknown_and_not_gated_requirements_read_nothing_and_are_reported_as_such():
    requirements = [dict(name="alicloud_kms_key.shared", service="kms", resource_type="key", need=0,
                         not_gated="no dkms_instance_id: the shared KMS service has no instance quota"),
                    dict(name="db", service="taurusdb", resource_type="instance", need=1,
                         unknown="flavor of huaweicloud_gaussdb_mysql_instance.db is unknown until apply")]
    checks, reads = plan_host(requirements)
    assert reads == {}
    report = gate(requirements, cloud())
    assert [(c["status"], c["message"]) for c in report["checks"]] == [
        ("skipped", "alicloud_kms_key.shared: kms key in cn-hangzhou — not gated: no dkms_instance_id: the shared KMS "
                    "service has no instance quota"),
        ("unknown", "db: taurusdb instance in cn-north-4 — flavor of huaweicloud_gaussdb_mysql_instance.db is unknown "
                    "until apply")]
    assert report["passed"] is False and report["summary"].startswith("Quota gate failed: 1 of 1 requirements")
    warned = gate(requirements, cloud(), on_unknown="warn")
    assert warned["summary"] == "Quota gate passed: all 1 requirements fit (1 more not gated)."


def test_a_line_that_is_not_gated_or_names_no_read_claims_nothing_and_no_claim_matches_it():
    shared = dict(name="alicloud_kms_key.shared", service="kms", resource_type="key", need=5,
                  not_gated="no dkms_instance_id: the shared KMS service has no instance quota")
    planless = dict(name="db", service="taurusdb", resource_type="instance", need=2,
                    unknown="the region of huaweicloud_gaussdb_mysql_instance.db is unknown until apply")
    checks, reads = plan_host([shared, planless])
    unused, claims = judge(checks, {}, run="r")
    assert claims == []
    # A claim without an identity or a read (as an older run may have left) never lands on a planned instance.
    stray = [dict(host=None, identity=None, name="stray", need=5, read=None, resource_type="key", run="r0")]
    planned = dict(address="alicloud_kms_instance.app", quota=2, used=0)
    report = gate([dict(name="k", service="kms", resource_type="key", need=1, planned_quota=planned)], cloud(),
                  claims=stray)
    assert [(c["status"], c["need_total"]) for c in report["checks"]] == [("ok", 1)]


def test_a_result_for_another_region_or_project_is_never_judged():
    other_region = kms_result(12, 0, region="eu-central-1")
    check = gate([keys("k", 1, region="cn-hangzhou")], cloud(kms=other_region))["checks"][0]
    assert check["status"] == "unknown"
    assert "quota could not be read: the read answered for region eu-central-1, not cn-hangzhou" in check["message"]
    other_project = dict(tenant_result(), project_id="q" * 32)
    check = gate([dict(name="db", service="taurusdb", resource_type="instance", project_id=PROJECT)],
                 cloud(tenant=other_project))["checks"][0]
    assert "the read answered for project id %s, not %s" % ("q" * 32, PROJECT) in check["message"]
