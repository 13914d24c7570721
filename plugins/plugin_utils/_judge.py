# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's verdict: every check judged against what was read, needs on one quota summed.

Private to headroom.cloud: not a public API, may change without notice. Controller only; pure
functions of their arguments (no Ansible objects), so every rule can be tested without a play.

The rules, each kept in one function below:

- A check is judged only on a record that answers for exactly the target it names
  (:func:`pick_record`); anything else is ``unknown``, never a guess.
- A quota is identified by what the read resolved, ids that are unique by themselves: the KMS
  instance id; the project id and enterprise project id (:func:`quota_identity`). Labels the user
  gave alongside them (a region, an enterprise project's name, the requirement's name) are not.
- Checks on one quota are judged on their summed need, together with the claims that earlier gate
  runs of the play made on it and that were not released (:func:`_sum_shared`), against the tightest
  of the records read for it.
- A check that cannot be judged (its read or its flavor lookup failed) is ``unknown`` on its own; it
  never changes how another check is judged.
"""

from __future__ import annotations

PER_NODE = ("vcpus", "ram")  # the checks of a flavor requirement whose need is instances × nodes × per node
TARGET_FIELD = {"kms": "kms_instance_id", "taurusdb": "project_id"}
RELEASE_HINT = ("Claims of earlier gate runs count until they are released: once their provisioning has run, "
                "release them with ansible.builtin.set_fact: {quota_gate_claims: []}.")
ON_UNKNOWN = ("fail", "warn")  # what an unknown quota does: fail the gate, or only warn


def pick_record(check, result):
    """(record, None), or (None, why there is none) for ``check`` in one read's ``result``."""
    why = _not_a_result(check, result)
    if why:
        return None, why
    instance, why = _kms_instance(check, result) if check["service"] == "kms" else (None, None)
    if why:
        return None, why
    matching = [r for r in result.get("quotas") or [] if r.get("resource_type") == check["resource_type"]
                and r.get("kms_instance_id") == (instance or r.get("kms_instance_id"))]
    if not matching:
        where = " for %s" % instance if instance else ""
        return None, "the service did not report a %s quota%s" % (check["resource_type"], where)
    return _answers_for(check, matching[0])


def _not_a_result(check, result):
    """Why ``result`` is not a module's quota result for ``check``'s target (a failed read, a read of another
    region or project, or anything else), or None: never guess."""
    if not isinstance(result, dict) or result.get("failed") or "quotas" not in result:
        return (result.get("msg") if isinstance(result, dict) else None) or "the quota was not read"
    wanted = dict(region=check.get("read_region") or check.get("region"), project_id=check.get("project_id"))
    for field, value in sorted(wanted.items()):
        # A result handed over for another target (a filter user's registered read, say) is never judged.
        if value and result.get(field) and result[field] != value:
            return "the read answered for %s %s, not %s" % (field.replace("_", " "), result[field], value)
    return None


def _kms_instance(check, result):
    """The KMS instance a check is judged on: the one it names, or the region's only instance."""
    if check.get("kms_instance_id"):
        return check["kms_instance_id"], None
    read = list(result.get("kms_instance_ids") or [])
    unreadable = [entry.get("kms_instance_id") for entry in result.get("unreadable_instances") or []]
    instances = read + unreadable
    if not instances:
        return None, "the region has no KMS instance"
    if len(instances) > 1:
        return None, "the region has %d KMS instances (%s): set kms_instance_id" % (len(instances), ", ".join(instances))
    if unreadable:
        return None, result["unreadable_instances"][0].get("msg") or "KMS instance %s could not be read" % unreadable[0]
    return instances[0], None


def _answers_for(check, record):
    """(record, None), or (None, why) when the read answered for another quota than the check names:
    module defaults (an enterprise_project in the play's group defaults, say) reach every read, and a
    quota of the wrong scope must never be judged."""
    if check["service"] == "kms":
        if check.get("kms_instance_id") and record.get("kms_instance_id") != check["kms_instance_id"]:
            return None, "the read answered for KMS instance %s" % record.get("kms_instance_id")
        return record, None
    wanted = None if check.get("tenant_of") else check.get("enterprise_project")
    answered = record.get("enterprise_project_name") or record.get("enterprise_project_id")
    if wanted and wanted not in (record.get("enterprise_project_name"), record.get("enterprise_project_id")):
        return None, "the read answered for %s, not enterprise project %s" % (
            "enterprise project %s" % answered if answered else "the project's own quota", wanted)
    if answered and not wanted:
        return None, ("the read answered for enterprise project %s (an enterprise_project in the module defaults?), "
                      "but the requirement names none" % answered)
    return record, None


