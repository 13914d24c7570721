#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: quota_gate_prepare
short_description: The quota gate's first step on a host, check its requirements and plan its reads
version_added: 0.2.0
description:
  - The first of the three steps of the P(headroom.cloud.quota_gate#role) role, run on the controller for each host.
  - Checks the host's settings and requirements (values as Ansible hands them over, strings included), works out
    every read the requirements need with the options the module would get on this host (the play's
    C(module_defaults), then O(alicloud) / O(huaweicloud), then the requirement's target) and gives each read an id
    that hashes all of them except secrets, so that two hosts share a read only when it is the same read.
  - Its result, registered by the role as C(__quota_gate), is what M(headroom.cloud.quota_gate_read) and
    M(headroom.cloud.quota_gate_judge) of every host of the batch read. It holds no secret.
  - Internal to the role; its options and result may change without notice. Use the role.
author:
  - headroom.cloud maintainers (@headroom-cloud)
options:
  alicloud:
    description: The role's O(headroom.cloud.quota_gate#role:main:quota_gate_alicloud).
    type: dict
    default: {}
  enabled:
    description: The role's O(headroom.cloud.quota_gate#role:main:quota_gate_enabled); a string is read as Ansible reads it.
    type: raw
    default: true
  fail:
    description: The role's O(headroom.cloud.quota_gate#role:main:quota_gate_fail).
    type: raw
    default: true
  huaweicloud:
    description: The role's O(headroom.cloud.quota_gate#role:main:quota_gate_huaweicloud).
    type: dict
    default: {}
  low_percent:
    description: The role's O(headroom.cloud.quota_gate#role:main:quota_gate_low_percent).
    type: raw
    default: 20
  on_unknown:
    description: The role's O(headroom.cloud.quota_gate#role:main:quota_gate_on_unknown).
    type: str
    default: fail
  report_path:
    description: The role's O(headroom.cloud.quota_gate#role:main:quota_gate_report_path).
    type: raw
    default: []
  requirements:
    description:
      - The role's O(headroom.cloud.quota_gate#role:main:quota_gate_requirements).
      - With O(terraform_plan), may be empty; with neither, the step fails, since the gate would check nothing.
    type: raw
    default: []
  scope:
    description: The role's O(headroom.cloud.quota_gate#role:main:quota_gate_scope).
    type: str
    default: host
  terraform_plan:
    description:
      - The role's O(headroom.cloud.quota_gate#role:main:quota_gate_terraform_plan), a path relative to the
        playbook's directory or the parsed plan; its requirements are judged with O(requirements).
    type: raw
extends_documentation_fragment:
  - headroom.cloud.attributes.CONTROLLER
  - headroom.cloud.attributes.HELPER
seealso:
  - module: headroom.cloud.quota_gate_read
  - module: headroom.cloud.quota_gate_judge
"""

EXAMPLES = r"""
# Used by the headroom.cloud.quota_gate role; see roles/quota_gate/tasks/main.yml.
- name: Plan this host's quota reads
  headroom.cloud.quota_gate_prepare:
    requirements:
      - {service: kms, resource_type: key, kms_instance_id: kst-hzz0001demo, need: 3}
  register: __quota_gate
"""

RETURN = r"""
checks:
  description: The host's checks (a requirement by flavor, or into an enterprise project, makes several), each with
    the id of the read that answers it.
  returned: when the host takes part
  type: list
  elements: dict
enabled:
  description: Whether the host takes part in the gate.
  returned: always
  type: bool
reads:
  description: The distinct reads the host needs, by id, each with its service and its target (no secret).
  returned: when the host takes part
  type: dict
settings:
  description: The host's switches, as the gate uses them (booleans and numbers, whatever form they were given in).
  returned: always
  type: dict
"""
