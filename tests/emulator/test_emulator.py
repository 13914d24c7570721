"""Self-tests for the local cloud emulator (tests/emulator/SPEC.md, "Self-test").

The client side signs requests with its own small signers written from SPEC.md, never with a cloud
SDK, so a bug in the emulator's verifier cannot be hidden by sharing code with it.
"""
from __future__ import annotations

import concurrent.futures
import copy
import datetime
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import cloud_emulator  # noqa: E402  (the module under test, not an SDK)

AK, SECRET = "LTAI5tSelfTestKey001", "selftest-ali-secret-1"
AK2, SECRET2 = "LTAI5tSelfTestKey002", "selftest-ali-secret-2"
STS_AK, STS_SECRET, STS_TOKEN = "STS.NSelfTestStsKey1", "selftest-sts-secret", "selftest-sts-token-value"
HW_AK, HW_SECRET = "HWSELFTESTAK00000001", "selftest-hw-secret"
HW_STS_AK, HW_STS_SECRET, HW_STS_TOKEN = "HWSELFTESTSTS0000001", "selftest-hw-sts-secret", "selftest-hw-sts-token"
PROJECT_N4 = "054e292c9880d4992f02c0196d3ea468"
PROJECT_OTHER = "ffffffffffffffffffffffffffffffff"
ALL_SECRETS = [SECRET, SECRET2, STS_SECRET, STS_TOKEN, HW_SECRET, HW_STS_SECRET, HW_STS_TOKEN]


def quota(kind, total, used):
    return {"ResourceType": kind, "ResourceQuota": total, "UsedQuantity": used}


BASE_SCENARIO = {
    "alicloud": {
        "default_region": "cn-hangzhou",
        "list_page_size_cap": 2,
        "credentials": {
            AK: {"secret": SECRET, "account": "acct-1"},
            AK2: {"secret": SECRET2, "account": "acct-2"},
            STS_AK: {"secret": STS_SECRET, "account": "acct-1", "security_token": STS_TOKEN},
        },
        "instances": [
            {"account": "acct-1", "region": "cn-hangzhou", "id": "kst-hzz0001",
             "quotas": [quota("key", 12, 10), quota("secret", 100, 5), quota("qps", 1000, 200)]},
            {"account": "acct-1", "region": "cn-hangzhou", "id": "kst-hzz0002", "quotas": [quota("key", -1, "40")]},
            {"account": "acct-1", "region": "cn-hangzhou", "id": "kst-hzz0003", "state": "Releasing"},
            {"account": "acct-1", "region": "cn-hangzhou", "id": "kst-hzz0004"},
            {"account": "acct-1", "region": "cn-hangzhou", "id": "kst-hzz0005", "quotas": []},
            {"account": "acct-1", "region": "cn-shanghai", "id": "kst-sha0001", "quotas": [quota("vpc", 5, 1)]},
            {"account": "acct-2", "region": "cn-hangzhou", "id": "kst-acct2hz1", "quotas": [quota("key", 1, 1)]},
        ],
    },
    "huaweicloud": {
        "credentials": {
            HW_AK: {"secret": HW_SECRET, "account": "acct-1"},
            HW_STS_AK: {"secret": HW_STS_SECRET, "account": "acct-1", "security_token": HW_STS_TOKEN},
        },
        "projects": [
            {"account": "acct-1", "region": "cn-north-4", "id": PROJECT_N4,
             "resources": [{"type": "instance", "used": 4, "quota": 50}]},
            {"account": "acct-2", "region": "cn-north-4", "id": PROJECT_OTHER, "resources": []},
        ],
    },
    "defaults": {"latency_ms": 0},
}