def quota_identity(check, result, record):
    """The quota a check draws on, by the ids the read resolved (unique by themselves), as a list."""
    if record.get("planned"):
        return ["planned", record["planned"], check["resource_type"]]
    if check["service"] == "kms":
        return ["kms", record.get("kms_instance_id"), check["resource_type"]]
    return ["taurusdb", result.get("project_id"), record.get("enterprise_project_id"), check["resource_type"]]


def judge(checks, results, low_percent=20, on_unknown="fail", earlier_claims=(), run=None):
    """The report of ``checks`` (each with ``read``, ``flavor_read`` and, in play scope, ``host``), judged
    together against ``results`` (read id -> module result of that read); and this run's claims.

    Returns ``(report, claims)``.
    """
    lines = [_line(check, results) for check in checks]
    _resolve_flavors(lines, results)
    _sum_shared(lines, list(earlier_claims))
    for line in lines:
        line["judged"] = _judged(line, low_percent)
    blocking = ("insufficient", "unknown") if on_unknown == "fail" else ("insufficient",)
    failures = [line for line in lines if line["judged"]["status"] in blocking]
    report = dict(checks=[line["judged"] for line in lines], failures=[line["judged"]["message"] for line in failures],
                  passed=not failures, summary=_summary(lines, failures))
    return report, [_claim(line, run) for line in lines if line["need"] > 0 and _claimable(line)]


def _summary(lines, failures):
    """One paragraph, counted by requirement: one given by flavor, or into an enterprise project, stands for
    several checks."""
    def requirements(of):
        return set((line["check"].get("host"), line["check"]["index"]) for line in of)
    gated = [line for line in lines if not line["check"].get("not_gated")]
    not_gated = len(requirements(lines)) - len(requirements(gated))
    if not failures:
        return "Quota gate passed: all %d requirements fit%s." % (
            len(requirements(gated)), " (%d more not gated)" % not_gated if not_gated else "")
    summary = "Quota gate failed: %d of %d requirements cannot be met:\n- %s" % (
        len(requirements(failures)), len(requirements(gated)), "\n- ".join(line["judged"]["message"] for line in failures))
    if any(line["earlier"] for line in failures):
        summary += "\n" + RELEASE_HINT
    return summary


def warnings(report, on_unknown):
    """The lines that pass but deserve a look, as warnings: ``low``, and ``unknown`` under ``warn``."""
    return ["quota %s: %s" % (check["status"], check["message"]) for check in report["checks"]
            if check["status"] == "low" or (check["status"] == "unknown" and on_unknown == "warn")]


def _line(check, results):
    result = results.get(check.get("read"))
    if check.get("unknown") or check.get("not_gated"):
        record, reason = None, check.get("unknown")
    elif check.get("planned_quota"):
        planned = check["planned_quota"]  # a KMS instance the same plan creates: its quota as planned
        record, reason = dict(available=max(planned["quota"] - planned["used"], 0), planned=planned["address"],
                              quota=planned["quota"], resource_type=check["resource_type"], unlimited=False,
                              used=planned["used"]), None
    else:
        record, reason = pick_record(check, result)
    host = check.get("host")
    label = "%s: %s" % (host, check["name"]) if host else check["name"]
    return dict(check=check, result=result if isinstance(result, dict) else {}, record=record, reason=reason,
                label=label, need=check["need"], need_text=None, identity=None, others=[], earlier=[], total=None)


def _resolve_flavors(lines, results):
    """Work out what the vCPU and RAM checks of a flavor requirement need, from the flavor's own lookup.

    An unknown flavor, or one whose lookup failed, makes the check unknown: never a guess.
    """
    for line in lines:
        check = line["check"]
        if not check.get("flavor") or check["resource_type"] not in PER_NODE or line["record"] is None:
            continue
        sizes, why = {}, None
        for field in ("flavor", "from_flavor") if check.get("from_flavor") else ("flavor",):
            flavor, why = _flavor(check[field], check, results.get(check.get(field + "_read")))
            if flavor is None:
                break
            sizes[field] = flavor[check["resource_type"]]
        if why:
            line.update(record=None, reason=why)
        else:
            line.update(_flavor_need(check, sizes))


