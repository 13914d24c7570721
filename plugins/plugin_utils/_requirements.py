# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's input: requirements as users write them, checked, normalised and expanded into checks.

Private to headroom.cloud: not a public API, may change without notice. Controller only.

Requirements arrive as the playbook hands them over, not as the argument spec documents them: values
from ``-e`` and INI inventories are strings, ``"{{ x | default(omit) }}"`` leaves ansible-core's omit
placeholder inside the mapping, and role argument validation never converts what it checks. So every
field is checked and converted here, and every problem names the item, its name and what to write.
"""

from __future__ import annotations

import difflib
import math

from ansible.module_utils.parsing.convert_bool import BOOLEANS

from ansible_collections.headroom.cloud.plugins.module_utils._quota import RESOURCE_TYPES

SERVICES = tuple(RESOURCE_TYPES)
TEXT_FIELDS = ("endpoint", "enterprise_project", "flavor", "from_flavor", "kms_instance_id", "name", "not_gated",
               "project_id", "region", "resource_type", "service", "unknown")
COUNT_FIELDS = {"need": 0, "nodes": 1, "from_nodes": 1}  # whole numbers, with their least value
# addresses, planned_quota, unknown, not_gated and from_*: what the Terraform plan reader (_plan.py) adds.
FIELDS = TEXT_FIELDS + tuple(COUNT_FIELDS) + ("addresses", "max_usage_percent", "planned_quota")
SERVICE_FIELDS = {"kms_instance_id": "kms", "planned_quota": "kms", "project_id": "taurusdb",
                  "enterprise_project": "taurusdb", "flavor": "taurusdb", "nodes": "taurusdb", "from_flavor": "taurusdb",
                  "from_nodes": "taurusdb"}
UNJUDGED = ("not_gated", "unknown")  # requirements that are reported, but read nothing
FLAVOR_TYPES = ("instance", "vcpus", "ram")  # the checks a requirement given by flavor stands for
OMIT_PREFIX = "__omit_place_holder__"


class GateInputError(ValueError):
    """Requirements that cannot be judged as written; the message says which and why."""


def is_omitted(value, omit=None):
    """ansible-core's omit placeholder: where a ``default(omit)`` inside a mapping leaves it, the field is absent."""
    return isinstance(value, str) and (value == omit or value.startswith(OMIT_PREFIX))


def parse_requirements(requirements, omit=None, variable="quota_gate_requirements", first_index=0):
    """The requirements, checked and normalised, each with its position (``index``, counted from
    ``first_index``); raises GateInputError listing every problem of every item."""
    if requirements is None or is_omitted(requirements, omit):
        requirements = []
    if not isinstance(requirements, (list, tuple)):
        raise GateInputError(
            "%s must be a list of mappings, got %s. From the command line, pass it as JSON: "
            "-e '{\"%s\": [{\"service\": \"kms\", ...}]}'." % (variable, _kind(requirements), variable))
    parsed, problems = [], []
    for index, item in enumerate(requirements):
        label = "%s[%d]" % (variable, index)
        requirement, item_problems = _parse_item(item, first_index + index, omit)
        if requirement is not None and requirement.get("name"):
            label += " (%s)" % requirement["name"]
        problems.extend("%s: %s" % (label, problem) for problem in item_problems)
        parsed.append(requirement)
    if problems:
        raise GateInputError("Invalid %s: %s." % (variable, "; ".join(problems)))
    return parsed


def _parse_item(item, index, omit):
    if not isinstance(item, dict):
        return None, ["must be a mapping such as {service: kms, resource_type: key, need: 1}, got %s" % _kind(item)]
    problems = []
    given = dict((key, value) for key, value in item.items() if value is not None and not is_omitted(value, omit))
    for key in sorted(set(given) - set(FIELDS), key=str):
        problems.append(_unknown_key(key))
        del given[key]
    requirement = dict(index=index)
    for key, value in given.items():
        converted, problem = _convert(key, value)
        if problem:
            problems.append(problem)
        else:
            requirement[key] = converted
    requirement.setdefault("need", 1)
    problems.extend(_rule_problems(requirement) if not problems else [])
    return requirement, problems


def _unknown_key(key):
    close = difflib.get_close_matches(str(key), FIELDS, n=1, cutoff=0.6)
    return "unknown key %r%s (valid keys: %s)" % (
        key, "; did you mean %r?" % close[0] if close else "", ", ".join(sorted(FIELDS)))


