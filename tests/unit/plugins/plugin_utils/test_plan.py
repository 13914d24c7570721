# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan reader: terraform show -json into quota gate requirements, without any cloud or Terraform.

The fixtures under tests/unit/fixtures/plans/ are written from the documented plan JSON format and
the providers' schemas (kms_keys.json, kms_planned_instances.json, taurusdb.json), and one plan
was written by Terraform itself (terraform_data/plan.json, see its regenerate.sh).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess

import pytest

from ansible_collections.headroom.cloud.plugins.plugin_utils._plan import (
    PlanError,
    compact_name,
    requirements_from_plan,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "plans")
REAL = os.path.join(FIXTURES, "terraform_data")
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "examples", "terraform")


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def by_name(requirements):
    return dict((req["name"], req) for req in requirements)


def addresses(requirements):
    return [address for req in requirements for address in req["addresses"]]


def change(plan, address):
    return next(entry for entry in plan["resource_changes"] if entry["address"] == address)


def config_resource(plan, address, module=()):
    module_config = plan["configuration"]["root_module"]
    for name in module:
        module_config = module_config["module_calls"][name]["module"]
    return next(resource for resource in module_config["resources"] if resource["address"] == address)


# Refusing what is not a plan


@pytest.mark.parametrize("version", ["1.0", "1.2", "1.10", "1"])
def test_the_1x_family_of_format_versions_is_read(version):
    plan = load("kms_keys.json")
    plan["format_version"] = version
    assert requirements_from_plan(plan)


@pytest.mark.parametrize("version, shown", [
    ("0.2", '"0.2"'), ("2.0", '"2.0"'), ("1.x", '"1.x"'), (1.2, "(a number)"), ("9" * 40, "(a string)")])
def test_other_format_versions_are_refused_naming_the_version(version, shown):
    plan = load("kms_keys.json")
    plan["format_version"] = version
    with pytest.raises(PlanError, match="format_version %s is not supported.*1.x family" % re.escape(shown)):
        requirements_from_plan(plan)


def test_a_state_is_refused_with_how_to_get_a_plan():
    # What `terraform show -json` prints without a plan file, as Terraform 1.11 wrote it (regenerate.sh).
    with open(os.path.join(REAL, "state.json")) as handle:
        state = json.load(handle)
    with pytest.raises(PlanError, match=r"a state, not a plan .*terraform plan -out tfplan.*terraform show -json tfplan"):
        requirements_from_plan(state)


@pytest.mark.parametrize("document, message", [
    ({"name": "headroom", "version": "0.2.0"}, "it has no format_version"),
    ({"format_version": "1.0"}, "neither resource_changes nor planned_values"),
    ([{"format_version": "1.2"}], "got a list"),
    (42, "got a number"),
    (None, "got null"),
    ({"format_version": "1.2", "resource_changes": {"a": 1}}, "resource_changes is an object, not a list"),
    ({"format_version": "1.2", "resource_changes": [{"address": "alicloud_kms_key.a", "type": "alicloud_kms_key"}]},
     "resource change alicloud_kms_key.a has no change object"),
    ({"format_version": "1.2", "resource_changes": [
        {"address": "alicloud_kms_key.a", "type": "alicloud_kms_key", "change": {"actions": "create"}}]},
     "the actions of resource change alicloud_kms_key.a are not a list"),
])
def test_random_json_is_refused(document, message):
    with pytest.raises(PlanError, match=re.escape(message)):
        requirements_from_plan(document)


@pytest.mark.parametrize("damage", [
    lambda plan: plan["configuration"].update(provider_config=["alicloud"]),
    lambda plan: plan.update(variables=["region"]),
])
def test_a_plan_shaped_otherwise_than_documented_is_refused_without_quoting_it(damage):
    plan = load("kms_keys.json")
    damage(plan)
    with pytest.raises(PlanError, match=r"^Not a Terraform plan the reader can read: .*\((AttributeError|TypeError)\)\.$") as caught:
        requirements_from_plan(plan)
    assert caught.value.__suppress_context__


def test_text_that_is_not_json_is_refused_without_quoting_it():
    with pytest.raises(PlanError) as caught:
        requirements_from_plan('{"format_version": "1.2", "variables": {"db_password": {"value": "hunter2"}} oops')
    assert "not JSON (line 1, column" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    # Nothing chained either: Ansible shows an error's causes, and the JSON error holds the whole text.
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_plan_as_json_text_is_read():
    with open(os.path.join(FIXTURES, "kms_keys.json")) as handle:
        text = handle.read()
    assert requirements_from_plan(text) == requirements_from_plan(json.loads(text))
    assert requirements_from_plan(text.encode()) == requirements_from_plan(json.loads(text))


def test_an_errored_plan_is_refused():
    plan = load("kms_keys.json")
    plan["errored"] = True
    with pytest.raises(PlanError, match="The plan errored"):
        requirements_from_plan(plan)


