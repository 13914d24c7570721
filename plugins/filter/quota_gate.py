# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters behind the quota_gate role: plan the distinct reads, then build the report."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.headroom.cloud.plugins.module_utils._gate import GateInputError, plan, report


def quota_gate_plan(requirements):
    try:
        return plan(requirements)
    except GateInputError as exc:
        raise AnsibleFilterError(str(exc))


def quota_gate_report(requirements, reads, low_percent=20, on_unknown="fail"):
    """``reads``: the registered results of the role's reads, each carrying its target's ``key``
    (directly, or in the loop ``item`` of a background job)."""
    results = {}
    for read in reads:
        key = read.get("key")
        if key is None:
            job = read.get("item", {})
            key = job.get("key") or job.get("item", {}).get("key")
        results[key] = read
    return report(requirements, results, low_percent=float(low_percent), on_unknown=on_unknown)


class FilterModule:
    def filters(self):
        return {"quota_gate_plan": quota_gate_plan, "quota_gate_report": quota_gate_report}
