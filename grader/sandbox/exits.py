"""Turning the raw facts about a dead child into ``ChildExit.reason`` (plain words, portable).

The facts come from two places that each know only part of the story: the zygote (exit status,
CPU time, "I killed it at the wall-clock deadline") and the grader-side channel (the output
flood or oversized frame it saw, whether a reply was awaited, whether it asked for the close,
the memory cgroup's OOM counter). :func:`describe` combines them in one place so that every
reason is worded the same way.
"""
from __future__ import annotations

import math
import signal as _signal
from dataclasses import dataclass

from grader.runner import reasons

# What the kernel or the sandbox leaves in the log when an allocation hit RLIMIT_AS:
# CPython's MemoryError and the message of torch's CPU allocator.
_MEMORY_ERROR_MARKS = ("MemoryError", "can't allocate memory", "Cannot allocate memory")


def format_bytes(n: int) -> str:
    """Returns a short binary size, e.g. ``"2.0 GiB"``, ``"512 MiB"``, ``"64 KiB"``, ``"17 bytes"``."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    if n >= 1 << 20:
        return f"{n / (1 << 20):.0f} MiB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.0f} KiB"
    return f"{n} bytes"


def cpu_rlimit_seconds(cpu_s: float) -> int:
    """RLIMIT_CPU has whole-second granularity: returns ``cpu_s`` rounded up, at least 1."""
    return max(1, math.ceil(cpu_s))


def describe_signal(signum: int) -> str:
    """Returns e.g. ``"signal 11 (segmentation fault)"``."""
    if signum == _signal.SIGKILL:
        return "signal 9 (SIGKILL)"
    try:
        name = _signal.strsignal(signum)
    except ValueError:
        name = None
    return f"signal {signum} ({name.lower()})" if name else f"signal {signum}"


@dataclass(frozen=True)
class ExitFacts:
    """Everything known about how one child ended.

    Attributes:
        returncode: exit status, or ``None`` when a signal killed it (or it was never reaped).
        signal: the killing signal, or ``None``.
        cpu_s: user + system CPU seconds of the child.
        killed_by: who killed it, if the sandbox did: ``"wall"`` (zygote, deadline),
            ``"flood"`` (grader, output flood), ``"frame"`` (grader, oversized reply frame),
            ``"grader"`` (the grader closed the channel), ``"zygote-died"``, or ``None``.
        oom_kills: OOM kills counted by the child's memory cgroup during its life.
        awaiting_reply: the grader had sent a request that was not answered yet.
        closing: the grader asked for the close (so a clean exit is normal).
        log: the kept part of stdout/stderr.
        frame_bytes: size announced by the oversized frame, when ``killed_by == "frame"``.
    """

    returncode: int | None
    signal: int | None
    cpu_s: float
    killed_by: str | None
    oom_kills: int
    awaiting_reply: bool
    closing: bool
    log: str
    frame_bytes: int = 0


def describe(facts: ExitFacts, *, wall_s: float, cpu_s: float, memory_bytes: int,
             flood_bytes: int, frame_cap: int) -> str:
    """Explains in plain words what ended a child, or returns ``""`` for a normal end.

    Args:
        facts: what happened.
        wall_s, cpu_s, memory_bytes: the limits the child ran under (seconds, seconds, bytes).
        flood_bytes: stdout+stderr volume at which the child is killed, in bytes.
        frame_cap: largest reply frame accepted, in bytes.
    Returns:
        e.g. ``"wall-clock limit of 10 s"``, ``"CPU time limit of 10 s"``,
        ``"memory limit of 2.0 GiB"``, ``"killed by signal 11 (segmentation fault)"``,
        ``"exited with code 0 before answering"``, ``"output flood: ..."``, or ``""``.
    """
    kb, sig = facts.killed_by, facts.signal
    if kb == "wall":
        return reasons.WALL_LIMIT.format(seconds=f"{wall_s:g}")
    if kb == "flood":
        return reasons.OUTPUT_FLOOD.format(size=format_bytes(flood_bytes))
    if kb == "frame":
        return reasons.FRAME_TOO_LARGE.format(size=facts.frame_bytes, cap=format_bytes(frame_cap))
    if facts.oom_kills > 0:
        return reasons.MEMORY_LIMIT.format(size=format_bytes(memory_bytes))
    # RLIMIT_CPU with soft == hard makes the kernel send SIGKILL at the limit. The kernel counts
    # whole timer ticks (steal time included), while wait4's rusage is the precise run time, so
    # on a busy VM the child can die at 0.9 s of reported CPU under a 1 s limit: allow 25 %.
    enforced = cpu_rlimit_seconds(cpu_s)
    if sig == _signal.SIGKILL and kb != "grader" and facts.cpu_s >= 0.75 * enforced:
        return reasons.CPU_LIMIT.format(seconds=f"{enforced:g}")
    if kb == "zygote-died":
        return reasons.ZYGOTE_DIED
    if kb == "grader":
        return reasons.STOPPED_EARLY if facts.awaiting_reply else ""
    if facts.returncode is not None:
        if facts.returncode != 0 and any(m in facts.log for m in _MEMORY_ERROR_MARKS):
            return reasons.MEMORY_ERROR.format(size=format_bytes(memory_bytes))
        if facts.closing and not facts.awaiting_reply:
            return "" if facts.returncode == 0 else reasons.EXITED.format(code=facts.returncode)
        return (reasons.EXITED_EARLY if facts.awaiting_reply else reasons.EXITED).format(code=facts.returncode)
    if sig is not None:
        return reasons.KILLED_BY.format(signal=describe_signal(sig))
    return reasons.UNKNOWN
