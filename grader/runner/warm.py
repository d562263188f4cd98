"""One warm child per submission: its files are imported once, each exercise runs in a fork.

A :class:`WarmHost` looks like a :class:`~grader.runner.backend.Backend` to the exercise code:
``open(limits)`` returns a channel to a fresh *exercise child*. Underneath, the first ``open``
starts one *warm child* through the real backend (sandboxed or not) and has it import the
submission for every exercise at once; each ``open`` then asks the warm child to fork
(:mod:`grader.runner.child`, op ``fork``). So a submission pays for starting a process and
importing its files (numpy, perhaps torch) once instead of once per exercise, while each
exercise still runs in its own process: a crash, a hang or a mutated global costs only that
exercise.

What the host remembers for the submission:

* a warm child that could not import the submission (it hung past ``Limits.import_s``, crashed
  or exited) is not retried: every exercise gets the same failure at once;
* a warm child that died later (killed with an exercise child that flooded its output or sent
  an oversized frame, or by the student's own code) is restarted for the next exercise;
* an exercise child that ended abnormally does not cost the warm child: the warm child's report
  arrives as a whole frame only if the shared reply pipe is in step (a child killed mid-write
  leaves half a frame, the report is then unreadable, and the warm child is replaced).

The warm child never runs an exercise's calls itself, and the grader's process never runs
student code.
"""
from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Sequence

from grader.runner import codec, reasons, sources
from grader.runner.backend import Backend, Channel, ChildExit, ChildGone, ChildTimeout, Limits
from grader.runner.child import ENDED

# Extra seconds the grader waits for the warm child's report on an exercise child beyond the
# deadline it was asked to wait, before it declares the warm child wedged and kills it.
REPORT_GRACE_S = 2.0
# How long ending an idle exercise child may take before the warm child is killed instead.
END_TIMEOUT_S = 5.0
# Address space the warm child may map on top of the exercise budget, for its imports
# (``import torch`` alone maps ~0.7 GB); each exercise child lowers its limit again.
IMPORT_ALLOWANCE_BYTES = 1 << 30
_CAN_FORK = hasattr(os, "fork")


