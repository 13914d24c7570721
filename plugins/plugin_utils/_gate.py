# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quota_gate role's logic: plan the reads, then judge every requirement against what was read.

Private to headroom.cloud: not a public API, may change without notice. It runs on the controller
only, through the quota_gate_plan and quota_gate_report filters; it imports no SDK.

Requirements that draw on the same quota are judged together: their needs are added before they
are compared with what is available, because that is what the play will consume. Two requirements
share a quota when they have the same service, the same target *as read* (region plus the KMS
instance, project or enterprise project the read resolved) and the same resource type, however
they reach it. In play scope the connection settings decide only which host reads a target.
"""

from __future__ import annotations

from ansible_collections.headroom.cloud.plugins.module_utils._quota import RESOURCE_TYPES

TARGET_FIELD = {"kms": "kms_instance_id", "taurusdb": "project_id"}
MODULE_ARGS = ("region", "kms_instance_id", "project_id", "enterprise_project")
FLAVOR_TYPES = ("instance", "vcpus", "ram")
PER_NODE = ("vcpus", "ram")  # the checks of a flavor requirement whose need is instances × nodes × per node


class GateInputError(ValueError):
    """Requirements that the role's argument spec cannot check by itself (ranges, cross-field rules)."""


def normalise(requirements):
    """Apply the argument spec's defaults and types to the raw role variable.

    Role argument validation checks the requirements but hands the role the variable as written,
    so ``need`` may be missing (default 1) or a numeric string. Each keeps its position (``_index``).
    """
    normalised = []
    for index, req in enumerate(requirements):
        req = dict(req, _index=index)
        if req.get("name") is not None:
            req["name"] = str(req["name"])  # type: str in the argument spec, which hands the role the raw value
        req["need"] = int(req["need"]) if req.get("need") is not None else 1
        if req.get("max_usage_percent") is not None:
            req["max_usage_percent"] = float(req["max_usage_percent"])
        if req.get("nodes") is not None:
            req["nodes"] = int(req["nodes"])
        normalised.append(req)
    return normalised


def expand(requirements):
    """The checks each requirement stands for, in order.

    A TaurusDB requirement with a flavor stands for three: its enterprise project's instances, vCPUs
    and RAM. One whose instances go into an enterprise project also draws on the tenant's instance
    quota (project-quotas), which every instance of the project counts against, whatever its
    enterprise project: that is a check of its own, on the tenant's quota.
    """
    expanded = []
    for req in requirements:
        checks = [dict(req, resource_type=resource_type) for resource_type in FLAVOR_TYPES] if req.get("flavor") else [req]
        expanded.extend(checks)
        if req["service"] == "taurusdb" and req.get("enterprise_project") and checks[0]["resource_type"] == "instance":
            expanded.append(_tenant_check(req))
    return expanded


def _tenant_check(req):
    """The tenant's instance quota that an enterprise-project requirement also needs: the same
    instances, none of the enterprise project's own limits (max_usage_percent is about that quota)."""
    tenant = dict((k, v) for k, v in req.items() if k not in ("enterprise_project", "flavor", "max_usage_percent", "nodes"))
    return dict(tenant, resource_type="instance", _tenant_of=req["enterprise_project"])


def target_key(requirement):
    key = "%s|%s|%s" % (requirement["service"], requirement.get("region") or "", requirement.get(
        TARGET_FIELD[requirement["service"]]) or "")
    if requirement.get("enterprise_project"):
        key += "|" + requirement["enterprise_project"]
    return key


def check_requirements(requirements):
    """Every problem with the (normalised) requirements, as readable lines; empty when they are usable."""
    problems = []
    for index, req in enumerate(requirements):
        label = "quota_gate_requirements[%d]%s" % (index, " (%s)" % req["name"] if req.get("name") else "")
        problems.extend("%s: %s" % (label, problem) for problem in _problems(req))
    return problems


