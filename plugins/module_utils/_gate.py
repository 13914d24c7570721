# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quota_gate role's logic: plan the reads, then judge every requirement against what was read.

Private to headroom.cloud: not a public API, may change without notice. It runs on the controller
through the quota_gate_plan and quota_gate_report filters; it imports no SDK.
"""

from __future__ import annotations

RESOURCE_TYPES = {"kms": ("key", "secret", "qps", "vpc"), "taurusdb": ("instance",)}
TARGET_FIELD = {"kms": "kms_instance_id", "taurusdb": "project_id"}
MODULE_ARGS = ("region", "kms_instance_id", "project_id")


class GateInputError(ValueError):
    """Requirements that the role's argument spec cannot check by itself (ranges, cross-field rules)."""


def normalise(requirements):
    """Apply the argument spec's defaults and types to the raw role variable.

    Role argument validation checks the requirements but hands the role the variable as written,
    so ``need`` may be missing (default 1) or a numeric string.
    """
    normalised = []
    for req in requirements:
        req = dict(req)
        req["need"] = int(req["need"]) if req.get("need") is not None else 1
        if req.get("max_usage_percent") is not None:
            req["max_usage_percent"] = float(req["max_usage_percent"])
        normalised.append(req)
    return normalised


def target_key(requirement):
    return "%s|%s|%s" % (requirement["service"], requirement.get("region") or "", requirement.get(
        TARGET_FIELD[requirement["service"]]) or "")


def check_requirements(requirements):
    """Every problem with the (normalised) requirements, as readable lines; empty when they are usable."""
    problems = []
    for index, req in enumerate(requirements):
        label = "quota_gate_requirements[%d]%s" % (index, " (%s)" % req["name"] if req.get("name") else "")
        service = req["service"]
        if req["resource_type"] not in RESOURCE_TYPES[service]:
            problems.append("%s: resource_type %r is not a %s resource type; use one of %s" % (
                label, req["resource_type"], service, ", ".join(RESOURCE_TYPES[service])))
        if req["need"] < 0:
            problems.append("%s: need must be 0 or more, got %s" % (label, req["need"]))
        limit = req.get("max_usage_percent")
        if limit is not None and not 0 <= limit <= 100:
            problems.append("%s: max_usage_percent must be between 0 and 100, got %s" % (label, limit))
        for service_name, field in TARGET_FIELD.items():
            if service_name != service and req.get(field) is not None:
                problems.append("%s: %s belongs to %s requirements, not %s" % (label, field, service_name, service))
    return problems


def plan(requirements):
    """The distinct targets to read, grouped by service, each with the module arguments that name it.

    However many requirements point at one target, it is read once; each service's targets are
    read by one module call, whose ``targets`` option reads them concurrently in one process.
    """
    requirements = normalise(requirements)
    problems = check_requirements(requirements)
    if problems:
        raise GateInputError("Invalid quota_gate_requirements: " + "; ".join(problems) + ".")
    targets = dict((service, []) for service in TARGET_FIELD)
    seen = set()
    for req in requirements:
        key = target_key(req)
        if key not in seen:
            seen.add(key)
            args = dict((name, req[name]) for name in MODULE_ARGS if req.get(name) is not None)
            targets[req["service"]].append(dict(key=key, args=args))
    return targets


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
    else:
        project = req.get("project_id") or (result or {}).get("project_id")
        where = "in project %s" % project if project else "in the region's project"
    return "%s %s %s in %s" % (service, req["resource_type"], where, region)


def _pick_record(req, result):
    """The quota record for a requirement, or the reason there is none."""
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
    return matching[0], None


def judge(req, result, low_percent):
    """(status, detail) for one requirement and the module result of its target."""
    if result is None or result.get("failed") or "quotas" not in result:
        # A failed read, or anything that is not a module's quota result: never guess.
        reason = (result or {}).get("msg") or "the quota was not read"
        return "unknown", None, "quota could not be read: %s" % reason
    record, reason = _pick_record(req, result)
    if record is None:
        return "unknown", None, "quota could not be read: %s" % reason
    need = req["need"]
    if record["unlimited"]:
        return "ok", record, "need %d, unlimited quota (%d used)" % (need, record["used"])
    quota, used, available = record["quota"], record["used"], record["available"]
    base = "need %d, used %d of %d, %d available" % (need, used, quota, available)
    if available < need:
        return "insufficient", record, "%s (short by %d)" % (base, need - available)
    limit = req.get("max_usage_percent")
    usage_after = 100.0 if quota == 0 else 100.0 * (used + need) / quota
    if limit is not None and usage_after > limit:
        return "insufficient", record, "%s (usage after creation %.1f%% exceeds max_usage_percent %s%%)" % (
            base, usage_after, _number(limit))
    free_after = 0.0 if quota == 0 else 100.0 * (available - need) / quota
    if free_after < low_percent:
        return "low", record, "%s (leaves %.1f%% free, under %s%%)" % (base, free_after, _number(low_percent))
    return "ok", record, base


def _number(value):
    return int(value) if float(value).is_integer() else value


def report(requirements, results, low_percent=20, on_unknown="fail"):
    """The gate's report: ``passed`` and one check per requirement, in the order given.

    ``results`` maps a target key (see plan) to the module result of that target.
    """
    checks = []
    for index, req in enumerate(normalise(requirements)):
        result = results.get(target_key(req))
        status, record, detail = judge(req, result, low_percent)
        name = req.get("name") or "requirement %d" % (index + 1)
        record = record or {}
        checks.append(dict(
            available=record.get("available"),
            message="%s: %s — %s" % (name, _describe_target(req, result), detail),
            name=name,
            need=req["need"],
            quota=record.get("quota"),
            region=(result or {}).get("region") or req.get("region"),
            resource_type=req["resource_type"],
            service=req["service"],
            status=status,
            target=record.get("kms_instance_id") or req.get("kms_instance_id") or req.get("project_id")
            or (result or {}).get("project_id"),
            unlimited=record.get("unlimited"),
            used=record.get("used"),
        ))
    blocking = ("insufficient", "unknown") if on_unknown == "fail" else ("insufficient",)
    failures = [c["message"] for c in checks if c["status"] in blocking]
    if failures:
        summary = "Quota gate failed: %d of %d requirements cannot be met:\n- %s" % (
            len(failures), len(checks), "\n- ".join(failures))
    else:
        summary = "Quota gate passed: all %d requirements fit." % len(checks)
    return dict(checks=checks, failures=failures, passed=not failures, summary=summary)
