# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Huawei Cloud IAM (project lookup) and TaurusDB quota APIs, with the API gateway's and Keystone's error bodies."""
from __future__ import annotations

import hashlib
import re
import uuid
from urllib.parse import unquote

from .common import HW_LANGUAGES, Exchange, Reply
from .faults import apply_faults, merged_fault, sleep_latency
from .signing import parse_auth_fields, verify_sdk_hmac


# Where each Huawei code below comes from (see also SPEC.md, "Vendor codes and their sources"): the
# API gateway's APIGW.0101 (404, API not published), APIGW.0301 (401, authentication), APIGW.0302 (403,
# not authorized to call the API) and APIGW.0308 (429, throttling): assumed, Huawei Cloud API Gateway
# error codes, of whose page there is no copy here; DBS.200001, DBS.280013 and DBS.108000: assumed,
# TaurusDB error codes (the API reference points to an error-code page of which there is no copy here).


class HuaweiDialect:
    """Huawei service / API-gateway error bodies (error_code, error_msg) with X-Request-Id."""

    def __init__(self, ex: Exchange):
        self.ex = ex
        self.request_id = uuid.uuid4().hex
        ex.log["request_id"] = self.request_id

    def headers(self):
        return {"X-Request-Id": self.request_id}

    def ok(self, body: dict, status=200) -> Reply:
        return Reply(status, body, "application/json", self.headers())

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
        return with_retry_after(self.error(int(fault.get("throttle_status", 429)), "APIGW.0308", msg, gateway=True),
                                fault)

    def server_error(self, fault) -> Reply:
        return with_retry_after(self.error(int(fault.get("server_error_status", 503)), "DBS.108000",
                                           "Server failure."), fault)


def with_retry_after(reply: Reply, fault) -> Reply:
    """The fault's `retry_after` as the standard Retry-After header (whole seconds), when it sets one."""
    if fault.get("retry_after") is not None:
        reply.headers["Retry-After"] = str(fault["retry_after"])
    return reply


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
        return with_retry_after(self.keystone_error(int(fault.get("server_error_status", 503)),
                                                    "The service is temporarily unavailable.", "Service Unavailable"),
                                fault)


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
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid X-Language.")
    if ex.query("type") is not None and ex.query("type") != "instance":
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid type.")
    if not re.fullmatch(r"[A-Za-z0-9]{32}", project_id):
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid project ID.")
    proj = next((p for p in hw.get("projects") or [] if p.get("id") == project_id), None)
    header_project = ex.header("X-Project-Id")
    if proj is None or proj.get("account") != account or header_project not in (None, project_id):
        return dialect.error(403, "DBS.280013", "Project ID does not match the token.")
    quotas = {"resources": proj["resources"]} if "resources" in proj else {}
    return dialect.ok({"quotas": quotas})


def own_project(hw, account, project_id, ex):
    """The caller's project, or None (another account's project or a token for another project)."""
    proj = next((p for p in hw.get("projects") or [] if p.get("id") == project_id), None)
    if proj is None or proj.get("account") != account or ex.header("X-Project-Id") not in (None, project_id):
        return None
    return proj


def check_language_and_project(ex, project_id, dialect):
    language = ex.header("X-Language")
    if language is not None and language not in HW_LANGUAGES:
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid X-Language.")
    if not re.fullmatch(r"[A-Za-z0-9]{32}", project_id):
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid project ID.")
    return None


def callers_project(hw, ex, account, project_id, dialect):
    """(project, None) when the request may read ``project_id``; (None, the error Reply) otherwise."""
    refused = check_language_and_project(ex, project_id, dialect)
    if refused is not None:
        return None, refused
    proj = own_project(hw, account, project_id, ex)
    if proj is None:
        return None, dialect.error(403, "DBS.280013", "Project ID does not match the token.")
    return proj, None


# How an account without the open-beta ShowGaussMySqlQuotas may be answered (not documented: assumed).
ENTERPRISE_QUOTAS_REFUSALS = {
    "unpublished": (404, "APIGW.0101", "The API does not exist or has not been published in the environment"),
    "forbidden": (403, "APIGW.0302", "The IAM user is not authorized to access the API"),
}


