"""Empty stand-ins for course helper packages the grading environment does not have (child side).

A CS231n-style file often starts with ``from cs231n.data_utils import load_CIFAR10`` or
``from cs231n.fast_layers import conv_forward_fast``: helpers the graded functions never call.
Without the package that one line fails the import, and with it every exercise of the file.
An instructor lists such packages in ``deepgrade.toml``::

    [submission]
    stub_modules = ["cs231n.*"]

and the child installs :class:`StubFinder` *after* the normal import machinery: a module that
really exists (installed, or among the submission's own files) is imported as usual; only one
that cannot be found becomes an empty stand-in. Any attribute of a stand-in module is a
:class:`Missing` object that can be imported, passed around and compared by identity, but
raises :class:`ModuleNotFoundError` with a clear message as soon as it is used (called,
indexed, iterated, subclassed, used in arithmetic), so only code that really depends on the
helper fails.

This module runs inside the student process: it must stay free of anything secret.
"""
from __future__ import annotations

import importlib.machinery
import sys
import types
from typing import Iterable, Sequence


def matches(name: str, patterns: Iterable[str]) -> bool:
    """Whether module ``name`` may be stood in for under ``patterns``.

    Args:
        name: a dotted module name, e.g. ``"cs231n.data_utils"``.
        patterns: entries of ``stub_modules``: ``"pkg"`` (that module only) or ``"pkg.*"``
            (the package and every submodule). The parent packages of a listed module match
            too, since importing ``a.b`` imports ``a`` first.
    Returns:
        True when ``name`` matches.
    """
    for pattern in patterns:
        base = pattern[:-2] if pattern.endswith(".*") else pattern
        if name == base or base.startswith(name + "."):
            return True
        if pattern.endswith(".*") and name.startswith(base + "."):
            return True
    return False


def _unavailable(qualname: str, module: str) -> ModuleNotFoundError:
    root = module.split(".")[0]
    return ModuleNotFoundError(
        f"{qualname} was used, but {root} is not available where your code is graded: "
        f"it is imported as an empty stand-in (stub_modules in deepgrade.toml), so only code "
        f"that does not use it can run. Implement what you need yourself.",
        name=module,
    )


class Missing:
    """What any attribute of a stand-in module is: harmless until used.

    Args:
        qualname: the full dotted name, e.g. ``"cs231n.data_utils.load_CIFAR10"``.
        module: the stand-in module it came from.
    """

    __slots__ = ("_dg_qualname", "_dg_module")

    def __init__(self, qualname: str, module: str):
        object.__setattr__(self, "_dg_qualname", qualname)
        object.__setattr__(self, "_dg_module", module)

    def _fail(self, *args, **kwargs):
        raise _unavailable(self._dg_qualname, self._dg_module)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)  # protocols (numpy, copy, inspect) probe dunders: say "absent"
        return Missing(f"{self._dg_qualname}.{name}", self._dg_module)

    def __repr__(self) -> str:
        return f"<stand-in for {self._dg_qualname}>"

    def __mro_entries__(self, bases):
        self._fail()

    __call__ = __getitem__ = __setitem__ = __iter__ = __len__ = __bool__ = __setattr__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __matmul__ = __rmatmul__ = __neg__ = __float__ = __int__ = __index__ = __enter__ = _fail


class StubModule(types.ModuleType):
    """An empty module: every public attribute is a :class:`Missing`."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return Missing(f"{self.__name__}.{name}", self.__name__)


class StubFinder:
    """A ``sys.meta_path`` finder (installed last) that stands in for modules matching its patterns.

    Args:
        patterns: ``stub_modules`` entries (see :func:`matches`).
    """

    def __init__(self, patterns: Sequence[str]):
        self.patterns = tuple(patterns)

    def find_spec(self, name, path=None, target=None):
        """A spec for a stand-in when ``name`` matches, else ``None`` (let import fail as usual)."""
        if not matches(name, self.patterns):
            return None
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        module = StubModule(spec.name)
        module.__path__ = []  # a package, so that submodules can be stood in for too
        return module

    def exec_module(self, module):
        pass


def install(patterns: Sequence[str]) -> None:
    """Append a :class:`StubFinder` for ``patterns`` to ``sys.meta_path`` (once per process).

    Args:
        patterns: ``stub_modules`` entries; nothing is installed when empty.
    """
    if not patterns or any(isinstance(f, StubFinder) for f in sys.meta_path):
        return
    sys.meta_path.append(StubFinder(patterns))


def is_stand_in(obj: object) -> bool:
    """Whether ``obj`` is a stand-in module or one of its :class:`Missing` attributes."""
    return type(obj) in (Missing, StubModule)


def stand_in_module(obj: object) -> str:
    """The stand-in module ``obj`` came from (``""`` when it is not a stand-in)."""
    if type(obj) is Missing:
        return object.__getattribute__(obj, "_dg_module")
    if type(obj) is StubModule:
        return obj.__name__
    return ""
