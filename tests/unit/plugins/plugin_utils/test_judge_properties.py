# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's promise as a property: when it says yes, every quota holds the summed need of everything
judged against it, and every requirement was judged against the target it names.

Hypothesis generates a small cloud (KMS instances in two regions, each with its true quotas), hosts with
their own connection settings, requirements, and reads that fail, answer unlimited, are over quota, or
answer for another instance than was asked. The hosts are judged together (play scope), as the gate does.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.headroom.cloud.plugins.plugin_utils._judge import judge
from ansible_collections.headroom.cloud.plugins.plugin_utils._reads import Place, plan_reads
from ansible_collections.headroom.cloud.plugins.plugin_utils._requirements import expand, parse_requirements
from ansible_collections.headroom.cloud.tests.unit.plugins.plugin_utils.gate_helpers import record

INSTANCES = {"kst-a1": "cn-hangzhou", "kst-a2": "cn-hangzhou", "kst-b1": "cn-shanghai"}
TYPES = ("key", "secret")
REGIONS = ("cn-hangzhou", "cn-shanghai")


@st.composite
def quota(draw):
    """(quota, used): mostly with room, sometimes unlimited (-1), sometimes used beyond a lowered quota."""
    if draw(st.integers(0, 7)) == 0:
        return (-1, 7)
    limit = draw(st.integers(0, 20))
    return (limit, draw(st.integers(0, limit + 3)))


clouds = st.fixed_dictionaries(dict((i, st.fixed_dictionaries(dict((t, quota()) for t in TYPES))) for i in INSTANCES))
requirement = st.fixed_dictionaries(
    {"service": st.just("kms"), "resource_type": st.sampled_from(TYPES), "need": st.integers(0, 8)},
    optional={"kms_instance_id": st.sampled_from(sorted(INSTANCES)), "region": st.sampled_from(REGIONS),
              "max_usage_percent": st.sampled_from([100, 95, 60])})
host = st.tuples(st.lists(requirement, min_size=1, max_size=3),
                 st.fixed_dictionaries({}, optional={"endpoint": st.sampled_from(["vpc.example", "kms.example"]),
                                                     "retries": st.integers(1, 3)}))
faults = st.sampled_from(["none"] * 9 + ["failed", "other instance", "not a result"])


def answer(cloud, target, fault):
    """What the module returns for one read: the truth, or one of the ways a read goes wrong (a read of one
    instance that answers for another; a region's listing that answers with another region's instance)."""
    region = target.get("region", "cn-hangzhou")
    named = target.get("kms_instance_id")
    instances = [named] if named else [i for i, r in INSTANCES.items() if r == region]
    if fault == "failed" or (named and INSTANCES[named] != region):
        return dict(failed=True, msg="read failed")
    if fault == "not a result":
        return dict(changed=False)
    if fault == "other instance":
        instances = [i for i in INSTANCES if i not in instances][:1]
    records = [record(t, q, u, kms_instance_id=i) for i in instances for t, (q, u) in cloud[i].items()]
    return dict(region=region, kms_instance_ids=instances, quotas=records)


def resolves_to(check, result):
    """The instance a requirement names; without one, the region's only instance as its listing answered
    (the listing is all the gate can know of the region: a read of another region's endpoint is its truth)."""
    if check.get("kms_instance_id"):
        return check["kms_instance_id"]
    listed = result.get("kms_instance_ids") or []
    return listed[0] if len(listed) == 1 else None


@settings(max_examples=1000, deadline=None)
@given(cloud=clouds, hosts=st.lists(host, min_size=1, max_size=3), data=st.data(),
       on_unknown=st.sampled_from(["fail", "warn"]))
def test_a_yes_is_never_wrong(cloud, hosts, data, on_unknown):
    checks, results = [], {}
    for index, (requirements, options) in enumerate(hosts):
        host_checks = expand(parse_requirements(requirements))
        reads = plan_reads(host_checks, {"kms": dict(options, region="cn-hangzhou"), "taurusdb": {}},
                           Place("h%d" % index, True, {}))
        for identity, read in reads.items():
            results.setdefault(identity, answer(cloud, read["target"], data.draw(faults)))
        checks.extend(dict(check, host="h%d" % index) for check in host_checks)
    report, unused_claims = judge(checks, results, low_percent=20, on_unknown=on_unknown)
    if not report["passed"]:
        return
    summed = {}
    for check, judged in zip(checks, report["checks"]):
        if judged["status"] == "unknown":
            assert on_unknown == "warn"  # under fail, an unread quota is never a yes
            continue
        # Judged against the target it names, and never against another one.
        assert judged["target"] == resolves_to(check, results[check["read"]]), (check, judged)
        key = (judged["target"], check["resource_type"])
        summed[key] = summed.get(key, 0) + check["need"]
    for (instance, resource_type), need in summed.items():
        quota_, used = cloud[instance][resource_type]
        if quota_ != -1 and need > 0:
            assert need <= max(quota_ - used, 0), (instance, resource_type, need, quota_, used)
