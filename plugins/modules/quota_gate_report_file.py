#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: quota_gate_report_file
short_description: Write a quota gate report as JSON, a Markdown job summary or JUnit XML
version_added: 0.2.0
description:
  - Writes the report of the P(headroom.cloud.quota_gate#role) role to files on the controller, in the format each
    file name's extension asks for, so that CI systems can show and archive it.
  - V(.json) is the C(quota_gate_report) fact as JSON; V(.md) a Markdown summary (the verdict, then one table row per
    requirement) for a GitLab or GitHub job summary; V(.xml) JUnit XML with one C(testcase) per requirement
    (C(failure) when insufficient, C(error) when unknown under O(on_unknown=fail), C(skipped) when the gate is
    disabled).
  - Each file is written whole or not at all. The role uses this module; it is usable on its own with a report
    from P(headroom.cloud.quota_gate_report#filter).
author:
  - headroom.cloud maintainers (@headroom-cloud)
options:
  host_reports:
    description:
      - Instead of O(report), the reports of a host-scope gate, a dict of host name to that host's report (what
        P(headroom.cloud.quota_gate_report#filter) returns with O(headroom.cloud.quota_gate_report#filter:by_host)).
        The file then holds them all, each line naming its host.
    type: dict
  on_unknown:
    description: How the gate treated an unreadable quota; under V(fail) it is a JUnit C(error).
    type: str
    choices: [fail, warn]
    default: fail
  path:
    description: One path, or a list of paths, on the controller; each must end in V(.json), V(.md) or V(.xml).
    type: list
    elements: path
    required: true
  report:
    description: The report (the C(quota_gate_report) fact). When omitted, a report with every requirement skipped.
    type: dict
  requirements:
    description: The requirements, for the skipped report when neither O(report) nor O(host_reports) is given.
    type: list
    elements: dict
  skipped_reason:
    description: Why the gate did not run, for the skipped report.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The report is written in check mode too; it describes the run, it changes no managed system.
extends_documentation_fragment:
  - headroom.cloud.attributes.CONTROLLER
  - headroom.cloud.attributes.HELPER
"""

EXAMPLES = r"""
- name: Keep the report for the pipeline
  headroom.cloud.quota_gate_report_file:
    report: "{{ quota_gate_report }}"
    path: [quota-report.md, quota-report.xml]
"""

RETURN = r"""
problems:
  description: The paths that could not be written, each with the reason.
  returned: always
  type: list
  elements: str
  sample: ["/read-only/report.xml: Permission denied"]
written:
  description: The paths that were written.
  returned: always
  type: list
  elements: str
  sample: [quota-report.md, quota-report.xml]
"""
