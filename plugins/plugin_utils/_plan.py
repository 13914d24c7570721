# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a Terraform / OpenTofu plan into the quota gate's requirements.

Private to headroom.cloud: not a public API, may change without notice. It runs on the controller
only, through the quota_gate_requirements_from_plan filter and the role's quota_gate_prepare step
(quota_gate_terraform_plan); it imports no SDK.

The input is the JSON that ``terraform show -json PLANFILE`` (or ``tofu show -json``) prints, in
the 1.x family of its format. What draws on which quota follows the providers' own schemas:

* ``alicloud_kms_key`` / ``alicloud_kms_secret`` with ``dkms_instance_id``: one key / one secret
  on that KMS instance. Without it they go to the shared KMS service, which has no instance quota:
  not gated. When the id is unknown because the plan creates that ``alicloud_kms_instance``, they
  are judged against that instance's planned ``key_num`` / ``secret_num``, found through the
  configuration's references (through module inputs and outputs too).
* ``huaweicloud_gaussdb_mysql_instance`` (and its newer name ``huaweicloud_taurusdb_instance``): a
  create needs one instance of ``flavor`` with ``1 + read_replicas`` nodes in its enterprise
  project; an update needs the difference when it changes the flavor or adds read replicas.

Only the create half of a change needs quota: ``create``, and the create of a replace in either
order (a delete frees nothing the gate counts on); ``update`` by difference; ``no-op``, ``read``,
``delete`` and ``forget`` need nothing. Anything the gate needs that the plan leaves unknown, or
marks sensitive, makes the requirement ``unknown``, naming the address and the attribute: a value
the plan marks sensitive (``before_sensitive``, ``after_sensitive``, a ``sensitive`` variable) is
never copied into a requirement or an error message.
"""

from __future__ import annotations

import json
import re

from collections.abc import Mapping

KMS_RESOURCE_TYPES = {"alicloud_kms_key": "key", "alicloud_kms_secret": "secret"}
KMS_INSTANCE = "alicloud_kms_instance"
PLANNED_QUOTA_ATTRIBUTE = {"key": "key_num", "secret": "secret_num"}
TAURUSDB_INSTANCES = ("huaweicloud_gaussdb_mysql_instance", "huaweicloud_taurusdb_instance")
READ_REPLICAS_DEFAULT = 1  # the provider's schema: read_replicas is Optional with Default 1
SHARED_KMS = "no dkms_instance_id: the shared KMS service has no instance quota"
NO_ENTERPRISE_PROJECT = ("no enterprise_project_id (on the resource or its provider): vCPU and RAM quotas exist "
                         "per enterprise project only")

# Requirement keys in the order they are listed; everything else an item carries is the reader's own.
FIELDS = ("name", "addresses", "service", "resource_type", "region", "kms_instance_id", "planned_quota",
          "project_id", "enterprise_project", "flavor", "nodes", "from_flavor", "from_nodes", "need",
          "unknown", "not_gated")

_FORMAT_1X = re.compile(r"^1(\.\d+)*$")
_KEY = r'(?:\[(?P<key>"(?:[^"\\]|\\.)*"|\d+)\])?'
_NAME = r"[A-Za-z_][\w-]*"
_RESOURCE_REF = re.compile(r"^(?P<type>%s)\.(?P<name>%s)%s" % (_NAME, _NAME, _KEY))
_MODULE_REF = re.compile(r"^module\.(?P<name>%s)%s(?:\.(?P<output>%s))?" % (_NAME, _KEY, _NAME))
_VARIABLE_REF = re.compile(r"^var\.(?P<name>%s)" % _NAME)
_MODULE_SEGMENT = re.compile(r'module\.(?P<name>%s)(?:\[(?P<key>"(?:[^"\\]|\\.)*"|[^\]]*)\])?\.?' % _NAME)
_NOT_RESOURCES = ("count", "each", "path", "self", "terraform")  # reference roots that name no resource
_ANY = object()  # a module instance key a reference does not fix (an output of a module called with count)
_NAME_SLOT = "\x00name\x00"  # where a reason names the requirement's addresses, filled in once they are grouped


class PlanError(ValueError):
    """Input that is not a plan the reader can judge; the text never quotes a value from the plan."""


class Unresolved(object):
    """An attribute the gate needs that the reader may not use, and why (never its value)."""

    __slots__ = ("why", "unknown")

    def __init__(self, why, unknown=False):
        self.why = why
        self.unknown = unknown  # unknown until apply, as opposed to sensitive or not usable


def requirements_from_plan(plan):
    """The quota gate requirements a plan stands for (see the module docstring), in plan order.

    ``plan`` is the parsed JSON of ``terraform show -json PLANFILE``, or that JSON as text. Raises
    :class:`PlanError` for anything that is not such a plan.
    """
    plan = _validated(plan)
    try:
        return _grouped(_PlanReader(plan).items())
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, PlanError):
            raise
        # A part of the plan that is not shaped as documented. Only the kind of error is named: its text
        # could quote a value from the plan.
        raise PlanError("Not a Terraform plan the reader can read: a part of it is not shaped as the plan format "
                        "documents (%s)." % type(exc).__name__) from None


def _validated(plan):
    """The plan as a mapping, once it is known to be a plan of the 1.x format that finished planning."""
    plan = _document(plan)
    version = plan.get("format_version")
    if version is None:
        raise PlanError("Not a Terraform plan: it has no format_version. Give the JSON that "
                        "`terraform show -json PLANFILE` (or `tofu show -json PLANFILE`) prints.")
    if not isinstance(version, str) or not _FORMAT_1X.match(version):
        raise PlanError("Plan format_version %s is not supported: the reader knows the 1.x family that "
                        "Terraform 1.x and OpenTofu 1.x write." % _shown(version))
    _check_planned(plan)
    return plan


def _document(plan):
    """The parsed JSON, from JSON text or as given; refused unless it is an object."""
    if isinstance(plan, bytes):
        plan = plan.decode("utf-8", "replace")
    if isinstance(plan, str):
        plan = _parsed(plan)
    if not isinstance(plan, Mapping):
        raise PlanError("Not a Terraform plan: expected the JSON object that `terraform show -json PLANFILE` prints, "
                        "got %s." % _kind(plan))
    return plan


def _check_planned(plan):
    """Refuse a state (what `terraform show -json` prints without a plan file) and a plan that errored."""
    if "resource_changes" not in plan and "planned_values" not in plan:
        if "values" in plan:
            raise PlanError("This is a state, not a plan (`terraform show -json` without a plan file): save a plan with "
                            "`terraform plan -out tfplan` and give `terraform show -json tfplan`.")
        raise PlanError("Not a Terraform plan: it has neither resource_changes nor planned_values.")
    if plan.get("errored"):
        raise PlanError("The plan errored: Terraform could not finish planning, so it does not say everything the "
                        "apply would create. Fix the errors and plan again.")
    for field in ("resource_changes", "deferred_changes"):
        if not isinstance(plan.get(field) or [], list):
            raise PlanError("Not a Terraform plan: %s is %s, not a list." % (field, _kind(plan[field])))


def _parsed(text):
    try:
        return json.loads(text)
    except ValueError as exc:
        # The position only: the text may hold sensitive values.
        raise PlanError("Not a Terraform plan: the text is not JSON (line %s, column %s)." % (
            getattr(exc, "lineno", "?"), getattr(exc, "colno", "?"))) from None  # the error holds the whole text


def _kind(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else "a %s" % type(value).__name__)


def _shown(version):
    """A format_version for a message: a short string, else only its kind."""
    if isinstance(version, str) and len(version) <= 20:
        return json.dumps(version)
    return "(%s)" % _kind(version)


class _Resource(object):
    """One instance of a resource in the plan: its change, its configuration and where it stands."""

    def __init__(self, entry, config):
        self.address = entry.get("address") or "?"
        self.module_address = entry.get("module_address") or ""
        self.type = entry.get("type")
        self.name = entry.get("name")
        self.index = entry.get("index")
        self.base = _base(entry)
        self.change = entry.get("change")
        if not isinstance(self.change, Mapping):
            raise PlanError("Not a Terraform plan: resource change %s has no change object." % self.address)
        self.actions = self.change.get("actions") or []
        if not isinstance(self.actions, list):
            raise PlanError("Not a Terraform plan: the actions of resource change %s are not a list." % self.address)
        self.config = config or {}
        self.segments = _module_segments(self.module_address)

    def creates(self):
        return "create" in self.actions

    def updates(self):
        return self.actions == ["update"]

    def after(self, name):
        return _attribute(self.change, "after", name)

    def before(self, name):
        return _attribute(self.change, "before", name)

    def expression(self, name):
        return (self.config.get("expressions") or {}).get(name)

    def configured(self, name):
        """Whether the configuration sets ``name``: True, False, or None when the plan has no configuration for it."""
        if not self.config:
            return None
        expression = self.expression(name)
        return isinstance(expression, Mapping) and expression != {"constant_value": None}


def _base(entry):
    """The address without the resource's own instance key: the part that count / for_each instances share."""
    parts = [entry.get("module_address")] if entry.get("module_address") else []
    parts += ["data"] if entry.get("mode") == "data" else []
    return ".".join(parts + [str(entry.get("type")), str(entry.get("name"))])


