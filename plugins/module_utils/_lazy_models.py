# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import an SDK client without importing every model class of its package.

Private to headroom.cloud: not a public API, may change without notice.

Why: both SDKs' model packages import every request and response class in their ``__init__``
(about a thousand modules in ``huaweicloudsdkgaussdb.v3``, about 280 in
``alibabacloud_kms20160120.models``), while a module calls two or three APIs. Their clients reach
models only as attributes of those packages (``model_package.ShowGaussMySqlQuotasResponse``,
``main_models.GetKmsInstanceQuotaInfosResponse()``), so a package can load each class the first
time it is asked for. This is the one place that relies on the layout, which is:

- the package's ``__init__.py`` is an index and nothing else: ``from <module> import <Class>``
  lines (absolute or ``from .module``), plus comments, ``from __future__`` and an ``__all__`` list.

The index is read as text, never executed. When a package is not such an index, or anything about
it fails, the plain import runs instead: slower, never broken.
tests/unit/plugins/module_utils/test_lazy_models.py guards both paths with both real SDKs.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types

_INDEX_LINE = re.compile(r"from\s+(\.?[\w.]+)\s+import\s+(\w+)")
_ALL_LIST = re.compile(r"^__all__\s*=\s*\[.*?^\]", re.DOTALL | re.MULTILINE)
_HARMLESS = re.compile(r"(#.*|from\s+__future__\s+import\s+[\w, ]+)?")


class LazyPackage(types.ModuleType):
    """A package whose classes are imported from their own module on first access."""

    def __getattr__(self, name):
        module = self.__dict__["_index"].get(name)
        if module is None or name.startswith("__"):
            raise AttributeError("module %r has no attribute %r" % (self.__name__, name))
        try:
            value = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            value = getattr(self._everything(), name)  # the index lied: let the real package answer
        setattr(self, name, value)
        return value

    def _everything(self):
        """The package's own __init__, run once, only if the index ever fails us."""
        if "_real" not in self.__dict__:
            real = types.ModuleType(self.__name__)  # same name and package: its relative imports resolve
            real.__dict__.update(__file__=self.__file__, __package__=self.__name__, __path__=self.__path__)
            with open(self.__file__, encoding="utf-8") as handle:
                exec(compile(handle.read(), self.__file__, "exec"), real.__dict__)  # pylint: disable=exec-used
            self.__dict__["_real"] = real
        return self.__dict__["_real"]


def import_lazily(module, packages):
    """Import ``module`` (the client's module) with each of ``packages`` (parents first) loading its
    classes on demand where its ``__init__`` is a plain index; the plain import otherwise."""
    registered = []
    try:
        for name in packages:
            if name in sys.modules:
                continue
            package = _lazy_package(name)
            if package is None:
                break
            sys.modules[name] = package
            registered.append(name)
            parent, _dot, child = name.rpartition(".")
            setattr(sys.modules[parent], child, package)  # what the import system does for a submodule
        return importlib.import_module(module)
    except Exception:  # any surprise: leave sys.modules as it was and import the plain way
        for name in list(sys.modules):
            if any(name == lazy or name.startswith(lazy + ".") for lazy in registered):
                del sys.modules[name]
        for name in registered:
            parent, _dot, child = name.rpartition(".")
            if isinstance(getattr(sys.modules.get(parent), child, None), LazyPackage):
                delattr(sys.modules[parent], child)
        return importlib.import_module(module)


def _lazy_package(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations or not spec.origin:
        return None
    with open(spec.origin, encoding="utf-8") as handle:
        index = _read_index(handle.read(), name)
    if index is None:
        return None
    package = LazyPackage(name)
    package.__path__ = list(spec.submodule_search_locations)
    package.__package__ = name
    package.__file__ = spec.origin
    package.__spec__ = spec
    package.__dict__["_index"] = index
    return package


def _read_index(text, package):
    """{class name: module} when ``text`` holds nothing but index lines, else None."""
    index = {}
    for line in _ALL_LIST.sub("", text).splitlines():
        line = line.strip()
        found = _INDEX_LINE.fullmatch(line)
        if found and found.group(1) != "__future__":
            module = found.group(1)
            index[found.group(2)] = package + module if module.startswith(".") else module
        elif not _HARMLESS.fullmatch(line):
            return None  # the package does more than list its classes: import it as it is
    return index or None