def taurus_enterprise_quotas(hw, ex, account, project_id, dialect) -> Reply:
    """ShowGaussMySqlQuotas: the enterprise projects' quotas, paged (offset, limit), filtered by name."""
    # The gateway refuses an API it does not serve to an account before the service sees the request.
    refusal = ENTERPRISE_QUOTAS_REFUSALS.get((own_project(hw, account, project_id, ex) or {}).get("enterprise_quotas_api"))
    if refusal is not None:
        return dialect.error(*refusal, gateway=True)
    proj, refused = callers_project(hw, ex, account, project_id, dialect)
    if refused is not None:
        return refused
    try:
        offset = int(ex.query("offset", "0"))
        limit = int(ex.query("limit", "100"))
    except ValueError:
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid offset or limit.")
    if offset < 0 or not 1 <= limit <= 100:
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid offset or limit.")
    if "enterprise_projects" not in proj:
        return dialect.ok({"quota_list": [], "total_count": 0})
    name = ex.query("enterprise_project_name")
    items = [q for q in proj["enterprise_projects"]
             if name is None or (isinstance(q, dict) and q.get("enterprise_project_name") == name)]
    cap = int(hw.get("quota_page_size_cap") or limit)
    return dialect.ok({"quota_list": items[offset:offset + min(limit, cap)], "total_count": len(items)})


def taurus_flavors(hw, ex, account, project_id, database_name, dialect) -> Reply:
    """ShowGaussMySqlFlavors: the flavors of the project's region, filtered by spec_code."""
    proj, refused = callers_project(hw, ex, account, project_id, dialect)
    if refused is not None:
        return refused
    if (ex.query("availability_zone_mode") or "").lower() not in ("single", "multi"):
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid availability_zone_mode.")
    if database_name != "gaussdb-mysql":
        return dialect.error(400, "DBS.200001", "Parameter error. Invalid database_name.")
    spec_code = ex.query("spec_code")
    flavors = [f for f in (hw.get("flavors") or {}).get(proj.get("region"), [])
               if spec_code is None or (isinstance(f, dict) and f.get("spec_code") == spec_code)]
    # The international API reference documents 202 for this call; the live service answers 200 (issue 19):
    # `huaweicloud.flavors_status` chooses, and clients must take both.
    return dialect.ok({"flavors": flavors}, status=int(hw.get("flavors_status", 202)))


ROUTES = (
    (re.compile(r"/v3/([^/]+)/project-quotas/?"), "ShowGaussMySqlProjectQuotas", "fault"),
    (re.compile(r"/v3/([^/]+)/quotas/?"), "ShowGaussMySqlQuotas", "quotas_fault"),
    (re.compile(r"/v3/([^/]+)/flavors/([^/]+)/?"), "ShowGaussMySqlFlavors", "flavors_fault"),
)


def handle_huawei(emu, ex: Exchange):
    scenario = emu.scenario
    hw = scenario.get("huaweicloud") or {}
    credentials = hw.get("credentials") or {}
    parsed = parse_auth_fields(ex.header("Authorization"), "SDK-HMAC-SHA256", "Access")
    claimed = credentials.get(parsed[0]) if parsed else None
    account = claimed.get("account") if isinstance(claimed, dict) else None
    ex.log.update(vendor="huaweicloud", access_key=parsed[0] if parsed else None,
                  x_language=ex.header("X-Language"))
    route = next(((match, operation, fault_key) for pattern, operation, fault_key in ROUTES
                  for match in [pattern.fullmatch(ex.path)] if match), None) if ex.method == "GET" else None
    if ex.path.rstrip("/") == "/v3/projects" and ex.method == "GET":
        region = ex.query("name")
        key = f"{account}/{region}" if account else None
        ex.log.update(operation="IAM.ListProjects", region=region, target=key)
        dialect = IamDialect(ex)
        target_fault = (hw.get("iam_faults") or {}).get(key)
        counter_key = f"huaweicloud/iam/{key}"
    elif route is not None:
        match, operation, fault_key = route
        project_id = unquote(match.group(1))
        proj = next((p for p in hw.get("projects") or [] if p.get("id") == project_id), None)
        own = proj is not None and proj.get("account") == account
        ex.log.update(operation=operation, target=project_id, region=proj.get("region") if own else None)
        dialect = HuaweiDialect(ex)
        target_fault = proj.get(fault_key) if own else None
        counter_key = f"huaweicloud/{operation}/{project_id}"
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
    if ex.log["operation"] == "ShowGaussMySqlQuotas":
        return taurus_enterprise_quotas(hw, ex, account, ex.log["target"], dialect)
    if ex.log["operation"] == "ShowGaussMySqlFlavors":
        return taurus_flavors(hw, ex, account, ex.log["target"], unquote(route[0].group(2)), dialect)
    return dialect.error(404, "APIGW.0101", "The API does not exist or has not been published in the environment",
                         gateway=True)