# ----------------------------------------------------------------------------- signers (from SPEC.md)
def local_session() -> requests.Session:
    """A session that ignores proxy / CA-bundle environment variables: loopback only, our own CA."""
    session = requests.Session()
    session.trust_env = False
    return session


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign_hex(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def ali_call(base_url, action, query=None, *, ak=AK, secret=SECRET, token=None, host=None,
             date=None, version="2016-01-20", body=b"", sent_body=None, timeout=5, session=None):
    """POST / signed with ACS3-HMAC-SHA256, the way the RPC-style SDK does it."""
    query = dict(query or {})
    headers = {
        "host": host or urlsplit(base_url).netloc,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": sha256_hex(body),
        "accept": "application/json",
        "user-agent": "emulator-selftest/1.0",
    }
    if token is not None:
        headers["x-acs-accesskey-id"] = ak
        headers["x-acs-security-token"] = token
    signed = sorted(headers)
    canonical_query = "&".join(f"{k}={quote(str(query[k]), safe='~')}" for k in sorted(query))
    canonical_headers = "".join(f"{h}:{headers[h].strip()}\n" for h in signed)
    canonical = f"POST\n/\n{canonical_query}\n{canonical_headers}\n{';'.join(signed)}\n{headers['x-acs-content-sha256']}"
    signature = sign_hex(secret, "ACS3-HMAC-SHA256\n" + sha256_hex(canonical.encode()))
    headers["Authorization"] = f"ACS3-HMAC-SHA256 Credential={ak},SignedHeaders={';'.join(signed)},Signature={signature}"
    url = base_url + "/" + ("?" + urlencode(query) if query else "")
    return (session or local_session()).post(
        url, data=body if sent_body is None else sent_body, headers=headers, timeout=timeout)


def hw_call(base_url, path, query=(), *, ak=HW_AK, secret=HW_SECRET, token=None, extra_headers=None,
            timeout=5, session=None):
    """GET signed with SDK-HMAC-SHA256, the way huaweicloudsdkcore does it."""
    headers = {"Host": urlsplit(base_url).netloc,
               "X-Sdk-Date": datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ"),
               "User-Agent": "emulator-selftest/1.0", "Content-Type": "application/json"}
    headers.update(extra_headers or {})
    if token is not None:
        headers["X-Security-Token"] = token
    signed = sorted(k.lower() for k in headers if "_" not in k)
    lower = {k.lower(): str(v).strip() for k, v in headers.items()}
    uri = "/".join(quote(seg, safe="~") for seg in path.split("/"))
    uri += "" if uri.endswith("/") else "/"
    query_string = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query))
    canonical = (f"GET\n{uri}\n{query_string}\n" + "".join(f"{h}:{lower[h]}\n" for h in signed)
                 + f"\n{';'.join(signed)}\n{sha256_hex(b'')}")
    to_sign = f"SDK-HMAC-SHA256\n{headers['X-Sdk-Date']}\n{sha256_hex(canonical.encode())}"
    headers["Authorization"] = (f"SDK-HMAC-SHA256 Access={ak}, SignedHeaders={';'.join(signed)}, "
                                f"Signature={sign_hex(secret, to_sign)}")
    url = base_url + path + ("?" + query_string if query_string else "")
    return (session or local_session()).get(url, headers=headers, timeout=timeout)


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("emu")
    handle = cloud_emulator.start_emulator(copy.deepcopy(BASE_SCENARIO), log_path=str(tmp / "requests.jsonl"),
                                           ports_file=str(tmp / "ports.json"))
    handle.log_path = tmp / "requests.jsonl"
    handle.ports_path = tmp / "ports.json"
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def fresh_scenario(request):
    """Each test starts from BASE_SCENARIO with zeroed counters and an empty in-memory log."""
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").replace_scenario(copy.deepcopy(BASE_SCENARIO))


def with_changes(emu, change):
    scenario = copy.deepcopy(BASE_SCENARIO)
    change(scenario)
    response = local_session().put(emu.url() + "/_emulator/scenario", json=scenario, timeout=5)
    assert response.status_code == 200
    return scenario


def set_instance_fault(emu, instance_id, fault):
    def change(scenario):
        next(i for i in scenario["alicloud"]["instances"] if i["id"] == instance_id)["fault"] = fault
    with_changes(emu, change)


def hz(emu):
    return emu.url("cn-hangzhou")


def quotas_of(emu, instance_id="kst-hzz0001", **kwargs):
    return ali_call(hz(emu), "GetKmsInstanceQuotaInfos", {"KmsInstanceId": instance_id}, **kwargs)


# ----------------------------------------------------------------------------- control + plumbing
def test_health_ports_and_unknown_path(emu):
    assert local_session().get(emu.url() + "/_emulator/health", timeout=5).json() == {"ok": True}
    ports = json.loads(emu.ports_path.read_text())
    assert ports["main"] == emu.ports["main"] and ports["scheme"] == "http" and ports["pid"] == os.getpid()
    assert set(ports["kms"]) == {"cn-hangzhou", "cn-shanghai"}
    conn = http.client.HTTPConnection("127.0.0.1", emu.ports["main"], timeout=5)
    conn.request("GET", "/nowhere")
    reply = conn.getresponse()
    body = reply.read()
    assert reply.status == 404 and int(reply.getheader("Content-Length")) == len(body)
    assert json.loads(body)["code"] == "NotFound"
    # Keep-alive: the same connection serves a second request.
    conn.request("GET", "/_emulator/health")
    assert conn.getresponse().status == 200
    conn.close()


# ----------------------------------------------------------------------------- Alibaba KMS
def test_kms_quota_good_signature_and_filter(emu):
    reply = quotas_of(emu)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["KmsInstanceId"] == "kst-hzz0001" and len(body["KmsInstanceQuotaInfos"]) == 3
    assert body["RequestId"] and reply.headers["Content-Length"] == str(len(reply.content))
    filtered = ali_call(hz(emu), "GetKmsInstanceQuotaInfos",
                        {"KmsInstanceId": "kst-hzz0001", "ResourceType": "secret"}).json()
    assert filtered["KmsInstanceQuotaInfos"] == [quota("secret", 100, 5)]
    # Values are verbatim, including odd types; absent quotas -> field omitted.
    assert quotas_of(emu, "kst-hzz0002").json()["KmsInstanceQuotaInfos"] == [quota("key", -1, "40")]
    assert "KmsInstanceQuotaInfos" not in quotas_of(emu, "kst-hzz0004").json()


