# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's planning and judging as filters, for a custom gate on one host.

The quota_gate role does more (reads shared between hosts, play scope, claims of earlier runs, report
files) through its action plugins; these filters apply the same rules to one list of requirements.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.headroom.cloud.plugins.plugin_utils._judge import ON_UNKNOWN, judge, warnings
from ansible_collections.headroom.cloud.plugins.plugin_utils._reads import SERVICES, Place, plan_reads
from ansible_collections.headroom.cloud.plugins.plugin_utils._requirements import (
    GateInputError,
    as_number,
    expand,
    parse_requirements,
)

ANYWHERE = Place(host=None, local=False, environment={})  # reads told apart by their targets alone


def _planned(requirements):
    try:
        checks = expand(parse_requirements(requirements))
    except GateInputError as exc:
        raise AnsibleFilterError(str(exc))
    reads = plan_reads(checks, dict((name, {}) for name in SERVICES), ANYWHERE)
    return checks, reads


def quota_gate_plan(requirements):
    """The distinct targets of ``requirements`` per service, each ``{key, args}``, ``args`` being one item of the
    module's ``targets`` option."""
    unused_checks, reads = _planned(requirements)
    targets = dict((name, []) for name in SERVICES)
    for identity, read in reads.items():
        targets[read["service"]].append(dict(key=identity, args=read["target"]))
    return targets


def quota_gate_report(requirements, plan, kms=None, taurusdb=None, low_percent=20, on_unknown="fail", warn=False):
    """Judge ``requirements`` against the registered results of each service's module run over ``plan``'s targets.

    With ``warn``, requirements that are ``low``, or ``unknown`` while ``on_unknown`` is ``warn``, are also
    shown as Ansible warnings.
    """
    low_percent, on_unknown = _settings(low_percent, on_unknown)
    checks, unused_reads = _planned(requirements)
    results = {}
    for service, batch in (("kms", kms), ("taurusdb", taurusdb)):
        batch = batch or {}
        per_target = batch.get("results")
        for index, target in enumerate((plan or {}).get(service) or []):
            listed = isinstance(per_target, list) and index < len(per_target)
            # A run that failed as a whole (bad options, no credentials, a missing SDK) is every target's failure.
            results[target["key"]] = per_target[index] if listed else batch
    report, unused_claims = judge(checks, results, low_percent, on_unknown)
    for warning in warnings(report, on_unknown) if warn else []:
        Display().warning(warning)
    return report


def _settings(low_percent, on_unknown):
    """The switches as the role checks them: a misspelt on_unknown must never let an unknown quota pass."""
    problems = []
    if on_unknown not in ON_UNKNOWN:
        problems.append("on_unknown must be one of %s, got %r" % (", ".join(ON_UNKNOWN), on_unknown))
    number = as_number(low_percent)
    if number is None or not 0 <= number <= 100:
        problems.append("low_percent must be a number from 0 to 100, got %r" % (low_percent,))
    if problems:
        raise AnsibleFilterError("quota_gate_report: %s." % "; ".join(problems))
    return number, on_unknown


class FilterModule:
    def filters(self):
        return {"quota_gate_plan": quota_gate_plan, "quota_gate_report": quota_gate_report}
