"""Whether a graded name is the student's own work or a library's (child side).

``from torch.nn.functional import softmax`` or ``from scipy.signal import correlate2d`` puts a
graded name into the submission without the student writing it. The test is where the object
was *defined*: its module's file, or its code's file, must be one of the submission's files
(all of which the child wrote under its scratch folder). So a name defined in another of the
student's files, a wrapper the student wrote around a library call, and a class the student
defined whose methods come from ``torch.nn.Module`` are all the student's; a library function
or class bound to the graded name is not.

This module runs inside the student process: it must stay free of anything secret.
"""
from __future__ import annotations

import functools
import inspect
import sys
from pathlib import Path

from grader.runner import stub_modules


def _inside(filename: object, workdir: Path) -> bool:
    if not isinstance(filename, str) or not filename:
        return False
    try:
        path = Path(filename).resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return path == workdir or workdir in path.parents


def origin(obj: object, workdir: Path) -> str | None:
    """Where ``obj`` comes from, when it is not the submission's own.

    Args:
        obj: the object bound to a graded name in the student's module.
        workdir: the child's scratch folder holding the submission's files (resolved).
    Returns:
        ``None`` when a submission file defines ``obj`` (or when that cannot be decided:
        never blame a student on a guess); otherwise the defining module's name, e.g.
        ``"torch.nn.functional"``, or ``"cs231n.fast_layers"`` for a stand-in.
    """
    try:
        if stub_modules.is_stand_in(obj):
            return stub_modules.stand_in_module(obj)
        seen = 0
        while isinstance(obj, functools.partial) and seen < 10:  # a partial of the student's own function
            obj, seen = obj.func, seen + 1
        module_name = getattr(obj, "__module__", None)
        module = sys.modules.get(module_name) if isinstance(module_name, str) else None
        if _inside(getattr(module, "__file__", None), workdir):
            return None
        target = inspect.unwrap(obj) if callable(obj) else obj
        for candidate in (target, getattr(target, "__func__", None)):
            code = getattr(candidate, "__code__", None)
            if code is not None and _inside(getattr(code, "co_filename", None), workdir):
                return None
        if inspect.isclass(obj):
            try:
                if _inside(inspect.getfile(obj), workdir):
                    return None
            except (TypeError, OSError):
                pass
        if isinstance(module_name, str) and module_name:
            return module_name
        return type(obj).__module__ or "a library"
    except BaseException:  # a hostile object's attributes may raise anything: give the benefit of the doubt
        return None
