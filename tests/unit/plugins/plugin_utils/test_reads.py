# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule 1: a read is shared only when everything that goes into it is the same, secrets aside."""

from __future__ import annotations

import pytest

from ansible_collections.headroom.cloud.plugins.plugin_utils._reads import SERVICES, Place, module_runs, read_id
from ansible_collections.headroom.cloud.tests.unit.plugins.plugin_utils.gate_helpers import (
    CONTROLLER,
    FLAVOR,
    db,
    keys,
    plan_host,
)

KMS = SERVICES["kms"]


def same_read(base_a, base_b, item_a=None, item_b=None, place_a=CONTROLLER, place_b=CONTROLLER):
    return read_id(KMS, base_a, item_a or {}, place_a) == read_id(KMS, base_b, item_b or {}, place_b)


@pytest.mark.parametrize("option, a, b", [
    ("kms_instance_id", "kst-abcd1", "kst-other1"),  # per-host quota_gate_alicloud: {kms_instance_id: ...}
    ("endpoint", "kms-vpc.cn-hangzhou.aliyuncs.com", "kms.cn-hangzhou.aliyuncs.com"),
    ("region", "cn-hangzhou", "cn-shanghai"),
    ("access_key_id", "LTAI-a", "LTAI-b"),
    ("profile", "prod", "staging"),
    ("ecs_ram_role", "gate", "other"),
    ("retries", 3, 5),
    ("validate_certs", True, False),
    ("ca_bundle", "/etc/a.pem", "/etc/b.pem"),
])
def test_any_option_that_differs_makes_another_read(option, a, b):
    assert not same_read({option: a}, {option: b})
    assert same_read({option: a}, {option: a})


def test_secrets_add_nothing_to_the_identity_and_never_appear_in_it():
    assert same_read(dict(access_key_id="LTAI-a", access_key_secret="s1", security_token="t1"),
                     dict(access_key_id="LTAI-a", access_key_secret="s2"))


def test_a_targets_field_overrides_the_top_level_option_as_the_module_merges_it():
    assert same_read({"kms_instance_id": "kst-abcd1"}, {}, item_b={"kms_instance_id": "kst-abcd1"})
    assert not same_read({"kms_instance_id": "kst-abcd1"}, {"kms_instance_id": "kst-other1"},
                         item_a={"region": "cn-hangzhou"}, item_b={"region": "cn-hangzhou"})


def test_environment_fallbacks_count_where_the_module_runs_on_the_controller():
    env_a = Place("web1", True, {"HOME": "/root", "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-a"})
    env_b = Place("web2", True, {"HOME": "/root", "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-b"})
    same = Place("web2", True, {"HOME": "/root", "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-a",
                                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "other secret"})
    assert not same_read({}, {}, place_a=env_a, place_b=env_b)
    assert same_read({}, {}, place_a=env_a, place_b=same)  # two hosts on the controller with one account
    assert same_read({"access_key_id": "LTAI-a"}, {}, place_a=env_b, place_b=env_a)  # the option wins over the env
    files = Place("web2", True, {"HOME": "/root", "ALIBABA_CLOUD_CREDENTIALS_FILE": "/etc/other.ini"})
    assert not same_read({}, {}, place_a=Place("web1", True, {"HOME": "/root"}), place_b=files)
    assert not same_read({}, {}, place_a=Place("web1", True, {"HOME": "/root"}), place_b=Place("web2", True, {
        "HOME": "/home/deploy"}))


@pytest.mark.parametrize("variable, a, b", [
    # Read by the Huawei SDK itself when no endpoint is set: another endpoint, maybe another answer.
    ("HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4", "https://gaussdb-a.example.com", "https://gaussdb-b.example.com"),
    ("HUAWEICLOUD_SDK_REGIONS_FILE", "/etc/a/regions.yaml", "/etc/b/regions.yaml"),
    ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/etc/a/credentials", "/etc/b/credentials"),
    ("HW_NEW_SETTING", "a", "b"),  # any variable of the vendor's prefixes, known or not
])
def test_every_vendor_variable_the_sdk_may_read_makes_another_read(variable, a, b):
    def place(value):
        return Place("web1", True, {"HOME": "/root", variable: value})
    taurusdb = SERVICES["taurusdb"]
    item = {"region": "cn-north-4"}
    assert read_id(taurusdb, {}, item, place(a)) != read_id(taurusdb, {}, item, place(b))
    assert read_id(taurusdb, {}, item, place(a)) == read_id(taurusdb, {}, item, place(a))
    assert read_id(KMS, {}, item, place(a)) == read_id(KMS, {}, item, place(b))  # another vendor's: no matter


