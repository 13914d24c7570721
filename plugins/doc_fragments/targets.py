# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

# The targets option of every quota module: one description, with the option that names one
# target (and what leaving it out means) filled in per module.
_TARGETS = r"""
options:
  targets:
    description:
      - Read several targets in one call, concurrently, instead of the one that O(region), O(endpoint) and
        O({target}) name. Each item sets those three options for its target; what an item leaves out, and every
        other option, comes from the top-level options (and their environment variables).
      - The result then has RV(results), one entry per target in order, and a target that cannot be read does not
        stop the others. The call fails if any target failed, and still returns RV(results).
      - The P(headroom.cloud.quota_gate#role) role uses this to read all of a play's {service} targets in one process.
    type: list
    elements: dict
    suboptions:
      endpoint:
        description: The endpoint for this target.
        type: str
      {target}:
        description: {target_description}
        type: str
      region:
        description: The region of this target.
        type: str
"""


class ModuleDocFragment:

    KMS = _TARGETS.format(target="kms_instance_id", service="KMS",
                          target_description="The KMS instance; omitted means every instance of the target's region.")

    TAURUSDB = _TARGETS.format(
        target="project_id", service="TaurusDB",
        target_description="The project; omitted means the target region's project, looked up through IAM.")