@pytest.mark.parametrize("query, status, code", [
    ({"KmsInstanceId": "kst-hzz0001", "ResourceType": "disk"}, 400, "InvalidParameter"),
    ({"KmsInstanceId": "KST_bad"}, 400, "InvalidParameter"),
    ({}, 400, "InvalidParameter"),
    ({"KmsInstanceId": "kst-sha0001"}, 403, "Forbidden.DKMSInstanceNotFound"),   # other region
    ({"KmsInstanceId": "kst-acct2hz1"}, 403, "Forbidden.DKMSInstanceNotFound"),  # other account
    ({"KmsInstanceId": "kst-hzz0003"}, 403, "Forbidden.DKMSInstanceStateInvalid"),
])
def test_kms_quota_errors(emu, query, status, code):
    reply = ali_call(hz(emu), "GetKmsInstanceQuotaInfos", query)
    assert (reply.status_code, reply.json()["Code"]) == (status, code)
    assert set(reply.json()) == {"RequestId", "HostId", "Code", "Message", "Recommend"}


def test_kms_auth_errors(emu):
    assert quotas_of(emu, secret="wrong").json()["Code"] == "SignatureDoesNotMatch"
    unknown = quotas_of(emu, ak="LTAI5tUnknownKey", secret="x")
    assert (unknown.status_code, unknown.json()["Code"]) == (404, "InvalidAccessKeyId.NotFound")
    stale = quotas_of(emu, date="2001-01-01T00:00:00Z")
    assert (stale.status_code, stale.json()["Code"]) == (400, "InvalidTimeStamp.Expired")
    # x-acs-content-sha256 must be the hash of the bytes actually sent.
    assert ali_call(hz(emu), "ListKmsInstances", body=b"a=1").status_code == 200
    tampered = ali_call(hz(emu), "ListKmsInstances", body=b"a=1", sent_body=b"a=2")
    assert tampered.json()["Code"] == "SignatureDoesNotMatch"
    no_auth = local_session().post(hz(emu) + "/?KmsInstanceId=kst-hzz0001", headers={"x-acs-action": "ListKmsInstances"})
    assert no_auth.status_code == 400 and no_auth.json()["Code"] == "IncompleteSignature"
    assert ali_call(hz(emu), "DescribeRegions").json()["Code"] == "InvalidAction.NotFound"


def test_kms_sts_tokens(emu):
    assert quotas_of(emu, ak=STS_AK, secret=STS_SECRET, token=STS_TOKEN).status_code == 200
    missing = quotas_of(emu, ak=STS_AK, secret=STS_SECRET)
    assert (missing.status_code, missing.json()["Code"]) == (400, "InvalidSecurityToken.Mismatch")
    wrong = quotas_of(emu, ak=STS_AK, secret=STS_SECRET, token="other-token")
    assert wrong.json()["Code"] == "InvalidSecurityToken.Mismatch"
    assert quotas_of(emu, token="unexpected").json()["Code"] == "InvalidSecurityToken.Malformed"
    assert [e["sts"] for e in emu.requests()] == [True, False, True, True]


def test_kms_list_pages_and_regions(emu):
    seen, page = [], 1
    while True:
        body = ali_call(hz(emu), "ListKmsInstances", {"PageNumber": page, "PageSize": 10}).json()
        assert body["PageSize"] == 2 and body["TotalCount"] == 5  # capped by list_page_size_cap
        items = body["KmsInstances"]["KmsInstance"]
        if not items:
            break
        seen += items
        page += 1
    assert [i["KmsInstanceId"] for i in seen] == [f"kst-hzz000{n}" for n in range(1, 6)]
    assert seen[0]["KmsInstanceArn"] == "acs:kms:cn-hangzhou:acct-1:keystore/kst-hzz0001"
    small = ali_call(hz(emu), "ListKmsInstances", {"PageSize": 1}).json()
    assert small["PageSize"] == 1 and small["PageNumber"] == 1
    sha = ali_call(emu.url("cn-shanghai"), "ListKmsInstances").json()
    assert [i["KmsInstanceId"] for i in sha["KmsInstances"]["KmsInstance"]] == ["kst-sha0001"]
    # On the main port the region comes from a kms.<region>.* Host header, else default_region.
    main_sha = ali_call(emu.url(), "ListKmsInstances", host="kms.cn-shanghai.aliyuncs.com").json()
    assert main_sha["TotalCount"] == 1
    assert ali_call(emu.url(), "ListKmsInstances").json()["TotalCount"] == 5
    assert ali_call(hz(emu), "ListKmsInstances", {"PageSize": 101}).json()["Code"] == "InvalidParameter"


