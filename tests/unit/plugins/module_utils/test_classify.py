# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each cloud's error classification, driven by sample SDK exceptions kept in tests/unit/fixtures.

The exceptions are built from the SDKs' own classes, so a release that renames what they carry
fails here; the expected code, status, request id, retry decision and hint are what users read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.headroom.cloud.plugins.module_utils import _alicloud, _huaweicloud

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
KMS_PARAMS = dict(region="cn-hangzhou", endpoint=None, retries=3)
TDB_PARAMS = dict(region="cn-north-4", endpoint=None, iam_endpoint=None, retries=3)


def load(name):
    cases = json.loads((FIXTURES / name).read_text())
    return [pytest.param(case, id=case["case"]) for case in cases]


def check(error, expect):
    for field in ("code", "status", "request_id", "retryable", "message", "hint", "retry_after"):
        if field in expect:
            assert getattr(error, field) == expect[field], field
    if "hint_starts" in expect:
        assert (error.hint or "").startswith(expect["hint_starts"]), error.hint
    if "describe" in expect:
        assert error.describe() == expect["describe"]
    if "summary_contains" in expect:
        assert expect["summary_contains"] in error.summary


@pytest.mark.parametrize("case", load("alicloud_errors.json"))
def test_alicloud_service_errors(case):
    from alibabacloud_tea_openapi import exceptions

    exc = getattr(exceptions, case["exception"])(**case["kwargs"])
    check(_alicloud.classify(exc, "GetKmsInstanceQuotaInfos", "kst-hzz0001demo", KMS_PARAMS), case["expect"])


@pytest.mark.parametrize("case", load("alicloud_transport_errors.json"))
def test_alicloud_transport_errors(case):
    error = _alicloud.classify(OSError(case["text"]), "ListKmsInstances", None, KMS_PARAMS)
    check(error, case["expect"])
    assert error.summary.startswith("ListKmsInstances in cn-hangzhou failed")


@pytest.mark.parametrize("case", load("huaweicloud_errors.json"))
def test_huaweicloud_service_errors(case):
    from huaweicloudsdkcore.exceptions import exceptions

    exc = getattr(exceptions, case["exception"])(case["status"], exceptions.SdkError(**case["sdk_error"]))
    error = _huaweicloud.classify(exc, "ShowGaussMySqlProjectQuotas",
                                  "project 054e292c9880d4992f02c0196d3ea468 in cn-north-4", TDB_PARAMS)
    check(error, case["expect"])


@pytest.mark.parametrize("case", load("huaweicloud_iam_failures.json"))
def test_huaweicloud_iam_failures(case):
    parsed = _huaweicloud.parse_iam_failure(case["text"])
    if case["expect"] is None:
        assert parsed is None
    else:
        assert parsed == dict((k, case["expect"][k]) for k in ("status", "code", "request_id", "message"))
    from huaweicloudsdkcore.exceptions import exceptions

    error = _huaweicloud.classify(exceptions.ApiValueError(case["text"]), "IAM project lookup", "region cn-north-4",
                                  TDB_PARAMS)
    assert error.summary.startswith("IAM project lookup for region cn-north-4 failed")
    if case["expect"] is None:
        assert error.code == case["code"] and "Set project_id" in error.hint
    else:
        check(error, dict((k, case["expect"][k]) for k in ("status", "code", "request_id", "retryable")))
        assert error.hint.endswith("Or set project_id to skip the lookup.")


def test_huaweicloud_connection_failures_name_the_endpoint_that_failed():
    params = dict(TDB_PARAMS, iam_endpoint="https://iam.example.test")
    iam = _huaweicloud.classify(OSError("Connection refused"), "IAM project lookup", "region cn-north-4", params)
    assert iam.code == "ConnectionRefused" and "https://iam.example.test" in iam.message
    api = _huaweicloud.classify(OSError("Connection refused"), "ShowGaussMySqlProjectQuotas", "project x", params)
    assert "the TaurusDB endpoint of cn-north-4" in api.message


def test_every_mapped_code_is_pinned_by_a_fixture():
    """A code renamed or dropped from HINTS or RETRYABLE_CODES, or a new one, fails here until a fixture pins it."""
    ali = set(case["kwargs"]["code"] for case in json.loads((FIXTURES / "alicloud_errors.json").read_text()))
    assert set(_alicloud.HINTS) | set(_alicloud.RETRYABLE_CODES) <= ali
    hw = set(case["sdk_error"]["error_code"] for case in json.loads((FIXTURES / "huaweicloud_errors.json").read_text()))
    assert (set(_huaweicloud.HINTS) - {"Throttled"}) | set(_huaweicloud.RETRYABLE_CODES) <= hw


@pytest.mark.parametrize("name", ["alicloud_errors.json", "alicloud_transport_errors.json", "huaweicloud_errors.json",
                                  "huaweicloud_iam_failures.json"])
def test_every_fixture_says_where_its_vendor_answer_comes_from(name):
    """A vendor page, an SDK source, a Terraform provider, or in so many words: assumed or invented."""
    for case in json.loads((FIXTURES / name).read_text()):
        assert case.get("source", "").strip(), case["case"]


def test_a_refused_enterprise_quota_api_names_the_open_beta_and_what_still_works():
    from huaweicloudsdkcore.exceptions import exceptions

    for status, code in ((404, "APIGW.0101"), (403, "APIGW.0302"), (403, "DBS.280013")):
        exc = exceptions.ClientRequestException(status, exceptions.SdkError("R-1", code, "refused"))
        error = _huaweicloud.classify(exc, "ShowGaussMySqlQuotas", "project x in cn-north-4", TDB_PARAMS)
        assert error.hint.startswith("ShowGaussMySqlQuotas (enterprise project quotas) is in open beta for TaurusDB "
                                     "and is enabled per account by a service ticket"), error.hint
        assert "leave enterprise_project out" in error.hint
        assert error.code == code and error.status == status
    same = exceptions.ClientRequestException(404, exceptions.SdkError("R-2", "APIGW.0101", "no such API"))
    other = _huaweicloud.classify(same, "ShowGaussMySqlProjectQuotas", "project x in cn-north-4", TDB_PARAMS)
    assert "open beta" not in other.hint  # only that API is in open beta


def test_an_unknown_region_suggests_an_endpoint_of_the_sdks_own_host_pattern():
    with pytest.raises(Exception) as caught:
        _huaweicloud.HuaweicloudModule.sdk_region("eu-west-101")
    error = caught.value
    assert error.code == "UnknownRegion"
    assert "for example https://gaussdb.eu-west-101.myhuaweicloud.com." in error.hint
    assert "gaussdb-mysql." not in error.hint  # a pattern few regions use: never the one suggested
