# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""aiohttp, deferred while the KMS SDK is imported (plugins/module_utils/_deferred.py): the module's
synchronous call never loads it, and the SDK's async call, its real first use, loads the real
module and works, against the emulator over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from conftest import ALI_KEY, ALI_SECRET

SCRIPT = textwrap.dedent('''
    import asyncio, json, sys
    from ansible_collections.headroom.cloud.plugins.module_utils._alicloud import AlicloudModule
    AlicloudModule._import_sdk(None)
    from alibabacloud_kms20160120.client import Client
    from alibabacloud_kms20160120.models import GetKmsInstanceQuotaInfosRequest
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.runtime import RuntimeOptions

    protocol, endpoint = sys.argv[1].split("://")
    client = Client(Config(access_key_id=sys.argv[2], access_key_secret=sys.argv[3], endpoint=endpoint,
                           protocol=protocol, region_id="cn-hangzhou"))
    request = GetKmsInstanceQuotaInfosRequest(kms_instance_id="kst-hzz0001demo")
    sync = client.get_kms_instance_quota_infos_with_options(request, RuntimeOptions()).body
    loaded_by_sync = "aiohttp.client" in sys.modules
    reply = asyncio.run(client.get_kms_instance_quota_infos_with_options_async(request, RuntimeOptions())).body
    print(json.dumps(dict(
        sync=[(q.resource_type, q.resource_quota) for q in sync.kms_instance_quota_infos],
        loaded_by_sync=loaded_by_sync,
        async_=[(q.resource_type, q.resource_quota) for q in reply.kms_instance_quota_infos],
        real_after_async=type(sys.modules["aiohttp"]).__name__)))
''')


def test_the_sync_call_never_loads_aiohttp_and_the_async_call_loads_the_real_one(scenario, emulator):
    scenario.install()
    env = dict(os.environ, ALIBABA_CLOUD_ECS_METADATA_DISABLED="true")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, emulator.kms_endpoint("cn-hangzhou"), ALI_KEY, ALI_SECRET],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    quotas = [["key", 12], ["secret", 100], ["qps", 1000], ["vpc", 5]]
    assert result == dict(sync=quotas, loaded_by_sync=False, async_=quotas, real_after_async="module")
    assert [c["operation"] for c in emulator.requests()] == ["GetKmsInstanceQuotaInfos"] * 2
