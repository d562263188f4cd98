"""The one exception the sandbox raises when it refuses to run student code."""
from __future__ import annotations


class SandboxUnavailable(RuntimeError):
    """A protection could not be applied, so no student code was (or will be) run.

    The message names the concrete cause, e.g. ``"not root"``, ``"Landlock not supported by
    this kernel"`` or ``"sandbox setup failed at seccomp: ..."``. It subclasses
    ``RuntimeError`` because :meth:`grader.runner.backend.Backend.open` documents that.
    """