def _problems(req):
    service = req["service"]
    resource_type = req.get("resource_type")
    if req.get("flavor"):
        yield from _flavor_problems(req)
    elif resource_type is None:
        yield "resource_type is missing (or, for taurusdb, give a flavor)"
    elif resource_type not in RESOURCE_TYPES[service]:
        yield "resource_type %r is not a %s resource type; use one of %s" % (
            resource_type, service, ", ".join(RESOURCE_TYPES[service]))
    elif resource_type in ("vcpus", "ram") and not req.get("enterprise_project"):
        yield "resource_type %s exists per enterprise project: set enterprise_project" % resource_type
    if req.get("nodes") is not None and not req.get("flavor"):
        yield "nodes goes with flavor"
    if req["need"] < 0:
        yield "need must be 0 or more, got %s" % req["need"]
    limit = req.get("max_usage_percent")
    if limit is not None and not 0 <= limit <= 100:
        yield "max_usage_percent must be between 0 and 100, got %s" % limit
    for service_name, field in list(TARGET_FIELD.items()) + [("taurusdb", "enterprise_project")]:
        if service_name != service and req.get(field) is not None:
            yield "%s belongs to %s requirements, not %s" % (field, service_name, service)


def _flavor_problems(req):
    if req["service"] != "taurusdb":
        yield "flavor belongs to taurusdb requirements, not %s" % req["service"]
    if req.get("resource_type") is not None:
        yield "give resource_type or flavor, not both: a flavor checks instances, vcpus and ram"
    if req.get("nodes") is None:
        # CreateGaussMySqlInstance requires slave_count (read replicas): there is no default to assume.
        yield "nodes is missing: with flavor, give the nodes per instance (1 primary + slave_count read replicas)"
    elif req["nodes"] < 1:
        yield "nodes must be 1 or more, got %s" % req["nodes"]
    if req["service"] == "taurusdb" and not req.get("enterprise_project"):
        # Only enterprise projects have vCPU and RAM quotas: a flavor without one could check nothing of its size.
        yield ("flavor needs enterprise_project: vCPU and RAM quotas exist per enterprise project "
               "(without one, give resource_type: instance)")


def plan(requirements):
    """The distinct targets to read, grouped by service, each with the module arguments that name it.

    However many requirements point at one target, it is read once; each service's targets are
    read by one module call, whose ``targets`` option reads them concurrently in one process. A
    flavor is looked up once per region, by the first target of that region that needs it.
    """
    requirements = normalise(requirements)
    problems = check_requirements(requirements)
    if problems:
        raise GateInputError("Invalid quota_gate_requirements: " + "; ".join(problems) + ".")
    targets = dict((service, []) for service in TARGET_FIELD)
    by_key = {}
    looked_up = set()
    for req in expand(requirements):
        key = target_key(req)
        if key not in by_key:
            args = dict((name, req[name]) for name in MODULE_ARGS if req.get(name) is not None)
            by_key[key] = dict(key=key, args=args)
            targets[req["service"]].append(by_key[key])
        flavor = req.get("flavor")
        if flavor and (req.get("region"), flavor) not in looked_up:
            looked_up.add((req.get("region"), flavor))
            by_key[key]["args"].setdefault("flavors", []).append(flavor)
    return targets


def plan_play(shares):
    """Play scope: which host reads which targets, so that each distinct target is read once for the play.

    ``shares`` holds one entry per host of the play (None for a host that does not run the gate):
    ``host``, ``plan`` (that host's :func:`plan`) and ``connection`` (per service, an id of the
    effective connection settings). A target is the same for two hosts only when both its key and
    the host's connection id for that service are; the first host that needs it reads it, with its
    own connection settings. Returns ``{host: {service: [targets]}}`` for every host.
    """
    reads = {}
    seen = {}
    asked = set()  # (connection, region, flavor): each flavor is looked up once per account and region
    for share in filter(None, shares):
        mine = reads.setdefault(share["host"], dict((service, []) for service in TARGET_FIELD))
        for service in TARGET_FIELD:
            connection = share["connection"][service]
            for target in share["plan"][service]:
                identity = (connection, target["key"])
                if identity not in seen:
                    args = dict((k, v) for k, v in target["args"].items() if k != "flavors")
                    seen[identity] = dict(target, args=args)
                    mine[service].append(seen[identity])
                reader = seen[identity]["args"]  # looks up the flavors every host needs in its region
                for flavor in target["args"].get("flavors", []):
                    if (connection, reader.get("region"), flavor) not in asked:
                        asked.add((connection, reader.get("region"), flavor))
                        reader.setdefault("flavors", []).append(flavor)
    return reads