def _attribute(change, side, name):
    """A top-level attribute's value on one side of a change, or :class:`Unresolved` when the plan marks it
    sensitive or (after) unknown."""
    if _marked(change.get(side + "_sensitive"), name):
        return Unresolved("%s of %s is marked sensitive in the plan (its value is never shown)" % (name, _NAME_SLOT))
    if side == "after" and _marked(change.get("after_unknown"), name):
        return Unresolved("%s of %s is unknown until apply" % (name, _NAME_SLOT), unknown=True)
    values = change.get(side)
    return values.get(name) if isinstance(values, Mapping) else None


def _marked(marks, name):
    """Whether ``after_unknown`` / ``*_sensitive`` marks ``name``: the whole object (true) or the attribute."""
    if marks is True:
        return True
    return isinstance(marks, Mapping) and bool(marks.get(name))


def _module_segments(module_address):
    """``module.a[0].module.b`` as ``[("a", 0), ("b", None)]``."""
    return [(match.group("name"), _key(match.group("key"))) for match in _MODULE_SEGMENT.finditer(module_address or "")]


def _key(text):
    """An instance key as written in an address (``0``, ``"a"``) as the plan's ``index`` holds it."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _path(segments):
    return tuple(name for name, unused_key in segments)


class _PlanReader(object):
    """The plan, indexed: configuration by module path, provider configurations, variables, planned KMS instances."""

    def __init__(self, plan):
        self.plan = plan
        configuration = plan.get("configuration") if isinstance(plan.get("configuration"), Mapping) else {}
        self.providers = configuration.get("provider_config") or {}
        self.variables = plan.get("variables") or {}
        self.modules, self.calls, self.resources = {}, {}, {}
        self._index_module(configuration.get("root_module") or {}, ())
        # A deposed object (left by a failed create_before_destroy) shares its address but is only deleted.
        self.kms_instances = [self._resource(entry) for entry in self._changes("resource_changes")
                              if entry.get("type") == KMS_INSTANCE and entry.get("mode", "managed") == "managed"
                              and not entry.get("deposed")]

    def _index_module(self, module, path):
        self.modules[path] = module
        for resource in module.get("resources") or []:
            self.resources[(path, resource.get("mode"), resource.get("type"), resource.get("name"))] = resource
        for name, call in (module.get("module_calls") or {}).items():
            self.calls[path + (name,)] = call
            self._index_module(call.get("module") or {}, path + (name,))

    def _changes(self, field):
        return [entry for entry in self.plan.get(field) or [] if isinstance(entry, Mapping)]

    def _resource(self, entry):
        path = _path(_module_segments(entry.get("module_address")))
        config = self.resources.get((path, entry.get("mode", "managed"), entry.get("type"), entry.get("name")))
        return _Resource(entry, config)

    def items(self):
        """One item per resource instance that draws on a quota (or is listed as not gated, or cannot be judged)."""
        items = []
        for entry in self._changes("resource_changes"):
            if entry.get("mode", "managed") == "managed" and _handled(entry.get("type")):
                items.extend(self._needs(self._resource(entry)))
        for deferred in self._changes("deferred_changes"):
            entry = deferred.get("resource_change")
            if isinstance(entry, Mapping) and _handled(entry.get("type")):
                items.extend(self._deferred(self._resource(entry), deferred.get("reason")))
        return items

    def _needs(self, res):
        if res.type in KMS_RESOURCE_TYPES:
            return [self._kms(res, KMS_RESOURCE_TYPES[res.type])] if res.creates() else []
        if res.creates():
            return [self._taurusdb_create(res)]
        return self._taurusdb_update(res) if res.updates() else []

    def _deferred(self, res, reason):
        """A change Terraform deferred to a later plan: what it will create is not in this plan."""
        if not (res.creates() or res.updates()):
            return []
        service, resource_type = _service(res.type)
        why = "Terraform deferred the change of %s (%s): the plan does not say what it creates" % (
            _NAME_SLOT, reason or "no reason given")
        return [_item(res, service, resource_type, reasons=[why], need=1 if res.creates() else 0)]

    # Alibaba Cloud KMS

    def _kms(self, res, resource_type):
        fields = dict(region=self._provider_setting(res, "region"), need=1)
        fields.update(self._kms_target(res, resource_type))
        if fields.get("not_gated"):
            # Never a need, whatever its region: the shared KMS service has no instance quota to draw on.
            fields.update(need=0, region=None if isinstance(fields["region"], Unresolved) else fields["region"])
        return _item(res, "kms", resource_type, **fields)

    def _kms_target(self, res, resource_type):
        """Where the key or secret goes: ``kms_instance_id``, ``planned_quota`` or ``not_gated``."""
        target = res.after("dkms_instance_id")
        configured = res.configured("dkms_instance_id")
        if isinstance(target, Unresolved) and target.unknown and configured is False:
            # key: dkms_instance_id is Optional and Computed, so an unset one is unknown in the plan, not null.
            return dict(not_gated=SHARED_KMS)
        if isinstance(target, Unresolved) and target.unknown and configured:
            return self._planned_quota(res, resource_type)
        if isinstance(target, Unresolved):
            return dict(kms_instance_id=target)
        if not target:
            return dict(not_gated=SHARED_KMS)
        return dict(kms_instance_id=_text(target, "dkms_instance_id"))

    def _planned_quota(self, res, resource_type):
        """The quota of the KMS instance this plan creates that ``dkms_instance_id`` refers to."""
        references, opaque = self._references(res.expression("dkms_instance_id"), res.segments)
        instances = [instance for instance in self.kms_instances if any(
            _refers_to(reference, instance) for reference in references)]
        if opaque or len(instances) != 1 or not instances[0].creates():
            return dict(kms_instance_id=Unresolved(_unmatched(opaque, instances), unknown=True))
        quota = _planned_instance_quota(instances[0], PLANNED_QUOTA_ATTRIBUTE[resource_type])
        if isinstance(quota, Unresolved):
            return dict(planned_quota=quota)
        return dict(planned_quota=dict(address=instances[0].address, quota=quota, used=0))

    def _references(self, expression, segments):
        """The resources an expression refers to, as ``(segments, type, name, key)``, following module inputs
        (``var.x`` to the module call) and outputs (``module.m.out``), and the references it cannot follow."""
        found, opaque = [], []
        for reference in _most_specific((expression or {}).get("references") or []):
            root = re.split(r"[.\[]", reference, 1)[0]
            if root == "var":
                more = self._through_variable(reference, segments)
            elif root == "module":
                more = self._through_output(reference, segments)
            elif root in ("local", "data"):
                more = ([], [reference])  # the plan does not describe locals, nor what a data source returns
            elif root in _NOT_RESOURCES:
                more = ([], [])
            else:
                more = _resource_reference(reference, segments)
            found.extend(more[0])
            opaque.extend(more[1])
        return found, opaque

    def _through_variable(self, reference, segments):
        if not segments:
            return [], []  # a root variable holds a value given to the plan, never a resource to be created
        match = _VARIABLE_REF.match(reference)
        if not match:
            return [], [reference]
        name = match.group("name")
        expression = ((self.calls.get(_path(segments)) or {}).get("expressions") or {}).get(name)
        return self._references(expression, segments[:-1]) if expression else ([], [])

    def _through_output(self, reference, segments):
        match = _MODULE_REF.match(reference)
        if not match or not match.group("output"):
            return [], [reference]
        child = segments + [(match.group("name"), _key(match.group("key")) if match.group("key") else _ANY)]
        output = ((self.modules.get(_path(child)) or {}).get("outputs") or {}).get(match.group("output"))
        if not output:
            return [], [reference]
        return self._references(output.get("expression"), child)

    # Huawei Cloud TaurusDB

    def _taurusdb_create(self, res):
        region = self._region(res)
        fields = dict(region=region, project_id=self._project(res, region), need=1)
        enterprise_project = self._enterprise_project(res, "after")
        if enterprise_project is not None:
            # Only enterprise projects have vCPU and RAM quotas: without one the tenant's instance quota is all.
            fields.update(enterprise_project=enterprise_project, flavor=_flavor(res.after("flavor")),
                          nodes=_nodes(res.after("read_replicas")))
        return _item(res, "taurusdb", "instance", **fields)

    def _taurusdb_update(self, res):
        """An update needs what it adds: a larger flavor, more read replicas, or the instance moved into
        another enterprise project (all of it, there)."""
        to_project = self._enterprise_project(res, "after")
        from_project = self._enterprise_project(res, "before")
        if isinstance(to_project, str) and isinstance(from_project, str) and to_project != from_project:
            return [self._taurusdb_create(res)]
        shape = dict(flavor=_flavor(res.after("flavor")), nodes=_nodes(res.after("read_replicas")),
                     from_flavor=_flavor(res.before("flavor")), from_nodes=_nodes(res.before("read_replicas")))
        unresolved = [value for value in list(shape.values()) + [to_project] if isinstance(value, Unresolved)]
        if not unresolved and not _grows(**shape):
            return []
        region = self._region(res)
        if to_project is None:
            return [_item(res, "taurusdb", "instance", region=region, need=0, not_gated=NO_ENTERPRISE_PROJECT)]
        return [_item(res, "taurusdb", "instance", region=region, project_id=self._project(res, region),
                      enterprise_project=to_project, need=0, _ungrouped=res.address, **shape)]

    def _region(self, res):
        """The resource's own region where the plan knows it, else its provider configuration's."""
        own = self._own(res, "after", "region")
        return own if own is not None else self._provider_setting(res, "region")

    def _enterprise_project(self, res, side):
        own = self._own(res, side, "enterprise_project_id")
        return own if own is not None else self._provider_setting(res, "enterprise_project_id")

    def _project(self, res, region):
        """The provider's project_id, which names the project of the provider's own region only."""
        project = self._provider_setting(res, "project_id")
        if isinstance(project, Unresolved) or isinstance(region, Unresolved):
            return None  # the gate looks the region's project up
        return project if region == self._provider_setting(res, "region") else None

    def _own(self, res, side, name):
        """A resource's own setting: its value, :class:`Unresolved`, or None when it leaves it to the provider."""
        value = res.before(name) if side == "before" else res.after(name)
        if isinstance(value, Unresolved):
            # Optional and Computed: unset in the configuration, it is unknown in the plan and the provider's applies.
            return None if value.unknown and res.configured(name) is False else value
        return _text(value, name) if value else None

    def _provider_setting(self, res, name):
        """A setting of the resource's provider configuration (``region``, ``project_id``, ...), or None."""
        key, config = self._provider_config(res)
        expression = ((config or {}).get("expressions") or {}).get(name)
        if not isinstance(expression, Mapping):
            return None  # not set: the environment or the play decides
        value = self._evaluate(expression, _path(_module_segments(config.get("module_address"))))
        if isinstance(value, Unresolved):
            return Unresolved("%s of provider configuration %s (used by %s) %s" % (name, key, _NAME_SLOT, value.why))
        if value and not isinstance(value, str):
            return Unresolved("%s of provider configuration %s (used by %s) is not a string" % (name, key, _NAME_SLOT))
        return value or None

    def _provider_config(self, res):
        """The provider configuration a resource uses. Terraform points a child module's resource at the
        configuration it inherits; a key it leaves unresolved is looked up in the parent modules."""
        key = res.config.get("provider_config_key")
        candidate = key
        while candidate:
            if isinstance(self.providers.get(candidate), Mapping):
                return candidate, self.providers[candidate]
            module, sep, provider = candidate.rpartition(":")
            parent = module.rpartition(".module.")[0] if ".module." in module else ""
            candidate = ("%s:%s" % (parent, provider) if parent else provider) if sep else None
        return key, None

    def _evaluate(self, expression, path):
        """The value of a provider setting: a constant, or one variable (followed up through module calls)."""
        if "constant_value" in expression:
            return expression["constant_value"]
        references = expression.get("references") or []
        match = _VARIABLE_REF.match(references[0]) if len(references) == 1 else None
        if match and match.group(0) == references[0]:
            return self._variable(match.group("name"), path)
        return Unresolved("comes from an expression the plan does not evaluate (%s)" % (
            ", ".join(references) or "no references"), unknown=True)

    def _variable(self, name, path):
        declared = ((self.modules.get(path) or {}).get("variables") or {}).get(name) or {}
        if declared.get("sensitive"):
            return Unresolved("comes from var.%s, a sensitive variable (its value is never shown)" % name)
        if not path:
            entry = self.variables.get(name)
            if isinstance(entry, Mapping) and "value" in entry:
                return entry["value"]
            return Unresolved("comes from var.%s, which has no value in the plan" % name, unknown=True)
        expression = ((self.calls.get(path) or {}).get("expressions") or {}).get(name)
        if not isinstance(expression, Mapping):
            return declared.get("default")
        return self._evaluate(expression, path[:-1])


