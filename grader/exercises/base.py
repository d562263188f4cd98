"""Import path kept for existing callers; the framework now lives in three modules:

* :mod:`grader.exercises.spec` — :class:`Exercise`, :class:`Case`, :class:`Topic`, the exceptions;
* :mod:`grader.exercises.context` — :class:`Context` (calls into the student process, assertions);
* :mod:`grader.exercises.backward` — :class:`BackwardSpec` and the two-way gradient check.
"""
from grader.exercises.context import Context
from grader.exercises.spec import CaseFailed, Exercise, StubNotImplemented, is_stub, rounded

__all__ = ["CaseFailed", "Context", "Exercise", "StubNotImplemented", "is_stub", "rounded"]
