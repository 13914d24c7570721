# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # Credentials, region, project and endpoints shared by the Huawei Cloud modules.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - Huawei Cloud access key (AK), or a temporary AK when O(security_token) is set.
      - When it is not set here or in the environment, credentials come from the C([basic]) section of
        C(~/.huaweicloud/credentials) (or the file E(HUAWEICLOUD_SDK_CREDENTIALS_FILE) names).
      - The environment variables E(HUAWEICLOUD_SDK_AK) or E(HW_ACCESS_KEY) are used when unset.
    type: str
  endpoint:
    description:
      - The TaurusDB endpoint to call instead of the region's public one, as C(host[:port]) or a URL with a scheme.
      - Required for regions the SDK has no endpoint for. Without a scheme HTTPS is used.
      - The environment variable E(HUAWEICLOUD_SDK_GAUSSDB_ENDPOINT) is used when unset (the bundled emulator's
        wrapper sets it).
    type: str
  iam_endpoint:
    description:
      - The IAM endpoint used to look up the project id when O(project_id) is not set, as C(host[:port]) or a URL.
      - The environment variable E(HUAWEICLOUD_SDK_IAM_ENDPOINT) is used when unset; otherwise the region's IAM endpoint.
    type: str
  metadata_credentials:
    description:
      - Read temporary credentials from the ECS instance metadata service.
      - The metadata service is contacted only when this is V(true) and no keys are given; it is never probed otherwise.
    type: bool
    default: false
  project_id:
    description:
      - The project id of the region, 32 letters or digits.
      - When it is not set, it is looked up through IAM for O(region) (one extra call).
      - The environment variables E(HUAWEICLOUD_SDK_PROJECT_ID) or E(HW_PROJECT_ID) are used when unset.
    type: str
  region:
    description:
      - The Huawei Cloud region id, for example V(cn-north-4).
      - The environment variables E(HUAWEICLOUD_SDK_REGION) or E(HW_REGION_NAME) are used when unset.
      - Required, here, in the environment, or in each item of O(targets).
    type: str
  secret_key:
    description:
      - Huawei Cloud secret key (SK).
      - The environment variables E(HUAWEICLOUD_SDK_SK) or E(HW_SECRET_KEY) are used when unset.
    type: str
  security_token:
    description:
      - The security token that goes with temporary O(access_key) and O(secret_key).
      - The environment variables E(HUAWEICLOUD_SDK_SECURITY_TOKEN) or E(HW_SECURITY_TOKEN) are used when unset.
    type: str
requirements:
  - huaweicloudsdkcore >= 3.1.100
  - huaweicloudsdkgaussdb >= 3.1.100
"""