# ----------------------------------------------------------------------------- Huawei IAM + TaurusDB
def test_huawei_iam_and_quotas(emu):
    iam = hw_call(emu.url(), "/v3/projects", [("name", "cn-north-4")])
    assert iam.status_code == 200 and len(iam.headers["X-Request-Id"]) == 32 and iam.headers["X-IAM-Trace-Id"]
    projects = iam.json()["projects"]
    assert [(p["id"], p["name"]) for p in projects] == [(PROJECT_N4, "cn-north-4")]
    assert hw_call(emu.url(), "/v3/projects", [("name", "eu-west-0")]).json()["projects"] == []
    path = f"/v3/{PROJECT_N4}/project-quotas"
    reply = hw_call(emu.url(), path, [("type", "instance")], extra_headers={"X-Language": "en-us",
                                                                            "X-Project-Id": PROJECT_N4})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"quotas": {"resources": [{"type": "instance", "used": 4, "quota": 50}]}}
    # Any listener serves Huawei; headers with "_" are not signed and may be added freely.
    assert hw_call(hz(emu), path, extra_headers={"X_Custom_Header": "x"}).status_code == 200
    entry = emu.requests()[-2]
    assert (entry["operation"], entry["region"], entry["x_language"]) == ("ShowGaussMySqlProjectQuotas",
                                                                          "cn-north-4", "en-us")


@pytest.mark.parametrize("path, query, headers, status, code", [
    (f"/v3/{PROJECT_N4}/project-quotas", [("type", "flavor")], {}, 400, "DBS.200001"),
    (f"/v3/{PROJECT_N4}/project-quotas", [], {"X-Language": "fr-fr"}, 400, "DBS.200001"),
    ("/v3/not-a-project/project-quotas", [], {}, 400, "DBS.200001"),
    (f"/v3/{PROJECT_OTHER}/project-quotas", [], {}, 403, "DBS.280013"),
    (f"/v3/{PROJECT_N4}/project-quotas", [], {"X-Project-Id": PROJECT_OTHER}, 403, "DBS.280013"),
])
def test_huawei_quota_errors(emu, path, query, headers, status, code):
    reply = hw_call(emu.url(), path, query, extra_headers=headers)
    assert (reply.status_code, reply.json()["error_code"]) == (status, code)


def test_huawei_auth_and_sts(emu):
    path = f"/v3/{PROJECT_N4}/project-quotas"
    bad = hw_call(emu.url(), path, secret="wrong")
    assert bad.status_code == 401 and bad.json()["error_code"] == "APIGW.0301"
    assert "verify aksk signature fail" in bad.json()["error_msg"] and bad.json()["request_id"]
    assert hw_call(emu.url(), path, ak="HWUNKNOWN", secret="x").status_code == 401
    assert hw_call(emu.url(), path, ak=HW_STS_AK, secret=HW_STS_SECRET, token=HW_STS_TOKEN).status_code == 200
    no_token = hw_call(emu.url(), path, ak=HW_STS_AK, secret=HW_STS_SECRET)
    assert no_token.status_code == 401 and "security token invalid" in no_token.json()["error_msg"]
    iam_bad = hw_call(emu.url(), "/v3/projects", [("name", "cn-north-4")], secret="wrong")
    assert iam_bad.status_code == 401 and iam_bad.json()["error"]["title"] == "Unauthorized"
    assert iam_bad.headers["X-IAM-Trace-Id"] and iam_bad.headers["X-Request-Id"]


# ----------------------------------------------------------------------------- faults
def test_fault_throttle_then_recover(emu):
    set_instance_fault(emu, "kst-hzz0001", {"throttle_first": 2})
    codes = [(r.status_code, r.json().get("Code")) for r in (quotas_of(emu) for dummy in range(3))]
    assert codes == [(429, "Throttling.User"), (429, "Throttling.User"), (200, None)]
    assert quotas_of(emu, secret="wrong").json()["Code"] == "SignatureDoesNotMatch"  # auth before faults
    local_session().post(emu.url() + "/_emulator/reset", timeout=5)
    assert quotas_of(emu).status_code == 429  # counters were reset
    set_instance_fault(emu, "kst-hzz0001", {"throttle_first": 1, "throttle_code": "Throttling.Api",
                                            "throttle_status": 400})
    first = quotas_of(emu)
    assert (first.status_code, first.json()["Code"]) == (400, "Throttling.Api")


