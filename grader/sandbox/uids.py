"""Distinct sandbox uid ranges per grader instance on one host, taken with a lock. POSIX only.

Slot ``i`` of a sandbox runs as uid ``base + i``. RLIMIT_NPROC counts processes per uid, so two
graders whose slots share a uid would share (and could exhaust) one process budget, and their
students could signal each other. Each :class:`~grader.sandbox.SandboxBackend` therefore claims a
range of :data:`RANGE_SIZE` uids by holding an exclusive ``flock`` on a lock file named after
the range, for as long as it lives. The kernel drops the lock when the process dies, so a
crashed grader never leaks its range.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass

#: First uid handed out, and how many uids one range holds (slots per grader at most).
FIRST_UID = 64000
RANGE_SIZE = 256
#: How many ranges exist: uids FIRST_UID .. FIRST_UID + RANGES * RANGE_SIZE - 1.
RANGES = 64


@dataclass
class UidRange:
    """A claimed range: uids ``base`` .. ``base + size - 1``; released by :meth:`release`.

    Attributes:
        base: first uid.
        size: number of uids.
        lock_path: the lock file held.
    """

    base: int
    size: int
    lock_path: str
    _fd: int = -1

    def release(self) -> None:
        """Drops the lock (idempotent); the range may then be claimed by another grader."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def lock_dir() -> str:
    """Where the lock files live: ``/run/lock`` when writable (shared by every grader on the
    host), else the temporary directory."""
    for d in ("/run/lock", tempfile.gettempdir()):
        if os.path.isdir(d) and os.access(d, os.W_OK):
            return d
    return tempfile.gettempdir()


def claim(slots: int, *, first: int = FIRST_UID, ranges: int = RANGES, directory: str | None = None) -> UidRange:
    """Claims the first free range with room for ``slots`` uids.

    Args:
        slots: uids needed (at most ``RANGE_SIZE`` per range; more takes a wider range).
        first: first uid of range 0.
        ranges: how many ranges to try.
        directory: where the lock files are (default :func:`lock_dir`).
    Returns:
        The claimed :class:`UidRange` (its lock is held until ``release`` or process exit).
    Raises:
        RuntimeError: every range is held by another grader.
    """
    size = max(RANGE_SIZE, slots)
    directory = directory or lock_dir()
    for k in range(ranges):
        base = first + k * size
        path = os.path.join(directory, f"deepgrade-uids-{base}-{size}.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return UidRange(base, size, path, fd)
    raise RuntimeError(f"all {ranges} sandbox uid ranges from {first} are held by other graders on this host")