def test_a_plan_without_changes_needs_nothing():
    assert requirements_from_plan({"format_version": "1.2", "planned_values": {"root_module": {}}}) == []


# Alibaba Cloud KMS: keys and secrets on an instance, or the shared service


def test_three_keys_with_count_in_a_child_module_are_one_requirement_naming_them():
    req = by_name(requirements_from_plan(load("kms_keys.json")))["module.payments.alicloud_kms_key.tde[0..2]"]
    assert req == {
        "name": "module.payments.alicloud_kms_key.tde[0..2]",
        "addresses": ["module.payments.alicloud_kms_key.tde[%d]" % index for index in range(3)],
        "service": "kms",
        "resource_type": "key",
        "region": "cn-hangzhou",
        "kms_instance_id": "kst-hzz0001demo",
        "need": 3,
    }


def test_for_each_keys_two_modules_down_use_the_region_of_their_modules_provider():
    req = by_name(requirements_from_plan(load("kms_keys.json")))[
        'module.payments.module.audit.alicloud_kms_key.log["a", "b"]']
    # The module's own provider block: region = var.audit_region, which the module call sets.
    assert req["region"] == "cn-beijing"
    assert req["kms_instance_id"] == "kst-bjj0002audit"
    # ["b"] is replaced with create_before_destroy: the new key exists next to the old one.
    assert req["need"] == 2


def test_a_replaced_secret_needs_one_and_its_delete_frees_nothing():
    req = by_name(requirements_from_plan(load("kms_keys.json")))["alicloud_kms_secret.db, alicloud_kms_secret.recreated"]
    assert req["addresses"] == ["alicloud_kms_secret.db", "alicloud_kms_secret.recreated"]
    assert req["need"] == 2 and req["resource_type"] == "secret" and req["kms_instance_id"] == "kst-hzz0001demo"


@pytest.mark.parametrize("actions", [["create", "delete"], ["delete", "create"], ["create", "forget"]])
def test_every_create_half_of_a_replace_needs_one(actions):
    plan = load("kms_keys.json")
    change(plan, "alicloud_kms_secret.recreated")["change"]["actions"] = actions
    req = [r for r in requirements_from_plan(plan) if "alicloud_kms_secret.recreated" in r["addresses"]][0]
    assert req["need"] == 2  # grouped with alicloud_kms_secret.db: 1 each, nothing subtracted


def test_no_op_update_delete_and_read_of_keys_need_nothing():
    plan = load("kms_keys.json")
    listed = addresses(requirements_from_plan(plan))
    for address in ("alicloud_kms_key.old", "alicloud_kms_key.rotated", "alicloud_kms_key.unchanged"):
        assert address not in listed
    for actions in (["no-op"], ["update"], ["delete"], ["read"], ["forget"]):
        change(plan, "module.payments.alicloud_kms_key.tde[0]")["change"]["actions"] = actions
        req = by_name(requirements_from_plan(plan))["module.payments.alicloud_kms_key.tde[1, 2]"]
        assert req["need"] == 2, actions


def test_a_key_without_dkms_instance_id_is_not_gated_never_a_need():
    # dkms_instance_id is Optional and Computed on alicloud_kms_key: unset, the plan has it unknown, not null.
    plan = load("kms_keys.json")
    assert change(plan, "alicloud_kms_key.shared")["change"]["after_unknown"]["dkms_instance_id"] is True
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.shared"]
    assert req["not_gated"] == "no dkms_instance_id: the shared KMS service has no instance quota"
    assert req["need"] == 0 and "kms_instance_id" not in req and "unknown" not in req


def test_a_secret_without_dkms_instance_id_is_not_gated():
    # dkms_instance_id is Optional (not Computed) on alicloud_kms_secret: unset, it is null in the plan.
    req = by_name(requirements_from_plan(load("kms_keys.json")))["alicloud_kms_secret.plain"]
    assert req["not_gated"] and req["need"] == 0 and req["resource_type"] == "secret"


def test_a_key_whose_unknown_dkms_instance_id_cannot_be_told_without_configuration_is_unknown():
    plan = load("kms_keys.json")
    del plan["configuration"]
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.shared"]
    assert req["unknown"] == "dkms_instance_id of alicloud_kms_key.shared is unknown until apply"
    assert "not_gated" not in req


def test_a_sensitive_dkms_instance_id_is_unknown_and_never_shown():
    plan = load("kms_keys.json")
    change(plan, "alicloud_kms_secret.db")["change"]["after_sensitive"]["dkms_instance_id"] = True
    req = by_name(requirements_from_plan(plan))["alicloud_kms_secret.db"]
    assert req["unknown"] == ("dkms_instance_id of alicloud_kms_secret.db is marked sensitive in the plan (its value "
                              "is never shown)")
    assert "kms_instance_id" not in req


def test_no_sensitive_value_reaches_the_requirements():
    for fixture in ("kms_keys.json", "kms_planned_instances.json", "taurusdb.json"):
        text = json.dumps(requirements_from_plan(load(fixture)))
        for secret in ("S3cr3t", "Db-Passw0rd!", "ep-hidden-id"):
            assert secret not in text, (fixture, secret)