def test_fault_server_error_error_and_list_faults(emu):
    set_instance_fault(emu, "kst-hzz0001", {"throttle_first": 1, "server_error_first": 1})
    statuses = [quotas_of(emu).status_code for dummy in range(3)]
    assert statuses == [429, 503, 200]
    set_instance_fault(emu, "kst-hzz0001", {"error": {"status": 403, "code": "Forbidden.RAM",
                                                      "message": "User not authorized"}})
    denied = quotas_of(emu)
    assert (denied.status_code, denied.json()["Code"], denied.json()["Message"]) == (
        403, "Forbidden.RAM", "User not authorized")
    with_changes(emu, lambda s: s["alicloud"].__setitem__(
        "list_faults", {"acct-1/cn-hangzhou": {"server_error_first": 1, "server_error_status": 500}}))
    failed = ali_call(hz(emu), "ListKmsInstances")
    assert (failed.status_code, failed.json()["Code"]) == (500, "ServiceUnavailable")
    assert ali_call(hz(emu), "ListKmsInstances").status_code == 200


def test_fault_raw_bodies(emu):
    set_instance_fault(emu, "kst-hzz0001", {"raw": {"status": 502, "content_type": "text/html",
                                                    "body": "<html>bad gateway</html>"}})
    reply = quotas_of(emu)
    assert (reply.status_code, reply.text, reply.headers["Content-Type"]) == (
        502, "<html>bad gateway</html>", "text/html")
    assert reply.headers["x-acs-request-id"]
    set_instance_fault(emu, "kst-hzz0001", {"raw": {"status": 200, "body": ""}})
    empty = quotas_of(emu)
    assert (empty.status_code, empty.content, empty.headers["Content-Length"]) == (200, b"", "0")
    set_instance_fault(emu, "kst-hzz0001", {"raw": {"body": {"KmsInstanceQuotaInfos": "not-a-list"}}})
    assert quotas_of(emu).json() == {"KmsInstanceQuotaInfos": "not-a-list"}


def test_fault_drop_hang_and_latency(emu):
    set_instance_fault(emu, "kst-hzz0001", {"drop_connection": True})
    with pytest.raises(requests.exceptions.ConnectionError):
        quotas_of(emu)
    set_instance_fault(emu, "kst-hzz0001", {"hang_ms": 600})
    with pytest.raises(requests.exceptions.ReadTimeout):
        quotas_of(emu, timeout=0.2)
    set_instance_fault(emu, "kst-hzz0001", {"latency_ms": 150})
    started = time.monotonic()
    assert quotas_of(emu).status_code == 200
    assert time.monotonic() - started >= 0.15
    with_changes(emu, lambda s: s.__setitem__("defaults", {"latency_ms": 120}))
    started = time.monotonic()
    assert hw_call(emu.url(), "/v3/projects", [("name", "cn-north-4")]).status_code == 200
    assert time.monotonic() - started >= 0.12
    assert [e["fault"] for e in emu.requests()] == [None]


def test_request_started_before_a_reset_stays_out_of_the_new_log(emu):
    set_instance_fault(emu, "kst-hzz0001", {"hang_ms": 400})
    lines_before = len(emu.log_path.read_text().splitlines())
    with pytest.raises(requests.exceptions.ReadTimeout):
        quotas_of(emu, timeout=0.1)
    emu.reset()  # the handler is still sleeping; it finishes after the reset
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(emu.log_path.read_text().splitlines()) == lines_before:
        time.sleep(0.05)
    assert emu.requests() == []
    last = json.loads(emu.log_path.read_text().splitlines()[-1])
    assert last["operation"] == "GetKmsInstanceQuotaInfos" and last["target"] == "kst-hzz0001"


def test_fault_huawei_shapes(emu):
    def change(scenario):
        scenario["huaweicloud"]["projects"][0]["fault"] = {"throttle_first": 1, "server_error_first": 1}
        scenario["huaweicloud"]["iam_faults"] = {"acct-1/cn-north-4": {"error": {
            "status": 403, "code": "Forbidden", "message": "You are not authorized"}}}
    with_changes(emu, change)
    path = f"/v3/{PROJECT_N4}/project-quotas"
    throttled, unavailable, ok = (hw_call(emu.url(), path) for dummy in range(3))
    assert (throttled.status_code, throttled.json()["error_code"]) == (429, "APIGW.0308")
    assert (unavailable.status_code, unavailable.json()["error_code"]) == (503, "DBS.108000")
    assert len(unavailable.headers["X-Request-Id"]) == 32 and ok.status_code == 200
    iam = hw_call(emu.url(), "/v3/projects", [("name", "cn-north-4")])
    assert iam.status_code == 403 and iam.json()["error"]["message"] == "You are not authorized"


def test_fault_counters_are_thread_safe(emu):
    set_instance_fault(emu, "kst-hzz0001", {"throttle_first": 10})
    with concurrent.futures.ThreadPoolExecutor(max_workers=60) as pool:
        statuses = list(pool.map(lambda _: quotas_of(emu).status_code, range(60)))
    assert statuses.count(429) == 10 and statuses.count(200) == 50


