# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requirements as users write them: strings from -e and INI inventories, omitted fields, typos."""

from __future__ import annotations

import pytest

from ansible_collections.headroom.cloud.plugins.plugin_utils._requirements import (
    GateInputError,
    expand,
    parse_requirements,
)

OMIT = "__omit_place_holder__2f9c1d"
KEY = dict(service="kms", resource_type="key")


def one(**fields):
    return parse_requirements([dict(KEY, **fields)], omit=OMIT)[0]


def refused(*requirements, **kw):
    with pytest.raises(GateInputError) as caught:
        parse_requirements(list(requirements), omit=OMIT, **kw)
    return str(caught.value)


@pytest.mark.parametrize("given, need", [(None, 1), (3, 3), ("3", 3), ("2.0", 2), ("1e3", 1000), (2.0, 2), (" 4 ", 4),
                                         (0, 0)])
def test_need_accepts_every_integral_form_and_defaults_to_one(given, need):
    assert one(need=given)["need"] == need


@pytest.mark.parametrize("given", [True, False, "true", "2.5", 2.5, "three", "nan", "inf", [], {}])
def test_need_refuses_what_is_not_a_whole_number_naming_the_requirement(given):
    text = refused(dict(KEY, name="payment keys", need=given))
    assert text.startswith("Invalid quota_gate_requirements: quota_gate_requirements[0] (payment keys): need must be "
                           "a whole number, got ")


def test_negative_counts_and_percentages_out_of_range_are_refused():
    assert "need must be 0 or more, got -1" in refused(dict(KEY, need="-1"))
    assert "nodes must be 1 or more, got 0" in refused(dict(service="taurusdb", flavor="f", nodes=0, enterprise_project="e"))
    assert "max_usage_percent must be between 0 and 100, got 101" in refused(dict(KEY, max_usage_percent="101"))
    assert "max_usage_percent must be a number, got true" in refused(dict(KEY, max_usage_percent=True))
    assert one(max_usage_percent="87.5")["max_usage_percent"] == 87.5


def test_an_omitted_field_is_absent_whatever_ansible_core_left_in_its_place():
    requirement = one(kms_instance_id=OMIT, region="__omit_place_holder__other", need=OMIT, name=None)
    assert requirement == dict(KEY, index=0, need=1)
    assert parse_requirements(OMIT, omit=OMIT) == []


def test_a_misspelled_key_names_the_item_its_name_and_the_closest_valid_key():
    text = refused(KEY, dict(KEY, name="db keys", kms_instanse_id="kst-1", nede=2))
    assert "quota_gate_requirements[1] (db keys): unknown key 'kms_instanse_id'; did you mean 'kms_instance_id'?" in text
    assert "unknown key 'nede'; did you mean 'need'?" in text
    assert "unknown key 'colour' (valid keys: addresses, endpoint, enterprise_project," in refused(dict(KEY, colour="red"))


def test_ids_that_an_ini_inventory_turned_into_numbers_are_kept_as_text():
    assert one(name=123)["name"] == "123"
    assert parse_requirements([dict(service="taurusdb", resource_type="instance", project_id=12345)])[0][
        "project_id"] == "12345"
    assert "name must be a string, got true" in refused(dict(KEY, name=True))


@pytest.mark.parametrize("requirements, problem", [
    ("[{service: kms}]", "quota_gate_requirements must be a list of mappings, got a string"),
    ({"service": "kms"}, "quota_gate_requirements must be a list of mappings, got a dict"),
    (["kms"], "quota_gate_requirements[0]: must be a mapping such as {service: kms"),
])
def test_a_requirements_list_of_the_wrong_shape_says_how_to_write_it(requirements, problem):
    with pytest.raises(GateInputError) as caught:
        parse_requirements(requirements)
    assert problem in str(caught.value)


@pytest.mark.parametrize("requirement, problem", [
    (dict(service="rds", resource_type="key"), "service 'rds' is not one of kms, taurusdb"),
    (dict(resource_type="key"), "service is missing: give kms or taurusdb"),
    (dict(service="kms"), "resource_type is missing (or, for taurusdb, give a flavor)"),
    (dict(service="taurusdb", resource_type="key"), "resource_type 'key' is not a taurusdb resource type"),
    (dict(service="taurusdb", resource_type="vcpus", need=8), "resource_type vcpus exists per enterprise project"),
    (dict(service="taurusdb", flavor="f", resource_type="vcpus", nodes=1, enterprise_project="e"),
     "give resource_type or flavor, not both"),
    (dict(service="kms", flavor="f"), "flavor belongs to taurusdb requirements, not kms"),
    (dict(service="taurusdb", flavor="f", enterprise_project="e"), "nodes is missing: with flavor, give the nodes"),
    (dict(service="taurusdb", flavor="f", nodes=2), "flavor needs enterprise_project: vCPU and RAM quotas exist"),
    (dict(service="taurusdb", resource_type="instance", nodes=2), "nodes goes with flavor"),
    (dict(service="kms", resource_type="key", enterprise_project="x"), "enterprise_project belongs to taurusdb"),
    (dict(service="taurusdb", resource_type="instance", kms_instance_id="kst-1"), "kms_instance_id belongs to kms"),
    (dict(service="kms", resource_type="key", region=""), "region is empty: give a value or leave the key out"),
])
def test_rules_across_fields(requirement, problem):
    assert problem in refused(requirement)


