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
  - Each instance costs one API call, whatever O(resource_types) asks for.
author:
  - headroom.cloud maintainers (@headroom-cloud)
options:
  kms_instance_id:
    description:
      - The KMS instance to read, for example V(kst-hzz62f5ba3dnpb6v8xxxx).
      - When omitted, every KMS instance of the region is read.
      - An instance that does not exist in the region is an error.
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
  - ref: ansible_collections.headroom.cloud.docsite.guide_quota_gate
    description: Gating provisioning with the P(headroom.cloud.quota_gate#role) role.
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
kms_instance_ids:
  description: The KMS instances that were read.
  returned: success, without O(targets)
  type: list
  elements: str
  sample: [kst-hzz62f5ba3dnpb6v8xxxx]
region:
  description: The region that was queried.
  returned: success, without O(targets)
  type: str
  sample: cn-hangzhou
request_ids:
  description: The vendor request ids of every call made, listing pages first.
  returned: success, without O(targets)
  type: list
  elements: str
  sample: [f1fdfa9d-bd49-418b-942f-8f3e3ec00a4f]
results:
  description:
    - With O(targets), one entry per target in the order given. A target that was read has RV(region),
      RV(kms_instance_ids), RV(quotas) and RV(request_ids); one that could not be read has C(failed=true),
      C(msg) and C(error) (C(code), C(message), C(request_id), C(http_status), C(attempts)).
  returned: when O(targets) is set
  type: list
  elements: dict
  sample:
    - kms_instance_ids: [kst-hzz62f5ba3dnpb6v8xxxx]
      quotas:
        - {available: 2, kms_instance_id: kst-hzz62f5ba3dnpb6v8xxxx, quota: 12, resource_type: key, unlimited: false,
           usage_percent: 83.3, used: 10}
      region: cn-hangzhou
      request_ids: [f1fdfa9d-bd49-418b-942f-8f3e3ec00a4f]
"""

import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.headroom.cloud.plugins.module_utils._alicloud import AlicloudModule
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
MAX_WORKERS = 16


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
        """One target: a named instance, or every instance of the region."""
        request_ids = []
        instance = params["kms_instance_id"]
        if instance:
            client = self.kms_client(params)
            instances = [instance]
        else:
            client = self.kms_client(params, concurrency=MAX_WORKERS)
            instances = self.list_instances(client, params, request_ids)
        with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, len(instances)))) as pool:
            # map() keeps instance order and re-raises the first failure in that order.
            replies = list(pool.map(lambda kms_id: self.read_instance(client, params, kms_id), instances))
        quotas = []
        for request_id, records in replies:
            request_ids.append(request_id)
            quotas.extend(records)
        return dict(kms_instance_ids=instances, quotas=quotas, region=params["region"], request_ids=request_ids)

    def list_instances(self, client, params, request_ids):
        """Every KMS instance id of the region, following pages until TotalCount is reached."""
        from alibabacloud_kms20160120.models import ListKmsInstancesRequest

        instances = []
        for page in range(1, MAX_PAGES + 1):
            request = ListKmsInstancesRequest(page_number=page, page_size=PAGE_SIZE)
            body, request_id = _body(self.kms_call(client, params, "ListKmsInstances", None,
                                                   "list_kms_instances_with_options", request))
            request_ids.append(request_id)
            # Without TotalCount, paging goes on until a page comes back empty.
            total = None if body.get("TotalCount") is None else parse_count("TotalCount", body["TotalCount"], request_id)
            container = body.get("KmsInstances", {})
            listed = container.get("KmsInstance", []) if isinstance(container, dict) else container
            if not isinstance(listed, list):
                raise MalformedReply("KmsInstances.KmsInstance", body.get("KmsInstances"), "is not a list", request_id)
            for index, item in enumerate(listed):
                kms_id = item.get("KmsInstanceId") if isinstance(item, dict) else None
                if not isinstance(kms_id, str) or not INSTANCE_ID.match(kms_id):
                    raise MalformedReply("KmsInstances.KmsInstance[%d].KmsInstanceId" % index, kms_id,
                                         "is not a KMS instance id", request_id)
                if kms_id not in instances:
                    instances.append(kms_id)
            if not listed or (total is not None and len(instances) >= total):
                return instances
        raise MalformedReply("PageNumber", MAX_PAGES, "kept returning new pages; the listing never ended")

    def read_instance(self, client, params, kms_id):
        """One call per instance: ResourceType is left out and the types are filtered here."""
        from alibabacloud_kms20160120.models import GetKmsInstanceQuotaInfosRequest

        request = GetKmsInstanceQuotaInfosRequest(kms_instance_id=kms_id)
        reply = self.kms_call(client, params, "GetKmsInstanceQuotaInfos", kms_id,
                              "get_kms_instance_quota_infos_with_options", request)
        body, request_id = _body(reply)
        answered_for = body.get("KmsInstanceId")
        if answered_for is not None and answered_for != kms_id:
            raise MalformedReply("KmsInstanceId", answered_for, "names another instance than %s" % kms_id, request_id)
        records = records_from_items(
            body.get("KmsInstanceQuotaInfos"), "ResourceType", "ResourceQuota", "UsedQuantity",
            params["resource_types"], request_id, field="KmsInstanceQuotaInfos", kms_instance_id=kms_id,
        )
        return request_id, records


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
