# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Option handling of both modules: validation, environment fallbacks and the credential rules.

Everything here fails or decides before any network call; nothing is sent anywhere.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.headroom.cloud.plugins.modules import kms_quota_info, taurusdb_quota_info
from ansible_collections.headroom.cloud.tests.unit.plugins.modules.module_args import module_output, patch_module_args

VENDOR_ENV = [
    "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_REGION_ID", "ALIBABA_CLOUD_ECS_METADATA", "ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN", "ALICLOUD_REGION",
    "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_REGION",
    "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_IAM_ENDPOINT", "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
    "HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_REGION_NAME", "HW_PROJECT_ID",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in VENDOR_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no profile files unless a test writes one


def run_module(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return module_output(capsys.readouterr().out)


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"region": "Hangzhou"}, "region 'Hangzhou' is not a region id such as cn-hangzhou"),
        ({"region": "cn-hangzhou", "kms_instance_id": "i-123"}, "kms_instance_id 'i-123' is not a KMS instance id"),
        ({"region": "cn-hangzhou", "connect_timeout": -1}, "connect_timeout must be a number of seconds greater than 0"),
        ({"region": "cn-hangzhou", "read_timeout": 0}, "read_timeout must be a number of seconds greater than 0"),
        ({"region": "cn-hangzhou", "retries": -1}, "retries must be between 0 and 10, got -1"),
        ({"region": "cn-hangzhou", "endpoint": "https://kms.example.com/v1"}, "must not carry a path"),
        ({"region": "cn-hangzhou", "ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle '/nonexistent/ca.pem' is not a "
         "readable file"),
    ],
)
def test_kms_bad_options_are_named(args, expected, capsys):
    result = run_module(kms_quota_info, args, capsys)
    assert result["failed"] is True
    assert expected in result["msg"]


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"region": "cn_north_4"}, "region 'cn_north_4' is not a region id such as cn-north-4"),
        ({"region": "cn-north-4", "project_id": "054e292c9880d4992f02c0196d3ea46"}, "is not a project id: 32 letters"),
        ({"region": "cn-north-4", "project_id": "054e292c9880d4992f02c0196d3ea46-"}, "is not a project id: 32 letters"),
        ({"region": "cn-north-4", "iam_endpoint": "iam://x"}, "iam_endpoint 'iam://x' is not host[:port]"),
        ({"region": "cn-north-4", "retries": 11}, "retries must be between 0 and 10, got 11"),
        ({"region": "cn-north-4", "ca_bundle": "/nonexistent/ca.pem"},
         "ca_bundle '/nonexistent/ca.pem' is not a readable file: give the PEM file of the CA"),
    ],
)
def test_taurusdb_bad_options_are_named(args, expected, capsys):
    result = run_module(taurusdb_quota_info, args, capsys)
    assert result["failed"] is True
    assert expected in result["msg"]


@pytest.mark.parametrize(
    "module, args, expected",
    [
        (kms_quota_info, {"region": "cn-hangzhou", "resource_types": ["keys"]}, "value of resource_types must be one"),
        (taurusdb_quota_info, {"region": "cn-north-4", "language": "fr-fr"}, "value of language must be one of"),
        (kms_quota_info, {}, "region is missing: set region (in a play, also through module_defaults for "
         "group/headroom.cloud.alicloud), or the environment variable ALIBABA_CLOUD_REGION_ID"),
        (taurusdb_quota_info, {}, "region is missing: set region (in a play, also through module_defaults for "
         "group/headroom.cloud.huaweicloud), or the environment variable HUAWEICLOUD_SDK_REGION"),
        (kms_quota_info, {"region": "cn-hangzhou", "targets": []}, "targets is empty"),
        # With targets, an item's own bad options are that item's failure, named without an internal index.
        (kms_quota_info, {"targets": [{"kms_instance_id": "kst-ab12"}]},
         "1 of 1 targets could not be read: Invalid options: region is missing"),
        (kms_quota_info, {"region": "cn-hangzhou", "targets": [{"kms_instance_id": "x"}]},
         "1 of 1 targets could not be read: Invalid options: kms_instance_id 'x' is not a KMS instance id"),
        (taurusdb_quota_info, {"region": "cn-north-4", "targets": [{"project_id": "short"}]},
         "Invalid options: project_id 'short' is not a project id"),
        (taurusdb_quota_info, {"region": "cn-north-4", "targets": [{"endpoint": "ftp://x"}]},
         "Invalid options: endpoint 'ftp://x' is not host[:port]"),
        (kms_quota_info, {"region": "cn-hangzhou", "access_key_id": "LTAIx"}, "parameters are required together"),
        (taurusdb_quota_info, {"region": "cn-north-4", "secret_key": "x"}, "parameters are required together"),
    ],
)
def test_argument_spec_refusals(module, args, expected, capsys):
    result = run_module(module, args, capsys)
    assert expected in result["msg"]