def test_every_problem_of_every_item_is_listed_at_once():
    text = refused(dict(KEY, need=-2), dict(service="taurusdb", resource_type="qps", max_usage_percent=101))
    assert "quota_gate_requirements[0]: need must be 0 or more, got -2" in text
    assert "quota_gate_requirements[1]: max_usage_percent must be between 0 and 100, got 101" in text


def test_a_flavor_requirement_stands_for_three_checks_and_the_tenants_instance_quota():
    checks = expand(parse_requirements([dict(service="taurusdb", flavor="f", nodes=2, enterprise_project="payments",
                                             max_usage_percent=80)]))
    assert [(c["name"], c["resource_type"], c.get("tenant_of"), c.get("max_usage_percent")) for c in checks] == [
        ("requirement 1", "instance", None, 80), ("requirement 1", "vcpus", None, 80), ("requirement 1", "ram", None, 80),
        ("requirement 1", "instance", "payments", None)]
    assert "flavor" not in checks[3] and "nodes" not in checks[3]


def test_the_role_argument_spec_documents_exactly_the_keys_and_resource_types_the_gate_accepts():
    import yaml
    from pathlib import Path

    from ansible_collections.headroom.cloud.plugins.module_utils._quota import RESOURCE_TYPES
    from ansible_collections.headroom.cloud.plugins.modules import kms_quota_info, taurusdb_quota_info
    from ansible_collections.headroom.cloud.plugins.plugin_utils._requirements import FIELDS

    spec = yaml.safe_load((Path(__file__).resolve().parents[4] / "roles" / "quota_gate" / "meta" /
                           "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]["quota_gate_requirements"]["options"]
    assert sorted(options) == sorted(FIELDS) == list(options)  # documented, accepted, and kept sorted
    assert options["resource_type"]["choices"] == [t for service in ("kms", "taurusdb") for t in RESOURCE_TYPES[service]]
    assert options["service"]["choices"] == list(RESOURCE_TYPES)
    for module, service in ((kms_quota_info.KmsQuotaInfo, "kms"), (taurusdb_quota_info.TaurusdbQuotaInfo, "taurusdb")):
        assert module.argument_spec["resource_types"]["choices"] == list(RESOURCE_TYPES[service])


def test_requirements_from_a_plan_keep_what_the_plan_reader_adds():
    planned = parse_requirements([dict(service="kms", resource_type="key", need=2, addresses=["a.k[0]", "a.k[1]"],
                                       planned_quota=dict(address="alicloud_kms_instance.app", quota=1000, used=0))])[0]
    assert planned["planned_quota"] == dict(address="alicloud_kms_instance.app", quota=1000, used=0)
    update = dict(service="taurusdb", resource_type="instance", flavor="f2", nodes=3, from_flavor="f1", from_nodes=2,
                  need=0, enterprise_project="e")
    assert [c["resource_type"] for c in expand(parse_requirements([update]))] == ["vcpus", "ram"]
    unknown = dict(service="taurusdb", resource_type="instance", nodes=2, need=1, unknown="flavor of x is unknown")
    assert [c["resource_type"] for c in expand(parse_requirements([unknown]))] == ["instance"]
    assert "from_flavor and from_nodes go together" in refused(dict(update, from_nodes=None))
    assert "give kms_instance_id or planned_quota, not both" in refused(dict(
        KEY, kms_instance_id="kst-1", planned_quota=dict(address="x", quota=1)))
    assert "planned_quota of x must have a quota and used of 0 or more" in refused(dict(
        KEY, planned_quota=dict(address="x", quota="lots")))
    assert "planned_quota belongs to kms requirements, not taurusdb" in refused(dict(
        service="taurusdb", resource_type="instance", planned_quota=dict(address="x", quota=1)))


@pytest.mark.parametrize("field", ["not_gated", "unknown"])
@pytest.mark.parametrize("given", [False, True, 0, 1, "false", "no", "0", "yes", " True ", ""])
def test_a_reason_not_to_judge_must_be_a_reason_never_a_switch(field, given):
    # not_gated: false reads as "gate it" to whoever wrote it, but any value would leave the requirement unjudged.
    text = refused(dict(KEY, name="app keys", **{field: given}))
    assert ("quota_gate_requirements[0] (app keys): %s holds why the requirement is not judged (a sentence), got "
            % field) in text
    assert text.endswith(": leave the key out to judge the requirement.")
    assert one(**{field: " no dkms_instance_id "})[field] == "no dkms_instance_id"


def test_an_update_is_of_one_instance_with_a_flavor_to_grow_to():
    update = dict(service="taurusdb", flavor="f", nodes=3, from_flavor="g", from_nodes=2, enterprise_project="e")
    assert "an update (from_flavor) is of one instance: give one requirement per instance updated, without need" in \
        refused(dict(update, need=3))
    assert parse_requirements([dict(update, need=0)])[0]["need"] == 0
    assert parse_requirements([update])[0]["need"] == 1
    without_flavor = dict(service="taurusdb", resource_type="vcpus", from_flavor="g", from_nodes=2, enterprise_project="e")
    assert ("from_flavor and from_nodes describe an update to flavor: set flavor (the flavor after the update)"
            in refused(without_flavor))