def _flavor_need(check, sizes):
    """The need of a vCPU or RAM check, and how it was worked out: a create needs instances × nodes × the
    flavor's size; an update of one instance the growth from what it has now (never less than nothing)."""
    unit, each = ("vCPUs", "%d") if check["resource_type"] == "vcpus" else ("GB RAM", "%d GB")
    if "from_flavor" not in sizes:
        need = check["need"] * check["nodes"] * sizes["flavor"]
        how = "%s × %s × %s" % (_plural(check["need"], "instance"), _plural(check["nodes"], "node"),
                                each % sizes["flavor"])
    else:
        need = max(check["nodes"] * sizes["flavor"] - check["from_nodes"] * sizes["from_flavor"], 0)
        how = "update: %s × %s, now %s × %s" % (_plural(check["nodes"], "node"), each % sizes["flavor"],
                                                _plural(check["from_nodes"], "node"), each % sizes["from_flavor"])
    return dict(need=need, need_text="need %d %s (%s)" % (need, unit, how))


def _flavor(spec_code, check, lookup):
    """(the flavor's sizes, None), or (None, why there are none)."""
    lookup = lookup if isinstance(lookup, dict) else {}
    region = lookup.get("region") or check.get("read_region") or "the region"
    if lookup.get("failed") or "flavors" not in lookup:
        return None, "flavor %s could not be looked up in %s: %s" % (
            spec_code, region, lookup.get("msg") or "it was not read")
    found = [f for f in lookup["flavors"] or [] if f.get("spec_code") == spec_code and f.get("found")]
    if not found:
        return None, "flavor %s is not offered in %s" % (spec_code, region)
    return found[0], None


def _sum_shared(lines, earlier_claims):
    """Give the lines on one quota the tightest record read for it and their summed need, counting the
    unreleased claims of earlier gate runs on that quota."""
    for members in _by_quota(lines):
        record = _tightest([member["record"] for member in members])
        earlier = [claim for claim in earlier_claims if _claims(claim, members[0])]
        total = sum(member["need"] for member in members + earlier)
        for member in members:
            others = [other["label"] for other in members if other is not member and other["need"] > 0]
            member.update(record=record, total=total, earlier=earlier,
                          others=others + [_earlier_label(claim) for claim in earlier])


def _by_quota(lines):
    """The lines that were read, grouped by the quota they draw on (each line gets its ``identity``)."""
    groups = {}
    for line in lines:
        if line["record"] is not None:
            line["identity"] = quota_identity(line["check"], line["result"], line["record"])
            groups.setdefault(repr(line["identity"]), []).append(line)
    return groups.values()


def _claims(claim, line):
    """Whether an earlier run's claim is on this line's quota: by the ids its read resolved, or, when its
    read failed, by the same read of the same resource type."""
    if claim.get("identity"):
        return claim["identity"] == line["identity"]
    return (claim.get("read") is not None and claim.get("read") == line["check"].get("read")
            and claim.get("resource_type") == line["check"]["resource_type"])


def _tightest(records):
    """Of several reads of one quota, the one with the least headroom: the gate must never pass on the more
    generous of two answers."""
    limited = [r for r in records if not r["unlimited"]]
    return min(limited, key=lambda r: r["available"]) if limited else records[0]


def _judged(line, low_percent):
    """One line of the report."""
    check, record = line["check"], line["record"]
    if check.get("not_gated"):
        status, detail = "skipped", "not gated: %s" % check["not_gated"]
    elif check.get("unknown"):
        status, detail = "unknown", check["unknown"]
    elif record is None:
        status, detail = "unknown", "quota could not be read: %s" % line["reason"]
    else:
        status, detail = verdict(line, low_percent)
    record = record or {}
    judged = dict(
        available=record.get("available"),
        enterprise_project=check.get("enterprise_project"),
        message="%s: %s — %s" % (line["label"], describe_target(check, line["result"], record), detail),
        name=check["name"],
        need=line["need"],
        need_total=line["total"] if line["total"] is not None else line["need"],
        quota=record.get("quota"),
        region=line["result"].get("region") or check.get("read_region"),
        resource_type=check["resource_type"],
        service=check["service"],
        shared_with=line["others"],
        status=status,
        target=record.get("kms_instance_id") or check.get(TARGET_FIELD[check["service"]]) or line["result"].get(
            "project_id"),
        unlimited=record.get("unlimited"),
        used=record.get("used"),
    )
    for field in ("addresses", "host"):
        if check.get(field):
            judged[field] = check[field]
    return judged


