# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters behind the quota_gate role: plan the distinct reads, then build the report."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.headroom.cloud.plugins.plugin_utils._gate import (
    GateInputError,
    plan,
    plan_play,
    play_report,
    report,
    results_by_target,
)


def quota_gate_plan(requirements, shares=None):
    """The distinct targets of ``requirements``; with ``shares`` (play scope), which host reads which."""
    if shares is not None:
        return plan_play(shares)
    try:
        return plan(requirements)
    except GateInputError as exc:
        raise AnsibleFilterError(str(exc))


def quota_gate_report(requirements, plan, kms=None, taurusdb=None, low_percent=20, on_unknown="fail", warn=False,
                      shares=None, by_host=False):
    """Judge ``requirements`` against the registered results of the role's reads.

    ``plan`` is what quota_gate_plan returned; ``kms`` and ``taurusdb`` are the registered results of
    each service's read. When the reads were planned for the play, ``shares`` holds every host's
    requirements, reads and results instead: one report judges them all, or with ``by_host`` one
    report per host judges each host's requirements on their own. With ``warn``, requirements that
    are ``low``, or ``unknown`` while ``on_unknown`` is ``warn``, are also shown as Ansible warnings.
    """
    if shares is not None:
        judged = play_report(shares, low_percent=float(low_percent), on_unknown=on_unknown, by_host=by_host)
    else:
        results = results_by_target(plan, {"kms": kms, "taurusdb": taurusdb})
        judged = report(requirements, results, low_percent=float(low_percent), on_unknown=on_unknown)
    if warn:
        reports = judged if shares is not None and by_host else {None: judged}
        display = Display()
        for host, the_report in reports.items():
            prefix = "%s: " % host if len(reports) > 1 else ""
            for check in the_report["checks"]:
                if check["status"] == "low" or (check["status"] == "unknown" and on_unknown == "warn"):
                    display.warning("quota %s: %s%s" % (check["status"], prefix, check["message"]))
    return judged


class FilterModule:
    def filters(self):
        return {"quota_gate_plan": quota_gate_plan, "quota_gate_report": quota_gate_report}
