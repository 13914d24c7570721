# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import an SDK client without importing every model class of its package.

Private to headroom.cloud: not a public API, may change without notice.

Why: ``huaweicloudsdkgaussdb.v3``'s ``__init__`` imports about a thousand request and response
model modules (most of the module's start-up time), while a module calls three APIs. The client
looks its response classes up by name on its ``model_package`` attribute (the package
``huaweicloudsdkgaussdb.v3.model``), so that package can load each model the first time it is
asked for. This is the one place that knows the layout it relies on:

- ``<package>/v3/`` holds ``gaussdb_client.py`` and a ``model/`` folder of one module per class,
  named as the class in snake case (``ShowGaussMySqlQuotasResponse`` in
  ``show_gauss_my_sql_quotas_response.py``);
- the client reaches models only through ``importlib.import_module("<package>.v3.model")``.

When the layout is not there, or anything about it fails, the plain import runs instead: slower,
never broken. tests/unit/plugins/module_utils/test_lazy_models.py guards both paths.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import types

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class LazyModels(types.ModuleType):
    """A model package that imports ``<name>.<snake_case(class)>`` on first access of a class."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            module = importlib.import_module("%s.%s" % (self.__name__, _WORD.sub("_", name).lower()))
            value = getattr(module, name)
        except (ImportError, AttributeError):
            value = getattr(self._everything(), name)  # a name off the pattern: the real package knows it
        setattr(self, name, value)
        return value

    def _everything(self):
        """The package's own __init__, run once, for names the file-name pattern does not find."""
        if "_real" not in self.__dict__:
            spec = importlib.util.spec_from_file_location(self.__name__ + "._all", os.path.join(
                self.__path__[0], "__init__.py"), submodule_search_locations=self.__path__)
            real = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(real)
            self.__dict__["_real"] = real
        return self.__dict__["_real"]


def import_client(package, client_module, client_class):
    """``client_class`` from ``<package>.v3.<client_module>``, its models loaded on demand when the
    layout allows it; the plain import otherwise."""
    v3_name, model_name = package + ".v3", package + ".v3.model"
    if v3_name not in sys.modules:
        try:
            _register(package, v3_name, model_name, client_module)
        except Exception:  # any surprise: leave sys.modules as it was and import the plain way
            for name in (v3_name, model_name):
                sys.modules.pop(name, None)
    return getattr(importlib.import_module("%s.%s" % (v3_name, client_module)), client_class)


def _register(package, v3_name, model_name, client_module):
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return
    v3_path = os.path.join(list(spec.submodule_search_locations)[0], "v3")
    model_path = os.path.join(v3_path, "model")
    if not (os.path.isfile(os.path.join(v3_path, client_module + ".py")) and
            os.path.isfile(os.path.join(model_path, "__init__.py"))):
        return  # not the layout this relies on
    importlib.import_module(package)
    v3 = types.ModuleType(v3_name)
    v3.__path__ = [v3_path]
    v3.__package__ = v3_name
    models = LazyModels(model_name)
    models.__path__ = [model_path]
    models.__package__ = model_name
    sys.modules[v3_name] = v3
    sys.modules[model_name] = models