# Keys and secrets into a KMS instance the same plan creates


def test_keys_into_an_instance_the_plan_creates_are_judged_on_its_planned_key_num():
    req = by_name(requirements_from_plan(load("kms_planned_instances.json")))["alicloud_kms_key.app[0, 1]"]
    assert req["planned_quota"] == {"address": "alicloud_kms_instance.main", "quota": 1000, "used": 0}
    assert req["need"] == 2 and "kms_instance_id" not in req and "unknown" not in req


def test_secrets_reach_the_planned_instance_through_a_module_input():
    req = by_name(requirements_from_plan(load("kms_planned_instances.json")))[
        'module.vault.alicloud_kms_secret.app["api", "worker"]']
    assert req["planned_quota"] == {"address": "alicloud_kms_instance.main", "quota": 200, "used": 0}


def test_keys_and_secrets_reach_an_instance_through_a_module_output():
    found = by_name(requirements_from_plan(load("kms_planned_instances.json")))
    assert found["alicloud_kms_key.via_output"]["planned_quota"] == {
        "address": "module.kms.alicloud_kms_instance.this", "quota": 500, "used": 0}
    # secret_num 0 is a quota of 0, not "unset": the gate then finds no room.
    assert found["alicloud_kms_secret.via_output"]["planned_quota"]["quota"] == 0


def test_a_known_dkms_instance_id_wins_over_its_references():
    req = by_name(requirements_from_plan(load("kms_planned_instances.json")))["alicloud_kms_key.existing"]
    assert req["kms_instance_id"] == "kst-shh0007old" and "planned_quota" not in req


@pytest.mark.parametrize("name, unknown", [
    ("alicloud_kms_key.multi[0]", "dkms_instance_id of alicloud_kms_key.multi[0] is unknown until apply and may "
                                  "refer to any of alicloud_kms_instance.multi[0], alicloud_kms_instance.multi[1]"),
    ("alicloud_kms_key.via_local", "dkms_instance_id of alicloud_kms_key.via_local is unknown until apply and comes "
                                   "through local.kms_instance_id, which the plan does not describe"),
    ("alicloud_kms_key.nokeys", "key_num is not set on alicloud_kms_instance.nokeys"),
    ("alicloud_kms_key.payg", "alicloud_kms_instance.payg is PayAsYouGo, whose key_num sets no quota"),
])
def test_a_planned_instance_that_cannot_be_told_is_unknown(name, unknown):
    req = by_name(requirements_from_plan(load("kms_planned_instances.json")))[name]
    assert req["unknown"] == unknown
    assert req["need"] == 1 and "planned_quota" not in req and "kms_instance_id" not in req


def test_an_instance_the_plan_does_not_create_leaves_an_unknown_id_unknown():
    plan = load("kms_planned_instances.json")
    change(plan, "alicloud_kms_instance.main")["change"]["actions"] = ["no-op"]
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.app[0, 1]"]
    assert "alicloud_kms_instance.main, which it refers to, is not created by this plan" in req["unknown"]


def test_a_deposed_object_of_the_planned_instance_is_not_another_candidate():
    plan = load("kms_planned_instances.json")
    deposed = copy.deepcopy(change(plan, "alicloud_kms_instance.main"))
    deposed.update(deposed="5a1b2c3d", change=dict(deposed["change"], actions=["delete"], before={"id": "kst-old"},
                                                   after=None, after_unknown={}))
    plan["resource_changes"].append(deposed)
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.app[0, 1]"]
    assert req["planned_quota"]["address"] == "alicloud_kms_instance.main" and "unknown" not in req


def test_a_reference_to_something_else_is_unknown():
    plan = load("kms_planned_instances.json")
    config_resource(plan, "alicloud_kms_key.app")["expressions"]["dkms_instance_id"] = {
        "references": ["random_string.suffix.result", "random_string.suffix"]}
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.app[0, 1]"]
    assert "refers to no alicloud_kms_instance that this plan creates" in req["unknown"]


@pytest.mark.parametrize("mark", ["after_unknown", "after_sensitive"])
def test_an_unknown_or_sensitive_planned_key_num_is_unknown(mark):
    plan = load("kms_planned_instances.json")
    change(plan, "alicloud_kms_instance.main")["change"][mark]["key_num"] = True
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.app[0, 1]"]
    assert req["unknown"].startswith("key_num of alicloud_kms_instance.main is ")


def test_an_instance_whose_payment_type_is_set_from_something_unknown_is_unknown():
    plan = load("kms_planned_instances.json")
    config_resource(plan, "alicloud_kms_instance.main")["expressions"]["payment_type"] = {"references": ["var.payment"]}
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.app[0, 1]"]
    assert req["unknown"] == "payment_type of alicloud_kms_instance.main is unknown until apply"


