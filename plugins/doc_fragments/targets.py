# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # The targets option of each quota module, in one place. (Literal strings: ansible-test's
    # yamllint reads doc fragments without running them.)
    KMS = r"""
options:
  targets:
    description:
      - Read several targets in one call, concurrently, instead of the one that O(region), O(endpoint) and
        O(kms_instance_id) name. Each item sets those three options for its target; what an item leaves out, and every
        other option, comes from the top-level options (and their environment variables).
      - The result then has RV(results), one entry per target in order, and a target that cannot be read does not
        stop the others. The call fails if any target failed, and still returns RV(results).
      - The P(headroom.cloud.quota_gate#role) role uses this to read all of a play's KMS targets in one process.
    type: list
    elements: dict
    suboptions:
      endpoint:
        description: The endpoint for this target.
        type: str
      kms_instance_id:
        description: The KMS instance; omitted means every instance of the target's region.
        type: str
      region:
        description: The region of this target.
        type: str
"""

    TAURUSDB = r"""
options:
  targets:
    description:
      - Read several targets in one call, concurrently, instead of the one that O(region), O(endpoint),
        O(project_id), O(enterprise_project), O(flavors) and O(resource_types) name. Each item sets those options
        for its target; what an item leaves out, and every other option, comes from the top-level options (and
        their environment variables).
      - The result then has RV(results), one entry per target in order, and a target that cannot be read does not
        stop the others. The call fails if any target failed, and still returns RV(results).
      - The P(headroom.cloud.quota_gate#role) role uses this to read all of a play's TaurusDB targets in one process.
    type: list
    elements: dict
    suboptions:
      endpoint:
        description: The endpoint for this target.
        type: str
      enterprise_project:
        description: The enterprise project of this target, as O(enterprise_project).
        type: str
        version_added: 0.2.0
      flavors:
        description: The flavors to resolve for this target, as O(flavors).
        type: list
        elements: str
        version_added: 0.2.0
      project_id:
        description: The project; omitted means the target region's project, looked up through IAM.
        type: str
      region:
        description: The region of this target.
        type: str
      resource_types:
        description: The quotas to return for this target, as O(resource_types); V([]) looks up O(flavors) only.
        type: list
        elements: str
        choices: [instance, vcpus, ram]
        version_added: 0.2.0
"""
