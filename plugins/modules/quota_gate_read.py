#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: quota_gate_read
short_description: The quota gate's second step on a host, make the reads it is the first to need
version_added: 0.2.0
description:
  - The second of the three steps of the P(headroom.cloud.quota_gate#role) role.
  - Makes the reads that M(headroom.cloud.quota_gate_prepare) planned for this host and that no host before it in
    the batch needs too, with this host's own options and credentials; under a strategy whose hosts do not wait for
    each other (C(free), C(host_pinned)) it makes all of its reads itself.
  - Each service's reads are one run of its module, M(headroom.cloud.kms_quota_info) or
    M(headroom.cloud.taurusdb_quota_info), whose O(headroom.cloud.kms_quota_info#module:targets) option reads them
    concurrently; the two services' runs overlap on a local connection without become. Each module gets what it
    would get as a task of its own, the play's C(module_defaults) for its action group and for its own name, then
    O(alicloud) / O(huaweicloud).
  - A read that fails, or a module that fails before it answers (an interpreter without the SDKs, a missing SDK), is
    kept as that read's failure, with the interpreter and what the module printed; the task itself does not fail,
    so that every requirement is judged and each unreadable one reported.
  - Internal to the role; its options and result may change without notice. Use the role.
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
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on
      the controller.
    support: full
    details: The action plugin runs the two quota modules on the host.
extends_documentation_fragment:
  - headroom.cloud.attributes.HELPER
seealso:
  - module: headroom.cloud.quota_gate_prepare
  - module: headroom.cloud.quota_gate_judge
  - module: headroom.cloud.kms_quota_info
  - module: headroom.cloud.taurusdb_quota_info
"""

EXAMPLES = r"""
# Used by the headroom.cloud.quota_gate role; see roles/quota_gate/tasks/main.yml.
- name: Read the quotas
  headroom.cloud.quota_gate_read:
    alicloud: {retries: 5}
  register: __quota_gate
"""

RETURN = r"""
results:
  description: The result of each read this host made, by read id, as the module returned it for that target.
  returned: when the host takes part
  type: dict
"""