# ----------------------------------------------------------------------------- log, replace, TLS, CLI
def test_log_never_contains_secrets(emu):
    signatures = []
    for reply in (quotas_of(emu), quotas_of(emu, secret="wrong"),
                  quotas_of(emu, ak=STS_AK, secret=STS_SECRET, token=STS_TOKEN),
                  quotas_of(emu, ak=STS_AK, secret=STS_SECRET, token="leaked-wrong-token"),
                  ali_call(hz(emu), "ListKmsInstances", {"Signature": "abc123sig", "SecurityToken": STS_TOKEN}),
                  hw_call(emu.url(), f"/v3/{PROJECT_N4}/project-quotas", ak=HW_STS_AK, secret=HW_STS_SECRET,
                          token=HW_STS_TOKEN),
                  hw_call(emu.url(), "/v3/projects", [("name", "cn-north-4")], secret="bad")):
        signatures.append(reply.request.headers["Authorization"].rsplit("Signature=", 1)[1])
    memory = json.dumps(emu.requests())
    on_disk = emu.log_path.read_text()
    for text in (memory, on_disk):
        for forbidden in ALL_SECRETS + signatures + ["leaked-wrong-token", "abc123sig", "Authorization",
                                                     "ACS3-HMAC", "SDK-HMAC"]:
            assert forbidden not in text
    entries = emu.requests()
    assert len(entries) == 7 and entries[1]["auth"] == "SignatureDoesNotMatch"
    assert {e["access_key"] for e in entries} == {AK, STS_AK, HW_STS_AK, HW_AK}
    expected_keys = {"ts", "port", "user_agent", "vendor", "operation", "region", "access_key", "target", "method", "path",
                     "query", "status", "error_code", "request_id", "auth", "sts", "x_language", "fault"}
    assert all(set(e) == expected_keys for e in entries)
    assert all(json.loads(line) for line in on_disk.splitlines())


def test_runtime_scenario_replace_opens_new_region(emu):
    def change(scenario):
        scenario["alicloud"]["instances"].append(
            {"account": "acct-1", "region": "cn-beijing", "id": "kst-bjs0001", "quotas": [quota("key", 3, 1)]})
    with_changes(emu, change)
    ports = json.loads(emu.ports_path.read_text())
    assert "cn-beijing" in ports["kms"] and ports == emu.ports
    reply = ali_call(emu.url("cn-beijing"), "GetKmsInstanceQuotaInfos", {"KmsInstanceId": "kst-bjs0001"})
    assert reply.json()["KmsInstanceQuotaInfos"] == [quota("key", 3, 1)]
    assert local_session().put(emu.url() + "/_emulator/scenario", data=b"[1]", timeout=5).status_code == 400