def _convert(key, value):
    """(value as the gate uses it, None) or (None, the problem)."""
    if key in COUNT_FIELDS:
        number = whole_number(value)
        if number is None:
            return None, "%s must be a whole number, got %s" % (key, _shown(value))
        if number < COUNT_FIELDS[key]:
            return None, "%s must be %d or more, got %d" % (key, COUNT_FIELDS[key], number)
        return number, None
    if key == "addresses":
        if not isinstance(value, list) or not all(isinstance(address, str) for address in value):
            return None, "addresses must be a list of plan addresses, got %s" % _shown(value)
        return list(value), None
    if key == "planned_quota":
        return _planned_quota(value)
    if key == "max_usage_percent":
        number = as_number(value)
        if number is None:
            return None, "max_usage_percent must be a number, got %s" % _shown(value)
        if not 0 <= number <= 100:
            return None, "max_usage_percent must be between 0 and 100, got %s" % (
                int(number) if number.is_integer() else number)
        return number, None
    if key in UNJUDGED:
        return _reason(key, value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None, "%s must be a string, got %s" % (key, _shown(value))
    text = str(value).strip()  # an id that an INI inventory turned into a number is still that id
    if not text:
        return None, "%s is empty: give a value or leave the key out" % key
    return text, None


def _reason(key, value):
    """``not_gated`` and ``unknown`` hold why a requirement is not judged, as the plan reader writes it. A switch
    such as ``not_gated: false`` reads as "gate it" to whoever wrote it, but would leave it unjudged: refused."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or text.lower() in BOOLEANS:  # ansible-core's own spellings of true and false
        return None, ("%s holds why the requirement is not judged (a sentence), got %s: leave the key out to "
                      "judge the requirement" % (key, _shown(value)))
    return text, None


def _planned_quota(value):
    """The quota a KMS instance that the same plan creates will have: ``{address, quota, used}``."""
    if not isinstance(value, dict) or not isinstance(value.get("address"), str):
        return None, "planned_quota must be a mapping with the planned instance's address, quota and used"
    quota, used = whole_number(value.get("quota")), whole_number(value.get("used", 0))
    if quota is None or quota < 0 or used is None or used < 0:
        return None, "planned_quota of %s must have a quota and used of 0 or more" % value["address"]
    return dict(address=value["address"], quota=quota, used=used), None


def whole_number(value):
    """An integral number from a number or a string of one (``3``, ``"3"``, ``"2.0"``, ``"1e3"``); None
    for anything else, booleans included: ``need: true`` is a mistake, not 1."""
    number = as_number(value)
    return int(number) if number is not None and number.is_integer() else None


def as_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _rule_problems(req):
    """Rules across fields, on a requirement whose fields each have the right type."""
    service = req.get("service")
    if service not in SERVICES:
        yield "service is missing: give kms or taurusdb" if service is None else "service %r is not one of %s" % (
            service, ", ".join(SERVICES))
        return
    for field, owner in sorted(SERVICE_FIELDS.items()):
        if owner != service and field in req:
            yield "%s belongs to %s requirements, not %s" % (field, owner, service)
    if any(field in req for field in UNJUDGED):
        # Reported, never read: only what names it must make sense.
        if req.get("resource_type") not in (None,) + RESOURCE_TYPES[service]:
            yield from _resource_type_problems(req)
        return
    if not req.get("flavor") and ("from_flavor" in req or "from_nodes" in req):
        yield "from_flavor and from_nodes describe an update to flavor: set flavor (the flavor after the update)"
        return
    yield from _flavor_problems(req) if req.get("flavor") else _resource_type_problems(req)
    if "planned_quota" in req and "kms_instance_id" in req:
        yield "give kms_instance_id or planned_quota, not both"


def _resource_type_problems(req):
    service, resource_type = req["service"], req.get("resource_type")
    if resource_type is None:
        yield "resource_type is missing (or, for taurusdb, give a flavor)"
    elif resource_type not in RESOURCE_TYPES[service]:
        yield "resource_type %r is not a %s resource type; use one of %s" % (
            resource_type, service, ", ".join(RESOURCE_TYPES[service]))
    elif resource_type in ("vcpus", "ram") and not req.get("enterprise_project"):
        yield "resource_type %s exists per enterprise project: set enterprise_project" % resource_type
    if "nodes" in req and service == "taurusdb":
        yield "nodes goes with flavor"


def _flavor_problems(req):
    if req.get("resource_type") not in (None, "instance"):
        yield "give resource_type or flavor, not both: a flavor checks instances, vcpus and ram"
    if ("from_flavor" in req) != ("from_nodes" in req):
        yield "from_flavor and from_nodes go together: what an updated instance has before the update"
    if "from_flavor" in req and req["need"] > 1:
        # An update creates no instance, and its growth is worked out for one: need would be silently ignored.
        yield "an update (from_flavor) is of one instance: give one requirement per instance updated, without need"
    if req.get("nodes") is None:
        # CreateGaussMySqlInstance requires slave_count (read replicas): there is no default to assume.
        yield "nodes is missing: with flavor, give the nodes per instance (1 primary + slave_count read replicas)"
    if not req.get("enterprise_project"):
        # Only enterprise projects have vCPU and RAM quotas: a flavor without one could check nothing of its size.
        yield ("flavor needs enterprise_project: vCPU and RAM quotas exist per enterprise project "
               "(without one, give resource_type: instance)")


def expand(requirements):
    """The checks the requirements stand for, in order: one per quota each requirement draws on.

    A TaurusDB requirement given by flavor stands for three, its enterprise project's instances, vCPUs
    and RAM. An instance created in an enterprise project also counts against the tenant's instance
    quota (project-quotas), whatever its enterprise project: a check of its own, on that quota.
    """
    checks = []
    for req in requirements:
        name = req.get("name") or "requirement %d" % (req["index"] + 1)
        types = _types(req)
        for resource_type in types:
            checks.append(dict(req, name=name, resource_type=resource_type))
        if req["service"] == "taurusdb" and req.get("enterprise_project") and types[0] == "instance" and not any(
                field in req for field in UNJUDGED):
            tenant = dict((k, v) for k, v in req.items() if k not in (
                "enterprise_project", "flavor", "max_usage_percent", "nodes"))
            checks.append(dict(tenant, name=name, resource_type="instance", tenant_of=req["enterprise_project"]))
    return checks


def _types(req):
    """The resource types a requirement checks. An update of an instance (``from_flavor``) creates no instance:
    only the difference in vCPUs and RAM."""
    if any(field in req for field in UNJUDGED):
        return (req.get("resource_type") or ("instance" if req["service"] == "taurusdb" else "key"),)
    if req.get("from_flavor"):
        return FLAVOR_TYPES[1:]
    return FLAVOR_TYPES if req.get("flavor") else (req["resource_type"],)


def _kind(value):
    return "a string (%r)" % value if isinstance(value, str) else "%s %s" % (
        "an" if type(value).__name__[0] in "aeiou" else "a", type(value).__name__)


def _shown(value):
    return repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