class WarmHost:
    """A per-submission :class:`~grader.runner.backend.Backend` (see the module docstring).

    Args:
        backend: starts the warm child (``LocalBackend`` or ``SandboxBackend``).
        files: relative path → source of every Python file of the submission.
        want: every name the exercises to be graded need (the warm child imports the files
            defining them).
        limits: the limits of the exercises (the largest ``wall_s``/``cpu_s``/``memory_bytes``
            of them); ``limits.import_s`` bounds the import, in seconds.
        exercises: how many exercises will be opened (sizes the warm child's own wall-clock
            backstop, in seconds: ``import_s + exercises × 3 × (wall_s + 5)``).
        stub_modules: module patterns imported as empty stand-ins when missing
            (:mod:`grader.runner.stub_modules`), installed in the warm child before it imports.

    Attributes:
        name: ``"warm:<backend name>"``.
        preloads: True: a channel from :meth:`open` serves a submission that is already
            imported; the session's ``load`` only asks which names were found.
        starts: how many warm children were started (for tests and benchmarks).
        torch: the files to be imported import torch (asks the backend for a torch-ready child).
    """

    def __init__(self, backend: Backend, files: dict[str, str], want: Sequence[str], limits: Limits,
                 exercises: int = 1, stub_modules: Sequence[str] = ()):
        self.name = f"warm:{getattr(backend, 'name', 'backend')}"
        self.preloads = _CAN_FORK
        self.starts = 0
        self._backend = backend
        self._files = files
        self._want = list(dict.fromkeys(want))
        self._stub_modules = list(stub_modules)
        self._limits = limits
        budget = limits.import_s + max(1, exercises) * 3 * (limits.wall_s + 5.0)
        self._warm_limits = replace(limits, wall_s=budget, cpu_s=max(limits.cpu_s, limits.import_s),
                                    memory_bytes=limits.memory_bytes + IMPORT_ALLOWANCE_BYTES)
        # Whether the files the warm child will import import torch: the sandbox then forks
        # it from a process that has torch already (grader.sandbox.protocol.JobSpec.torch).
        self.torch = any(sources.imports_torch(files[rel]) for rel in sources.files_for(files, self._want))
        self._warm = None
        self._pending: Channel | None = None          # started, import requested (start())
        self._load_failure: ChildExit | None = None   # remembered for the whole submission
        self._load_timed_out = False

    # ------------------------------------------------------------------ Backend interface
    def open(self, limits: Limits) -> Channel:
        """A channel to a fresh exercise child forked from the warm child.

        Args:
            limits: the exercise's limits (wall_s, cpu_s, memory_bytes apply to the exercise
                child; log and frame caps are the warm channel's).
        Returns:
            A channel; when the submission could not be imported, a channel that reports that
            failure to the session's ``load`` without starting anything.
        Raises:
            RuntimeError: the backend cannot start a process at all.
        """
        if not _CAN_FORK:                                  # Windows: a fresh process per exercise
            return self._backend.open(replace(limits, wall_s=limits.wall_s + limits.import_s + 5))
        for _ in range(2):
            failed = self._ensure_warm()
            if failed is not None:
                return failed
            try:
                return self._fork(limits)
            except _WarmLost:
                self._discard()                           # died between exercises: once more
        return _FailedChannel(ChildExit(None, None, "the student process could not be started twice in a row", ""))

    def start(self) -> None:
        """Starts the warm child and sends it the submission now, without waiting for the import.

        The grader meanwhile prepares the first exercise's cases; the first :meth:`open`
        collects the reply (``Limits.import_s`` counts from then). Optional: :meth:`open` starts
        it anyway. A backend that cannot start a process now is left for :meth:`open` to report.
        """
        if not _CAN_FORK or self._warm is not None or self._pending is not None or self._load_failure is not None:
            return
        try:
            self._pending = self._send_load(self._open_warm())
        except (RuntimeError, ChildGone):
            self._pending = None

    def shutdown(self) -> None:
        """Ends the warm child (idempotent). The real backend stays up for other submissions."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.close()
        self._discard()

    # ------------------------------------------------------------------ internals
    def _ensure_warm(self) -> Channel | None:
        if self._load_failure is not None:
            return _FailedChannel(self._load_failure, timed_out=self._load_timed_out)
        if self._warm is not None:
            return None
        warm, self._pending = self._pending, None
        try:
            if warm is None:
                warm = self._send_load(self._open_warm())      # RuntimeError propagates
            raw = warm.recv(self._limits.import_s)
            if raw.startswith(ENDED):
                raise ChildGone(ChildExit(None, None, "the process ended while importing", ""))
            reply = codec.decode(raw)
            if not (isinstance(reply, dict) and reply.get("ok") is True):
                raise codec.CodecError("unexpected reply to load")
        except ChildTimeout:
            exit_ = warm.close()
            self._load_failure, self._load_timed_out = exit_, True
            return _FailedChannel(exit_, timed_out=True)
        except ChildGone as gone:
            self._load_failure = gone.exit
            return _FailedChannel(gone.exit)
        except codec.CodecError as exc:
            exit_ = warm.close()
            self._load_failure = replace(exit_, reason=f"sent an unreadable reply while importing ({exc})")
            return _FailedChannel(self._load_failure)
        if hasattr(warm, "take_log"):
            warm.take_log()                               # the imports' output is not an exercise's
        self._warm = warm
        return None

    def _open_warm(self) -> Channel:
        self.starts += 1
        try:
            if self.torch:
                try:
                    return self._backend.open(self._warm_limits, warm=True, torch=True)
                except TypeError:                          # a backend without the torch hint
                    pass
            return self._backend.open(self._warm_limits, warm=True)
        except TypeError:                                  # a backend without warm children
            return self._backend.open(self._warm_limits)

    def _send_load(self, warm: Channel) -> Channel:
        """Sends the import request; raises ChildGone when the child is already gone."""
        request = {"op": "load", "files": self._files, "want": self._want}
        if self._stub_modules:
            request["stub_modules"] = self._stub_modules
        warm.send(codec.encode(request))
        return warm

    def _fork(self, limits: Limits) -> Channel:
        warm = self._warm
        request = {"op": "fork", "wall_s": float(limits.wall_s), "cpu_s": float(limits.cpu_s),
                   "memory_bytes": int(limits.memory_bytes)}
        oom_before = _oom_kills(warm)
        try:
            warm.send(codec.encode(request))
            raw = warm.recv(END_TIMEOUT_S + REPORT_GRACE_S)
        except (ChildGone, ChildTimeout):
            raise _WarmLost() from None
        if raw.startswith(ENDED):                         # the exercise child died in its setup
            exit_ = _exit_from_report(raw, limits, warm, oom_before, awaiting=True)
            self._discard()
            return _FailedChannel(exit_)
        try:
            reply = codec.decode(raw)
        except codec.CodecError:
            raise _WarmLost() from None
        if not (isinstance(reply, dict) and reply.get("ok") is True and "forked" in reply):
            raise _WarmLost()
        return ExerciseChannel(self, warm, limits, oom_before)

    def _discard(self) -> None:
        warm, self._warm = self._warm, None
        if warm is not None:
            warm.close()


def warm_host(backend: Backend, submission, exercises: Sequence, limits: Limits | None,
              stub_modules: Sequence[str] = ()) -> WarmHost:
    """The :class:`WarmHost` for grading ``submission`` on ``exercises``.

    Args:
        backend: the real backend.
        submission: a :class:`grader.submission.Submission` (``files``).
        exercises: objects with ``requires`` (names) and ``limits`` (:class:`Limits`).
        limits: overrides every exercise's limits, as in ``grade_exercise``.
        stub_modules: see :class:`WarmHost`.
    Returns:
        A host sized for the largest of the exercises' limits.
    """
    chosen = [limits or ex.limits for ex in exercises] or [limits or Limits()]
    widest = replace(chosen[0], wall_s=max(c.wall_s for c in chosen), cpu_s=max(c.cpu_s for c in chosen),
                     memory_bytes=max(c.memory_bytes for c in chosen), import_s=max(c.import_s for c in chosen))
    want = [name for ex in exercises for name in ex.requires]
    return WarmHost(backend, submission.files, want, widest, exercises=len(exercises), stub_modules=stub_modules)


class _WarmLost(Exception):
    """The warm child is gone or confused; start another."""


class ExerciseChannel:
    """A :class:`~grader.runner.backend.Channel` to one exercise child, over the warm child's pipes.

    Frames pass through unchanged, except the warm child's :data:`~grader.runner.child.ENDED`
    report, which becomes :class:`ChildGone` with the reason in the usual words
    (:func:`grader.sandbox.exits.describe`).
    """

    def __init__(self, host: WarmHost, warm: Channel, limits: Limits, oom_before: int):
        self._host = host
        self._warm = warm
        self._limits = limits
        self._oom_before = oom_before
        self._awaiting = 0
        self._exit: ChildExit | None = None

    def send(self, payload: bytes) -> None:
        """Sends one request frame. Raises :class:`ChildGone` when the exercise child is gone."""
        if self._exit is not None:
            raise ChildGone(self._exit)
        try:
            self._warm.send(payload)
        except ChildGone as gone:
            raise ChildGone(self._lost(gone.exit)) from None
        self._awaiting += 1

    def recv(self, timeout: float) -> bytes:
        """Waits for one reply; ``timeout`` seconds plus :data:`REPORT_GRACE_S` for the warm
        child's report when the exercise child was killed at its own deadline.

        Raises:
            ChildTimeout: nothing at all arrived (the warm child is then killed on ``close``).
            ChildGone: the exercise child (or the warm child) ended.
        """
        if self._exit is not None:
            raise ChildGone(self._exit)
        try:
            raw = self._warm.recv(timeout + REPORT_GRACE_S)
        except ChildGone as gone:
            raise ChildGone(self._lost(gone.exit)) from None
        if raw.startswith(ENDED):
            # The report arrived whole at a frame boundary, so the reply pipe is in step and the
            # warm child serves the next exercise.
            self._exit = _exit_from_report(raw, self._limits, self._warm, self._oom_before,
                                           awaiting=True)   # a reply was being waited for
            raise ChildGone(self._exit)
        self._awaiting = max(0, self._awaiting - 1)
        return raw

    def close(self) -> ChildExit:
        """Ends the exercise child (``end``), or the warm child when the exercise child does
        not answer; returns how the exercise child ended. Idempotent."""
        if self._exit is not None:
            return self._exit
        if self._awaiting or self._host._warm is not self._warm:
            self._exit = self._lost(None)
            return self._exit
        try:
            self._warm.send(codec.encode({"op": "end"}))
            raw = self._warm.recv(END_TIMEOUT_S)
        except (ChildGone, ChildTimeout):
            self._exit = self._lost(None)
            return self._exit
        if not raw.startswith(ENDED):                     # a stray frame: the child is confused
            self._exit = self._lost(None)
            return self._exit
        self._exit = _exit_from_report(raw, self._limits, self._warm, self._oom_before, awaiting=False,
                                       closing=True)
        return self._exit

    def _lost(self, exit_: ChildExit | None) -> ChildExit:
        """The warm child is gone or must go: kill it (with the exercise child) and say how."""
        closed = self._warm.close()                       # idempotent
        if self._host._warm is self._warm:
            self._host._warm = None
        self._exit = exit_ or closed
        return self._exit


class _FailedChannel:
    """Replays a failure remembered for the submission: ``send`` ends it, or ``recv`` times out."""

    def __init__(self, exit_: ChildExit, timed_out: bool = False):
        self._exit = exit_
        self._timed_out = timed_out

    def send(self, payload: bytes) -> None:
        if not self._timed_out:
            raise ChildGone(self._exit)

    def recv(self, timeout: float) -> bytes:
        if self._timed_out:
            raise ChildTimeout("the submission's import timed out earlier")
        raise ChildGone(self._exit)

    def close(self) -> ChildExit:
        return self._exit


def _take_log(channel) -> str:
    take = getattr(channel, "take_log", None)
    return take() if take is not None else ""


def _oom_kills(channel) -> int:
    count = getattr(channel, "oom_kills", None)
    return int(count()) if count is not None else 0


def _exit_from_report(raw: bytes, limits: Limits, warm, oom_before: int, *, awaiting: bool,
                      closing: bool = False) -> ChildExit:
    from grader.sandbox.exits import ExitFacts, describe    # portable: plain words only

    try:
        report = json.loads(raw[len(ENDED):])
        if not isinstance(report, dict):
            raise ValueError
    except ValueError:
        report = {}
    rc = report.get("returncode")
    sig = report.get("signal")
    cpu = report.get("cpu_s")
    facts = ExitFacts(
        returncode=rc if type(rc) is int else None,
        signal=sig if type(sig) is int else None,
        cpu_s=float(cpu) if codec.is_finite_number(cpu) else 0.0,
        killed_by="wall" if report.get("killed_by") == "wall" else None,
        oom_kills=max(0, _oom_kills(warm) - oom_before),
        awaiting_reply=awaiting,
        closing=closing,
        log=_take_log(warm),
    )
    reason = describe(facts, wall_s=limits.wall_s, cpu_s=limits.cpu_s, memory_bytes=limits.memory_bytes,
                      flood_bytes=16 * limits.log_bytes, frame_cap=limits.frame_bytes)
    if facts.signal is not None and facts.signal == 24 and not facts.killed_by:   # SIGXCPU
        reason = reasons.CPU_LIMIT.format(seconds=f"{limits.cpu_s:g}")
    return ChildExit(returncode=facts.returncode, signal=facts.signal, reason=reason, log=facts.log,
                     cpu_s=facts.cpu_s)
