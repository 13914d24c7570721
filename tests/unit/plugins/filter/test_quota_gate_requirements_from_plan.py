# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quota_gate_requirements_from_plan filter: the plan reader as Ansible calls it."""

from __future__ import annotations

import json
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.headroom.cloud.plugins.filter.quota_gate_requirements_from_plan import FilterModule

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "examples", "terraform", "plan.json")
read_plan = FilterModule().filters()["quota_gate_requirements_from_plan"]


def test_the_filter_reads_a_parsed_plan_and_its_text_alike():
    with open(EXAMPLE) as handle:
        text = handle.read()
    requirements = read_plan(json.loads(text))
    assert read_plan(text) == requirements
    assert [req["name"] for req in requirements] == [
        "alicloud_kms_key.app[0, 1]", "alicloud_kms_key.shared", "huaweicloud_gaussdb_mysql_instance.orders",
        "huaweicloud_gaussdb_mysql_instance.reports", "module.payments.alicloud_kms_key.tde[0..2]"]


def test_the_filter_never_shows_a_sensitive_value():
    with open(EXAMPLE) as handle:
        plan = json.load(handle)
    assert plan["variables"]["db_password"]["value"] == "example-Passw0rd"
    assert "example-Passw0rd" not in json.dumps(read_plan(plan))


@pytest.mark.parametrize("document, message", [
    ({"format_version": "2.0", "resource_changes": []}, 'format_version "2.0" is not supported'),
    ({"format_version": "1.0", "terraform_version": "1.11.4", "values": {}}, "This is a state, not a plan"),
    ("not json at all", "the text is not JSON"),
])
def test_input_that_is_not_a_plan_is_an_ansible_filter_error(document, message):
    with pytest.raises(AnsibleFilterError, match=message):
        read_plan(document)
