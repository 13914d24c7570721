#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: quota_gate_read
short_description: Read the KMS and TaurusDB quotas a gate needs, both services at once
version_added: 0.2.0
description:
  - Runs M(headroom.cloud.kms_quota_info) for the given KMS targets and M(headroom.cloud.taurusdb_quota_info) for
    the given TaurusDB targets, the two module runs side by side, and returns each run's result.
  - Each module gets what it would get as a task of its own, the play's C(module_defaults) for its action group and
    for its own name, then the overrides given here, then its targets.
  - A run that fails is returned as a failed result; the task itself does not fail, so that the
    P(headroom.cloud.quota_gate#role) role can judge every requirement and report each unreadable one.
  - The P(headroom.cloud.quota_gate#role) role uses it; a play rarely needs it directly.
author:
  - headroom.cloud maintainers (@headroom-cloud)
options:
  alicloud:
    description:
      - Options of M(headroom.cloud.kms_quota_info) that override the play's C(module_defaults) for it.
    type: dict
    default: {}
  huaweicloud:
    description:
      - Options of M(headroom.cloud.taurusdb_quota_info) that override the play's C(module_defaults) for it.
    type: dict
    default: {}
  kms:
    description:
      - The KMS targets, as the O(headroom.cloud.kms_quota_info#module:targets) option takes them. None, no KMS read.
    type: list
    elements: dict
    default: []
  taurusdb:
    description:
      - The TaurusDB targets, as the O(headroom.cloud.taurusdb_quota_info#module:targets) option takes them. None, no
        TaurusDB read.
    type: list
    elements: dict
    default: []
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on
      the controller.
    support: full
    details: The action plugin runs the two quota modules on the host.
extends_documentation_fragment:
  - headroom.cloud.attributes.HELPER
seealso:
  - module: headroom.cloud.kms_quota_info
  - module: headroom.cloud.taurusdb_quota_info
"""

EXAMPLES = r"""
- name: Read one KMS instance and one TaurusDB project at once
  headroom.cloud.quota_gate_read:
    kms:
      - kms_instance_id: kst-hzz0001
    taurusdb:
      - region: cn-north-4
  register: quotas
"""

RETURN = r"""
kms:
  description: The result of M(headroom.cloud.kms_quota_info) for the KMS targets, or a skipped result when there
    were none.
  returned: always
  type: dict
  sample: {"changed": false, "results": [{"kms_instance_id": "kst-hzz0001", "quotas": []}]}
taurusdb:
  description: The result of M(headroom.cloud.taurusdb_quota_info) for the TaurusDB targets, or a skipped result when
    there were none.
  returned: always
  type: dict
  sample: {"changed": false, "skipped": true, "msg": "no taurusdb targets"}
"""
