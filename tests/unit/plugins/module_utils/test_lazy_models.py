# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-demand loading of the TaurusDB SDK's models: it keeps working, or steps aside.

Each case runs in a fresh interpreter, since the loader changes sys.modules.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from ansible_collections.headroom.cloud.plugins.module_utils import _lazy_models

LOADER = _lazy_models.__file__


def run(code, path_first=None):
    prelude = "import sys, json, importlib.util\n"
    if path_first:
        prelude += "sys.path.insert(0, %r)\n" % path_first
    prelude += ("spec = importlib.util.spec_from_file_location('lazy', %r)\nlazy = importlib.util.module_from_spec(spec)\n"
                "spec.loader.exec_module(lazy)\n" % LOADER)
    out = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def test_the_real_taurusdb_sdk_loads_only_the_models_it_uses_and_still_parses_replies():
    result = run("""
        client = lazy.import_lazily("huaweicloudsdkgaussdb.v3.gaussdb_client",
                                    ["huaweicloudsdkgaussdb.v3", "huaweicloudsdkgaussdb.v3.model"]).GaussDBClient
        models = sys.modules["huaweicloudsdkgaussdb.v3.model"]
        before = sorted(m for m in sys.modules if m.startswith("huaweicloudsdkgaussdb.v3.model."))
        response = models.ShowGaussMySqlQuotasResponse
        from huaweicloudsdkcore.utils.http_utils import sanitize_for_serialization
        from huaweicloudsdkgaussdb.v3.region.gaussdb_region import GaussDBRegion
        quota = models.Quota(enterprise_project_id="0", vcpus_quota=8)
        after = sorted(m for m in sys.modules if m.startswith("huaweicloudsdkgaussdb.v3.model."))
        print(json.dumps(dict(client=client.__name__, lazy=type(models).__name__, before=before, after=after,
                              response=response.__name__, quota=sanitize_for_serialization(quota),
                              flavors=models.MysqlFlavorsInfo.__name__, region=GaussDBRegion.__name__,
                              odd=hasattr(models, "NoSuchModel"))))
    """)
    assert result["client"] == "GaussDBClient" and result["lazy"] == "LazyPackage"
    assert result["before"] == []  # importing the client loaded no model
    assert result["after"] == ["huaweicloudsdkgaussdb.v3.model.quota",
                               "huaweicloudsdkgaussdb.v3.model.show_gauss_my_sql_quotas_response"]
    assert result["quota"] == {"enterprise_project_id": "0", "vcpus_quota": 8}
    assert result["flavors"] == "MysqlFlavorsInfo" and result["region"] == "GaussDBRegion" and result["odd"] is False


def test_the_real_kms_sdk_loads_only_the_models_it_uses_and_still_parses_replies():
    result = run("""
        client = lazy.import_lazily("alibabacloud_kms20160120.client", ["alibabacloud_kms20160120.models"]).Client
        models = sys.modules["alibabacloud_kms20160120.models"]
        before = sorted(m for m in sys.modules if m.startswith("alibabacloud_kms20160120.models."))
        from alibabacloud_kms20160120.models import GetKmsInstanceQuotaInfosRequest
        reply = models.GetKmsInstanceQuotaInfosResponse().from_map({"statusCode": 200, "body": {
            "RequestId": "r-1", "KmsInstanceQuotaInfos": [{"ResourceType": "key", "ResourceQuota": 1000}]}})
        after = sorted(m for m in sys.modules if m.startswith("alibabacloud_kms20160120.models."))
        print(json.dumps(dict(client=client.__name__, lazy=type(models).__name__, before=before, after=after,
                              request=GetKmsInstanceQuotaInfosRequest(kms_instance_id="kst-1").to_map(),
                              reply=reply.body.to_map())))
    """)
    assert result["client"] == "Client" and result["lazy"] == "LazyPackage"
    assert result["before"] == []
    assert result["after"] == ["alibabacloud_kms20160120.models._get_kms_instance_quota_infos_request",
                               "alibabacloud_kms20160120.models._get_kms_instance_quota_infos_response",
                               "alibabacloud_kms20160120.models._get_kms_instance_quota_infos_response_body"]
    assert result["request"] == {"KmsInstanceId": "kst-1"}
    assert result["reply"]["KmsInstanceQuotaInfos"] == [{"ResourceType": "key", "ResourceQuota": 1000}]


def make_sdk(root, name, init, files):
    package = root / name / "models"
    package.mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "client.py").write_text(
        "from %s import models\nclass Client:\n    def thing(self):\n        return models.Thing\n" % name)
    (package / "__init__.py").write_text(init)
    for file_name, text in files.items():
        (package / file_name).write_text(text)


def test_a_package_that_is_more_than_an_index_is_imported_as_it_is(tmp_path):
    # A release whose models/__init__.py does work of its own: no lazy loading.
    make_sdk(tmp_path, "busysdk", "from ._thing import Thing\nFULL_INIT_RAN = True\n",
             {"_thing.py": "class Thing:\n    pass\n"})
    result = run("""
        client = lazy.import_lazily("busysdk.client", ["busysdk.models"]).Client
        models = sys.modules["busysdk.models"]
        print(json.dumps(dict(thing=client().thing().__name__, lazy=type(models).__name__,
                              plain=getattr(models, "FULL_INIT_RAN", False))))
    """, path_first=str(tmp_path))
    assert result == {"thing": "Thing", "lazy": "module", "plain": True}


def test_an_index_that_lies_is_answered_by_the_package_itself(tmp_path):
    # The index names a module that does not hold the class; the real __init__ knows better.
    make_sdk(tmp_path, "oddsdk", "# models\nfrom __future__ import annotations\n\nfrom ._moved import Other\n"
                                 "from ._actual import Thing\n__all__ = [\n    Other,\n    Thing,\n]\n",
             {"_moved.py": "Other = 1\n", "_actual.py": "class Thing:\n    pass\n"})
    result = run("""
        client = lazy.import_lazily("oddsdk.client", ["oddsdk.models"]).Client
        models = sys.modules["oddsdk.models"]
        models.__dict__["_index"]["Thing"] = "oddsdk.models._moved"  # a stale index entry
        print(json.dumps(dict(thing=client().thing().__name__, lazy=type(models).__name__,
                              missing=hasattr(models, "Nothing"))))
    """, path_first=str(tmp_path))
    assert result == {"thing": "Thing", "lazy": "LazyPackage", "missing": False}


def test_a_client_that_fails_to_import_lazily_is_imported_the_plain_way(tmp_path):
    # The client needs a name at import time that only the real __init__ provides.
    make_sdk(tmp_path, "strictsdk", "from ._thing import Thing\n", {"_thing.py": "class Thing:\n    pass\n"})
    (tmp_path / "strictsdk" / "client.py").write_text(
        "import sys\nfrom strictsdk import models\n"
        "assert type(models).__name__ == 'module', 'lazy package refused'\nclass Client:\n    pass\n")
    result = run("""
        client = lazy.import_lazily("strictsdk.client", ["strictsdk.models"]).Client
        print(json.dumps(dict(client=client.__name__, lazy=type(sys.modules["strictsdk.models"]).__name__)))
    """, path_first=str(tmp_path))
    assert result == {"client": "Client", "lazy": "module"}
