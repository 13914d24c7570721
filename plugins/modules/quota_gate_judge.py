#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: quota_gate_judge
short_description: The quota gate's last step on a host, judge, warn, write the report files and say whether to stop
version_added: 0.2.0
description:
  - The last of the three steps of the P(headroom.cloud.quota_gate#role) role, run on the controller for each host.
  - In host scope judges the host's own checks; in play scope every check of every host of the batch that takes
    part, each host reaching the same verdict. Each read is answered by the result of the host that made it. Needs
    on one quota are summed, with the unreleased claims of earlier gate runs of the play (the fact
    C(quota_gate_claims)).
  - The first host that takes part shows what concerns the whole batch once, the play-scope report and warnings,
    and writes the report files; every host checks that the report paths can be written.
  - A host that reaches this step without a share of this run of the gate (its earlier steps did not run for it)
    fails, rather than go on without a verdict.
  - Internal to the role; its result may change without notice. Use the role.
author:
  - headroom.cloud maintainers (@headroom-cloud)
options: {}
extends_documentation_fragment:
  - headroom.cloud.attributes.CONTROLLER
  - headroom.cloud.attributes.HELPER
seealso:
  - module: headroom.cloud.quota_gate_prepare
  - module: headroom.cloud.quota_gate_read
"""

EXAMPLES = r"""
# Used by the headroom.cloud.quota_gate role; see roles/quota_gate/tasks/main.yml.
- name: Judge every requirement
  headroom.cloud.quota_gate_judge:
  register: __quota_gate
"""

RETURN = r"""
claims:
  description: The host's unreleased claims of this play, earlier runs' and this run's, which the role keeps in the
    fact C(quota_gate_claims).
  returned: when the host takes part
  type: list
  elements: dict
lines:
  description: The report's lines as the role shows them; in play scope, on the first host that takes part only.
  returned: when the host shows the report
  type: list
  elements: str
report:
  description: The report the role sets as the fact C(quota_gate_report); its fields are documented in
    P(headroom.cloud.quota_gate_report#filter).
  returned: when the host takes part
  type: dict
stop:
  description: Why the host must stop, or an empty string to go on.
  returned: always
  type: str
"""