def results_by_target(the_plan, batches):
    """Map each target key to its own result, from each service's batch result (in plan order).

    A batch that failed as a whole (bad options, no credentials, a missing SDK) gives every one of its
    targets that failure.
    """
    results = {}
    for service in TARGET_FIELD:
        batch = batches.get(service) or {}
        per_target = batch.get("results")
        for index, target in enumerate(the_plan[service]):
            if isinstance(per_target, list) and index < len(per_target):
                results[target["key"]] = per_target[index]
            else:
                results[target["key"]] = batch
    return results


def _describe_target(req, result):
    region = (result or {}).get("region") or req.get("region") or "the default region"
    service = req["service"]
    if service == "kms":
        where = "on %s" % req["kms_instance_id"] if req.get("kms_instance_id") else "on the region's KMS instance"
    elif req.get("enterprise_project"):
        where = "in enterprise project %s" % req["enterprise_project"]
    else:
        project = req.get("project_id") or (result or {}).get("project_id")
        where = "in project %s" % project if project else "in the region's project"
    text = "%s %s %s in %s" % (service, req["resource_type"], where, region)
    if req.get("_tenant_of"):
        text += " (the tenant's quota, which enterprise project %s counts against)" % req["_tenant_of"]
    return text


def _pick_record(req, result):
    """The quota record for a requirement, or the reason there is none."""
    if result is None or result.get("failed") or "quotas" not in result:
        # A failed read, or anything that is not a module's quota result: never guess.
        return None, (result or {}).get("msg") or "the quota was not read"
    records = result.get("quotas") or []
    if req["service"] == "kms":
        instances = result.get("kms_instance_ids") or []
        if not req.get("kms_instance_id"):
            if not instances:
                return None, "the region has no KMS instance"
            if len(instances) > 1:
                return None, "the region has %d KMS instances (%s): set kms_instance_id" % (
                    len(instances), ", ".join(instances))
    matching = [r for r in records if r.get("resource_type") == req["resource_type"]]
    if not matching:
        return None, "the service did not report a %s quota" % req["resource_type"]
    return _check_read_what_was_asked(req, matching[0])


def _check_read_what_was_asked(req, record):
    """(record, None), or (None, why) when the read answered for another quota than the requirement
    names: module defaults (an enterprise_project in the play's group defaults, say) reach every
    read, and a quota of the wrong scope must never be judged."""
    if req["service"] == "kms":
        if req.get("kms_instance_id") and record.get("kms_instance_id") != req["kms_instance_id"]:
            return None, "the read answered for KMS instance %s" % record.get("kms_instance_id")
        return record, None
    answered = record.get("enterprise_project_name") or record.get("enterprise_project_id")
    if req.get("enterprise_project") and req["enterprise_project"] not in (
            record.get("enterprise_project_name"), record.get("enterprise_project_id")):
        return None, "the read answered for %s, not enterprise project %s" % (
            "enterprise project %s" % answered if answered else "the project's own quota", req["enterprise_project"])
    if answered and not req.get("enterprise_project"):
        return None, ("the read answered for enterprise project %s (an enterprise_project in the module defaults?), "
                      "but the requirement names none" % answered)
    return record, None


def quota_identity(req, result, record):
    """The quota a requirement draws on, as read: what the read resolved (the KMS instance, or the
    project and enterprise project; their ids are unique), its region and the resource type. So an
    implicit and an explicit reference to one KMS instance are one quota, and in play scope so are
    two hosts that reach it with other settings (another endpoint, a project id given or looked
    up); hosts of other accounts never resolve to the same ids."""
    if req["service"] == "kms":
        target = record.get("kms_instance_id")
    else:
        target = (result.get("project_id"), record.get("enterprise_project_id"))
    return (req["service"], result.get("region") or req.get("region"), target, req["resource_type"])


def _tightest(records):
    """Of several reads of one quota (an implicit and an explicit reference read it twice), the
    one with the least headroom: the gate must never pass on the more generous of two answers."""
    limited = [r for r in records if not r["unlimited"]]
    return min(limited, key=lambda r: r["available"]) if limited else records[0]


