#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: kms_quota_info
short_description: Read the key, secret, QPS and VPC quotas of Alibaba Cloud KMS instances
version_added: 0.1.0
description:
  - Reads the quotas of one KMS instance, or of every KMS instance in a region, with the
    C(GetKmsInstanceQuotaInfos) API, and returns one normalised record per instance and resource type.
  - When O(kms_instance_id) is omitted, the region's instances are listed with C(ListKmsInstances),
    following every page, and read concurrently. A region without instances gives an empty list.
    An instance that cannot be read (for example one not yet connected or being released,
    C(Forbidden.DKMSInstanceStateInvalid)) is named in RV(unreadable_instances), with a warning, and hides
    none of the others; the read fails only when no instance of the region could be read.
  - Each instance costs one API call when the service answers every type O(resource_types) asks for. That call
    leaves C(ResourceType) out, and the API reference does not say which types the service then returns; so a type
    asked for that the reply lacks is asked for with its own call (C(ResourceType=secret), say), those calls
    together. With one type in O(resource_types), that type is asked for at once.
author:
  - headroom.cloud maintainers (@headroom-cloud)
options:
  kms_instance_id:
    description:
      - The KMS instance to read, for example V(kst-hzz62f5ba3dnpb6v8xxxx).
      - When omitted, every KMS instance of the region is read.
      - An instance that does not exist in the region, or cannot be read, is an error.
    type: str
  resource_types:
    description:
      - The quotas to return. A type the service does not report for an instance is left out.
    type: list
    elements: str
    choices: [key, qps, secret, vpc]
    default: [key, secret, qps, vpc]
extends_documentation_fragment:
  - headroom.cloud.alicloud
  - headroom.cloud.connection
  - headroom.cloud.targets.KMS
  - headroom.cloud.attributes
  - headroom.cloud.attributes.ALICLOUD_GROUP
notes:
  - Credentials are taken from the options, then the environment, then the SDK's profile files. Instance metadata
    (ECS RAM role) is used only when O(ecs_ram_role) or E(ALIBABA_CLOUD_ECS_METADATA) asks for it.
