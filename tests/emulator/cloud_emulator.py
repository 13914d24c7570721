"""Local cloud emulator: Alibaba Cloud KMS (ACS3-HMAC-SHA256) + Huawei Cloud IAM/TaurusDB (SDK-HMAC-SHA256).

Contract: tests/emulator/SPEC.md. Standard library only; never imports the collection nor a cloud SDK.

Command line::

    python tests/emulator/cloud_emulator.py --scenario FILE.json [--host 127.0.0.1] [--port 0]
        [--ports-file PATH] [--log PATH] [--tls-cert CERT.pem --tls-key KEY.pem]

It prints the ports JSON on stdout once listening, writes it atomically to ``--ports-file``
(``{"pid":..,"main":..,"scheme":"http","kms":{"<region>": port}}``) and runs until SIGTERM/SIGINT (exit 0).

In-process use (pytest fixtures)::

    emu = start_emulator(scenario_dict, log_path=None, tls=("cert.pem", "key.pem") or None)
    emu.url("main"); emu.url("cn-hangzhou"); emu.endpoint("cn-hangzhou")  # -> "127.0.0.1:PORT"
    emu.requests(); emu.reset(); emu.replace_scenario(new_dict); emu.stop()
"""
from __future__ import annotations

import argparse
import calendar
import copy
import hashlib
import hmac
import ipaddress
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlsplit

ALI_VERSION = "2016-01-20"
ALI_ACTIONS = ("GetKmsInstanceQuotaInfos", "ListKmsInstances")
ALI_RESOURCE_TYPES = ("key", "secret", "qps", "vpc")
ALI_DATE_WINDOW_S = 15 * 60
HW_LANGUAGES = ("en-us", "zh-cn")
SECRET_QUERY_WORDS = ("signature", "token", "secret", "password")
DROP = object()  # sentinel reply: close the socket without answering


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class Reply:
    """One HTTP answer; the handler always sends Content-Length so keep-alive works."""

    def __init__(self, status, body=b"", content_type="application/json", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.content_type = content_type
        self.headers = dict(headers or {})


class Exchange:
    """A parsed request plus the log fields filled in while it is handled."""

    def __init__(self, handler, body: bytes):
        split = urlsplit(handler.path)
        self.handler = handler
        self.method = handler.command
        self.path = split.path or "/"
        self.query_pairs = parse_qsl(split.query, keep_blank_values=True)  # unquotes, '+' -> ' '
        self.body = body
        self.port = handler.server.server_address[1]
        self.listener_region = handler.server.kms_region  # None on the main listener
        self.log = {"vendor": "control", "operation": "unknown", "region": None, "access_key": None,
                    "target": None, "auth": None, "sts": False, "x_language": None, "fault": None,
                    "error_code": None, "request_id": None}

    def header(self, name: str, default=None):
        return self.handler.headers.get(name, default)

    def query(self, name: str, default=None):
        for key, value in self.query_pairs:
            if key == name:
                return value
        return default

    def safe_query(self) -> dict:
        """Query for the log, with anything secret-looking redacted."""
        out = {}
        for key, value in self.query_pairs:
            hidden = any(word in key.lower() for word in SECRET_QUERY_WORDS)
            out[key] = "<redacted>" if hidden else value
        return out


# --------------------------------------------------------------------------- signatures
def parse_auth_fields(value: str, scheme: str, ak_field: str):
    """Split 'SCHEME K=v,K=v' (commas with or without spaces) -> (ak, [signed headers], signature)."""
    if not value or not value.startswith(scheme + " "):
        return None
    fields = {}
    for part in value[len(scheme) + 1:].split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key] = val.strip()
    if not all(fields.get(k) for k in (ak_field, "SignedHeaders", "Signature")):
        return None
    return fields[ak_field], fields["SignedHeaders"].lower().split(";"), fields["Signature"]


