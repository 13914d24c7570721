# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoint parsing and the wording of a translated vendor error."""

from __future__ import annotations

import configparser

import pytest

from ansible_collections.headroom.cloud.plugins.module_utils._common import (
    VendorError,
    credentials_file_problem,
    endpoint_problem,
    split_endpoint,
)


@pytest.mark.parametrize(
    "value",
    ["kms.cn-hangzhou.aliyuncs.com", "kms-vpc.cn-hangzhou.aliyuncs.com:443", "http://127.0.0.1:8080",
     "https://[::1]:8443", "https://gaussdb.cn-north-4.myhuaweicloud.com/"],
)
def test_good_endpoints(value):
    assert endpoint_problem(value) is None


@pytest.mark.parametrize(
    "value, why",
    [
        ("ftp://host", "scheme must be http or https"),
        ("http://", "no host name"),
        ("https://host/path", "must not carry a path"),
        ("host:99999", "out of range"),
        ("host:abc", "could not be cast to integer"),
        ("http://host?x=1", "must not carry a path, query or fragment"),
    ],
)
def test_bad_endpoints_say_why(value, why):
    assert why in endpoint_problem(value)


def test_split_endpoint_defaults_to_https_and_keeps_an_explicit_scheme():
    assert split_endpoint("kms.cn-hangzhou.aliyuncs.com") == ("https", "kms.cn-hangzhou.aliyuncs.com")
    assert split_endpoint("http://127.0.0.1:8080") == ("http", "127.0.0.1:8080")
    assert split_endpoint("127.0.0.1:8443") == ("https", "127.0.0.1:8443")


def test_vendor_error_message_carries_code_status_request_id_attempts_and_hint():
    error = VendorError("GetKmsInstanceQuotaInfos for kst-abcd1 in cn-hangzhou failed", code="Throttling.User",
                        message="Request was denied due to user flow control.", request_id="RID-1", status=429,
                        hint="Raise retries.", attempts=4, retryable=True)
    assert error.describe() == (
        "GetKmsInstanceQuotaInfos for kst-abcd1 in cn-hangzhou failed: Throttling.User (HTTP 429): "
        "Request was denied due to user flow control. Gave up after 4 attempts. Request id: RID-1. Raise retries."
    )
    assert error.as_result() == dict(attempts=4, code="Throttling.User", http_status=429,
                                     message="Request was denied due to user flow control.", request_id="RID-1")


def test_a_credentials_file_problem_never_quotes_the_files_content():
    parser = configparser.ConfigParser()
    with pytest.raises(configparser.Error) as parsing:
        parser.read_string("[basic]\nsk TOPSECRET\n", source="/home/ops/.huaweicloud/credentials")
    assert credentials_file_problem(parsing.value) == (
        "/home/ops/.huaweicloud/credentials is not a valid INI file (ParsingError, line 2; the line is not shown, "
        "it may hold a secret)")
    try:
        try:
            raise parsing.value
        except configparser.Error as exc:
            raise RuntimeError("profile could not be loaded: %s" % exc)
    except RuntimeError as wrapped:  # an SDK that wraps the parser's error still names only the file
        assert "TOPSECRET" not in credentials_file_problem(wrapped)
    quoted = ValueError("Source contains parsing errors: 'x.ini'\n\t[line  7]: 'sk TOPSECRET\\n'")
    assert credentials_file_problem(quoted) == (
        "Source contains parsing errors: 'x.ini'\n\t[line  7]: (line not shown, it may hold a secret)")
    assert credentials_file_problem(ValueError("unable to open credentials file: /x")) == (
        "unable to open credentials file: /x")
