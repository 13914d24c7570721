# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake cloud for the gate's unit tests: module results as the quota modules return them."""

from __future__ import annotations

from ansible_collections.headroom.cloud.plugins.plugin_utils._judge import judge
from ansible_collections.headroom.cloud.plugins.plugin_utils._reads import Place, plan_reads
from ansible_collections.headroom.cloud.plugins.plugin_utils._requirements import expand, parse_requirements

FLAVOR = "gaussdb.mysql.4xlarge.x86.4"
PROJECT = "p" * 32
CONTROLLER = Place(host="localhost", local=True, environment={"HOME": "/home/ops"})
NO_SETTINGS = {"kms": {"region": "cn-hangzhou"}, "taurusdb": {"region": "cn-north-4"}}  # as module_defaults give


def record(resource_type, quota, used, **identity):
    unlimited = quota == -1
    return dict(identity, resource_type=resource_type, quota=quota, used=used, unlimited=unlimited,
                available=None if unlimited else max(quota - used, 0), usage_percent=None)


def kms_result(quota, used, instance="kst-abcd1", region="cn-hangzhou", resource_type="key", instances=None, **extra):
    return dict(extra, region=region, kms_instance_ids=instances or [instance],
                quotas=[record(resource_type, quota, used, kms_instance_id=instance)])


def ep_result(instances=(10, 2), vcpus=(100, 60), ram=(400, 100), name="payments", region="cn-north-4"):
    ep_id = "ep-" + name
    return dict(region=region, project_id=PROJECT, enterprise_project=dict(id=ep_id, name=name), quotas=[
        record(rt, q, u, enterprise_project_id=ep_id, enterprise_project_name=name)
        for rt, (q, u) in (("instance", instances), ("vcpus", vcpus), ("ram", ram))])


def tenant_result(quota=50, used=4, region="cn-north-4"):
    """What the tenant's read (project-quotas) answers: its instance quota."""
    return dict(region=region, project_id=PROJECT, quotas=[record("instance", quota, used)])


def flavor_result(found=True, vcpus=16, ram=64, spec_code=FLAVOR, region="cn-north-4"):
    return dict(region=region, project_id=PROJECT, quotas=[], flavors=[
        dict(spec_code=spec_code, found=found, vcpus=vcpus if found else None, ram=ram if found else None)])


def cloud(kms=None, tenant=None, enterprise=None, flavor=None):
    """A read function answering each kind of target: ``kms`` and ``enterprise`` may be functions of the
    target (instance / enterprise project), the others results."""
    def read(service, target):
        if service == "kms":
            return kms(target) if callable(kms) else kms
        if target.get("resource_types") == []:
            return flavor if flavor is not None else flavor_result()
        if target.get("enterprise_project"):
            return enterprise(target) if callable(enterprise) else enterprise
        return tenant if tenant is not None else tenant_result()
    return read


def plan_host(requirements, host=None, settings=None, place=CONTROLLER):
    """One host's checks and reads, as the prepare step plans them."""
    checks = expand(parse_requirements(requirements))
    reads = plan_reads(checks, settings or NO_SETTINGS, place)
    if host:
        for check in checks:
            check["host"] = host
    return checks, reads


def gate(requirements, read, claims=(), **kw):
    """Plan ``requirements`` on one host, answer every read with ``read(service, target)``, and judge."""
    checks, reads = plan_host(requirements)
    results = dict((rid, read(r["service"], r["target"])) for rid, r in reads.items())
    return judge(checks, results, earlier_claims=claims, run="run-2", **kw)[0]


def play(hosts, read, **kw):
    """Play scope: ``hosts`` is ``[(host, requirements, settings)]``; every distinct read answered once."""
    checks, results = [], {}
    for host, requirements, settings in hosts:
        host_checks, reads = plan_host(requirements, host, settings)
        checks.extend(host_checks)
        for rid, r in reads.items():
            results.setdefault(rid, read(r["service"], r["target"], settings))
    return judge(checks, results, run="run-1", **kw)


def keys(name, need, **kw):
    return dict(dict(name=name, service="kms", resource_type="key", kms_instance_id="kst-abcd1", need=need), **kw)


def db(**kw):
    return dict(dict(name="db", service="taurusdb", flavor=FLAVOR, nodes=2, need=2, enterprise_project="payments"), **kw)


def statuses(report):
    return [(c["name"], c["resource_type"], c["status"]) for c in report["checks"]]