seealso:
  - module: headroom.cloud.taurusdb_quota_info
  - name: Gating provisioning with the quota_gate role
    description: The guide to the P(headroom.cloud.quota_gate#role) role, in the collection's documentation.
    link: https://github.com/headroom-cloud/headroom.cloud/blob/main/docs/docsite/rst/guide_quota_gate.rst
"""

EXAMPLES = r"""
- name: Read the quotas of one KMS instance
  headroom.cloud.kms_quota_info:
    region: cn-hangzhou
    kms_instance_id: kst-hzz62f5ba3dnpb6v8xxxx
  register: kms

- name: Read the key quota of every KMS instance in a region, through a VPC endpoint
  headroom.cloud.kms_quota_info:
    region: cn-hangzhou
    endpoint: kms-vpc.cn-hangzhou.aliyuncs.com
    resource_types: [key]
  register: kms_keys
"""

RETURN = r"""
attempts:
  description:
    - The number of API requests the read sent, retries included; more than the calls in RV(request_ids) when
      a call was retried (throttling, a server-side failure) or an instance could not be read.
  returned: success, without O(targets)
  type: int
  sample: 3
  version_added: 0.2.0
kms_instance_ids:
  description: The KMS instances that were read (without those in RV(unreadable_instances)).
  returned: success, without O(targets)
  type: list
  elements: str
  sample: [kst-hzz62f5ba3dnpb6v8xxxx]
quotas:
  description: One record per KMS instance and resource type, in instance order.
  returned: success, without O(targets)
  type: list
  elements: dict
  contains:
    available:
      description: Units left, C(max(quota - used, 0)); never negative. Null when the quota is unlimited.
      type: int
      sample: 2
    kms_instance_id:
      description: The KMS instance.
      type: str
      sample: kst-hzz62f5ba3dnpb6v8xxxx
    quota:
      description: The quota; V(-1) means unlimited.
      type: int
      sample: 12
    resource_type:
      description: One of V(key), V(secret), V(qps), V(vpc).
      type: str
      sample: key
    unlimited:
      description: Whether the quota is unlimited (the service reports V(-1)).
      type: bool
      sample: false
    usage_percent:
      description: C(used / quota) in percent, one decimal place; V(100.0) for a quota of 0. Null when unlimited.
      type: float
      sample: 83.3
    used:
      description: Units in use.
      type: int
      sample: 10
  sample:
    - available: 2
      kms_instance_id: kst-hzz62f5ba3dnpb6v8xxxx
      quota: 12
      resource_type: key
      unlimited: false
      usage_percent: 83.3
      used: 10
region:
  description: The region that was queried.
  returned: success, without O(targets)
  type: str
  sample: cn-hangzhou
request_ids:
  description: The vendor request ids of every call that succeeded, listing pages first.
  returned: success, without O(targets)
  type: list
  elements: str
  sample: [f1fdfa9d-bd49-418b-942f-8f3e3ec00a4f]
results:
  description:
    - With O(targets), one entry per target in the order given. A target that was read has RV(attempts),
      RV(kms_instance_ids), RV(quotas), RV(region), RV(request_ids) and RV(unreadable_instances); one that could
      not be read has C(failed=true), C(msg) and C(error) (C(code), C(message), C(request_id), C(http_status),
      C(attempts)), and, for a region none of whose instances could be read, RV(unreadable_instances).
  returned: when O(targets) is set
  type: list
  elements: dict
  sample:
    - attempts: 1
      kms_instance_ids: [kst-hzz62f5ba3dnpb6v8xxxx]
      quotas:
        - {available: 2, kms_instance_id: kst-hzz62f5ba3dnpb6v8xxxx, quota: 12, resource_type: key, unlimited: false,
           usage_percent: 83.3, used: 10}
      region: cn-hangzhou
      request_ids: [f1fdfa9d-bd49-418b-942f-8f3e3ec00a4f]
      unreadable_instances: []
unreadable_instances:
  description:
    - The instances of a region read (no O(kms_instance_id)) that could not be read, in listing order; empty
      when every instance was read, and always empty when O(kms_instance_id) names the instance (its failure
      fails the read).
    - Judge a region by RV(kms_instance_ids) and this list together. An instance named here exists; its quotas
      are unknown.
  returned: success, without O(targets); and when no instance of the region could be read
  type: list
  elements: dict
  contains:
    error:
      description: The vendor's answer, as in a failed read's C(error).
      type: dict
      contains:
        attempts:
          description: The attempts made for the call that failed.
          type: int
          sample: 1
        code:
          description: The vendor error code (or C(MalformedReply), or a connection failure such as C(Timeout)).
          type: str
          sample: Forbidden.DKMSInstanceStateInvalid
        http_status:
          description: The HTTP status of the reply, when there was one.
          type: int
          sample: 403
        message:
          description: The vendor's message.
          type: str
          sample: The DKMS instance state is invalid.
        request_id:
          description: The vendor request id of the failed call, when there was one.
          type: str
          sample: 7A3B2C1D-0000-4E5F-8A9B-0C1D2E3F4A5B
    kms_instance_id:
      description: The instance.
      type: str
      sample: kst-hzz62f5ba3dnpb6v8yyyy
    msg:
      description: What failed and what to do, as a failed read says it.
      type: str
      sample: >-
        GetKmsInstanceQuotaInfos for kst-hzz62f5ba3dnpb6v8yyyy in cn-hangzhou failed: Forbidden.DKMSInstanceStateInvalid
        (HTTP 403): The DKMS instance state is invalid. Request id: 7A3B2C1D-0000-4E5F-8A9B-0C1D2E3F4A5B. The KMS
        instance is not running (still being created, released or expired); check its state in the KMS console.
  sample:
    - error: {attempts: 1, code: Forbidden.DKMSInstanceStateInvalid, http_status: 403,
              message: The DKMS instance state is invalid., request_id: 7A3B2C1D-0000-4E5F-8A9B-0C1D2E3F4A5B}
      kms_instance_id: kst-hzz62f5ba3dnpb6v8yyyy
      msg: "GetKmsInstanceQuotaInfos for kst-hzz62f5ba3dnpb6v8yyyy in cn-hangzhou failed: ..."
  version_added: 0.2.0
"""

import re
from functools import partial

from ansible_collections.headroom.cloud.plugins.module_utils._alicloud import AlicloudModule
from ansible_collections.headroom.cloud.plugins.module_utils._call import VendorError
from ansible_collections.headroom.cloud.plugins.module_utils._quota import (
    RESOURCE_TYPES,
    MalformedReply,
    parse_count,
    records_from_items,
)

# Real ids are kst- and lower-case letters and digits; the API reference masks them with '*'
# (kst-hzz6****), and a service that echoes such ids must not be refused.
INSTANCE_ID = re.compile(r"^kst-[A-Za-z0-9*]{1,64}$")
PAGE_SIZE = 100  # the API's maximum; the service may still answer with smaller pages
MAX_PAGES = 1000  # a listing that never ends is a broken service, not a big account


class KmsQuotaInfo(AlicloudModule):
    argument_spec = dict(
        kms_instance_id=dict(type="str"),
        resource_types=dict(type="list", elements="str", choices=list(RESOURCE_TYPES["kms"]),
                            default=list(RESOURCE_TYPES["kms"])),
    )
    service_name = "KMS"
    target_id = "kms_instance_id"

    def check_target(self, params):
        problems = super().check_target(params)
        instance = params["kms_instance_id"]
        if instance is not None and not INSTANCE_ID.match(instance):
            problems.append("kms_instance_id %r is not a KMS instance id of the form kst-<letters and digits>" % instance)
        return problems

    def read(self, params):
        """One target: a named instance (its failure fails the read), or every instance of the region."""
        instance = params["kms_instance_id"]
        if instance:
            client = self.kms_client(params, concurrency=len(params["resource_types"]))  # the typed calls together
            request_ids, records = yield from self.read_instance(client, params, instance)
            return dict(kms_instance_ids=[instance], quotas=records, region=params["region"], request_ids=request_ids,
                        unreadable_instances=[])
        return (yield from self.read_region(params))

    def read_region(self, params):
        """Every instance of the region, read concurrently. One that cannot be read is named in
        unreadable_instances and hides none of the others; the read fails only when none was read."""
        client = self.kms_client(params, concurrency=self.max_workers)
        request_ids, instances = yield from self.list_instances(client, params)
        outcomes = yield [partial(self.read_instance, client, params, kms_id) for kms_id in instances]
        read, quotas, unreadable = [], [], []
        for kms_id, outcome in zip(instances, outcomes):
            if outcome.error is not None:
                msg, details = self.describe_failure(outcome.error, params)
                unreadable.append(dict(kms_instance_id=kms_id, msg=msg, **details))
                continue
            read.append(kms_id)
            request_ids.extend(outcome.value[0])
            quotas.extend(outcome.value[1])
        if unreadable and not read:
            raise NoInstanceRead(params["region"], unreadable)
        return dict(kms_instance_ids=read, quotas=quotas, region=params["region"], request_ids=request_ids,
                    unreadable_instances=unreadable)

    def warnings_for(self, result):
        unreadable = result.get("unreadable_instances")
        if not unreadable:
            return []
        return ["Read %d of %d KMS instances in %s; could not read %s (see unreadable_instances)." % (
            len(result["kms_instance_ids"]), len(result["kms_instance_ids"]) + len(unreadable), result["region"],
            ", ".join("%s (%s)" % (item["kms_instance_id"], item["error"].get("code")) for item in unreadable))]

    def list_instances(self, client, params):
        """(request ids, every KMS instance id of the region).

        The first page's TotalCount says how many pages follow: those are asked for together.
        Without TotalCount, or when the pages fell short of it (the listing changed meanwhile),
        paging goes on one page at a time until a page comes back empty or the count is reached.
        """
        first = self.list_page(client, params, 1)
        pages = [first]
        announced = range(2, min(-(-first.total // len(first.ids)), MAX_PAGES) + 1) if first.total and first.ids else ()
        if announced:
            outcomes = yield [partial(self.list_page, client, params, number) for number in announced]
            pages.extend(outcome.get() for outcome in outcomes)
        instances = _distinct(pages)
        while pages[-1].ids and (first.total is None or len(instances) < first.total):
            if len(pages) >= MAX_PAGES:
                raise MalformedReply("PageNumber", MAX_PAGES, "kept returning new pages; the listing never ended")
            pages.append(self.list_page(client, params, len(pages) + 1))
            instances = _distinct(pages)
        return [page.request_id for page in pages], instances

    def list_page(self, client, params, number):
        """One page of ListKmsInstances, its instance ids validated."""
        from alibabacloud_kms20160120.models import ListKmsInstancesRequest

        request = ListKmsInstancesRequest(page_number=number, page_size=PAGE_SIZE)
        body, request_id = _body(self.kms_call(client, params, "ListKmsInstances", None,
                                               "list_kms_instances_with_options", request))
        total = None if body.get("TotalCount") is None else parse_count("TotalCount", body["TotalCount"], request_id)
        container = body.get("KmsInstances", {})
        listed = container.get("KmsInstance", []) if isinstance(container, dict) else container
        if not isinstance(listed, list):
            raise MalformedReply("KmsInstances.KmsInstance", body.get("KmsInstances"), "is not a list", request_id)
        ids = []
        for index, item in enumerate(listed):
            kms_id = item.get("KmsInstanceId") if isinstance(item, dict) else None
            if not isinstance(kms_id, str) or not INSTANCE_ID.match(kms_id):
                raise MalformedReply("KmsInstances.KmsInstance[%d].KmsInstanceId" % index, kms_id,
                                     "is not a KMS instance id", request_id)
            ids.append(kms_id)
        return _Page(request_id, ids, total)

    def read_instance(self, client, params, kms_id):
        """(request ids, records) of one instance: one call where the service answers every type asked for.

        The call leaves ResourceType out, which the API reference does not say answers every type:
        a type asked for that the reply lacks is then asked for explicitly, those calls together.
        One type asked for is asked for at once.
        """
        wanted = params["resource_types"]
        if len(wanted) == 1:
            request_id, records = self.get_quotas(client, params, kms_id, wanted[0])
            return [request_id], records
        request_id, records = self.get_quotas(client, params, kms_id, None)
        request_ids = [request_id]
        missing = _missing(wanted, records)
        if missing:
            outcomes = yield [partial(self.get_quotas, client, params, kms_id, name) for name in missing]
            for typed_request_id, typed_records in (outcome.get() for outcome in outcomes):
                request_ids.append(typed_request_id)
                records.extend(typed_records)
        return request_ids, _in_order(wanted, records)

    def get_quotas(self, client, params, kms_id, resource_type):
        """One GetKmsInstanceQuotaInfos call, for one resource type or (None) without ResourceType:
        (request id, the records of the types asked for that the reply holds)."""
        from alibabacloud_kms20160120.models import GetKmsInstanceQuotaInfosRequest

        request = GetKmsInstanceQuotaInfosRequest(kms_instance_id=kms_id, resource_type=resource_type)
        reply = self.kms_call(client, params, "GetKmsInstanceQuotaInfos", kms_id,
                              "get_kms_instance_quota_infos_with_options", request)
        body, request_id = _body(reply)
        answered_for = body.get("KmsInstanceId")
        if answered_for is not None and answered_for != kms_id:
            raise MalformedReply("KmsInstanceId", answered_for, "names another instance than %s" % kms_id, request_id)
        records = records_from_items(
            body.get("KmsInstanceQuotaInfos"), "ResourceType", "ResourceQuota", "UsedQuantity",
            [resource_type] if resource_type else params["resource_types"], request_id,
            field="KmsInstanceQuotaInfos", kms_instance_id=kms_id,
        )
        return request_id, records


def _missing(wanted, records):
    answered = set(record["resource_type"] for record in records)
    return [name for name in wanted if name not in answered]


def _in_order(wanted, records):
    by_type = dict((record["resource_type"], record) for record in records)
    return [by_type[name] for name in wanted if name in by_type]


class _Page:
    """One listing page: its request id, the instance ids on it, and the TotalCount it reported."""

    def __init__(self, request_id, ids, total):
        self.request_id = request_id
        self.ids = ids
        self.total = total


def _distinct(pages):
    """The instance ids of the pages, in order, each once (a listing that shifted may repeat one)."""
    instances = []
    for page in pages:
        instances.extend(kms_id for kms_id in page.ids if kms_id not in instances)
    return instances


class NoInstanceRead(VendorError):
    """A region read of which no instance could be read: it fails, naming every instance and why."""

    def __init__(self, region, unreadable):
        first = unreadable[0]["error"]
        super().__init__("None of the %d KMS instances in %s could be read" % (len(unreadable), region),
                         code=first.get("code"), message=first.get("message"), request_id=first.get("request_id"),
                         status=first.get("http_status"), attempts=first.get("attempts"),
                         details=dict(unreadable_instances=unreadable))
        self.unreadable = unreadable

    def describe(self):
        return "%s: %s" % (self.summary, " | ".join(item["msg"] for item in self.unreadable))


def _body(reply):
    """The decoded JSON object of a reply and its request id (body first, then the header)."""
    body = reply.get("body")
    headers = reply.get("headers") or {}
    request_id = body.get("RequestId") if isinstance(body, dict) else None
    request_id = request_id or headers.get("x-acs-request-id")
    if not isinstance(body, dict):
        raise MalformedReply("body", body, "is not a JSON object", request_id)
    return body, request_id


def main():
    KmsQuotaInfo()()


if __name__ == "__main__":
    main()