def verdict(line, low_percent):
    """(status, detail) for a line whose quota must hold ``line["total"]`` units in all."""
    record, total = line["record"], line["total"]
    shown = (line["need_text"] or "need %s" % _need_units(line["check"], line["need"])) + (
        " (%d with %s)" % (total, ", ".join(line["others"])) if line["others"] else "")
    if record["unlimited"]:
        used = "" if record["used"] is None else " (%d used)" % record["used"]
        return "ok", "%s, unlimited quota%s" % (shown, used)
    quota, used, available = record["quota"], record["used"], record["available"]
    base = "%s, used %d of %d, %d available" % (shown, used, quota, available)
    if line["need"] > 0 and available < total:
        over = " — %d over quota, to be freed first" % (used - quota) if used > quota else ""
        return "insufficient", "%s (short by %d%s)" % (base, total - available, over)
    return _usage_verdict(line["check"].get("max_usage_percent"), record, total, low_percent, base)


def _usage_verdict(limit, record, total, low_percent, base):
    """(status, detail) of a need that fits: over ``max_usage_percent``, low, or ok."""
    quota = record["quota"]
    usage_after = 100.0 if quota == 0 else 100.0 * (record["used"] + total) / quota
    if limit is not None and usage_after > limit:
        return "insufficient", "%s (usage after creation %.1f%% exceeds max_usage_percent %s%%)" % (
            base, usage_after, _number(limit))
    free_after = 0.0 if quota == 0 else 100.0 * (record["available"] - total) / quota
    if free_after < low_percent:
        return "low", "%s (leaves %.1f%% free, under %s%%)" % (base, free_after, _number(low_percent))
    return "ok", base


def describe_target(check, result, record):
    """``kms key on kst-… in cn-hangzhou``: the quota as the read resolved it, in the region that was used."""
    region = result.get("region") or check.get("read_region")
    if check.get("planned_quota"):
        where = "on %s (planned)" % check["planned_quota"]["address"]
    elif check.get("not_gated") or check.get("unknown"):
        where = ""
    elif check["service"] == "kms":
        instance = record.get("kms_instance_id") or check.get("kms_instance_id")
        where = "on %s" % instance if instance else "on the region's KMS instance"
    elif check.get("enterprise_project") and not check.get("tenant_of"):
        where = "in enterprise project %s" % check["enterprise_project"]
    else:
        project = check.get("project_id") or result.get("project_id")
        where = "in project %s" % project if project else "in the region's project"
    text = " ".join(filter(None, [check["service"], check["resource_type"], where, "in %s" % region if region else ""]))
    if check.get("tenant_of"):
        text += " (the tenant's quota, which enterprise project %s counts against)" % check["tenant_of"]
    return text


def _claimable(line):
    """A line claims its need only on a quota a later run can recognise: one its read resolved (``identity``),
    or the read that failed. A line that is not gated draws on nothing; one that named no read (unknown in
    the plan) has no quota to match."""
    return not line["check"].get("not_gated") and bool(line["identity"] or line["check"].get("read"))


def _claim(line, run):
    check = line["check"]
    return dict(host=check.get("host"), identity=line["identity"], name=check["name"], need=line["need"],
                read=check.get("read"), resource_type=check["resource_type"], run=run)


def _earlier_label(claim):
    return "%s%s claimed by an earlier gate run" % ("%s: " % claim["host"] if claim.get("host") else "", claim["name"])


def _need_units(check, need):
    return _plural(need, "instance") if check.get("flavor") and check["resource_type"] == "instance" else "%d" % need


def _plural(count, noun):
    return "%d %s%s" % (count, noun, "" if count == 1 else "s")


def _number(value):
    return int(value) if float(value).is_integer() else value