def canonical_headers(handler, signed_headers, join_duplicates: bool) -> str:
    lines = []
    for name in signed_headers:
        values = [v.strip() for v in handler.headers.get_all(name, [])]
        # The Alibaba SDK joins repeated headers sorted with ','; Huawei keeps one value.
        value = ",".join(sorted(values)) if join_duplicates else (values[-1] if values else "")
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def acs3_string_to_sign(ex: Exchange, signed_headers, content_sha256: str) -> str:
    # Keys sorted (as the SDK sorts dict keys), values re-quoted after URL unquoting.
    pairs = sorted(ex.query_pairs)
    query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in pairs)
    headers = canonical_headers(ex.handler, signed_headers, join_duplicates=True)
    request = f"{ex.method}\n{ex.path or '/'}\n{query}\n{headers}\n{';'.join(signed_headers)}\n{content_sha256}"
    return "ACS3-HMAC-SHA256\n" + sha256_hex(request.encode())


def sdk_string_to_sign(ex: Exchange, signed_headers) -> str:
    uri = "/".join(quote(seg, safe="~") for seg in unquote(ex.path).split("/"))
    if not uri.endswith("/"):
        uri += "/"
    query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(ex.query_pairs))
    headers = canonical_headers(ex.handler, signed_headers, join_duplicates=False)
    if not ex.body:
        payload_hash = sha256_hex(b"")
    elif ex.header("X-Sdk-Content-Sha256") == "UNSIGNED-PAYLOAD":
        payload_hash = "UNSIGNED-PAYLOAD"
    else:
        payload_hash = sha256_hex(ex.body)
    request = f"{ex.method}\n{uri}\n{query}\n{headers}\n{';'.join(signed_headers)}\n{payload_hash}"
    return f"SDK-HMAC-SHA256\n{ex.header('X-Sdk-Date', '')}\n{sha256_hex(request.encode())}"


