# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's first step on each host: check its settings and requirements, and plan its reads."""

from __future__ import annotations

import re

from ansible_collections.headroom.cloud.plugins.plugin_utils._gate_step import GateStep, GateStepError, flag
from ansible_collections.headroom.cloud.plugins.plugin_utils._judge import ON_UNKNOWN
from ansible_collections.headroom.cloud.plugins.plugin_utils._plan import PlanError, requirements_from_plan
from ansible_collections.headroom.cloud.plugins.plugin_utils._reads import plan_reads
from ansible_collections.headroom.cloud.plugins.plugin_utils._report_files import as_paths
from ansible_collections.headroom.cloud.plugins.plugin_utils._requirements import (
    GateInputError,
    expand,
    as_number,
    is_omitted,
    parse_requirements,
)

GATE_VARIABLES = re.compile(r"\b(quota_gate_report|quota_gate_claims|__quota_gate)\b")
SCOPES = ("host", "play")


class ActionModule(GateStep):
    _VALID_ARGS = frozenset(("alicloud", "enabled", "fail", "huaweicloud", "low_percent", "on_unknown", "report_path",
                             "requirements", "scope", "terraform_plan"))

    def step(self):
        args = self._task.args
        share = dict(run=self.run_id, play=self.play_id, host=self.host, enabled=flag(
            args.get("enabled", True), "quota_gate_enabled"))
        self._refuse_conditions_on_the_gates_own_variables()
        if self._task.run_once:
            # Under run_once the first host's result is registered for every host: one host's verdict for all.
            raise GateStepError(
                "The quota gate cannot run with run_once: every host would take the first host's requirements and "
                "verdict as its own. Remove run_once from the role (each read is already made once for the batch); "
                "to judge the hosts' needs together, set quota_gate_scope: play.")
        share["settings"] = settings = _settings(args)
        if not share["enabled"]:
            # What the report files say when no host of the batch is gated.
            requirements = args.get("requirements")
            share["requirements"] = [r for r in requirements if isinstance(r, dict)] if isinstance(
                requirements, list) else []
            return dict(share, msg="quota_gate_enabled is false: this host is left out of the gate")
        if settings["scope"] == "play" and not self.lockstep():
            raise GateStepError(
                "quota_gate_scope: play judges every host's needs together, so every host must reach the gate "
                "before any is judged; this play's strategy (%s) lets each host run ahead on its own, so no host "
                "could see the others' needs. Run this play with strategy: linear, or set quota_gate_scope: host."
                % self._task.get_play().strategy)
        try:
            checks = expand(self._requirements(args))
        except (GateInputError, PlanError) as exc:
            raise GateStepError(str(exc))
        share["reads"] = plan_reads(checks, self.bases(args), self.place())
        share["checks"] = checks
        return share

    def _requirements(self, args):
        """quota_gate_requirements, then what quota_gate_terraform_plan stands for, judged together."""
        omit = self.task_vars.get("omit")
        requirements = parse_requirements(args.get("requirements"), omit)
        plan = args.get("terraform_plan")
        if plan is None or is_omitted(plan, omit) or plan == "":
            if not requirements:
                raise GateStepError("The quota gate has nothing to check: give quota_gate_requirements, "
                                    "quota_gate_terraform_plan, or both (to skip the gate, set quota_gate_enabled: "
                                    "false).")
            return requirements
        from_plan = requirements_from_plan(self._plan_document(plan))
        return requirements + parse_requirements(from_plan, omit, "quota_gate_terraform_plan", len(requirements))

    def _plan_document(self, plan):
        """The plan as given (parsed JSON, or its text), or read from a path on the controller (relative to the
        playbook's directory)."""
        if not isinstance(plan, str) or plan.lstrip().startswith("{"):
            return plan
        path = self._loader.path_dwim(plan)
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise GateStepError("quota_gate_terraform_plan %s cannot be read: %s. Give the file that `terraform show "
                                "-json tfplan > plan.json` wrote (a path on the controller, relative to the playbook's "
                                "directory), or its parsed JSON." % (path, exc.strerror or exc))

    def _refuse_conditions_on_the_gates_own_variables(self):
        """A condition on the role is evaluated again for every step; one that tests a variable the gate sets
        while it runs would skip its last steps, and the host would provision with no verdict."""
        for condition in self._task.when or []:
            found = GATE_VARIABLES.search(condition) if isinstance(condition, str) else None
            if found:
                raise GateStepError(
                    "The condition %r on the quota gate tests %s, which the gate itself sets while it runs: its last "
                    "steps would be skipped and this host would go on unchecked. To leave hosts out of the gate, set "
                    "quota_gate_enabled: false for them (it may be a template)." % (condition, found.group(0)))


def _settings(args):
    """The role's switches, as users pass them (``-e`` and INI values are strings)."""
    scope = args.get("scope") or "host"
    if scope not in SCOPES:
        raise GateStepError("quota_gate_scope must be host or play, got %r" % scope)
    on_unknown = args.get("on_unknown") or "fail"
    if on_unknown not in ON_UNKNOWN:
        raise GateStepError("quota_gate_on_unknown must be fail or warn, got %r" % on_unknown)
    low_percent = args.get("low_percent", 20)
    number = as_number(low_percent)
    if number is None or not 0 <= number <= 100:
        raise GateStepError("quota_gate_low_percent must be a number between 0 and 100, got %r" % (low_percent,))
    return dict(fail=flag(args.get("fail", True), "quota_gate_fail"), low_percent=number, on_unknown=on_unknown,
                report_path=as_paths(args.get("report_path")), scope=scope)
