# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter that reads a Terraform / OpenTofu plan into quota gate requirements (docs: the .yml beside it)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.headroom.cloud.plugins.plugin_utils._plan import PlanError, requirements_from_plan


def quota_gate_requirements_from_plan(plan):
    """The requirements ``plan`` (``terraform show -json PLANFILE``, parsed or as text) stands for."""
    try:
        return requirements_from_plan(plan)
    except PlanError as exc:
        # The reader's text names what is wrong without quoting the plan, which may hold secrets in clear.
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"quota_gate_requirements_from_plan": quota_gate_requirements_from_plan}