# Huawei Cloud TaurusDB


def test_a_create_needs_one_instance_of_its_flavor_with_one_plus_read_replicas_nodes():
    req = by_name(requirements_from_plan(load("taurusdb.json")))["huaweicloud_gaussdb_mysql_instance.orders"]
    assert req == {
        "name": "huaweicloud_gaussdb_mysql_instance.orders",
        "addresses": ["huaweicloud_gaussdb_mysql_instance.orders"],
        "service": "taurusdb",
        "resource_type": "instance",
        "region": "cn-north-4",  # unset on the resource (Optional, Computed): the provider's
        "project_id": "054e292c9880d4992f02c0196d3ea468",  # the provider's project_id, of its own region
        "enterprise_project": "ep-payments-id",
        "flavor": "gaussdb.mysql.4xlarge.x86.4",
        "nodes": 2,
        "need": 1,
    }


def test_read_replicas_left_to_the_provider_default_is_one_replica():
    plan = load("taurusdb.json")
    change(plan, "huaweicloud_gaussdb_mysql_instance.orders")["change"]["after"]["read_replicas"] = None
    assert by_name(requirements_from_plan(plan))["huaweicloud_gaussdb_mysql_instance.orders"]["nodes"] == 2


def test_an_update_that_adds_a_replica_needs_the_difference():
    req = by_name(requirements_from_plan(load("taurusdb.json")))["huaweicloud_gaussdb_mysql_instance.reports"]
    assert (req["flavor"], req["nodes"], req["from_flavor"], req["from_nodes"], req["need"]) == (
        "gaussdb.mysql.4xlarge.x86.4", 3, "gaussdb.mysql.4xlarge.x86.4", 2, 0)
    assert req["enterprise_project"] == "ep-payments-id"


@pytest.mark.parametrize("name, flavor, from_flavor", [
    ("huaweicloud_gaussdb_mysql_instance.analytics", "gaussdb.mysql.4xlarge.x86.4", "gaussdb.mysql.2xlarge.x86.4"),
    # Smaller or larger is for the gate to say, once it has looked both flavors up: it needs max(0, new - old).
    ("huaweicloud_gaussdb_mysql_instance.smaller", "gaussdb.mysql.2xlarge.x86.4", "gaussdb.mysql.4xlarge.x86.4"),
])
def test_an_update_to_another_flavor_names_both(name, flavor, from_flavor):
    req = by_name(requirements_from_plan(load("taurusdb.json")))[name]
    assert (req["flavor"], req["from_flavor"], req["nodes"], req["from_nodes"], req["need"]) == (
        flavor, from_flavor, 2, 2, 0)


def test_updates_that_add_nothing_and_no_op_and_delete_need_nothing():
    listed = addresses(requirements_from_plan(load("taurusdb.json")))
    for name in ("fewer", "renamed", "unchanged", "legacy"):
        assert "huaweicloud_gaussdb_mysql_instance." + name not in listed


def test_replaces_in_either_order_need_a_whole_instance():
    found = by_name(requirements_from_plan(load("taurusdb.json")))
    assert found["huaweicloud_gaussdb_mysql_instance.bluegreen"]["need"] == 1
    assert found["huaweicloud_gaussdb_mysql_instance.rebuilt"]["need"] == 1
    assert found["huaweicloud_gaussdb_mysql_instance.rebuilt"]["nodes"] == 1  # read_replicas = 0
    assert "from_flavor" not in found["huaweicloud_gaussdb_mysql_instance.rebuilt"]


def test_updates_are_never_grouped_each_names_its_own_instance():
    plan = load("taurusdb.json")
    twin = copy.deepcopy(change(plan, "huaweicloud_gaussdb_mysql_instance.reports"))
    twin.update(address="huaweicloud_gaussdb_mysql_instance.reports2", name="reports2")
    plan["resource_changes"].append(twin)
    plan["configuration"]["root_module"]["resources"].append(dict(
        config_resource(plan, "huaweicloud_gaussdb_mysql_instance.reports"),
        address="huaweicloud_gaussdb_mysql_instance.reports2", name="reports2"))
    found = by_name(requirements_from_plan(plan))
    assert found["huaweicloud_gaussdb_mysql_instance.reports"]["need"] == 0
    assert found["huaweicloud_gaussdb_mysql_instance.reports2"]["addresses"] == [
        "huaweicloud_gaussdb_mysql_instance.reports2"]


def test_creates_of_the_same_shape_are_grouped_with_the_summed_need():
    req = by_name(requirements_from_plan(load("taurusdb.json")))[
        "module.reporting.huaweicloud_taurusdb_instance.replica[0, 1]"]
    # huaweicloud_taurusdb_instance is the provider's newer name of the same resource (since v1.92.0).
    assert (req["need"], req["flavor"], req["nodes"]) == (2, "gaussdb.mysql.2xlarge.x86.4", 3)
    # The provider passed to the module (huaweicloud.bj): its region from var.bj_region, its enterprise project.
    assert (req["region"], req["enterprise_project"]) == ("cn-north-9", "ep-analytics-id")
    assert "project_id" not in req


