#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: taurusdb_quota_info
short_description: Read the instance, vCPU and RAM quotas of a Huawei Cloud TaurusDB tenant or enterprise project
version_added: 0.1.0
description:
  - Reads the TaurusDB (GaussDB for MySQL) instance quota of a project with the C(ShowGaussMySqlProjectQuotas) API
    (C(GET /v3/{project_id}/project-quotas)), one call, and returns one normalised record per resource type.
  - With O(enterprise_project), reads that enterprise project's instance, vCPU and RAM quotas instead, with the
    C(ShowGaussMySqlQuotas) API (C(GET /v3/{project_id}/quotas)), following every page.
  - With O(flavors), also resolves each flavor's vCPUs and RAM with the C(ShowGaussMySqlFlavors) API
    (C(GET /v3/{project_id}/flavors/gaussdb-mysql)), one call per flavor.
  - When O(project_id) is omitted, the project of O(region) is looked up through IAM first.
author:
  - headroom.cloud maintainers (@headroom-cloud)
options:
  enterprise_project:
    description:
      - The enterprise project whose quotas to read, by name (as the API filters) or by id (a UUID, or V(0) for the
        default enterprise project; then every enterprise project's quotas are listed and the id is matched).
      - An enterprise project that the service does not list is an error, C(EnterpriseProjectNotFound). One whose
        TaurusDB quotas were never set (the service lists it with quotas of 0 and something available) is an error
        too, C(EnterpriseProjectQuotaNotSet), since what it may still create cannot be told.
      - Huawei Cloud documents C(ShowGaussMySqlQuotas) as in public beta, to be enabled for an account by a service
        ticket; an account without it gets the service's refusal, with its code and request id. Any 403 or 404 from
        that API says so, and that the tenant's instance quota can still be gated without O(enterprise_project).
    type: str
    version_added: 0.2.0
  flavors:
    description:
      - Flavor spec codes (for example V(gaussdb.mysql.4xlarge.x86.4)) whose vCPUs and RAM to return in RV(flavors).
    type: list
    elements: str
    version_added: 0.2.0
  language:
    description:
      - The language of the service's messages, sent as the C(X-Language) header.
    type: str
    choices: [en-us, zh-cn]
    default: en-us
  resource_types:
    description:
      - The quotas to return. A type the service does not report is left out.
      - V(vcpus) and V(ram) (in GB) exist per enterprise project only and need O(enterprise_project).
      - Defaults to V([instance]), or V([instance, vcpus, ram]) with O(enterprise_project).
      - An empty list reads no quota, only what O(flavors) asks for.
    type: list
    elements: str
    choices: [instance, vcpus, ram]
extends_documentation_fragment:
  - headroom.cloud.huaweicloud
  - headroom.cloud.connection
  - headroom.cloud.targets.TAURUSDB
  - headroom.cloud.attributes
  - headroom.cloud.attributes.HUAWEICLOUD_GROUP
notes:
  - Credentials are taken from the options, then the environment, then the SDK's profile file. Instance metadata
    is used only when O(metadata_credentials) is V(true).
seealso:
  - module: headroom.cloud.kms_quota_info
  - name: Gating provisioning with the quota_gate role
    description: The guide to the P(headroom.cloud.quota_gate#role) role, in the collection's documentation.
    link: https://github.com/headroom-cloud/headroom.cloud/blob/main/docs/docsite/rst/guide_quota_gate.rst
"""

EXAMPLES = r"""
- name: Read the TaurusDB instance quota of a region's project
  headroom.cloud.taurusdb_quota_info:
    region: cn-north-4
  register: taurusdb

- name: Read an enterprise project's instance, vCPU and RAM quotas, and what one flavor needs
  headroom.cloud.taurusdb_quota_info:
    region: cn-north-4
    enterprise_project: payments
    flavors: [gaussdb.mysql.4xlarge.x86.4]
  register: payments

- name: Read it for a known project, with Chinese messages
  headroom.cloud.taurusdb_quota_info:
    region: cn-north-4
    project_id: 054e292c9880d4992f02c0196d3ea468
    language: zh-cn
"""

RETURN = r"""
attempts:
  description:
    - The number of API requests the read sent, the IAM project lookup and retries included; more than the calls
      it made when a call was retried (throttling, a server-side failure).
  returned: success, without O(targets)
  type: int
  sample: 1
  version_added: 0.2.0
enterprise_project:
  description: The enterprise project that was read.
  returned: success with O(enterprise_project), without O(targets)
  type: dict
  contains:
    id:
      description: Its id.
      type: str
      sample: 3c9e8a4d-5f6b-4c7d-8e9f-0a1b2c3d4e5f
    name:
      description: Its name.
      type: str
      sample: payments
  version_added: 0.2.0
flavors:
  description: One entry per O(flavors) spec code, in order.
  returned: success with O(flavors), without O(targets)
  type: list
  elements: dict
  contains:
    found:
      description: Whether the region has the flavor; when not, RV(flavors[].vcpus) and RV(flavors[].ram) are null.
      type: bool
      sample: true
    ram:
      description: The RAM of one node of the flavor, in GB.
      type: int
      sample: 64
    request_id:
      description: The vendor request id of the lookup.
      type: str
      sample: 7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d
    spec_code:
      description: The spec code.
      type: str
      sample: gaussdb.mysql.4xlarge.x86.4
    vcpus:
      description: The vCPUs of one node of the flavor.
      type: int
      sample: 16
  version_added: 0.2.0
project_id:
  description: The project that was queried, as given or as resolved through IAM.
  returned: success, without O(targets)
  type: str
  sample: 054e292c9880d4992f02c0196d3ea468
quotas:
  description:
    - One record per resource type. For an enterprise project the API reports each quota and what is still
      available; RV(quotas[].used) is derived as C(quota - available).
  returned: success, without O(targets)
  type: list
  elements: dict
  contains:
    available:
      description: Units left, C(max(quota - used, 0)); never negative. Null when the quota is unlimited.
      type: int
      sample: 46
    enterprise_project_id:
      description: The enterprise project of the record.
      returned: with O(enterprise_project)
      type: str
      sample: 3c9e8a4d-5f6b-4c7d-8e9f-0a1b2c3d4e5f
      version_added: 0.2.0
    enterprise_project_name:
      description: Its name.
      returned: with O(enterprise_project)
      type: str
      sample: payments
      version_added: 0.2.0
    quota:
      description: The quota; V(-1) means unlimited.
      type: int
      sample: 50
    resource_type:
      description: The resource type, V(instance), V(vcpus) or V(ram) (GB).
      type: str
      sample: instance
    unlimited:
      description: Whether the quota is unlimited (the service reports V(-1)).
      type: bool
      sample: false
    usage_percent:
      description: C(used / quota) in percent, one decimal place; V(100.0) for a quota of 0. Null when unlimited.
      type: float
      sample: 8.0
    used:
      description:
        - Units in use. For an enterprise project, C(quota - available); null when its quota is unlimited, since the
          API then reports nothing to derive it from.
      type: int
      sample: 4
  sample:
    - available: 46
      quota: 50
      resource_type: instance
      unlimited: false
      usage_percent: 8.0
      used: 4
region:
  description: The region that was queried.
  returned: success, without O(targets)
  type: str
  sample: cn-north-4
request_id:
  description: The vendor request id (the C(X-Request-Id) reply header) of the quota call.
  returned: success without O(enterprise_project), without O(targets)
  type: str
  sample: 0f3d5a1c9b8e4d7f8a6b5c4d3e2f1a0b
request_ids:
  description: The vendor request ids of the enterprise-project quota calls, one per page.
  returned: success with O(enterprise_project), without O(targets)
  type: list
  elements: str
  sample: [0f3d5a1c9b8e4d7f8a6b5c4d3e2f1a0b]
  version_added: 0.2.0
results:
  description:
    - With O(targets), one entry per target in the order given. A target that was read has RV(attempts),
      RV(project_id), RV(quotas) and RV(region), and, as a single read would, RV(request_id), or
      RV(enterprise_project) and RV(request_ids) when the target names an enterprise project, and RV(flavors)
      when it asks for flavors; one that could not be read has C(failed=true), C(msg) and C(error) (C(code),
      C(message), C(request_id), C(http_status), C(attempts)).
  returned: when O(targets) is set
  type: list
  elements: dict
  sample:
    - attempts: 1
      project_id: 054e292c9880d4992f02c0196d3ea468
      quotas:
        - {available: 46, quota: 50, resource_type: instance, unlimited: false, usage_percent: 8.0, used: 4}
      region: cn-north-4
      request_id: 0f3d5a1c9b8e4d7f8a6b5c4d3e2f1a0b
"""

import json
import re
from functools import partial

from ansible_collections.headroom.cloud.plugins.module_utils._call import VendorError
from ansible_collections.headroom.cloud.plugins.module_utils._huaweicloud import HuaweicloudModule
from ansible_collections.headroom.cloud.plugins.module_utils._quota import (
    RESOURCE_TYPES,
    MalformedReply,
    parse_count,
    quota_record,
    records_from_items,
)

ENTERPRISE_PAGE_SIZE = 100  # the API's maximum
MAX_PAGES = 1000  # a listing that never ends is a broken service, not a big account
# Enterprise project ids are UUIDs; "0" is the default enterprise project.
ENTERPRISE_PROJECT_ID = re.compile(r"^(0|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
DATABASE_NAME = "gaussdb-mysql"  # the flavors API's database_name for TaurusDB


class TaurusdbQuotaInfo(HuaweicloudModule):
    argument_spec = dict(
        enterprise_project=dict(type="str"),
        flavors=dict(type="list", elements="str"),
        language=dict(type="str", choices=["en-us", "zh-cn"], default="en-us"),
        resource_types=dict(type="list", elements="str", choices=list(RESOURCE_TYPES["taurusdb"])),
    )
    target_options = dict(enterprise_project=dict(type="str"), flavors=dict(type="list", elements="str"),
                          resource_types=dict(type="list", elements="str", choices=list(RESOURCE_TYPES["taurusdb"])))
    service_name = "TaurusDB"
    example_region = "cn-north-4"

    def check_target(self, params):
        problems = super().check_target(params)
        wanted = params["resource_types"] or []
        per_enterprise_project = sorted(set(wanted) - {"instance"})
        if per_enterprise_project and not params["enterprise_project"]:
            problems.append("resource_types %s exist per enterprise project: set enterprise_project" % (
                ", ".join(per_enterprise_project)))
        return problems

    def read(self, params):
        client = self.gaussdb_client(params)
        project_id = client.get_credentials().project_id
        where = "project %s in %s" % (project_id, params["region"])
        result = dict(project_id=project_id, region=params["region"])
        if params["resource_types"] == []:
            result["quotas"] = []  # flavors only
        elif params["enterprise_project"]:
            result.update(self.read_enterprise_project(client, params, where))
        else:
            result.update(self.read_project(client, params, where))
        if params["flavors"]:  # one call per flavor, those calls together
            outcomes = yield [partial(self.read_flavor, client, params, where, spec_code)
                              for spec_code in params["flavors"]]
            result["flavors"] = [outcome.get() for outcome in outcomes]
        return result

    def read_project(self, client, params, where):
        """The tenant's quotas (project-quotas): one call; resource_types filters here."""
        from huaweicloudsdkgaussdb.v3.model.show_gauss_my_sql_project_quotas_request import (
            ShowGaussMySqlProjectQuotasRequest,
        )

        request = ShowGaussMySqlProjectQuotasRequest(x_language=params["language"])
        body, request_id = self.get_json(client, params, "ShowGaussMySqlProjectQuotas", where,
                                         client.show_gauss_my_sql_project_quotas_invoker(request))
        resources = body["quotas"].get("resources") if isinstance(body.get("quotas"), dict) else None
        if resources is None:
            raise MalformedReply("quotas.resources", body, "is missing", request_id)
        quotas = records_from_items(resources, "type", "quota", "used", params["resource_types"] or ["instance"],
                                    request_id, field="quotas.resources")
        return dict(quotas=quotas, request_id=request_id)

    def read_enterprise_project(self, client, params, where):
        """One enterprise project's instance, vCPU and RAM quotas, following every page."""
        wanted = params["enterprise_project"]
        by_id = ENTERPRISE_PROJECT_ID.match(wanted) is not None
        # The API filters by name only; an id is found among all of them.
        entries, request_ids = self.list_enterprise_quotas(client, params, where, None if by_id else wanted)
        key = "enterprise_project_id" if by_id else "enterprise_project_name"
        matching = [(index, entry) for index, entry in entries if entry.get(key) == wanted]
        if not matching:
            raise _not_found(wanted, by_id, where, request_ids)
        index, entry = matching[0]
        for field in ("enterprise_project_id", "enterprise_project_name"):
            # The gate tells quotas apart by this id: an entry without it is never used.
            if not isinstance(entry.get(field), str) or not entry[field]:
                raise MalformedReply("quota_list[%d].%s" % (index, field), entry.get(field), "is missing or empty",
                                     request_ids[-1])
        records = enterprise_records(entry, index, params["resource_types"] or list(RESOURCE_TYPES["taurusdb"]),
                                     request_ids[-1], where)
        return dict(enterprise_project=dict(id=entry["enterprise_project_id"], name=entry["enterprise_project_name"]),
                    quotas=records, request_ids=request_ids)

    def list_enterprise_quotas(self, client, params, where, name):
        from huaweicloudsdkgaussdb.v3.model.show_gauss_my_sql_quotas_request import ShowGaussMySqlQuotasRequest

        entries, request_ids = [], []
        for page in range(MAX_PAGES):
            request = ShowGaussMySqlQuotasRequest(x_language=params["language"], offset=str(len(entries)),
                                                  limit=str(ENTERPRISE_PAGE_SIZE), enterprise_project_name=name)
            body, request_id = self.get_json(client, params, "ShowGaussMySqlQuotas", where,
                                             client.show_gauss_my_sql_quotas_invoker(request))
            request_ids.append(request_id)
            listed = body.get("quota_list")
            if not isinstance(listed, list):
                raise MalformedReply("quota_list", listed, "is not a list", request_id)
            total = parse_count("total_count", body.get("total_count"), request_id)
            for item in listed:
                if not isinstance(item, dict):
                    raise MalformedReply("quota_list[%d]" % len(entries), item, "is not an object", request_id)
                entries.append((len(entries), item))
            if not listed or len(entries) >= total:
                return entries, request_ids
        raise MalformedReply("offset", len(entries), "kept returning new pages; the listing never ended")

    def read_flavor(self, client, params, where, spec_code):
        """The vCPUs and RAM (GB) of one flavor of the region, by spec code; ``found`` false when it has none."""
        from huaweicloudsdkgaussdb.v3.model.show_gauss_my_sql_flavors_request import ShowGaussMySqlFlavorsRequest

        # availability_zone_mode is mandatory; a flavor's vCPUs and RAM do not depend on it.
        request = ShowGaussMySqlFlavorsRequest(x_language=params["language"], database_name=DATABASE_NAME,
                                               availability_zone_mode="single", spec_code=spec_code)
        body, request_id = self.get_json(client, params, "ShowGaussMySqlFlavors", "%s, flavor %s" % (where, spec_code),
                                         client.show_gauss_my_sql_flavors_invoker(request))
        flavors = body.get("flavors")
        if not isinstance(flavors, list):
            raise MalformedReply("flavors", flavors, "is not a list", request_id)
        matching = [(i, f) for i, f in enumerate(flavors) if isinstance(f, dict) and f.get("spec_code") == spec_code]
        if not matching:
            return dict(found=False, ram=None, request_id=request_id, spec_code=spec_code, vcpus=None)
        index, flavor = matching[0]
        sizes = {}
        for field in ("ram", "vcpus"):
            sizes[field] = parse_count("flavors[%d].%s" % (index, field), flavor.get(field), request_id)
            if sizes[field] == 0:  # a need worked out from it would be 0, which always fits: never judge on it
                raise MalformedReply("flavors[%d].%s" % (index, field), flavor.get(field), "is 0", request_id)
        return dict(found=True, request_id=request_id, spec_code=spec_code, **sizes)

    def get_json(self, client, params, operation, target, invoker):
        """One call; the decoded JSON object of its reply and the request id."""
        response = self.gaussdb_call(client, params, operation, target, invoker)
        request_id = response.headers.get("X-Request-Id")
        try:
            body = json.loads(response.text)
        except ValueError:
            raise MalformedReply("body", response.text, "is not JSON", request_id)
        if not isinstance(body, dict):
            raise MalformedReply("body", body, "is not a JSON object", request_id)
        return body, request_id


def enterprise_records(entry, index, wanted, request_id, where_read):
    """Records from one quota_list entry. The API gives each quota and what is still available;
    what is used is derived: quota - available (-1 is unlimited, and then nothing is derived)."""
    records = []
    for resource_type in wanted:
        where = "quota_list[%d]" % index
        quota = parse_count("%s.%s_quota" % (where, resource_type), entry.get("%s_quota" % resource_type),
                            request_id, allow_unlimited=True)
        available = parse_count("%s.availability_%s_quota" % (where, resource_type),
                                entry.get("availability_%s_quota" % resource_type), request_id, allow_unlimited=True)
        if quota == -1:
            used = None  # the API reports what is left of a quota, and nothing is left of no limit
        elif quota == 0 and available > 0:
            raise VendorError(
                "ShowGaussMySqlQuotas for %s failed" % where_read, code="EnterpriseProjectQuotaNotSet",
                request_id=request_id,
                message="enterprise project %s reports its %s quota as 0 with %d available: its TaurusDB quotas "
                        "were never set, so what it may still create cannot be told" % (
                            entry.get("enterprise_project_name"), resource_type, available),
                hint="Set the enterprise project's TaurusDB quotas (Enterprise Project Management, Quotas), or leave "
                     "enterprise_project out to read the tenant's instance quota.")
        elif available == -1 or available > quota:
            raise MalformedReply("%s.availability_%s_quota" % (where, resource_type), available,
                                 "does not fit its quota %d" % quota, request_id)
        else:
            used = quota - available
        records.append(quota_record(resource_type, quota, used, enterprise_project_id=entry.get(
            "enterprise_project_id"), enterprise_project_name=entry.get("enterprise_project_name")))
    return records


def _not_found(wanted, by_id, where, request_ids):
    return VendorError(
        "ShowGaussMySqlQuotas for %s failed" % where, code="EnterpriseProjectNotFound",
        message="no enterprise project with %s %r has TaurusDB quotas" % ("id" if by_id else "name", wanted),
        request_id=request_ids[-1],
        hint="Check enterprise_project (the name as shown in the Enterprise Project console, or its id) and region.")


def main():
    TaurusdbQuotaInfo()()


if __name__ == "__main__":
    main()