def _planned_instance_quota(instance, attribute):
    """A planned KMS instance's key_num / secret_num: the quota it starts with, nothing in it yet."""
    payment = instance.after("payment_type")
    if isinstance(payment, Unresolved) and not (payment.unknown and instance.configured("payment_type") is False):
        quota = payment  # set from something unknown or sensitive (unset, it is Computed: Subscription)
    elif payment == "PayAsYouGo":
        # The provider suppresses key_num / secret_num for PayAsYouGo instances: they set no quota.
        quota = Unresolved("%s is PayAsYouGo, whose %s sets no quota" % (_NAME_SLOT, attribute))
    else:
        quota = _whole(instance.after(attribute), attribute)
        if quota is None:
            quota = Unresolved("%s is not set on %s" % (attribute, _NAME_SLOT))
    if isinstance(quota, Unresolved):
        quota.why = quota.why.replace(_NAME_SLOT, instance.address)
    return quota


def _handled(resource_type):
    return resource_type in KMS_RESOURCE_TYPES or resource_type in TAURUSDB_INSTANCES


def _service(resource_type):
    if resource_type in KMS_RESOURCE_TYPES:
        return "kms", KMS_RESOURCE_TYPES[resource_type]
    return "taurusdb", "instance"


def _item(res, service, resource_type, reasons=(), **fields):
    """One resource instance's requirement, before grouping; unresolved fields become its reasons."""
    item = dict(fields, service=service, resource_type=resource_type, address=res.address, base=res.base,
                index=res.index)
    reasons = list(reasons)
    for field, value in list(item.items()):
        if isinstance(value, Unresolved):
            item[field] = None
            if value.why not in reasons:  # flavor and from_flavor may both be sensitive: one reason
                reasons.append(value.why)
    item["reasons"] = reasons
    return item


