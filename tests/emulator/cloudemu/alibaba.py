# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alibaba Cloud KMS (RPC style): GetKmsInstanceQuotaInfos and ListKmsInstances, with Alibaba's error bodies."""
from __future__ import annotations

import re
import uuid

from .common import ALI_ACTIONS, ALI_RESOURCE_TYPES, ALI_VERSION, Exchange, Reply
from .faults import apply_faults, merged_fault, sleep_latency
from .signing import parse_auth_fields, verify_acs3


# Where each Alibaba code below comes from (see also SPEC.md, "Vendor codes and their sources"):
# - InvalidParameter, Forbidden.DKMSInstanceNotFound, Forbidden.DKMSInstanceStateInvalid: the
#   GetKmsInstanceQuotaInfos API reference, error codes (status and message as listed there).
# - Throttling*, Rejected.Throttling, ServiceUnavailable: codes the alicloud Terraform provider retries
#   (aliyun/terraform-provider-alicloud, alicloud/common.go, NeedRetry); their statuses and messages are assumed.
# - the signature and access-key codes (signing.py) and InvalidAction.NotFound: assumed, Alibaba Cloud's common
#   OpenAPI errors (no copy of that page here).
THROTTLE_MESSAGES = {
    "Throttling.User": "Request was denied due to user flow control.",
    "Throttling.Api": "Request was denied due to api flow control.",
    "Throttling.Resource": "Request was denied due to resource flow control.",
    "Rejected.Throttling": "Request was denied due to flow control.",
}
# The SDK reads x-acs-retry-after as milliseconds (alibabacloud_tea_openapi utils.get_throttling_time_left,
# darabonba.core sleeps retry_after / 1000 s).
RETRY_AFTER_HEADER = "x-acs-retry-after"


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
        code = fault.get("throttle_code", "Throttling.User")
        reply = self.error(int(fault.get("throttle_status", 429)), code,
                           THROTTLE_MESSAGES.get(code, "Request was denied due to flow control."))
        return with_retry_after(reply, fault)

    def server_error(self, fault) -> Reply:
        reply = self.error(int(fault.get("server_error_status", 503)), "ServiceUnavailable",
                           "The request has failed due to a temporary failure of the server.")
        return with_retry_after(reply, fault)


def with_retry_after(reply: Reply, fault) -> Reply:
    """The fault's `retry_after` (milliseconds) as x-acs-retry-after, when it sets one."""
    if fault.get("retry_after") is not None:
        reply.headers[RETRY_AFTER_HEADER] = str(fault["retry_after"])
    return reply


def kms_region(ex: Exchange, scenario: dict) -> str:
    if ex.listener_region:
        return ex.listener_region
    host = (ex.header("Host") or "").lower()
    match = re.match(r"^kms(?:-vpc)?\.([a-z0-9-]+)\.", host)
    if match:
        return match.group(1)
    return (scenario.get("alicloud") or {}).get("default_region") or "cn-hangzhou"


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
        body["KmsInstanceQuotaInfos"] = answered_quotas(ali, inst, resource_type)
    return dialect.ok(body)


def answered_quotas(ali, inst, resource_type):
    """The quota list a call answers: the entries of its ResourceType; without one, every entry, or only
    those of `untyped_types` (the instance's, else the scenario's), since what the live service answers
    to an untyped call is not documented (the API reference's example answers `key` only)."""
    quotas = inst["quotas"]
    if not isinstance(quotas, list):
        return quotas
    kept = [resource_type] if resource_type is not None else inst.get("untyped_types", ali.get("untyped_types"))
    if kept is None:
        return quotas
    return [q for q in quotas if isinstance(q, dict) and q.get("ResourceType") in kept]


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
