"""What a submission's source text says without running it: the names a file defines, whether
it imports torch. Cheap textual tests, used by the student process (which files to import for
the names an exercise wants) and by the grader (whether a submission's warm child should start
from a process that has torch imported already). A false positive only costs time, never a
verdict: the import itself decides what is really there.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable, Mapping

_DEFINITION = re.compile(r"^\s*(?:def|class)\s+(\w+)|^\s*(\w+)\s*=", re.M)
_TORCH_IMPORT = re.compile(r"^\s*(?:import\s+torch\b|from\s+torch\b)", re.M)


@functools.lru_cache(maxsize=64)
def defined_names(source: str) -> frozenset:
    """Names bound by a ``def``, ``class`` or assignment at the start of a line of ``source``.

    Args:
        source: Python source text.
    Returns:
        The names (``frozenset`` of ``str``); nested definitions count too.
    """
    return frozenset(a or b for a, b in _DEFINITION.findall(source))


def defines(source: str, name: str) -> bool:
    """Whether ``source`` seems to define ``name`` (see :func:`defined_names`)."""
    return name in defined_names(source)


def files_for(files: Mapping[str, str], want: Iterable[str]) -> list[str]:
    """The files (relative paths, sorted) that seem to define one of ``want``; all of them when none does.

    Args:
        files: relative path → source text.
        want: names an exercise needs.
    """
    want = list(want)
    defining = [rel for rel in sorted(files) if any(defines(files[rel], name) for name in want)]
    return defining or sorted(files)


def imports_torch(source: str) -> bool:
    """Whether a line of ``source`` starts with ``import torch…`` or ``from torch…``."""
    return _TORCH_IMPORT.search(source) is not None