def _text(value, what):
    if isinstance(value, str):
        return value
    return Unresolved("%s of %s is not a string in the plan" % (what, _NAME_SLOT))


def _whole(value, what):
    if isinstance(value, Unresolved) or value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        return Unresolved("%s of %s is not a whole number in the plan" % (what, _NAME_SLOT))
    return value


def _flavor(value):
    if value is None:
        return Unresolved("flavor of %s is not set in the plan" % _NAME_SLOT)
    return value if isinstance(value, Unresolved) else _text(value, "flavor")


def _nodes(read_replicas):
    """Nodes of an instance: the primary and its read replicas (the provider's default when the plan has none)."""
    replicas = _whole(read_replicas, "read_replicas")
    if isinstance(replicas, Unresolved):
        return replicas
    return 1 + (READ_REPLICAS_DEFAULT if replicas is None else replicas)


def _grows(flavor, nodes, from_flavor, from_nodes):
    """Whether an update may need more: another flavor (larger or not, the gate looks both up) or more nodes."""
    return flavor != from_flavor or nodes > from_nodes


def _most_specific(references):
    """Terraform lists a reference with each of its prefixes (``x[0].id``, ``x[0]``, ``x``): keep the longest."""
    return [reference for reference in references if not any(
        other.startswith(reference) and other[len(reference):len(reference) + 1] in (".", "[")
        for other in references if other != reference)]