def test_an_instance_moved_to_another_enterprise_project_needs_all_of_it_there():
    req = by_name(requirements_from_plan(load("taurusdb.json")))["huaweicloud_gaussdb_mysql_instance.moved"]
    assert (req["enterprise_project"], req["need"], req["nodes"]) == ("ep-new-id", 1, 2)
    assert "from_flavor" not in req


def test_an_instance_without_enterprise_project_needs_the_tenants_instance_quota_only():
    req = by_name(requirements_from_plan(load("taurusdb.json")))["huaweicloud_gaussdb_mysql_instance.no_ep"]
    assert req == {"name": "huaweicloud_gaussdb_mysql_instance.no_ep",
                   "addresses": ["huaweicloud_gaussdb_mysql_instance.no_ep"], "service": "taurusdb",
                   "resource_type": "instance", "region": "cn-south-1", "need": 1}


def test_an_update_without_enterprise_project_is_not_gated():
    plan = load("taurusdb.json")
    entry = change(plan, "huaweicloud_gaussdb_mysql_instance.reports")["change"]
    entry["before"]["enterprise_project_id"] = entry["after"]["enterprise_project_id"] = None
    del config_resource(plan, "huaweicloud_gaussdb_mysql_instance.reports")["expressions"]["enterprise_project_id"]
    req = by_name(requirements_from_plan(plan))["huaweicloud_gaussdb_mysql_instance.reports"]
    assert req["not_gated"].startswith("no enterprise_project_id") and req["need"] == 0


def test_a_region_of_its_own_is_used_and_the_providers_project_id_is_not():
    req = by_name(requirements_from_plan(load("taurusdb.json")))["huaweicloud_gaussdb_mysql_instance.elsewhere"]
    assert req["region"] == "cn-east-3" and "project_id" not in req


@pytest.mark.parametrize("name, unknown", [
    ("huaweicloud_gaussdb_mysql_instance.unknown_flavor",
     "flavor of huaweicloud_gaussdb_mysql_instance.unknown_flavor is unknown until apply"),
    ("huaweicloud_gaussdb_mysql_instance.unknown_region",
     "region of huaweicloud_gaussdb_mysql_instance.unknown_region is unknown until apply"),
    ("huaweicloud_gaussdb_mysql_instance.secret_ep",
     "enterprise_project_id of huaweicloud_gaussdb_mysql_instance.secret_ep is marked sensitive in the plan (its "
     "value is never shown)"),
])
def test_what_the_gate_needs_and_the_plan_leaves_unknown_is_named(name, unknown):
    req = by_name(requirements_from_plan(load("taurusdb.json")))[name]
    assert req["unknown"] == unknown


def test_every_unknown_attribute_is_named():
    plan = load("taurusdb.json")
    entry = change(plan, "huaweicloud_gaussdb_mysql_instance.unknown_flavor")["change"]
    entry["after_unknown"]["read_replicas"] = True
    req = by_name(requirements_from_plan(plan))["huaweicloud_gaussdb_mysql_instance.unknown_flavor"]
    assert req["unknown"] == ("flavor of huaweicloud_gaussdb_mysql_instance.unknown_flavor is unknown until apply; "
                              "read_replicas of huaweicloud_gaussdb_mysql_instance.unknown_flavor is unknown until apply")


def test_a_flavor_sensitive_before_and_after_is_named_once():
    plan = load("taurusdb.json")
    entry = change(plan, "huaweicloud_gaussdb_mysql_instance.analytics")["change"]
    entry["before_sensitive"] = entry["after_sensitive"] = {"flavor": True, "password": True}
    requirements = requirements_from_plan(plan)
    req = by_name(requirements)["huaweicloud_gaussdb_mysql_instance.analytics"]
    assert req["unknown"] == ("flavor of huaweicloud_gaussdb_mysql_instance.analytics is marked sensitive in the plan "
                              "(its value is never shown)")
    assert "flavor" not in req and "from_flavor" not in req
    assert "gaussdb.mysql.2xlarge.x86.4" not in json.dumps(req)


def test_an_update_to_an_unknown_flavor_is_unknown():
    plan = load("taurusdb.json")
    entry = change(plan, "huaweicloud_gaussdb_mysql_instance.renamed")["change"]
    entry["after_unknown"] = {"flavor": True}
    del entry["after"]["flavor"]
    req = by_name(requirements_from_plan(plan))["huaweicloud_gaussdb_mysql_instance.renamed"]
    assert req["unknown"] == "flavor of huaweicloud_gaussdb_mysql_instance.renamed is unknown until apply"
    assert req["from_flavor"] == "gaussdb.mysql.4xlarge.x86.4"


# Regions from provider configurations