def test_kms_without_any_credentials_fails_at_once_naming_what_to_set(capsys):
    result = run_module(kms_quota_info, {"region": "cn-hangzhou"}, capsys)
    for name in ("access_key_id", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                 "security_token", "~/.alibabacloud/credentials.ini", "ecs_ram_role", "ALIBABA_CLOUD_ECS_METADATA"):
        assert name in result["msg"]


def test_taurusdb_without_any_credentials_fails_at_once_naming_what_to_set(capsys):
    result = run_module(taurusdb_quota_info, {"region": "cn-north-4"}, capsys)
    for name in ("access_key", "HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY", "HUAWEICLOUD_SDK_SK", "~/.huaweicloud/credentials",
                 "metadata_credentials"):
        assert name in result["msg"]


def test_a_token_without_keys_is_refused(capsys, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "sts-token-7f3a9c")
    with patch_module_args({"region": "cn-hangzhou"}):
        with pytest.raises(SystemExit):
            kms_quota_info.main()
    result = module_output(capsys.readouterr().out)
    assert "security_token was given without access_key_id and access_key_secret" in result["msg"]
    assert "sts-token-7f3a9c" not in json.dumps(result)


def test_region_comes_from_the_first_vendor_variable(capsys, monkeypatch):
    # A region from the environment passes `required`; the vendor's own name wins over the legacy one.
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "Bad_Region")
    monkeypatch.setenv("ALICLOUD_REGION", "cn-beijing")
    result = run_module(kms_quota_info, {}, capsys)
    assert "region 'Bad_Region'" in result["msg"]


def test_legacy_region_variable_is_used_when_alone(capsys, monkeypatch):
    monkeypatch.setenv("HW_REGION_NAME", "Bad_Region")
    result = run_module(taurusdb_quota_info, {}, capsys)
    assert "region 'Bad_Region'" in result["msg"]


def test_keys_from_legacy_environment_count_as_credentials(capsys, monkeypatch):
    # With only one half of the pair in the environment, required_together names both options.
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", "LTAIlegacy")
    result = run_module(kms_quota_info, {"region": "cn-hangzhou"}, capsys)
    assert "access_key_id" in result["msg"] and "access_key_secret" in result["msg"]
    assert "parameters are required together" in result["msg"]


def test_a_target_option_from_the_environment_is_the_default_of_every_target(capsys, monkeypatch):
    # The quota_gate role always passes targets; a project id in the environment must not clash with them.
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", "054e292c9880d4992f02c0196d3ea468")
    result = run_module(taurusdb_quota_info, {"region": "cn-north-4", "targets": [{"region": "cn-north-4"}]}, capsys)
    assert result["msg"].startswith("No Huawei Cloud credentials found.")


def test_an_empty_environment_variable_counts_as_unset(capsys, monkeypatch):
    # What an AWX credential type injects for an optional input left empty.
    for name in ("HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_IAM_ENDPOINT", "HUAWEICLOUD_SDK_SECURITY_TOKEN"):
        monkeypatch.setenv(name, "")
    result = run_module(taurusdb_quota_info, {"region": "cn-north-4"}, capsys)
    assert result["msg"].startswith("No Huawei Cloud credentials found.")


@pytest.mark.parametrize("module, path, text, where", [
    (kms_quota_info, ".alibabacloud/credentials.ini",
     "[default]\ntype = access_key\naccess_key_id = LTAI5tQkx\naccess_key_secret TOPSECRET-ali-91c2\n", "line 4"),
    (taurusdb_quota_info, ".huaweicloud/credentials", "[basic]\nak = HPUAQ7X\nsk TOPSECRET-hw-91c2\n", "line 3"),
])
def test_a_broken_profile_file_is_named_without_the_line_hiding_a_secret(module, path, text, where, capsys, tmp_path):
    # configparser quotes the line it cannot parse; written without "=", that line is the secret itself.
    profile = tmp_path / path
    profile.parent.mkdir()
    profile.write_text(text)
    result = run_module(module, {"region": "cn-hangzhou" if module is kms_quota_info else "cn-north-4"}, capsys)
    assert "%s is not a valid INI file (ParsingError, %s; the line is not shown, it may hold a secret)" % (
        profile, where) in result["msg"]
    assert "TOPSECRET" not in json.dumps(result)