def acs_date_ok(value) -> bool:
    try:
        stamp = calendar.timegm(time.strptime(value or "", "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return False
    return abs(time.time() - stamp) <= ALI_DATE_WINDOW_S


# --------------------------------------------------------------------------- vendor error shapes
class AliDialect:
    """Alibaba RPC error bodies (RequestId, HostId, Code, Message, Recommend)."""

    def __init__(self, ex: Exchange, region):
        self.ex = ex
        self.host_id = f"kms.{region}.aliyuncs.com"
        self.request_id = str(uuid.uuid4()).upper()
        ex.log["request_id"] = self.request_id

    def headers(self):
        return {"x-acs-request-id": self.request_id}

    def ok(self, body: dict) -> Reply:
        return Reply(200, {"RequestId": self.request_id, **body}, "application/json;charset=utf-8", self.headers())

    def error(self, status, code, message) -> Reply:
        self.ex.log["error_code"] = code
        body = {"RequestId": self.request_id, "HostId": self.host_id, "Code": code, "Message": message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Kms&requestId={self.request_id}"}
        return Reply(status, body, "application/json;charset=utf-8", self.headers())

    def throttle(self, fault) -> Reply:
        return self.error(int(fault.get("throttle_status", 429)), fault.get("throttle_code", "Throttling.User"),
                          "Request was denied due to user flow control.")

    def server_error(self, fault) -> Reply:
        return self.error(int(fault.get("server_error_status", 503)), "ServiceUnavailable",
                          "The request has failed due to a temporary failure of the server.")


class HuaweiDialect:
    """Huawei service / API-gateway error bodies (error_code, error_msg) with X-Request-Id."""

    def __init__(self, ex: Exchange):
        self.ex = ex
        self.request_id = uuid.uuid4().hex
        ex.log["request_id"] = self.request_id

    def headers(self):
        return {"X-Request-Id": self.request_id}

    def ok(self, body: dict) -> Reply:
        return Reply(200, body, "application/json", self.headers())

    def error(self, status, code, message, gateway=False) -> Reply:
        self.ex.log["error_code"] = code
        body = {"error_code": code, "error_msg": message}
        if gateway:  # errors raised by the API gateway also carry request_id in the body
            body["request_id"] = self.request_id
        return Reply(status, body, "application/json", self.headers())

    def auth_error(self, message) -> Reply:
        return self.error(401, "APIGW.0301", f"Incorrect IAM authentication information: {message}", gateway=True)

    def throttle(self, fault) -> Reply:
        msg = "The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 minute"
        return self.error(int(fault.get("throttle_status", 429)), "APIGW.0308", msg, gateway=True)

    def server_error(self, fault) -> Reply:
        return self.error(int(fault.get("server_error_status", 503)), "DBS.200001",
                          "The service is temporarily unavailable. Try again later.")


class IamDialect(HuaweiDialect):
    """IAM (Keystone) answers: same gateway throttling, but Keystone-shaped errors and X-IAM-Trace-Id."""

    def headers(self):
        return {"X-Request-Id": self.request_id, "X-IAM-Trace-Id": self.request_id}

    def keystone_error(self, status, message, title, code=None) -> Reply:
        self.ex.log["error_code"] = code or title
        body = {"error": {"code": status, "message": message, "title": title}}
        return Reply(status, body, "application/json", self.headers())

    def auth_error(self, message) -> Reply:
        return self.keystone_error(401, "The request you have made requires authentication.", "Unauthorized",
                                   code="APIGW.0301")

    def error(self, status, code, message, gateway=False) -> Reply:
        if gateway:  # throttling comes from the gateway in front of IAM
            return super().error(status, code, message, gateway)
        return self.keystone_error(status, message, code)

    def server_error(self, fault) -> Reply:
        return self.keystone_error(int(fault.get("server_error_status", 503)),
                                   "The service is temporarily unavailable.", "Service Unavailable")


# --------------------------------------------------------------------------- faults
def merged_fault(scenario: dict, target_fault) -> dict:
    """`defaults` is a fault object for every vendor reply; a target's own keys override it."""
    fault = dict(scenario.get("defaults") or {})
    fault.update(target_fault or {})
    return fault


def apply_faults(emu, ex: Exchange, fault: dict, counter_key: str, dialect):
    """Run the post-authentication faults; returns a Reply, DROP, or None for 'answer normally'."""
    if fault.get("hang_ms"):
        time.sleep(float(fault["hang_ms"]) / 1000)
    call_number = emu.count_call(counter_key)
    throttle_n = int(fault.get("throttle_first") or 0)
    server_n = int(fault.get("server_error_first") or 0)
    # One call counter per target: calls 1..T throttle, then T+1..T+S fail with 5xx.
    if call_number <= throttle_n:
        ex.log["fault"] = "throttle"
        return dialect.throttle(fault)
    if call_number <= throttle_n + server_n:
        ex.log["fault"] = "server_error"
        return dialect.server_error(fault)
    if fault.get("drop_connection"):
        ex.log["fault"] = "drop_connection"
        return DROP
    if fault.get("error"):
        err = fault["error"]
        ex.log["fault"] = "error"
        return dialect.error(int(err.get("status", 400)), err.get("code", "Error"), err.get("message", ""))
    if fault.get("raw") is not None:
        raw = fault["raw"]
        ex.log["fault"] = "raw"
        body = raw.get("body", "")
        body = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return Reply(int(raw.get("status", 200)), body, raw.get("content_type", "application/json"),
                     dialect.headers())
    return None


# --------------------------------------------------------------------------- Alibaba KMS
def kms_region(ex: Exchange, scenario: dict) -> str:
    if ex.listener_region:
        return ex.listener_region
    host = (ex.header("Host") or "").lower()
    match = re.match(r"^kms(?:-vpc)?\.([a-z0-9-]+)\.", host)
    if match:
        return match.group(1)
    return (scenario.get("alicloud") or {}).get("default_region") or "cn-hangzhou"


def verify_acs3(ex: Exchange, credentials: dict, dialect: AliDialect):
    """Return an error Reply, or None when the ACS3 signature and STS token check out."""
    parsed = parse_auth_fields(ex.header("Authorization"), "ACS3-HMAC-SHA256", "Credential")
    token = ex.header("x-acs-security-token")
    ex.log["sts"] = token is not None

    def fail(status, code, message):
        ex.log["auth"] = code
        return dialect.error(status, code, message)

    if parsed is None:
        return fail(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
    ak, signed_headers, signature = parsed
    cred = credentials.get(ak)
    if not isinstance(cred, dict):
        return fail(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if not acs_date_ok(ex.header("x-acs-date")):
        return fail(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    content_sha = ex.header("x-acs-content-sha256", "")
    expected = hmac_sha256_hex(str(cred.get("secret", "")), acs3_string_to_sign(ex, signed_headers, content_sha))
    if content_sha != sha256_hex(ex.body) or not hmac.compare_digest(expected, signature):
        return fail(400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
    if cred.get("security_token") is not None and token != cred["security_token"]:
        return fail(400, "InvalidSecurityToken.Mismatch", "Specified SecurityToken mismatch with the AccessKey.")
    if cred.get("security_token") is None and token is not None:
        return fail(400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
    ex.log["auth"] = "ok"
    return None


def ali_target(scenario, action, ex: Exchange, account, region):
    """(counter key, target's own fault) for this request; the target may not exist."""
    ali = scenario.get("alicloud") or {}
    if action == "GetKmsInstanceQuotaInfos":
        instance_id = ex.query("KmsInstanceId")
        ex.log["target"] = instance_id
        inst = find_instance(ali, instance_id, account, region)
        return f"alicloud/instance/{instance_id}", (inst or {}).get("fault")
    if action == "ListKmsInstances":
        key = f"{account}/{region}" if account else None
        ex.log["target"] = key
        return f"alicloud/list/{key}", (ali.get("list_faults") or {}).get(key)
    return "alicloud/unknown", None


def find_instance(ali: dict, instance_id, account, region):
    for inst in ali.get("instances") or []:
        if inst.get("id") == instance_id and inst.get("account") == account and inst.get("region") == region:
            return inst
    return None


def kms_get_quotas(ali, ex, account, region, dialect) -> Reply:
    instance_id = ex.query("KmsInstanceId")
    resource_type = ex.query("ResourceType")
    if not instance_id or not re.fullmatch(r"kst-[a-z0-9]+", instance_id) or (
            resource_type is not None and resource_type not in ALI_RESOURCE_TYPES):
        return dialect.error(400, "InvalidParameter", "The specified parameter is not valid.")
    inst = find_instance(ali, instance_id, account, region)
    if inst is None:
        return dialect.error(403, "Forbidden.DKMSInstanceNotFound", "The specified DKMS Instance is not found.")
    if inst.get("state", "Running") != "Running":
        return dialect.error(403, "Forbidden.DKMSInstanceStateInvalid", "The DKMS Instance state is invalid.")
    body = {"KmsInstanceId": instance_id}
    if "quotas" in inst:
        quotas = inst["quotas"]
        if resource_type is not None and isinstance(quotas, list):
            quotas = [q for q in quotas if isinstance(q, dict) and q.get("ResourceType") == resource_type]
        body["KmsInstanceQuotaInfos"] = quotas
    return dialect.ok(body)


def kms_list_instances(ali, ex, account, region, dialect) -> Reply:
    try:
        page_number = int(ex.query("PageNumber", "1"))
        page_size = int(ex.query("PageSize", "10"))
    except ValueError:
        page_number = page_size = 0
    if page_number < 1 or not 1 <= page_size <= 100:
        return dialect.error(400, "InvalidParameter", "The specified parameter is not valid.")
    cap = ali.get("list_page_size_cap")
    effective = min(page_size, int(cap)) if cap else page_size
    mine = [i for i in ali.get("instances") or [] if i.get("account") == account and i.get("region") == region]
    page = mine[(page_number - 1) * effective: page_number * effective]
    items = [{"KmsInstanceId": i.get("id"),
              "KmsInstanceArn": f"acs:kms:{region}:{account}:keystore/{i.get('id')}"} for i in page]
    return dialect.ok({"PageNumber": page_number, "PageSize": effective, "TotalCount": len(mine),
                       "KmsInstances": {"KmsInstance": items}})


def handle_alicloud(emu, ex: Exchange):
    scenario = emu.scenario  # one consistent snapshot for this request
    ali = scenario.get("alicloud") or {}
    credentials = ali.get("credentials") or {}
    region = kms_region(ex, scenario)
    action = ex.header("x-acs-action")
    known = action in ALI_ACTIONS and ex.header("x-acs-version") == ALI_VERSION
    ex.log.update(vendor="alicloud", region=region, operation=action if known else "unknown")
    parsed = parse_auth_fields(ex.header("Authorization"), "ACS3-HMAC-SHA256", "Credential")
    claimed = credentials.get(parsed[0]) if parsed else None
    account = claimed.get("account") if isinstance(claimed, dict) else None
    ex.log["access_key"] = parsed[0] if parsed else None
    counter_key, target_fault = ali_target(scenario, action if known else None, ex, account, region)
    fault = merged_fault(scenario, target_fault)
    dialect = AliDialect(ex, region)

    sleep_latency(fault)  # latency is the only fault applied before authentication
    failure = verify_acs3(ex, credentials, dialect)
    if failure is not None:
        return failure
    faulted = apply_faults(emu, ex, fault, counter_key, dialect)
    if faulted is not None:
        return faulted
    if not known:
        return dialect.error(404, "InvalidAction.NotFound",
                             "Specified api is not found, please check your url and method.")
    if action == "GetKmsInstanceQuotaInfos":
        return kms_get_quotas(ali, ex, account, region, dialect)
    return kms_list_instances(ali, ex, account, region, dialect)


# --------------------------------------------------------------------------- Huawei IAM + TaurusDB
def verify_sdk_hmac(ex: Exchange, credentials: dict, dialect: HuaweiDialect):
    parsed = parse_auth_fields(ex.header("Authorization"), "SDK-HMAC-SHA256", "Access")
    token = ex.header("X-Security-Token")
    ex.log["sts"] = token is not None
    cred = credentials.get(parsed[0]) if parsed else None
    if parsed is None or not isinstance(cred, dict):
        ex.log["auth"] = "APIGW.0301"
        return dialect.auth_error("verify aksk signature fail")
    unused_access_key, signed_headers, signature = parsed
    expected = hmac_sha256_hex(str(cred.get("secret", "")), sdk_string_to_sign(ex, signed_headers))
    if not hmac.compare_digest(expected, signature):
        ex.log["auth"] = "APIGW.0301"
        return dialect.auth_error("verify aksk signature fail")
    # A temporary key needs its token; a permanent key must not present one.
    if token != cred.get("security_token"):
        ex.log["auth"] = "APIGW.0301"
        return dialect.auth_error("security token invalid")
    ex.log["auth"] = "ok"
    return None


def domain_id(account) -> str:
    return hashlib.md5(str(account).encode()).hexdigest()


def iam_list_projects(hw, ex, account, region, dialect) -> Reply:
    base = f"{ex.handler.server.scheme}://{ex.header('Host') or '127.0.0.1'}"
    projects = []
    for proj in hw.get("projects") or []:
        if proj.get("account") == account and (region is None or proj.get("region") == region):
            dom = proj.get("domain_id") or domain_id(account)
            projects.append({"id": proj.get("id"), "name": proj.get("region"), "domain_id": dom,
                             "enabled": True, "is_domain": False, "parent_id": dom, "description": "",
                             "links": {"self": f"{base}/v3/projects/{proj.get('id')}"}})
    return dialect.ok({"projects": projects,
                       "links": {"self": base + ex.handler.path, "next": None, "previous": None}})


def taurus_project_quotas(hw, ex, account, project_id, dialect) -> Reply:
    language = ex.header("X-Language")
    if language is not None and language not in HW_LANGUAGES:
        return dialect.error(400, "DBS.200021", "Invalid parameter: X-Language")
    if ex.query("type") is not None and ex.query("type") != "instance":
        return dialect.error(400, "DBS.200022", "Invalid parameter: type")
    if not re.fullmatch(r"[A-Za-z0-9]{32}", project_id):
        return dialect.error(400, "DBS.280238", "Invalid project ID.")
    proj = next((p for p in hw.get("projects") or [] if p.get("id") == project_id), None)
    header_project = ex.header("X-Project-Id")
    if proj is None or proj.get("account") != account or header_project not in (None, project_id):
        return dialect.error(403, "DBS.280013", "Project ID does not match the token.")
    quotas = {"resources": proj["resources"]} if "resources" in proj else {}
    return dialect.ok({"quotas": quotas})


def handle_huawei(emu, ex: Exchange):
    scenario = emu.scenario
    hw = scenario.get("huaweicloud") or {}
    credentials = hw.get("credentials") or {}
    parsed = parse_auth_fields(ex.header("Authorization"), "SDK-HMAC-SHA256", "Access")
    claimed = credentials.get(parsed[0]) if parsed else None
    account = claimed.get("account") if isinstance(claimed, dict) else None
    ex.log.update(vendor="huaweicloud", access_key=parsed[0] if parsed else None,
                  x_language=ex.header("X-Language"))
    quota_match = re.fullmatch(r"/v3/([^/]+)/project-quotas/?", ex.path)
    if ex.path.rstrip("/") == "/v3/projects" and ex.method == "GET":
        region = ex.query("name")
        key = f"{account}/{region}" if account else None
        ex.log.update(operation="IAM.ListProjects", region=region, target=key)
        dialect = IamDialect(ex)
        target_fault = (hw.get("iam_faults") or {}).get(key)
        counter_key = f"huaweicloud/iam/{key}"
    elif quota_match and ex.method == "GET":
        project_id = unquote(quota_match.group(1))
        proj = next((p for p in hw.get("projects") or [] if p.get("id") == project_id), None)
        own = proj is not None and proj.get("account") == account
        ex.log.update(operation="ShowGaussMySqlProjectQuotas", target=project_id,
                      region=proj.get("region") if own else None)
        dialect = HuaweiDialect(ex)
        target_fault = proj.get("fault") if own else None
        counter_key = f"huaweicloud/project/{project_id}"
    else:
        dialect = HuaweiDialect(ex)
        target_fault, counter_key = None, "huaweicloud/unknown"
    fault = merged_fault(scenario, target_fault)

    sleep_latency(fault)
    failure = verify_sdk_hmac(ex, credentials, dialect)
    if failure is not None:
        return failure
    faulted = apply_faults(emu, ex, fault, counter_key, dialect)
    if faulted is not None:
        return faulted
    if ex.log["operation"] == "IAM.ListProjects":
        return iam_list_projects(hw, ex, account, ex.log["region"], dialect)
    if ex.log["operation"] == "ShowGaussMySqlProjectQuotas":
        return taurus_project_quotas(hw, ex, account, ex.log["target"], dialect)
    return dialect.error(404, "APIGW.0101", "The API does not exist or has not been published in the environment",
                         gateway=True)


def sleep_latency(fault: dict):
    if fault.get("latency_ms"):
        time.sleep(float(fault["latency_ms"]) / 1000)


# --------------------------------------------------------------------------- control API
def handle_control(emu, ex: Exchange):
    """Control endpoints (main listener only, no auth). Returns (Reply, should_log)."""
    route = (ex.method, ex.path.rstrip("/"))
    if route == ("GET", "/_emulator/health"):
        return Reply(200, {"ok": True}), False
    if route == ("GET", "/_emulator/requests"):
        vendor = ex.query("vendor")
        entries = [e for e in emu.requests() if vendor is None or e["vendor"] == vendor]
        return Reply(200, {"requests": entries}), False
    if route == ("POST", "/_emulator/reset"):
        emu.reset()
        return Reply(200, {"ok": True}), False
    if route == ("PUT", "/_emulator/scenario"):
        try:
            scenario = json.loads(ex.body or b"null")
            if not isinstance(scenario, dict):
                raise ValueError("scenario must be a JSON object")
        except ValueError as exc:
            return Reply(400, {"ok": False, "error": f"bad scenario: {exc}"}), True
        emu.replace_scenario(scenario)
        return Reply(200, {"ok": True, "ports": emu.ports}), False
    return not_found(ex), True


def not_found(ex: Exchange) -> Reply:
    ex.log["error_code"] = "NotFound"
    return Reply(404, {"code": "NotFound", "message": f"No route for {ex.method} {ex.path}"})


# --------------------------------------------------------------------------- HTTP plumbing
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    server_version = "cloud-emulator/1.0"
    sys_version = ""
    timeout = 120  # an idle keep-alive socket is closed after this long

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()  # in this worker thread, not in the accept loop

    def log_message(self, fmt, *args):  # the JSON log replaces the stderr access log
        pass

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self):
        emu = self.server.emulator
        ex = Exchange(self, self.read_body())
        should_log = True
        try:
            if ex.path.startswith("/_emulator/") and ex.listener_region is None:
                reply, should_log = handle_control(emu, ex)
            elif ex.path == "/":
                reply = handle_alicloud(emu, ex)
            elif ex.path.startswith("/v3/"):
                reply = handle_huawei(emu, ex)
            else:
                reply = not_found(ex)
        except Exception as exc:  # a malformed scenario must give a visible answer, not a silent hang-up
            ex.log["error_code"] = "EmulatorError"
            reply = Reply(500, {"code": "EmulatorError", "message": f"{type(exc).__name__}: {exc}"})
        if should_log:
            emu.record(ex, reply)
        if reply is DROP:
            self.close_connection = True  # no bytes at all: the client sees a dropped connection
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)


class Listener(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # shutdown must not wait for hanging (hang_ms) workers
    request_queue_size = 256  # 50+ clients may connect at once
    allow_reuse_address = True

    def __init__(self, emulator, host, port, kms_region, ssl_context):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), Handler)
        self.emulator = emulator
        self.kms_region = kms_region
        self.scheme = "https" if ssl_context else "http"
        if ssl_context:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        # Clients that hang up or reject our self-signed cert are normal in tests; stay quiet.
        if not isinstance(sys.exc_info()[1], (OSError, ssl.SSLError)):
            super().handle_error(request, client_address)


def check_loopback(host: str) -> str:
    host = "127.0.0.1" if host == "localhost" else host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(f"refusing to bind to non-loopback address {host!r}")


class Emulator:
    """Owns the scenario, the listeners, the fault counters and the request log."""

    def __init__(self, scenario: dict, host="127.0.0.1", log_path=None, tls=None, ports_file=None):
        self.host = check_loopback(host)
        self.scenario = copy.deepcopy(scenario)  # never shared with a caller who may keep mutating it
        self.ports_file = ports_file
        self._lock = threading.RLock()
        self._calls = {}
        self._log = []
        self._log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self._ssl = None
        if tls:
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ssl.load_cert_chain(tls[0], tls[1])
        self.main = None
        self.kms = {}  # region -> Listener

    # -- lifecycle
    def start(self, port=0):
        self.main = self._listen(port, None)
        self._open_kms_listeners()
        return self

    def _listen(self, port, region) -> Listener:
        server = Listener(self, self.host, port, region, self._ssl)
        # A short poll interval keeps stop() fast (shutdown waits for the serving loop to notice).
        threading.Thread(target=server.serve_forever, args=(0.05,), name=f"emulator-{region or 'main'}",
                         daemon=True).start()
        return server

    def _open_kms_listeners(self):
        """One listener per Alibaba region named in the scenario (the listener *is* the region)."""
        ali = self.scenario.get("alicloud") or {}
        instances = [i for i in ali.get("instances") or [] if isinstance(i, dict)]
        regions = [ali.get("default_region")] + [i.get("region") for i in instances]
        regions += [key.split("/", 1)[1] for key in ali.get("list_faults") or {} if "/" in key]
        with self._lock:
            for region in regions:
                if isinstance(region, str) and region and region not in self.kms:
                    self.kms[region] = self._listen(0, region)
            self._write_ports_file()

    def stop(self):
        for server in [self.main, *self.kms.values()]:
            if server is not None:
                server.shutdown()
                server.server_close()
        with self._lock:  # a still-hanging worker may log later; it must find no closed file
            if self._log_file:
                self._log_file.close()
                self._log_file = None
        if self.ports_file and os.path.exists(self.ports_file):
            os.remove(self.ports_file)

    @property
    def ports(self) -> dict:
        """Same content as the ports file."""
        with self._lock:
            return {"pid": os.getpid(), "main": self.main.server_address[1],
                    "scheme": "https" if self._ssl else "http",
                    "kms": {region: srv.server_address[1] for region, srv in self.kms.items()}}

    def endpoint(self, kind: str = "main") -> str:
        """'127.0.0.1:PORT' of 'main' or of an Alibaba region's listener (the Alibaba SDK's `endpoint`)."""
        ports = self.ports
        port = ports["main"] if kind == "main" else ports["kms"][kind.removeprefix("kms:")]
        return f"[{self.host}]:{port}" if ":" in self.host else f"{self.host}:{port}"

    def url(self, kind: str = "main") -> str:
        return f"{self.ports['scheme']}://{self.endpoint(kind)}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _write_ports_file(self):
        if not self.ports_file:
            return
        tmp = f"{self.ports_file}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self.ports, handle)
        os.replace(tmp, self.ports_file)  # atomic: readers never see a half-written file

    # -- state
    def replace_scenario(self, scenario: dict):
        with self._lock:
            self.scenario = copy.deepcopy(scenario)
            self._calls.clear()
            self._log.clear()
        self._open_kms_listeners()

    def reset(self):
        with self._lock:
            self._calls.clear()
            self._log.clear()

    def count_call(self, key: str) -> int:
        with self._lock:
            self._calls[key] = self._calls.get(key, 0) + 1
            return self._calls[key]

    def requests(self) -> list:
        with self._lock:
            return [dict(entry) for entry in self._log]

    def record(self, ex: Exchange, reply):
        """Append one log entry. Only whitelisted fields: no secret, token, signature or Authorization."""
        entry = {"ts": round(time.time(), 3), "port": ex.port, "method": ex.method, "path": ex.path,
                 "query": ex.safe_query(), "status": None if reply is DROP else reply.status,
                 "user_agent": (ex.header("User-Agent") or "")[:200], **ex.log}
        with self._lock:
            self._log.append(entry)
            if self._log_file:
                self._log_file.write(json.dumps(entry) + "\n")
                self._log_file.flush()


def start_emulator(scenario: dict, log_path=None, tls=None, *, host="127.0.0.1", port=0,
                   ports_file=None) -> Emulator:
    """In-process use (pytest fixtures): start every listener in background threads and return the
    Emulator (.ports, .url(kind), .endpoint(kind), .requests(), .reset(), .replace_scenario(), .stop()).
    tls = (cert_path, key_path) or None."""
    return Emulator(scenario, host, log_path, tls, ports_file).start(port)


# --------------------------------------------------------------------------- CLI
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Local Alibaba KMS + Huawei TaurusDB/IAM emulator")
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ports-file")
    parser.add_argument("--log")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    try:
        check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    with open(args.scenario, encoding="utf-8") as handle:
        scenario = json.load(handle)
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None

    stop = threading.Event()  # handlers first, so an early SIGTERM still means a clean exit 0
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emu = Emulator(scenario, args.host, args.log, tls, args.ports_file).start(args.port)
    print(json.dumps(emu.ports), flush=True)
    while not stop.wait(0.2):  # short waits keep the main thread responsive to signals
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