def test_a_provider_region_from_a_variable_comes_from_the_plans_variables():
    plan = load("kms_keys.json")
    plan["variables"]["region"]["value"] = "cn-shenzhen"
    assert by_name(requirements_from_plan(plan))["module.payments.alicloud_kms_key.tde[0..2]"]["region"] == "cn-shenzhen"


def test_a_provider_region_from_a_sensitive_variable_is_unknown_and_never_shown():
    plan = load("kms_keys.json")
    plan["configuration"]["root_module"]["variables"]["region"]["sensitive"] = True
    plan["variables"]["region"]["value"] = "cn-secret-region"
    requirements = requirements_from_plan(plan)
    req = by_name(requirements)["module.payments.alicloud_kms_key.tde[0..2]"]
    assert req["unknown"] == ("region of provider configuration alicloud (used by "
                              "module.payments.alicloud_kms_key.tde[0..2]) comes from var.region, a sensitive "
                              "variable (its value is never shown)")
    assert "cn-secret-region" not in json.dumps(requirements)


def test_a_provider_region_from_an_expression_is_unknown_naming_the_provider():
    plan = load("kms_keys.json")
    plan["configuration"]["provider_config"]["alicloud"]["expressions"]["region"] = {
        "references": ["var.regions", "var.environment"]}
    req = by_name(requirements_from_plan(plan))["alicloud_kms_secret.db, alicloud_kms_secret.recreated"]
    assert req["unknown"].startswith("region of provider configuration alicloud (used by alicloud_kms_secret.db, "
                                     "alicloud_kms_secret.recreated) comes from an expression the plan does not "
                                     "evaluate (var.regions, var.environment)")


def test_without_a_provider_region_the_requirement_has_none_and_the_play_decides():
    plan = load("kms_keys.json")
    del plan["configuration"]["provider_config"]["alicloud"]["expressions"]
    req = by_name(requirements_from_plan(plan))["module.payments.alicloud_kms_key.tde[0..2]"]
    assert "region" not in req and "unknown" not in req


def test_a_provider_key_terraform_left_in_a_module_is_looked_up_in_its_parents():
    plan = load("kms_keys.json")
    config_resource(plan, "alicloud_kms_key.tde", ("payments",))["provider_config_key"] = "module.payments:alicloud"
    assert by_name(requirements_from_plan(plan))["module.payments.alicloud_kms_key.tde[0..2]"]["region"] == "cn-hangzhou"


def test_a_not_gated_key_needs_no_region():
    plan = load("kms_keys.json")
    plan["configuration"]["provider_config"]["alicloud"]["expressions"]["region"] = {"references": ["local.region"]}
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.shared"]
    assert req["not_gated"] and "unknown" not in req and "region" not in req


# Deferred changes


def test_a_deferred_change_is_unknown():
    plan = load("kms_keys.json")
    deferred = change(plan, "alicloud_kms_key.shared")
    plan["resource_changes"].remove(deferred)
    plan["deferred_changes"] = [{"reason": "instance_count_unknown", "resource_change": deferred}]
    req = by_name(requirements_from_plan(plan))["alicloud_kms_key.shared"]
    assert req["unknown"] == ("Terraform deferred the change of alicloud_kms_key.shared (instance_count_unknown): the "
                              "plan does not say what it creates")


# Names


@pytest.mark.parametrize("instances, name", [
    ([("a.b", 0), ("a.b", 1), ("a.b", 2)], "a.b[0..2]"),
    ([("a.b", 1), ("a.b", 0)], "a.b[0, 1]"),
    ([("a.b", 5), ("a.b", 0), ("a.b", 1), ("a.b", 2), ("a.b", 3)], "a.b[0..3, 5]"),
    ([("a.b", "y"), ("a.b", "x")], 'a.b["x", "y"]'),
    ([("alicloud_kms_key.a", None), ("alicloud_kms_key.b", None)], "alicloud_kms_key.a, alicloud_kms_key.b"),
    ([('module.p["x"].t.k', 0), ('module.p["y"].t.k', 0)], 'module.p["x"].t.k[0], module.p["y"].t.k[0]'),
])
def test_compact_names(instances, name):
    assert compact_name(instances) == name


# A plan Terraform itself wrote (terraform_data/plan.json): modules, count, for_each, unknown,
# sensitive values and every action, as Terraform 1.11 writes them.

TYPES = (("kms_instance", "alicloud_kms_instance"), ("key", "alicloud_kms_key"), ("secret", "alicloud_kms_secret"),
         ("db", "huaweicloud_gaussdb_mysql_instance"))


