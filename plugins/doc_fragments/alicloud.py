# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # Credentials, region and endpoint shared by the Alibaba Cloud modules.
    DOCUMENTATION = r"""
options:
  access_key_id:
    description:
      - Alibaba Cloud AccessKey ID, or the STS AccessKey ID when O(security_token) is set.
      - When it is not set here or in the environment, credentials come from the profile files
        C(~/.alibabacloud/credentials.ini) or C(~/.aliyun/config.json), see O(profile).
      - The environment variables E(ALIBABA_CLOUD_ACCESS_KEY_ID) or E(ALICLOUD_ACCESS_KEY) are used when unset.
    type: str
  access_key_secret:
    description:
      - Alibaba Cloud AccessKey secret.
      - The environment variables E(ALIBABA_CLOUD_ACCESS_KEY_SECRET) or E(ALICLOUD_SECRET_KEY) are used when unset.
    type: str
  ecs_ram_role:
    description:
      - Name of the ECS RAM role whose temporary credentials the module reads from the instance metadata service.
      - The metadata service is contacted only when this is set; it is never probed otherwise.
      - The environment variable E(ALIBABA_CLOUD_ECS_METADATA) is used when unset.
    type: str
  endpoint:
    description:
      - The KMS endpoint to call instead of the region's public one, as C(host[:port]) or a URL with a scheme,
        for example a VPC endpoint C(kms-vpc.cn-hangzhou.aliyuncs.com) or C(http://127.0.0.1:8080).
      - Without a scheme HTTPS is used.
      - The environment variable E(ALIBABA_CLOUD_KMS_ENDPOINT) is used when unset, so a shell or CI job can point
        every call at one endpoint (the bundled emulator's wrapper sets it).
    type: str
  profile:
    description:
      - The profile to read from the credentials files when no keys are given.
      - The environment variable E(ALIBABA_CLOUD_PROFILE) is used when unset; otherwise the files' default profile.
    type: str
  region:
    description:
      - The Alibaba Cloud region id, for example V(cn-hangzhou).
      - The environment variables E(ALIBABA_CLOUD_REGION_ID) or E(ALICLOUD_REGION) are used when unset.
      - Required, here, in the environment, or in each item of O(targets).
    type: str
  security_token:
    description:
      - The STS security token that goes with a temporary O(access_key_id) and O(access_key_secret).
      - The environment variables E(ALIBABA_CLOUD_SECURITY_TOKEN) or E(ALICLOUD_SECURITY_TOKEN) are used when unset.
    type: str
requirements:
  - alibabacloud-kms20160120 >= 3.3.0
  - alibabacloud-tea-openapi >= 0.4.0
  - alibabacloud-credentials >= 1.0.0
"""