@pytest.mark.parametrize("variable", ["HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_SECURITY_TOKEN",
                                      "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECURITY_TOKEN",
                                      "ALIBABA_CLOUD_OIDC_TOKEN_FILE_PASSWORD"])
def test_vendor_variables_that_may_hold_a_secret_add_nothing(variable):
    for service in SERVICES.values():
        assert read_id(service, {}, {"region": "cn-north-4"}, Place("w", True, {variable: "s1"})) == read_id(
            service, {}, {"region": "cn-north-4"}, Place("w", True, {variable: "s2"}))


def test_modules_that_run_on_other_hosts_never_share_a_read():
    assert not same_read({}, {}, place_a=Place("web1", False, {}), place_b=Place("web2", False, {}))
    assert not same_read({}, {}, place_a=Place("web1", True, {}, become_user="root"), place_b=Place("web1", True, {}))


def test_a_host_plans_one_read_per_distinct_target_and_one_flavor_lookup():
    checks, reads = plan_host([keys("a", 1), keys("b", 2), keys("c", 1, kms_instance_id="kst-other1"),
                               db(), db(name="db2")])
    assert [(r["service"], r["target"]) for r in reads.values()] == [
        ("kms", {"kms_instance_id": "kst-abcd1"}), ("kms", {"kms_instance_id": "kst-other1"}),
        ("taurusdb", {"enterprise_project": "payments"}),
        ("taurusdb", {"flavors": [FLAVOR], "resource_types": []}),
        ("taurusdb", {})]  # the tenant's read
    assert checks[0]["read"] == checks[1]["read"] != checks[2]["read"]


def test_each_services_reads_are_one_module_run_with_the_hosts_own_options():
    checks, reads = plan_host([keys("a", 1), db()])
    bases = {"kms": {"region": "cn-hangzhou", "access_key_secret": "s"}, "taurusdb": {"region": "cn-north-4"}}
    runs = module_runs(reads, bases)
    module, args, ids = runs["kms"]
    assert module == "headroom.cloud.kms_quota_info" and ids == [checks[0]["read"]]
    assert args == {"region": "cn-hangzhou", "access_key_secret": "s", "targets": [{"kms_instance_id": "kst-abcd1"}]}
    assert runs["taurusdb"][1]["targets"] == [{"enterprise_project": "payments"},
                                              {"flavors": [FLAVOR], "resource_types": []}, {}]
    assert bases["kms"] == {"region": "cn-hangzhou", "access_key_secret": "s"}  # not changed


def test_the_region_a_read_uses_is_on_each_check_wherever_it_came_from():
    checks, unused = plan_host([keys("a", 1), keys("b", 1, region="cn-shanghai")],
                               settings={"kms": {"region": "cn-hangzhou"}, "taurusdb": {}})
    assert [c["read_region"] for c in checks] == ["cn-hangzhou", "cn-shanghai"]
    checks, unused = plan_host([keys("a", 1)], settings={"kms": {}, "taurusdb": {}},
                               place=Place("h", True, {"ALIBABA_CLOUD_REGION_ID": "cn-beijing"}))
    assert checks[0]["read_region"] == "cn-beijing"


def test_a_check_without_a_region_is_unknown_on_its_own_naming_every_way_to_set_one():
    checks, reads = plan_host([keys("a", 1), keys("b", 1, region="cn-shanghai")], settings={"kms": {}, "taurusdb": {}})
    assert checks[0]["unknown"] == (
        "region is missing: give the requirement a region, or set region in the play's module_defaults for "
        "group/headroom.cloud.alicloud (or headroom.cloud.kms_quota_info), in quota_gate_alicloud, or in the "
        "environment variable ALIBABA_CLOUD_REGION_ID or ALICLOUD_REGION")
    assert "read" not in checks[0] and [r["target"] for r in reads.values()] == [
        {"kms_instance_id": "kst-abcd1", "region": "cn-shanghai"}]  # the other check is read as usual


def test_per_region_endpoints_of_the_role_reach_each_read_of_that_region():
    settings = {"kms": {"region": "cn-hangzhou", "endpoints": {"cn-hangzhou": "kms-vpc.hz", "cn-shanghai": "kms-vpc.sh"}},
                "taurusdb": {}}
    checks, reads = plan_host([keys("a", 1), keys("b", 1, region="cn-shanghai"),
                               keys("c", 1, region="cn-shanghai", endpoint="own.example")], settings=settings)
    assert [r["target"].get("endpoint") for r in reads.values()] == ["kms-vpc.hz", "kms-vpc.sh", "own.example"]
    module, args, ids = module_runs(reads, settings)["kms"]
    assert "endpoints" not in args  # the gate's own option never reaches the module
