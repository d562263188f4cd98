"""How the grader talks to a student process: the interface every execution backend provides.

A backend starts a fresh child process that runs :func:`grader.runner.child.serve` in an
empty scratch directory, and hands back a :class:`Channel` of frames
(:mod:`grader.runner.framing`). The grader only ever sends requests and reads bytes back;
it never unpickles or evaluates anything the child produced.

Backends: :class:`grader.runner.local.LocalBackend` (a fresh Python per child, portable, no
sandbox: for students checking their own code) and ``grader.sandbox`` (Linux, root: a
pre-forked zygote with namespaces, rlimits, seccomp and Landlock: for grading).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Limits:
    """Resource limits for one child process (one exercise of one submission).

    Attributes:
        wall_s: wall-clock seconds before the child is killed.
        cpu_s: CPU seconds (user + system) before the child is killed.
        memory_bytes: address-space / memory cap in bytes.
        log_bytes: how much of the child's stdout/stderr is kept, in bytes.
        frame_bytes: largest single reply frame accepted, in bytes.
        import_s: wall-clock seconds for importing the submission's files (once per
            submission: torch alone takes seconds on a loaded 2-core machine).
    """

    wall_s: float = 10.0
    cpu_s: float = 10.0
    memory_bytes: int = 2 << 30
    log_bytes: int = 64 << 10
    frame_bytes: int = 64 << 20
    import_s: float = 30.0


@dataclass(frozen=True)
class ChildExit:
    """How a child ended.

    Attributes:
        returncode: exit status, or ``None`` when killed by a signal.
        signal: the signal number that killed it, or ``None``.
        reason: a short human explanation when the grader or a limit ended it
            (e.g. ``"wall-clock limit of 10 s"``, ``"CPU limit"``, ``"memory limit"``), else ``""``.
        log: the first ``Limits.log_bytes`` of its stdout and stderr, decoded leniently.
        cpu_s: CPU seconds it used, when known (else ``0.0``).
    """

    returncode: int | None
    signal: int | None
    reason: str
    log: str
    cpu_s: float = 0.0


class ChildGone(Exception):
    """The child exited or was killed before replying; ``.exit`` says how."""

    def __init__(self, exit: ChildExit):
        super().__init__(exit.reason or f"child exited (code {exit.returncode}, signal {exit.signal})")
        self.exit = exit


class ChildTimeout(Exception):
    """No reply within the time asked for; the caller should ``close()`` the channel."""


class Channel(Protocol):
    """A bidirectional frame pipe to one live child process."""

    def send(self, payload: bytes) -> None:
        """Send one request frame. Raises :class:`ChildGone` when the child is dead."""

    def recv(self, timeout: float) -> bytes:
        """Wait up to ``timeout`` seconds for one reply frame.

        Raises:
            ChildTimeout: nothing arrived in time (the child may still be running).
            ChildGone: the child died, closed its end, or sent a malformed/oversized frame.
        """

    def close(self) -> ChildExit:
        """Kill the child if still alive, reap it, remove its scratch space; idempotent."""


class Backend(Protocol):
    """Starts child processes. Thread-safe: the grader opens channels from several threads."""

    name: str

    def open(self, limits: Limits, *, warm: bool = False, torch: bool = False) -> Channel:
        """Start a fresh child serving requests. Raises ``RuntimeError`` when it cannot start.

        ``warm``: the child is a submission's warm child (:mod:`grader.runner.warm`), which forks
        one child per exercise; a sandbox lets only such a child fork. ``torch``: a hint that the
        child will import torch (a backend may start it from a process that has). Wrappers must
        pass both on."""

    def shutdown(self) -> None:
        """Release long-lived resources (e.g. a zygote). Idempotent."""