def as_provider_resources(plan):
    """The real plan with each terraform_data renamed to the provider resource its name starts with, and its
    ``input`` object as that resource's attributes (each with the input's expression).

    Everything else is left as Terraform wrote it: addresses, module addresses, indexes, actions, unknown and
    sensitive marks, references through module calls, provider configuration keys. The built-in provider
    has no settings, so the two provider configurations are given a region here: ``terraform`` a constant,
    ``terraform.bj`` the root variable ``region``.
    """
    plan = copy.deepcopy(plan)
    attributes = {}  # (module path, name): the input's attributes, as the changes show them
    for entry in plan["resource_changes"]:
        new_type = _provider_type(entry)
        if new_type:
            entry["address"] = entry["address"].replace("terraform_data.", new_type + ".")
            entry["type"] = new_type
            for side in ("before", "after", "after_unknown", "before_sensitive", "after_sensitive"):
                value = entry["change"].get(side)
                entry["change"][side] = value.get("input") if isinstance(value, dict) else value
                if side in ("before", "after", "after_unknown") and isinstance(entry["change"][side], dict):
                    path = tuple(re.findall(r"module\.(\w+)", entry.get("module_address", "")))
                    attributes.setdefault((path, entry["name"]), set()).update(entry["change"][side])
    _rename_configuration(plan["configuration"]["root_module"], (), attributes)
    providers = plan["configuration"]["provider_config"]
    providers["terraform"]["expressions"] = {"region": {"constant_value": "cn-hangzhou"}}
    providers["terraform.bj"]["expressions"] = {"region": {"references": ["var.region"]}}
    return plan


def _provider_type(entry):
    if entry.get("type") != "terraform_data":
        return None
    return next((new for prefix, new in TYPES if entry["name"] == prefix or entry["name"].startswith(prefix + "_")), None)


def _renamed_reference(reference):
    match = re.match(r"terraform_data\.(\w+)(.*)$", reference)
    new_type = match and _provider_type({"type": "terraform_data", "name": match.group(1)})
    return new_type + "." + match.group(1) + match.group(2) if new_type else reference


def _rename_expressions(expressions):
    for expression in expressions.values():
        if isinstance(expression, dict) and "references" in expression:
            expression["references"] = [_renamed_reference(r) for r in expression["references"]]


def _rename_configuration(module, path, attributes):
    for resource in module.get("resources", []):
        _rename_expressions(resource.get("expressions", {}))
        new_type = _provider_type(resource)
        if new_type:
            resource.update(type=new_type, address=resource["address"].replace("terraform_data.", new_type + "."))
            source = resource["expressions"].pop("input", {})
            constant = source.get("constant_value")
            resource["expressions"] = dict(
                (name, {"constant_value": constant[name]} if isinstance(constant, dict) else source)
                for name in attributes.get((path, resource["name"]), ()))
    for name, call in module.get("module_calls", {}).items():
        _rename_expressions(call.get("expressions", {}))
        for output in call["module"].get("outputs", {}).values():
            _rename_expressions({"expression": output["expression"]})
        _rename_configuration(call["module"], path + (name,), attributes)


def real_requirements(plan_path=os.path.join(REAL, "plan.json")):
    with open(plan_path) as handle:
        return requirements_from_plan(as_provider_resources(json.load(handle)))


REAL_EXPECTED = [
    {"name": 'huaweicloud_gaussdb_mysql_instance.db["billing"]',
     "addresses": ['huaweicloud_gaussdb_mysql_instance.db["billing"]'], "service": "taurusdb",
     "resource_type": "instance", "region": "cn-north-4", "enterprise_project": "0aa9a5a0-ep-payments",
     "flavor": "gaussdb.mysql.4xlarge.x86.4", "nodes": 2, "need": 1},
    {"name": 'huaweicloud_gaussdb_mysql_instance.db["reports"]',
     "addresses": ['huaweicloud_gaussdb_mysql_instance.db["reports"]'], "service": "taurusdb",
     "resource_type": "instance", "region": "cn-north-4", "enterprise_project": "0aa9a5a0-ep-payments",
     "flavor": "gaussdb.mysql.4xlarge.x86.4", "nodes": 3, "from_flavor": "gaussdb.mysql.4xlarge.x86.4",
     "from_nodes": 2, "need": 0},
    {"name": "huaweicloud_gaussdb_mysql_instance.db_analytics[0]",
     "addresses": ["huaweicloud_gaussdb_mysql_instance.db_analytics[0]"], "service": "taurusdb",
     "resource_type": "instance", "region": "cn-north-4", "enterprise_project": "0aa9a5a0-ep-payments", "nodes": 2,
     "need": 1, "unknown": "flavor of huaweicloud_gaussdb_mysql_instance.db_analytics[0] is unknown until apply"},
    {"name": "huaweicloud_gaussdb_mysql_instance.db_blue_green",
     "addresses": ["huaweicloud_gaussdb_mysql_instance.db_blue_green"], "service": "taurusdb",
     "resource_type": "instance", "region": "cn-north-4", "enterprise_project": "0aa9a5a0-ep-payments",
     "flavor": "gaussdb.mysql.2xlarge.x86.4", "nodes": 2, "need": 1},
    {"name": "huaweicloud_gaussdb_mysql_instance.db_rebuilt",
     "addresses": ["huaweicloud_gaussdb_mysql_instance.db_rebuilt"], "service": "taurusdb",
     "resource_type": "instance", "region": "cn-north-4", "enterprise_project": "0aa9a5a0-ep-payments",
     "flavor": "gaussdb.mysql.2xlarge.x86.4", "nodes": 1, "need": 1},
    {"name": "alicloud_kms_key.key_new[0, 1]", "addresses": ["alicloud_kms_key.key_new[0]", "alicloud_kms_key.key_new[1]"],
     "service": "kms", "resource_type": "key", "region": "cn-hangzhou",
     "planned_quota": {"address": "alicloud_kms_instance.kms_instance[0]", "quota": 1000, "used": 0}, "need": 2},
    {"name": "alicloud_kms_key.key_shared[0]", "addresses": ["alicloud_kms_key.key_shared[0]"], "service": "kms",
     "resource_type": "key", "region": "cn-hangzhou", "need": 0,
     "not_gated": "no dkms_instance_id: the shared KMS service has no instance quota"},
    {"name": "module.payments.alicloud_kms_key.key_tde[0..2]",
     "addresses": ["module.payments.alicloud_kms_key.key_tde[%d]" % index for index in range(3)],
     "service": "kms", "resource_type": "key", "region": "cn-hangzhou", "kms_instance_id": "kst-hzz0001demo",
     "need": 3},
    {"name": 'module.payments.module.vault.alicloud_kms_secret.secret_app["api", "worker"]',
     "addresses": ['module.payments.module.vault.alicloud_kms_secret.secret_app["api"]',
                   'module.payments.module.vault.alicloud_kms_secret.secret_app["worker"]'],
     "service": "kms", "resource_type": "secret", "region": "cn-hangzhou",
     "planned_quota": {"address": "alicloud_kms_instance.kms_instance[0]", "quota": 100, "used": 0}, "need": 2},
]


