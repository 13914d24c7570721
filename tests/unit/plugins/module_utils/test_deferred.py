# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module deferred while an SDK imports: nothing loads until a real first use, which loads the real one.

Synthetic packages (written to tmp_path, unique names) pin the mechanism; a fresh interpreter pins it
with the real Alibaba SDK, whose async-only dependency is aiohttp.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest

from ansible_collections.headroom.cloud.plugins.module_utils._deferred import DeferredModule, DeferredName, deferring


@pytest.fixture
def packages(tmp_path, monkeypatch):
    """A heavy module (``heavy_<id>``, counting its own loads) and an SDK-like module that imports it
    twice over, reads a class from it and uses it in an annotation, the way the SDK uses aiohttp."""
    suffix = uuid.uuid4().hex[:8]
    heavy, sdk = "heavy_%s" % suffix, "sdk_%s" % suffix
    (tmp_path / (heavy + ".py")).write_text(textwrap.dedent('''
        import sys
        sys.modules.setdefault("loads_%(suffix)s", []).append(1)

        class Session:
            def __init__(self, value=None):
                self.value = value

        class Response:
            pass
    ''' % dict(suffix=suffix)))
    (tmp_path / (sdk + ".py")).write_text(textwrap.dedent('''
        import %(heavy)s
        import %(heavy)s as again
        from %(heavy)s import Response

        class Wrapper:
            def __init__(self, session: %(heavy)s.Session, response: Response):
                self.session = session

        def open_session(value):
            return %(heavy)s.Session(value)
    ''' % dict(heavy=heavy)))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield heavy, sdk, "loads_%s" % suffix
    for name in (heavy, sdk, "loads_%s" % suffix):
        sys.modules.pop(name, None)


def test_nothing_loads_while_the_sdk_imports_and_a_real_first_use_loads_the_real_module(packages):
    heavy, sdk, loads = packages
    with deferring([heavy]):
        module = __import__(sdk)
    assert loads not in sys.modules  # imported twice, a class read, an annotation: nothing loaded
    assert heavy not in sys.modules  # sys.modules holds real modules only, once the SDK is imported
    assert isinstance(getattr(module, heavy), DeferredModule) and isinstance(module.Response, DeferredName)
    session = module.open_session(7)  # the first real use
    real = sys.modules[heavy]
    assert sys.modules[loads] == [1] and isinstance(session, real.Session) and session.value == 7
    assert getattr(module, heavy).Session is real.Session  # the stand-in answers with the real objects
    assert isinstance(real.Response(), module.Response) and issubclass(real.Response, module.Response)
    assert module.Response == real.Response and hash(module.Response) == hash(real.Response)
    assert module.Response.__name__ == "Response"
    assert module.open_session(8).value == 8 and sys.modules[loads] == [1]  # loaded once


def test_a_deferred_name_is_resolved_by_any_use(packages):
    heavy, sdk, loads = packages
    with deferring([heavy]):
        module = __import__(sdk)
    assert repr(module.Response).startswith("<deferred heavy_") and loads not in sys.modules  # a repr is no use

    class Mine(module.Response):  # subclassing resolves it
        pass

    assert sys.modules[loads] == [1] and Mine.__mro__[1] is sys.modules[heavy].Response
    assert module.Response() is not None  # so does calling it


def test_a_module_imported_after_the_sdk_is_the_real_one(packages):
    heavy, sdk, loads = packages
    with deferring([heavy]):
        __import__(sdk)
    later = __import__(heavy)
    assert not isinstance(later, DeferredModule) and sys.modules[loads] == [1]


def test_an_already_imported_or_missing_module_is_left_alone(packages):
    heavy, unused, loads = packages
    real = __import__(heavy)
    with deferring([heavy, "no_such_module_%s" % uuid.uuid4().hex]):
        assert sys.modules[heavy] is real
        assert not any(isinstance(m, DeferredModule) for m in sys.modules.values())


def test_the_real_sdk_imports_without_aiohttp_and_its_first_use_loads_it():
    """In a fresh interpreter: the KMS client imported the modules' way, a client built and a
    request signed (the synchronous path up to the socket), and aiohttp still not loaded; then
    a real first use of it through the SDK's own names gives the real classes."""
    script = textwrap.dedent('''
        import json, sys
        from ansible_collections.headroom.cloud.plugins.module_utils._alicloud import AlicloudModule
        AlicloudModule._import_sdk(None)
        from alibabacloud_kms20160120.client import Client
        from alibabacloud_tea_openapi.utils_models import Config
        Client(Config(access_key_id="a", access_key_secret="b", endpoint="127.0.0.1:9", region_id="cn-hangzhou"))
        import darabonba.core, darabonba.response, darabonba.utils.stream, Tea.core
        before = sorted(m for m in sys.modules if m.split(".")[0] == "aiohttp")
        timeout = darabonba.core.aiohttp.ClientTimeout(total=1)
        import aiohttp
        print(json.dumps(dict(
            before=before,
            bound=type(Tea.core.aiohttp).__name__,
            timeout=type(timeout) is aiohttp.ClientTimeout,
            response=darabonba.response.ClientResponse == aiohttp.ClientResponse,
            annotation=darabonba.utils.stream.SSEResponseWrapper.__init__.__annotations__["session"]
                       == aiohttp.ClientSession,
            real=type(sys.modules["aiohttp"]).__name__)))
    ''')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))  # the collection, however found
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result == dict(before=[], bound="DeferredModule", timeout=True, response=True, annotation=True,
                          real="module")
