# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the gate reads for each check, and when two reads are the same read.

Private to headroom.cloud: not a public API, may change without notice. Controller only; imports no SDK.

A read is one target of one module run: the module's top-level options on this host (the play's
``module_defaults`` for the module's group and name, then the role's ``quota_gate_alicloud`` /
``quota_gate_huaweicloud``) with the target's own fields on top, exactly as the module merges a
``targets`` item. Its id hashes *everything* the module would see, except secrets: every option,
every environment variable of the vendor's prefixes (those the options fall back to, the profile
files' paths, the SDKs' own endpoint variables), and the host when the module does not run on the
controller. So two hosts share a read only when the read they would make
is the same; a secret adds nothing to the identity, as its key id already names the account.
"""

from __future__ import annotations

import hashlib
import json
import re

from ansible_collections.headroom.cloud.plugins.module_utils._alicloud import ALICLOUD_ARGUMENT_SPEC
from ansible_collections.headroom.cloud.plugins.module_utils._common import CONNECTION_ARGUMENT_SPEC
from ansible_collections.headroom.cloud.plugins.module_utils._huaweicloud import HUAWEICLOUD_ARGUMENT_SPEC


# Checks whose quota is not read: reported only (not_gated), unknown before any read (unknown), or the quota of a
# KMS instance the same Terraform plan creates (planned_quota).
NOT_READ = ("not_gated", "planned_quota", "unknown")
# Vendor variables that may hold a secret though no option names them: never part of an identity.
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|_SK$")


class Service:
    def __init__(self, name, module, group, overrides, spec, target_fields, prefixes):
        self.name = name
        self.module = module  # the module that reads it
        self.group = group  # that module's action group (meta/runtime.yml), as module_defaults name it
        self.overrides = overrides  # the action argument with the role's quota_gate_alicloud / _huaweicloud
        self.spec = dict(CONNECTION_ARGUMENT_SPEC, **spec)
        self.target_fields = target_fields  # what a targets item of the module may set
        # The SDKs also read variables no option falls back to (the profile files' paths, Huawei's
        # HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION> endpoints and HUAWEICLOUD_SDK_REGIONS_FILE, say): every
        # variable of the vendor's prefixes is part of a read's identity. Those an option falls back to are
        # already there as that option's value (or not, when the option is set and wins); secrets never are.
        self.prefixes = prefixes
        self.option_variables = frozenset(name for option in self.spec.values()
                                          for name in (option.get("fallback") or (None, ()))[1])

    def vendor_environment(self, environment):
        return dict((name, value) for name, value in environment.items() if name.startswith(self.prefixes)
                    and name not in self.option_variables and not SECRET_NAME.search(name))


SERVICES = {
    "kms": Service("kms", "headroom.cloud.kms_quota_info", "group/headroom.cloud.alicloud", "alicloud",
                   ALICLOUD_ARGUMENT_SPEC, ("endpoint", "kms_instance_id", "region"),
                   ("ALIBABA_CLOUD_", "ALICLOUD_")),
    "taurusdb": Service("taurusdb", "headroom.cloud.taurusdb_quota_info", "group/headroom.cloud.huaweicloud",
                        "huaweicloud", HUAWEICLOUD_ARGUMENT_SPEC,
                        ("endpoint", "enterprise_project", "flavors", "project_id", "region", "resource_types"),
                        ("HUAWEICLOUD_SDK_", "HW_")),
}


class Place:
    """Where a host's modules run, as far as it changes what they read: the environment their options
    fall back to (the controller's for a local connection, plus the task's ``environment``), and the
    host itself when the modules run anywhere else (its own environment and files, unknown here)."""

    def __init__(self, host, local, environment, become_user=None):
        self.host = host
        self.local = local
        self.environment = environment
        self.become_user = become_user

    def identity(self):
        return dict(host=None if self.local else self.host, become_user=self.become_user,
                    home=self.environment.get("HOME"))


def check_targets(check):
    """The targets item of the read that answers ``check``, and of its flavor lookups (``flavor``, and for an
    update ``from_flavor``: the flavor it has now).

    A flavor is looked up on its own, never riding on a quota read: a mistyped enterprise project then
    fails only its own lines, and every requirement of one flavor, in any enterprise project, gets its
    size from the one lookup.
    """
    fields = ("kms_instance_id",) if check["service"] == "kms" else ("project_id",)
    item = dict((name, check[name]) for name in ("region", "endpoint") + fields if check.get(name) is not None)
    if check.get("enterprise_project") and not check.get("tenant_of"):
        item["enterprise_project"] = check["enterprise_project"]
    lookups = {}
    for field in ("flavor", "from_flavor"):
        if check.get(field) and check["resource_type"] in ("vcpus", "ram"):
            lookups[field] = dict((k, v) for k, v in item.items() if k != "enterprise_project")
            lookups[field].update(flavors=[check[field]], resource_types=[])
    return item, lookups


def effective_options(service, base, item, place):
    """The options the module would see for this target, secrets left out, environment fallbacks filled in."""
    options = module_options(base)
    options.update((k, v) for k, v in item.items() if v is not None)
    for name, spec in service.spec.items():
        fallback = spec.get("fallback")
        if options.get(name) is None and fallback and place.local:
            value = next((place.environment[env] for env in fallback[1] if place.environment.get(env)), None)
            if value is not None:
                options[name] = value
    return dict((k, v) for k, v in options.items() if not service.spec.get(k, {}).get("no_log"))


def read_id(service, base, item, place):
    """The id of one read: a hash of everything that decides what it answers (see the module docstring)."""
    identity = dict(
        service=service.name,
        options=effective_options(service, base, item, place),
        environment=service.vendor_environment(place.environment) if place.local else None,
        place=place.identity(),
    )
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]


def module_options(base):
    """A host's top-level options as the module gets them: without the gate's own ``endpoints`` mapping."""
    return dict((k, v) for k, v in base.items() if k != "endpoints")


def missing_region(service):
    """Every way to give a read its region, for a check that has none."""
    return ("region is missing: give the requirement a region, or set region in the play's module_defaults for %s (or "
            "%s), in quota_gate_%s, or in the environment variable %s" % (
                service.group, service.module, service.overrides, " or ".join(service.spec["region"]["fallback"][1])))


def plan_reads(checks, bases, place):
    """Give each check the id of its read (``read``), of its flavor lookup (``flavor_read``) and the region
    its read uses (``read_region``).

    ``bases`` maps each service to this host's top-level module options. Returns the distinct reads,
    ``{id: {"service": name, "target": item}}``, in the order first needed.
    """
    reads = {}
    for check in checks:
        service, base = SERVICES[check["service"]], bases[check["service"]]
        item, lookups = check_targets(check)
        # The region the read will use, wherever it comes from, for the report's lines.
        check["read_region"] = region = effective_options(service, base, item, place).get("region")
        if region is None and place.local and not any(field in check for field in NOT_READ):
            # Only this check: the others are read as usual. (Where the module runs elsewhere, its environment,
            # unknown here, may still give one.)
            check["unknown"] = missing_region(service)
        endpoint = (base.get("endpoints") or {}).get(region)
        for target in [item] + list(lookups.values()):
            if endpoint and "endpoint" not in target:
                target["endpoint"] = endpoint  # the gate's per-region endpoints
        if not any(field in check for field in NOT_READ):
            check["read"] = _add(reads, service, base, item, place)
        for field, lookup in lookups.items():
            check[field + "_read"] = _add(reads, service, base, lookup, place)
    return reads


def _add(reads, service, base, item, place):
    identity = read_id(service, base, item, place)
    reads.setdefault(identity, dict(service=service.name, target=item))
    return identity


def module_runs(reads, bases):
    """One module run per service for ``reads`` (ids in order): ``{service: (module, args, ids)}``.

    The run's top-level options are this host's; each read is one ``targets`` item, read concurrently
    by the one module process.
    """
    runs = {}
    for identity, read in reads.items():
        service = SERVICES[read["service"]]
        module, args, ids = runs.setdefault(service.name, (
            service.module, dict(module_options(bases[service.name]), targets=[]), []))
        args["targets"].append(read["target"])
        ids.append(identity)
    return runs
