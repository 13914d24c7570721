# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import an SDK without loading a module that only its unused async path needs, until first use.

Private to headroom.cloud: not a public API, may change without notice.

Why: the Alibaba SDK's Tea/darabonba layer imports aiohttp for its async methods, which the
modules never call; aiohttp costs about 0.14 s of a 0.55 s module run (two default SSL contexts
built at import time, its HTTP parser, asyncio).

Why not ``importlib.util.LazyLoader``: CPython reads ``__spec__`` of a module an ``import``
statement finds in ``sys.modules`` (to see whether it is still initialising), and reading any
attribute of a LazyLoader module loads it: the SDK imports aiohttp in four of its modules, so the
second ``import aiohttp`` would load it. And two of those modules read aiohttp's classes while
they are imported, for type annotations alone: ``from aiohttp import ClientResponse``
(darabonba/response.py) and ``aiohttp.ClientSession`` in a signature (darabonba/utils/stream.py).

So, while the SDK is imported (:func:`deferring`), ``sys.modules`` holds a :class:`DeferredModule`
for each name. Its ``__spec__`` is the real module's spec, so ``import`` statements bind it
without loading anything; a name read from it meanwhile is a :class:`DeferredName`. Once the SDK
is imported, ``sys.modules`` holds real modules only again, and the first real use loads the real
module: reading anything from a DeferredModule, or calling, subclassing, comparing or asking a
DeferredName for an attribute or an ``isinstance`` answer. Both then answer with the real objects.
What a stand-in cannot forward is identity (``x is ClientResponse``): the SDK binds those names
for annotations only. tests/unit/plugins/module_utils/test_deferred.py and the e2e async call
(tests/e2e/test_module_start.py) check this with the real SDK.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import threading
import types

_LOCK = threading.RLock()


class DeferredModule(types.ModuleType):
    """A module the SDK bound to a name without loading it; the real one loads on first use."""

    def __getattr__(self, name):  # only for what the stand-in does not have itself
        state = self.__dict__
        if state["_real"] is None and state["_window"]:
            if name.startswith("__"):  # e.g. __path__: the import system asks, and does without
                raise AttributeError(name)
            return DeferredName(self, name)
        return getattr(self._load(), name)

    def _load(self):
        state = self.__dict__
        with _LOCK:
            if state["_real"] is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                state["_real"] = importlib.import_module(self.__name__)
        return state["_real"]


class DeferredName:
    """A name read from a DeferredModule while the SDK was imported; any use resolves it."""

    def __init__(self, module, name):
        self._module = module
        self._name = name

    def _resolve(self):
        return getattr(self._module._load(), self._name)

    def __getattr__(self, name):
        return getattr(self._resolve(), name)

    def __call__(self, *args, **kwargs):
        return self._resolve()(*args, **kwargs)

    def __instancecheck__(self, instance):
        return isinstance(instance, self._resolve())

    def __subclasscheck__(self, subclass):
        return issubclass(subclass, self._resolve())

    def __mro_entries__(self, bases):
        return (self._resolve(),)

    def __eq__(self, other):
        return self._resolve() == (other._resolve() if isinstance(other, DeferredName) else other)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._resolve())

    def __repr__(self):  # never loads: a repr is no use
        return "<deferred %s.%s>" % (self._module.__name__, self._name)


@contextlib.contextmanager
def deferring(names):
    """While the block runs, an ``import`` of each of ``names`` binds a DeferredModule; a name that
    is already imported, or cannot be found, is left alone."""
    placed = []
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        module = DeferredModule(name)
        module.__spec__ = spec
        module.__dict__.update(_real=None, _window=True)
        sys.modules[name] = module
        placed.append(module)
    try:
        yield
    finally:
        with _LOCK:
            for module in placed:
                module.__dict__["_window"] = False
                if sys.modules.get(module.__name__) is module:
                    del sys.modules[module.__name__]
