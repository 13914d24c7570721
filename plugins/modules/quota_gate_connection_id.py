#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: quota_gate_connection_id
short_description: Identify, without secrets, the account and endpoints the quota modules reach from a host
version_added: 0.2.0
description:
  - Works out, for each service, which account, region, endpoint and credential source the quota modules would
    use on this host, from the play's C(module_defaults) groups, the given overrides and the environment, and
    returns a short hash of it. Two hosts with the same id reach the same quotas the same way.
  - Nothing is sent to the host and no API is called; secrets are never part of the identity and never returned.
  - The P(headroom.cloud.quota_gate#role) role uses it in play scope, so that needs are summed across hosts only
    when they draw on one quota through one account and endpoint.
author:
  - headroom.cloud maintainers (@headroom-cloud)
options:
  alicloud:
    description:
      - Options of M(headroom.cloud.kms_quota_info) that override the play's C(module_defaults) for it (its action
        group, then its own name).
    type: dict
    default: {}
  huaweicloud:
    description:
      - Options of M(headroom.cloud.taurusdb_quota_info) that override the play's C(module_defaults) for it (its
        action group, then its own name).
    type: dict
    default: {}
extends_documentation_fragment:
  - headroom.cloud.attributes.CONTROLLER
  - headroom.cloud.attributes.HELPER
notes:
  - With a connection other than C(local), options that come from the environment are taken to be that host's own,
    so such hosts never share an id.
"""

EXAMPLES = r"""
- name: Which account and endpoints this host reaches
  headroom.cloud.quota_gate_connection_id:
  register: connection
"""

RETURN = r"""
connection_ids:
  description: Per service, a hash of the effective connection settings (account key id, region, endpoint,
    credential source); equal ids mean the same account and endpoint.
  returned: always
  type: dict
  contains:
    kms:
      description: The id for M(headroom.cloud.kms_quota_info).
      type: str
      sample: 3f1c0d9e8a7b6c5d
    taurusdb:
      description: The id for M(headroom.cloud.taurusdb_quota_info).
      type: str
      sample: 9a8b7c6d5e4f3a2b
"""