def _resource_reference(reference, segments):
    match = _RESOURCE_REF.match(reference)
    if not match:
        return [], [reference]
    return [(segments, match.group("type"), match.group("name"), _key(match.group("key")))], []


def _refers_to(reference, resource):
    segments, resource_type, name, key = reference
    if (resource.type, resource.name) != (resource_type, name):
        return False
    if key is not None and key != resource.index:
        return False
    return len(segments) == len(resource.segments) and all(
        mine[0] == theirs[0] and (mine[1] is _ANY or mine[1] == theirs[1])
        for mine, theirs in zip(segments, resource.segments))


def _unmatched(opaque, instances):
    if opaque:
        return ("dkms_instance_id of %s is unknown until apply and comes through %s, which the plan does not "
                "describe" % (_NAME_SLOT, ", ".join(opaque)))
    if not instances:
        return ("dkms_instance_id of %s is unknown until apply and refers to no %s that this plan creates" % (
            _NAME_SLOT, KMS_INSTANCE))
    if len(instances) > 1:
        return ("dkms_instance_id of %s is unknown until apply and may refer to any of %s" % (
            _NAME_SLOT, ", ".join(instance.address for instance in instances)))
    return ("dkms_instance_id of %s is unknown until apply, and %s, which it refers to, is not created by this "
            "plan" % (_NAME_SLOT, instances[0].address))


