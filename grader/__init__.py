"""deepgrade: auto-graded deep-learning fundamentals exercises.

The public face is :data:`__all__` (pinned by ``tests/test_public_api.py``); everything else is
internal. Names load lazily: the student process imports ``grader.runner`` and must never load
the exercise specs or the reference solutions as a side effect.

* grading: :func:`check`, :func:`grade_submission`, :func:`grade_batch`, :func:`select_exercises`,
  :func:`list_submissions`, :class:`CaseBank` (:mod:`grader.api`);
* authoring: :func:`validate` (:mod:`grader.validation`), :func:`write_stubs`,
  :func:`build_fixtures`, :func:`write_student_copy` (:mod:`grader.release`), and the spec
  contract :class:`Topic`, :class:`Exercise`, :class:`Case`, :class:`BackwardSpec`
  (:mod:`grader.exercises`);
* results: :class:`SubmissionResult`, :class:`ExerciseResult`, :class:`CaseResult`.

Exceptions (the whole tree; builtins in brackets)::

    Exception
    ├── CaseFailed                 a check failed: .message for the student, .diagnoses named
    ├── StubNotImplemented         the student's function still raises the stub's NotImplementedError
    ├── SessionAborted             the student's process died, hung, or broke the protocol
    ├── StudentError               the student's code raised (a check turns it into CaseFailed)
    ├── [RuntimeError]
    │   ├── ReferenceUnavailable   no solutions/ (and no fixtures) to compute expected values
    │   └── SandboxUnavailable     the Linux sandbox cannot start here (grading refuses to run)
    └── [ValueError]
        ├── ConfigError            a bad course config (deepgrade.toml)
        ├── ReleaseError           unbalanced or misplaced ### BEGIN/END SOLUTION markers
        └── [KeyError]             an unknown assignment or exercise name (select_exercises)

Grading never raises because of anything in a submission: a crash, hang or exception there is
a result (status ``crashed``, ``timeout``, ``error``, ...), never an exception here.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "check": "grader.api",
    "grade_submission": "grader.api",
    "grade_batch": "grader.api",
    "select_exercises": "grader.api",
    "list_submissions": "grader.api",
    "CaseBank": "grader.api",
    "validate": "grader.validation",
    "write_stubs": "grader.release",
    "build_fixtures": "grader.release",
    "write_student_copy": "grader.release",
    "Topic": "grader.exercises.spec",
    "Exercise": "grader.exercises.spec",
    "Case": "grader.exercises.spec",
    "BackwardSpec": "grader.exercises.backward",
    "SubmissionResult": "grader.results",
    "ExerciseResult": "grader.results",
    "CaseResult": "grader.results",
    "CaseFailed": "grader.exercises.spec",
    "StubNotImplemented": "grader.exercises.spec",
    "SessionAborted": "grader.runner.session",
    "StudentError": "grader.runner.session",
    "ReferenceUnavailable": "grader.reference",
    "SandboxUnavailable": "grader.sandbox.errors",
    "ConfigError": "grader.config",
    "ReleaseError": "grader.release",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