def _need_text(req):
    """``need 3``; for a requirement given by flavor, with its unit and how it was worked out."""
    if not req.get("flavor"):
        return "need %d" % req["need"]
    if req["resource_type"] == "instance":
        return "need %s" % _plural(req["need"], "instance")
    unit = "vCPUs" if req["resource_type"] == "vcpus" else "GB RAM"
    per_node = "%d" if req["resource_type"] == "vcpus" else "%d GB"
    return "need %d %s (%s × %s × %s)" % (req["need"], unit, _plural(req["instances"], "instance"),
                                          _plural(req["nodes"], "node"), per_node % req["per_node"])


def _plural(count, noun):
    return "%d %s%s" % (count, noun, "" if count == 1 else "s")


def _verdict(req, record, total, others, low_percent):
    """(status, detail) for one requirement whose quota must hold ``total`` units in all.

    ``total`` is the requirement's own need plus the needs of ``others`` (the labels of the other
    requirements on the same quota). A requirement that needs nothing is never the one short, but
    its ``max_usage_percent`` and the low warning are judged on the usage the others leave.
    """
    need = req["need"]
    shown = _need_text(req) + (" (%d with %s)" % (total, ", ".join(others)) if others else "")
    if record["unlimited"]:
        used = "" if record["used"] is None else " (%d used)" % record["used"]
        return "ok", "%s, unlimited quota%s" % (shown, used)
    quota, used, available = record["quota"], record["used"], record["available"]
    base = "%s, used %d of %d, %d available" % (shown, used, quota, available)
    if need > 0 and available < total:
        return "insufficient", "%s (short by %d)" % (base, total - available)
    limit = req.get("max_usage_percent")
    usage_after = 100.0 if quota == 0 else 100.0 * (used + total) / quota
    if limit is not None and usage_after > limit:
        return "insufficient", "%s (usage after creation %.1f%% exceeds max_usage_percent %s%%)" % (
            base, usage_after, _number(limit))
    free_after = 0.0 if quota == 0 else 100.0 * (available - total) / quota
    if free_after < low_percent:
        return "low", "%s (leaves %.1f%% free, under %s%%)" % (base, free_after, _number(low_percent))
    return "ok", base


def judge(req, result, low_percent):
    """(status, record, detail) for one requirement judged on its own."""
    record, reason = _pick_record(req, result)
    if record is None:
        return "unknown", None, "quota could not be read: %s" % reason
    status, detail = _verdict(req, record, req["need"], [], low_percent)
    return status, record, detail


def _number(value):
    return int(value) if float(value).is_integer() else value


def report(requirements, results, low_percent=20, on_unknown="fail"):
    """The gate's report for one host: ``passed`` and one check per requirement, in the order given.

    ``results`` maps a target key (see plan) to the module result of that target.
    """
    entries = [dict(req=req, result=results.get(target_key(req))) for req in expand(normalise(requirements))]
    return _report(entries, low_percent, on_unknown)


def play_report(shares, low_percent=20, on_unknown="fail", by_host=False):
    """The report of a gate whose reads were planned for the play (:func:`plan_play`).

    ``shares`` are the entries of :func:`plan_play`, each also with ``requirements``, ``reads``
    (the targets this host read, from plan_play) and ``results`` (its registered module results per
    service); a target one host read answers for every host with the same connection settings.
    By default (play scope) every host's requirements are judged together, needs on one quota
    summed across hosts, each line naming its host. With ``by_host`` (host scope), ``{host: report}``:
    each host's requirements judged on their own, all in one pass over the shares.
    """
    shares = [share for share in shares if share]
    results = {}
    for share in shares:
        by_key = results_by_target(share["reads"], share["results"])
        for service in TARGET_FIELD:
            for target in share["reads"][service]:
                results[(share["connection"][service], target["key"])] = by_key[target["key"]]
    if by_host:
        return dict((share["host"], _report(_entries(share, results), low_percent, on_unknown)) for share in shares)
    entries = [dict(entry, host=share["host"]) for share in shares for entry in _entries(share, results)]
    return _report(entries, low_percent, on_unknown)


def _entries(share, results):
    """One host's checks, each with the result of the read that answers for it."""
    entries = []
    for req in expand(normalise(share["requirements"])):
        scope = share["connection"][req["service"]]
        entries.append(dict(req=req, scope=scope, result=results.get((scope, target_key(req)))))
    return entries