def _grouped(items):
    """Items that need the same quota in the same shape become one requirement, with the summed need."""
    groups = {}
    for item in items:
        key = json.dumps(dict((k, v) for k, v in item.items() if k not in ("need", "address", "base", "index")),
                         sort_keys=True)
        groups.setdefault(key, []).append(item)
    return [_requirement(members) for members in groups.values()]


def _requirement(members):
    first = members[0]
    name = compact_name([(member["base"], member["index"]) for member in members])
    requirement = dict((field, first[field]) for field in FIELDS if first.get(field) is not None)
    requirement.update(name=name, addresses=[member["address"] for member in members],
                       need=sum(member["need"] for member in members))
    if first["reasons"]:
        requirement["unknown"] = "; ".join(reason.replace(_NAME_SLOT, name) for reason in first["reasons"])
    return dict((field, requirement[field]) for field in FIELDS if field in requirement)


def compact_name(instances):
    """A short, deterministic name for ``(base, index)`` pairs: ``module.p.alicloud_kms_key.tde[0..2]``,
    ``alicloud_kms_secret.app["api", "worker"]``, ``alicloud_kms_key.a, alicloud_kms_key.b``."""
    by_base = {}
    for base, index in instances:
        by_base.setdefault(base, []).append(index)
    return ", ".join(base + _indexes(indexes) for base, indexes in by_base.items())


def _indexes(indexes):
    numbers = sorted(set(index for index in indexes if isinstance(index, int) and not isinstance(index, bool)))
    keys = sorted(set(json.dumps(index) for index in indexes if isinstance(index, str)))
    parts = _runs(numbers) + keys
    return "[%s]" % ", ".join(parts) if parts else ""


def _runs(numbers):
    """``[0, 1, 2, 5]`` as ``["0..2", "5"]``: three or more in a row make a range."""
    runs = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    parts = []
    for first, last in runs:
        parts.extend(["%d..%d" % (first, last)] if last - first >= 2 else [str(n) for n in range(first, last + 1)])
    return parts
