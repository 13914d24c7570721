# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The play's module_defaults as the gate's action plugins hand them to the modules they run.

Run with a real Templar on every ansible-core of the matrix: 2.19 and later stopped templating
module_defaults when a task is validated, so a value written as one template reaches the plugin
untemplated there, and templated on 2.16 to 2.18.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.headroom.cloud.plugins.plugin_utils._module_defaults import reader_defaults
from ansible_collections.headroom.cloud.plugins.plugin_utils._reads import SERVICES

try:  # ansible-core 2.19+ templates only strings marked as trusted, as the playbook loader marks them
    from ansible.template import trust_as_template
except ImportError:  # 2.16 to 2.18 template every string
    def trust_as_template(value):
        return value

GROUP = "group/headroom.cloud.alicloud"
MODULE = "headroom.cloud.kms_quota_info"
OMIT = "__omit_place_holder__0123456789"


def as_loaded(value):
    """``value`` as the playbook loader hands it over: every string a trusted template."""
    if isinstance(value, dict):
        return dict((k, as_loaded(v)) for k, v in value.items())
    return trust_as_template(value) if isinstance(value, str) else value


def defaults_for(*module_defaults, **variables):
    templar = Templar(loader=DataLoader(), variables=dict(variables, omit=OMIT))
    task = SimpleNamespace(module_defaults=[as_loaded(entry) for entry in module_defaults])
    return reader_defaults(SERVICES["kms"], task, templar, dict(omit=OMIT))


def test_a_group_entry_written_as_one_template_is_templated():
    settings = dict(region="cn-hangzhou", endpoint="http://127.0.0.1:8080")
    assert defaults_for({GROUP: "{{ settings }}"}, settings=settings) == settings


def test_templated_values_inside_an_entry_are_templated_and_omitted_ones_dropped():
    assert defaults_for({GROUP: {"region": "{{ where }}", "endpoint": "{{ nothing | default(omit) }}"}},
                        where="cn-shanghai") == {"region": "cn-shanghai"}


def test_the_module_entry_wins_over_the_group_entry():
    assert defaults_for({GROUP: {"region": "cn-hangzhou", "retries": 1}, MODULE: {"retries": 5}}) == {
        "region": "cn-hangzhou", "retries": 5}


def test_a_later_block_replaces_an_earlier_entry_for_the_same_key_as_ansible_core_does():
    play, block = {GROUP: {"region": "cn-hangzhou", "retries": 1}}, {GROUP: {"retries": 3}}
    assert defaults_for(play, block) == {"retries": 3}


@pytest.mark.parametrize("module_defaults", [[], [{"group/headroom.cloud.huaweicloud": {"region": "cn-north-4"}}]])
def test_defaults_for_the_other_service_never_reach_this_one(module_defaults):
    assert defaults_for(*module_defaults) == {}