def make_cert(directory: Path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_https_with_self_signed_cert(tmp_path):
    cert, key = make_cert(tmp_path)
    with cloud_emulator.start_emulator(copy.deepcopy(BASE_SCENARIO), tls=(cert, key)) as tls_emu:
        assert tls_emu.ports["scheme"] == "https" and tls_emu.url().startswith("https://")
        with local_session() as session:
            session.verify = cert
            assert quotas_of(tls_emu, session=session).status_code == 200
            assert hw_call(tls_emu.url(), "/v3/projects", [("name", "cn-north-4")],
                           session=session).json()["projects"]
        with pytest.raises(requests.exceptions.SSLError):  # untrusted without the CA
            local_session().get(tls_emu.url() + "/_emulator/health", timeout=5)


def wait_for_file(path: Path, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, "emulator did not write its ports file"
        time.sleep(0.02)
    return json.loads(path.read_text())


def test_cli_lifecycle(tmp_path):
    ports_file, log_file = tmp_path / "ports.json", tmp_path / "log.jsonl"
    demo = HERE / "scenarios" / "demo.json"
    proc = subprocess.Popen([sys.executable, str(HERE / "cloud_emulator.py"), "--scenario", str(demo),
                             "--ports-file", str(ports_file), "--log", str(log_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ports = wait_for_file(ports_file)
        assert ports["pid"] == proc.pid and set(ports["kms"]) == {"cn-hangzhou", "cn-shanghai"}
        base = f"http://127.0.0.1:{ports['kms']['cn-hangzhou']}"
        reply = ali_call(base, "GetKmsInstanceQuotaInfos", {"KmsInstanceId": "kst-hzz0001demo"},
                         ak="LTAI5tDemoKeyId0001", secret="demo-secret-do-not-use-1")
        assert reply.json()["KmsInstanceQuotaInfos"][0] == quota("key", 12, 10)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert json.loads(out.decode().splitlines()[0])["main"] == ports["main"]
    logged = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [(e["operation"], e["status"]) for e in logged] == [("GetKmsInstanceQuotaInfos", 200)]
    assert "demo-secret-do-not-use-1" not in log_file.read_text()


def test_cli_refuses_non_loopback_host(tmp_path):
    demo = HERE / "scenarios" / "demo.json"
    result = subprocess.run([sys.executable, str(HERE / "cloud_emulator.py"), "--scenario", str(demo),
                             "--host", "0.0.0.0"], capture_output=True, timeout=10, check=False)
    assert result.returncode != 0 and b"loopback" in result.stderr


# --- TaurusDB enterprise-project quotas and flavors ------------------------------------------------------------

def enterprise(name, ep_id, quota=10, available=8):
    return {"enterprise_project_id": ep_id, "enterprise_project_name": name, "instance_quota": quota,
            "vcpus_quota": 100, "ram_quota": 400, "availability_instance_quota": available,
            "availability_vcpus_quota": 40, "availability_ram_quota": 300}


def with_enterprise_projects(emu, cap=None):
    def change(scenario):
        project = next(p for p in scenario["huaweicloud"]["projects"] if p["id"] == PROJECT_N4)
        project["enterprise_projects"] = [enterprise("default", "0"), enterprise("payments", "ep-2"),
                                          enterprise("analytics", "ep-3")]
        if cap:
            scenario["huaweicloud"]["quota_page_size_cap"] = cap
        scenario["huaweicloud"]["flavors"] = {"cn-north-4": [
            {"vcpus": "16", "ram": "64", "spec_code": "gaussdb.mysql.4xlarge.x86.4", "type": "x86"},
            {"vcpus": "8", "ram": "32", "spec_code": "gaussdb.mysql.2xlarge.x86.4", "type": "x86"}]}
    with_changes(emu, change)


def test_enterprise_quotas_are_paged_filtered_and_signed(emu):
    with_enterprise_projects(emu, cap=2)
    first = hw_call(emu.url(), f"/v3/{PROJECT_N4}/quotas", [("offset", "0"), ("limit", "100")])
    assert first.status_code == 200
    assert [q["enterprise_project_name"] for q in first.json()["quota_list"]] == ["default", "payments"]
    assert first.json()["total_count"] == 3
    second = hw_call(emu.url(), f"/v3/{PROJECT_N4}/quotas", [("offset", "2"), ("limit", "100")])
    assert [q["enterprise_project_name"] for q in second.json()["quota_list"]] == ["analytics"]
    named = hw_call(emu.url(), f"/v3/{PROJECT_N4}/quotas", [("enterprise_project_name", "payments")])
    assert named.json() == {"quota_list": [enterprise("payments", "ep-2")], "total_count": 1}
    assert hw_call(emu.url(), f"/v3/{PROJECT_N4}/quotas", secret="wrong").status_code == 401
    bad = hw_call(emu.url(), f"/v3/{PROJECT_N4}/quotas", [("limit", "101")])
    assert (bad.status_code, bad.json()["error_code"]) == (400, "DBS.200001")
    assert [e["operation"] for e in emu.requests()][-1] == "ShowGaussMySqlQuotas"


def test_flavors_answer_202_need_an_availability_zone_mode_and_filter_by_spec_code(emu):
    with_enterprise_projects(emu)
    path = f"/v3/{PROJECT_N4}/flavors/gaussdb-mysql"
    found = hw_call(emu.url(), path, [("availability_zone_mode", "single"), ("spec_code", "gaussdb.mysql.4xlarge.x86.4")])
    assert found.status_code == 202
    assert [(f["vcpus"], f["ram"]) for f in found.json()["flavors"]] == [("16", "64")]
    assert hw_call(emu.url(), path, [("spec_code", "x")]).json()["error_code"] == "DBS.200001"  # no zone mode
    other_engine = hw_call(emu.url(), f"/v3/{PROJECT_N4}/flavors/mysql", [("availability_zone_mode", "single")])
    assert other_engine.status_code == 400
    none = hw_call(emu.url(), path, [("availability_zone_mode", "multi"), ("spec_code", "nope")])
    assert none.json() == {"flavors": []}
    assert emu.requests()[-1]["operation"] == "ShowGaussMySqlFlavors"


# --- scenario options of what the live services do (issue 19) -----------------------------------------------

def test_an_untyped_call_can_be_answered_with_some_types_only_and_a_typed_one_still_filters(emu):
    def change(scenario):
        scenario["alicloud"]["instances"][0]["untyped_types"] = ["key"]
        scenario["alicloud"]["untyped_types"] = ["key", "qps"]  # the default of every other instance
    with_changes(emu, change)
    untyped = quotas_of(emu).json()["KmsInstanceQuotaInfos"]
    assert [q["ResourceType"] for q in untyped] == ["key"]
    typed = ali_call(hz(emu), "GetKmsInstanceQuotaInfos", {
        "KmsInstanceId": "kst-hzz0001", "ResourceType": "secret"}).json()["KmsInstanceQuotaInfos"]
    assert typed == [quota("secret", 100, 5)]
    shanghai = ali_call(emu.url("cn-shanghai"), "GetKmsInstanceQuotaInfos", {"KmsInstanceId": "kst-sha0001"})
    assert shanghai.json()["KmsInstanceQuotaInfos"] == []  # only key and qps, and it has vpc only
    with_changes(emu, lambda s: None)
    assert len(quotas_of(emu).json()["KmsInstanceQuotaInfos"]) == 3  # without the option: every entry


@pytest.mark.parametrize("code, message", [("Rejected.Throttling", "Request was denied due to flow control."),
                                           ("Throttling.Resource", "Request was denied due to resource flow control.")])
def test_throttling_as_a_400_with_the_wait_the_sdk_reads(emu, code, message):
    set_instance_fault(emu, "kst-hzz0001", {"throttle_first": 2, "throttle_code": code, "throttle_status": 400,
                                            "retry_after": 250})
    first, second, third = (quotas_of(emu) for dummy in range(3))
    assert (first.status_code, first.json()["Code"], first.json()["Message"]) == (400, code, message)
    assert first.headers["x-acs-retry-after"] == "250" and second.status_code == 400
    assert third.status_code == 200 and "x-acs-retry-after" not in third.headers


def test_huawei_server_errors_can_ask_for_a_wait_in_seconds(emu):
    def change(scenario):
        scenario["huaweicloud"]["projects"][0]["fault"] = {"server_error_first": 1, "retry_after": 2}
    with_changes(emu, change)
    path = f"/v3/{PROJECT_N4}/project-quotas"
    unavailable, ok = (hw_call(emu.url(), path) for dummy in range(2))
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "2")
    assert ok.status_code == 200 and "Retry-After" not in ok.headers


def test_an_instance_in_a_bad_state_among_healthy_ones(emu):
    listed = ali_call(hz(emu), "ListKmsInstances", {"PageNumber": "2"})  # two per page in this scenario
    assert "kst-hzz0003" in [i["KmsInstanceId"] for i in listed.json()["KmsInstances"]["KmsInstance"]]
    bad = quotas_of(emu, "kst-hzz0003")
    assert (bad.status_code, bad.json()["Code"]) == (403, "Forbidden.DKMSInstanceStateInvalid")
    assert quotas_of(emu, "kst-hzz0001").status_code == 200


@pytest.mark.parametrize("refusal, status, code", [("unpublished", 404, "APIGW.0101"),
                                                   ("forbidden", 403, "APIGW.0302")])
def test_the_enterprise_project_api_refused_to_an_account_without_the_open_beta(emu, refusal, status, code):
    def change(scenario):
        scenario["huaweicloud"]["projects"][0]["enterprise_quotas_api"] = refusal
    with_changes(emu, change)
    refused = hw_call(emu.url(), f"/v3/{PROJECT_N4}/quotas")
    assert (refused.status_code, refused.json()["error_code"]) == (status, code)
    assert refused.json()["request_id"] == refused.headers["X-Request-Id"]
    assert hw_call(emu.url(), f"/v3/{PROJECT_N4}/project-quotas").status_code == 200  # the tenant's quota still answers
    assert hw_call(emu.url(), f"/v3/{PROJECT_N4}/quotas", secret="wrong").status_code == 401  # auth first


def test_flavors_can_answer_200_like_the_live_service(emu):
    def change(scenario):
        scenario["huaweicloud"]["flavors_status"] = 200
        scenario["huaweicloud"]["flavors"] = {"cn-north-4": [{"vcpus": "8", "ram": "32", "spec_code": "s1"}]}
    with_changes(emu, change)
    reply = hw_call(emu.url(), f"/v3/{PROJECT_N4}/flavors/gaussdb-mysql", [("availability_zone_mode", "single")])
    assert reply.status_code == 200 and reply.json()["flavors"][0]["spec_code"] == "s1"


def test_every_vendor_code_the_emulator_sends_has_its_source_in_the_spec():
    """SPEC.md's table of vendor codes names where each code comes from, or that it is assumed."""
    import re

    spec = (HERE / "SPEC.md").read_text()
    table = spec[spec.index("## Vendor codes and their sources"):]
    code = re.compile(r'"((?:APIGW?|DBS|IAM)\.\d{4,6}|(?:[A-Z][A-Za-z]+\.)+[A-Z][A-Za-z]+|Throttling|'
                      r'ServiceUnavailable|InvalidParameter|SignatureDoesNotMatch|IncompleteSignature)"')
    sent = set()
    for source in (HERE / "cloudemu").glob("*.py"):
        sent.update(code.findall(source.read_text()))
    assert sent, "the pattern found no code at all"
    sent.discard("IAM.ListProjects")  # an operation name of the log, not a vendor code
    missing = sorted(c for c in sent if "`%s`" % c not in table)
    assert not missing, missing
