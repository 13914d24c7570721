#!/usr/bin/python
# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: taurusdb_quota_info
short_description: Read the instance quota of a Huawei Cloud TaurusDB tenant
version_added: 0.1.0
description:
  - Reads the TaurusDB (GaussDB for MySQL) resource quotas of a project with the
    C(ShowGaussMySqlProjectQuotas) API (C(GET /v3/{project_id}/project-quotas)) and returns one normalised
    record per resource type.
  - When O(project_id) is omitted, the project of O(region) is looked up through IAM first.
author:
  - headroom.cloud maintainers (@headroom-cloud)
options:
  language:
    description:
      - The language of the service's messages, sent as the C(X-Language) header.
    type: str
    choices: [en-us, zh-cn]
    default: en-us
  resource_types:
    description:
      - The quotas to return. A type the service does not report is left out.
    type: list
    elements: str
    choices: [instance]
    default: [instance]
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
  - ref: ansible_collections.headroom.cloud.docsite.guide_quota_gate
    description: Gating provisioning with the P(headroom.cloud.quota_gate#role) role.
"""

EXAMPLES = r"""
- name: Read the TaurusDB instance quota of a region's project
  headroom.cloud.taurusdb_quota_info:
    region: cn-north-4
  register: taurusdb

- name: Read it for a known project, with Chinese messages
  headroom.cloud.taurusdb_quota_info:
    region: cn-north-4
    project_id: 054e292c9880d4992f02c0196d3ea468
    language: zh-cn
"""

RETURN = r"""
project_id:
  description: The project that was queried, as given or as resolved through IAM.
  returned: success, without O(targets)
  type: str
  sample: 054e292c9880d4992f02c0196d3ea468
quotas:
  description: One record per resource type.
  returned: success, without O(targets)
  type: list
  elements: dict
  contains:
    available:
      description: Units left, C(max(quota - used, 0)); never negative. Null when the quota is unlimited.
      type: int
      sample: 46
    quota:
      description: The quota; V(-1) means unlimited.
      type: int
      sample: 50
    resource_type:
      description: The resource type, V(instance).
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
      description: Units in use.
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
  returned: success, without O(targets)
  type: str
  sample: 0f3d5a1c9b8e4d7f8a6b5c4d3e2f1a0b
results:
  description:
    - With O(targets), one entry per target in the order given. A target that was read has RV(project_id),
      RV(quotas), RV(region) and RV(request_id); one that could not be read has C(failed=true), C(msg) and C(error)
      (C(code), C(message), C(request_id), C(http_status), C(attempts)).
  returned: when O(targets) is set
  type: list
  elements: dict
  sample:
    - project_id: 054e292c9880d4992f02c0196d3ea468
      quotas:
        - {available: 46, quota: 50, resource_type: instance, unlimited: false, usage_percent: 8.0, used: 4}
      region: cn-north-4
      request_id: 0f3d5a1c9b8e4d7f8a6b5c4d3e2f1a0b
"""

import json

from ansible_collections.headroom.cloud.plugins.module_utils._huaweicloud import HuaweicloudModule
from ansible_collections.headroom.cloud.plugins.module_utils._quota import (
    RESOURCE_TYPES,
    MalformedReply,
    records_from_items,
)



class TaurusdbQuotaInfo(HuaweicloudModule):
    argument_spec = dict(
        language=dict(type="str", choices=["en-us", "zh-cn"], default="en-us"),
        resource_types=dict(type="list", elements="str", choices=list(RESOURCE_TYPES["taurusdb"]),
                            default=list(RESOURCE_TYPES["taurusdb"])),
    )
    service_name = "TaurusDB"
    example_region = "cn-north-4"

    def read(self, params):
        client = self.gaussdb_client(params)
        from huaweicloudsdkgaussdb.v3.model.show_gauss_my_sql_project_quotas_request import (
            ShowGaussMySqlProjectQuotasRequest,
        )

        project_id = client.get_credentials().project_id
        # No type filter in the request: one call returns every type, and resource_types filters here.
        request = ShowGaussMySqlProjectQuotasRequest(x_language=params["language"])
        response = self.gaussdb_call(client, params, "ShowGaussMySqlProjectQuotas",
                                     "project %s in %s" % (project_id, params["region"]),
                                     client.show_gauss_my_sql_project_quotas_invoker(request))
        request_id = response.headers.get("X-Request-Id")
        try:
            body = json.loads(response.text)
        except ValueError:
            raise MalformedReply("body", response.text, "is not JSON", request_id)
        resources = body["quotas"].get("resources") if isinstance(body, dict) and isinstance(
            body.get("quotas"), dict) else None
        if resources is None:
            raise MalformedReply("quotas.resources", body, "is missing", request_id)
        quotas = records_from_items(resources, "type", "quota", "used", params["resource_types"], request_id,
                                    field="quotas.resources")
        return dict(project_id=project_id, quotas=quotas, region=params["region"], request_id=request_id)


def main():
    TaurusdbQuotaInfo()()


if __name__ == "__main__":
    main()
