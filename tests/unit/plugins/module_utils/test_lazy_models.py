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


def test_the_real_sdk_loads_only_the_models_it_uses_and_still_parses_replies():
    result = run("""
        client = lazy.import_client("huaweicloudsdkgaussdb", "gaussdb_client", "GaussDBClient")
        models = sys.modules["huaweicloudsdkgaussdb.v3.model"]
        before = sorted(m for m in sys.modules if m.startswith("huaweicloudsdkgaussdb.v3.model."))
        response = models.ShowGaussMySqlQuotasResponse
        from huaweicloudsdkcore.utils.http_utils import sanitize_for_serialization
        quota = models.Quota(enterprise_project_id="0", vcpus_quota=8)
        after = sorted(m for m in sys.modules if m.startswith("huaweicloudsdkgaussdb.v3.model."))
        print(json.dumps(dict(client=client.__name__, lazy=type(models).__name__, before=before, after=after,
                              response=response.__name__, quota=sanitize_for_serialization(quota),
                              flavors=models.MysqlFlavorsInfo.__name__,
                              odd=hasattr(models, "NoSuchModel"))))
    """)
    assert result["client"] == "GaussDBClient" and result["lazy"] == "LazyModels"
    assert result["before"] == []  # importing the client loaded no model
    assert result["after"] == ["huaweicloudsdkgaussdb.v3.model.quota",
                               "huaweicloudsdkgaussdb.v3.model.show_gauss_my_sql_quotas_response"]
    assert result["quota"] == {"enterprise_project_id": "0", "vcpus_quota": 8}
    assert result["flavors"] == "MysqlFlavorsInfo" and result["odd"] is False


def test_a_changed_layout_falls_back_to_the_plain_import(tmp_path):
    # A release that moved the models elsewhere: no v3/model/ folder.
    package = tmp_path / "fakesdk"
    (package / "v3").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "v3" / "__init__.py").write_text("FULL_INIT_RAN = True\n")
    (package / "v3" / "client.py").write_text("class Client:\n    pass\n")
    result = run("""
        client = lazy.import_client("fakesdk", "client", "Client")
        print(json.dumps(dict(client=client.__name__, plain=getattr(sys.modules["fakesdk.v3"], "FULL_INIT_RAN", False))))
    """, path_first=str(tmp_path))
    assert result == {"client": "Client", "plain": True}


def test_a_model_name_off_the_file_pattern_is_found_by_the_package_itself(tmp_path):
    package = tmp_path / "oddsdk"
    (package / "v3" / "model").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "v3" / "__init__.py").write_text("")
    (package / "v3" / "client.py").write_text(
        "import importlib\nclass Client:\n    models = importlib.import_module('oddsdk.v3.model')\n")
    (package / "v3" / "model" / "__init__.py").write_text("from oddsdk.v3.model.weird_file import HTTPThing\n")
    (package / "v3" / "model" / "weird_file.py").write_text("class HTTPThing:\n    pass\n")
    result = run("""
        client = lazy.import_client("oddsdk", "client", "Client")
        print(json.dumps(dict(thing=client.models.HTTPThing.__name__)))
    """, path_first=str(tmp_path))
    assert result == {"thing": "HTTPThing"}