def _report(entries, low_percent, on_unknown):
    """Judge ``entries`` (``req``, ``result``, and in play scope ``host`` and ``scope``) together."""
    _label(entries)
    _resolve_flavors(entries)
    _share_quotas(entries)
    checks = [_check(entry, low_percent) for entry in entries]
    blocking = ("insufficient", "unknown") if on_unknown == "fail" else ("insufficient",)
    failures = [c["message"] for c in checks if c["status"] in blocking]
    # Counted by requirement: one given by flavor, or into an enterprise project, stands for several checks.
    requirements = [(entry.get("host"), entry["req"]["_index"]) for entry in entries]
    short = set(r for r, c in zip(requirements, checks) if c["status"] in blocking)
    if failures:
        summary = "Quota gate failed: %d of %d requirements cannot be met:\n- %s" % (
            len(short), len(set(requirements)), "\n- ".join(failures))
    else:
        summary = "Quota gate passed: all %d requirements fit." % len(set(requirements))
    return dict(checks=checks, failures=failures, passed=not failures, summary=summary)


def _label(entries):
    """Name each entry (``requirement N`` counts per host) and pick its quota record, or why there is none."""
    for entry in entries:
        host = entry.get("host")
        entry["name"] = entry["req"].get("name") or "requirement %d" % (entry["req"]["_index"] + 1)
        entry["label"] = "%s: %s" % (host, entry["name"]) if host else entry["name"]
        entry["record"], entry["reason"] = _pick_record(entry["req"], entry["result"])


def _resolve_flavors(entries):
    """Work out the vCPUs and RAM that flavor requirements need, from the flavors their reads looked up.

    A flavor is looked up once per region, so any read of the same account and region may hold it.
    An unknown flavor, or one whose lookup failed, makes the check unknown: never a guess.
    """
    found = {}
    for entry in entries:
        result = entry["result"] or {}
        for flavor in result.get("flavors") or []:
            found[(entry.get("scope", ""), result.get("region"), flavor.get("spec_code"))] = flavor
    for entry in entries:
        req = entry["req"]
        if not req.get("flavor") or req["resource_type"] not in PER_NODE or entry["record"] is None:
            continue
        region = (entry["result"] or {}).get("region") or req.get("region")
        flavor = found.get((entry.get("scope", ""), region, req["flavor"]))
        if flavor is None or not flavor.get("found"):
            entry["record"] = None
            entry["reason"] = ("flavor %s is not offered in %s" if flavor else
                               "flavor %s could not be looked up in %s (it is looked up once per region, by the "
                               "first read there that needs it; see that read's line)") % (req["flavor"], region)
            continue
        per_node = flavor[req["resource_type"]]
        entry["req"] = dict(req, instances=req["need"], per_node=per_node,
                            need=req["need"] * req["nodes"] * per_node)


def _share_quotas(entries):
    """Give the entries on one quota the same (tightest) record, their summed need and each other's names."""
    groups = {}
    for entry in entries:
        if entry["record"] is not None:
            identity = quota_identity(entry["req"], entry["result"], entry["record"])
            groups.setdefault(identity, []).append(entry)
    for members in groups.values():
        record = _tightest([member["record"] for member in members])
        total = sum(member["req"]["need"] for member in members)
        for member in members:
            member.update(record=record, total=total, others=[
                other["label"] for other in members if other is not member and other["req"]["need"] > 0])


def _check(entry, low_percent):
    """One line of the report."""
    req, result, record = entry["req"], entry["result"] or {}, entry["record"]
    if record is None:
        status, detail = "unknown", "quota could not be read: %s" % entry["reason"]
    else:
        status, detail = _verdict(req, record, entry["total"], entry["others"], low_percent)
    record = record or {}
    check = dict(
        available=record.get("available"),
        message="%s: %s — %s" % (entry["label"], _describe_target(req, result), detail),
        name=entry["name"],
        need=req["need"],
        need_total=entry.get("total", req["need"]),
        quota=record.get("quota"),
        region=result.get("region") or req.get("region"),
        resource_type=req["resource_type"],
        service=req["service"],
        shared_with=entry.get("others", []),
        status=status,
        target=record.get("kms_instance_id") or req.get(TARGET_FIELD[req["service"]]) or result.get("project_id"),
        enterprise_project=req.get("enterprise_project"),
        unlimited=record.get("unlimited"),
        used=record.get("used"),
    )
    if entry.get("host"):
        check["host"] = entry["host"]
    return check