def test_the_real_plan_is_what_terraform_wrote():
    with open(os.path.join(REAL, "plan.json")) as handle:
        plan = json.load(handle)
    with open(os.path.join(REAL, "terraform_version.txt")) as handle:
        assert plan["terraform_version"] == handle.read().strip()  # 1.11.4 when this was written
    assert plan["format_version"] == "1.2"
    actions = set(tuple(entry["change"]["actions"]) for entry in plan["resource_changes"])
    assert actions == {("create",), ("update",), ("delete",), ("no-op",), ("create", "delete"), ("delete", "create")}
    # Sensitive values sit in the plan in clear, marked only by *_sensitive and the variable's declaration.
    assert "plan-reader-must-not-print-this" in json.dumps(plan)


def test_the_real_plan_gives_every_requirement():
    assert real_requirements() == REAL_EXPECTED


def test_the_real_plan_needs_nothing_of_resources_the_reader_does_not_handle():
    with open(os.path.join(REAL, "plan.json")) as handle:
        assert requirements_from_plan(json.load(handle)) == []


def test_no_value_the_real_plan_marks_sensitive_reaches_the_requirements():
    assert "plan-reader-must-not-print-this" not in json.dumps(real_requirements())


def test_the_sensitive_variable_never_reaches_an_error():
    with open(os.path.join(REAL, "plan.json")) as handle:
        plan = json.load(handle)
    for version in ("2.0", None):
        plan["format_version"] = version
        with pytest.raises(PlanError) as caught:
            requirements_from_plan(plan)
        assert "plan-reader-must-not-print-this" not in str(caught.value)


@pytest.mark.skipif(not shutil.which("terraform"), reason="terraform is not on PATH")
def test_a_plan_terraform_writes_now_gives_the_same_requirements(tmp_path):
    subprocess.run([os.path.join(REAL, "regenerate.sh"), str(tmp_path)], check=True, capture_output=True, timeout=300)
    assert real_requirements(str(tmp_path / "plan.json")) == REAL_EXPECTED


# The example plan of the docs (examples/terraform): the acceptance scenarios


def test_the_example_plan():
    with open(os.path.join(EXAMPLE, "plan.json")) as handle:
        found = by_name(requirements_from_plan(json.load(handle)))
    keys = found["module.payments.alicloud_kms_key.tde[0..2]"]
    assert (keys["kms_instance_id"], keys["need"]) == ("kst-hzz0001demo", 3)
    planned = found["alicloud_kms_key.app[0, 1]"]
    assert planned["planned_quota"] == {"address": "alicloud_kms_instance.app", "quota": 1000, "used": 0}
    create = found["huaweicloud_gaussdb_mysql_instance.orders"]
    assert (create["flavor"], create["nodes"], create["need"]) == ("gaussdb.mysql.4xlarge.x86.4", 2, 1)
    update = found["huaweicloud_gaussdb_mysql_instance.reports"]
    assert (update["nodes"] - update["from_nodes"], update["need"]) == (1, 0)
    assert found["alicloud_kms_key.shared"]["not_gated"]
    listed = addresses(found.values())
    assert "huaweicloud_gaussdb_mysql_instance.legacy" not in listed
    assert "alicloud_kms_key.unchanged" not in listed
