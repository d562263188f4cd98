"""Removing what a killed grader left behind: staging folders and student-process temp folders.

A batch stopped with ``kill -9`` cannot clean up. The next batch does it at start:

* ``OUT/.tmp-*`` files (half-written results) and ``OUT/.intake-*`` staging folders whose
  process is gone (the owner's pid is in the name);
* ``deepgrade-*.dgtmp`` folders in the system temp folder (made by :func:`temp_dir`; a folder
  of the user's own called ``deepgrade-…`` is never touched) that no live process uses (as
  working directory, root or open file) and that nothing is mounted under:

  - a student process's working folder (``deepgrade-XXXX.dgtmp``) always has the process inside it
    while it lives, so an unused one older than :data:`GRACE_S` seconds is stale;
  - the sandbox's runtime folder (``deepgrade-sandbox-XXXX.dgtmp``) exists before its zygote starts, so
    it is stale only when the grader that owns it has died: ``deepgrade grade`` writes its pid
    to ``owner.pid`` there (:func:`mark_owner`); without that file, only after
    :data:`UNOWNED_GRACE_S` seconds (another program's backend may be idle but alive).

  Linux only (it reads ``/proc``); elsewhere nothing is removed there.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

GRACE_S = 60.0
UNOWNED_GRACE_S = 24 * 3600.0
OWNER_FILE = "owner.pid"
STAGING_PREFIX = ".intake-"
# Every temp folder the grader makes ends with this, so that cleaning up after a killed grader
# can tell them from a user's own folder that happens to start with "deepgrade-".
TEMP_SUFFIX = ".dgtmp"


def temp_dir(prefix: str = "deepgrade-") -> str:
    """A new private folder in the system temp folder, named ``<prefix>XXXXXXXX.dgtmp``.

    Args:
        prefix: must start with ``deepgrade-`` (what :func:`clean_stale_temp_dirs` looks for).
    Returns:
        Its absolute path (mode 0700, owned by this process's user).
    Raises:
        OSError: it cannot be made.
    """
    return tempfile.mkdtemp(prefix=prefix, suffix=TEMP_SUFFIX)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (``os.kill(pid, 0)``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_owner(runtime_dir: str | Path | None) -> None:
    """Write this process's pid to ``<runtime_dir>/owner.pid`` (no-op for ``None`` or a missing folder)."""
    if runtime_dir and Path(runtime_dir).is_dir():
        (Path(runtime_dir) / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")


def _owner_dead(folder: Path) -> bool | None:
    """``True``/``False`` when ``folder`` names its owner and it is dead/alive; ``None`` when unknown."""
    try:
        text = (folder / OWNER_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return (not pid_alive(int(text))) if text.isdigit() else None


class OutDirBusy(ValueError):
    """Another grader is writing to the same output folder."""


LOCK_FILE = ".lock"


@contextmanager
def out_dir_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (``OUT/.lock``, ``flock``) for one batch.

    Two batches writing to one folder would clean each other's temporary files; the second one
    is refused instead. The kernel drops the lock when its holder dies, even by ``kill -9``.
    Without ``fcntl`` (Windows) no lock is taken.

    Raises:
        OutDirBusy: another live process holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path = Path(out_dir) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise OutDirBusy(f"another deepgrade grade (pid {holder}) is writing to {out_dir}; wait for it or choose another -o") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def staging_dir(out_dir: Path) -> Path:
    """This process's staging folder in ``out_dir``: ``.intake-<pid>`` (not created)."""
    return Path(out_dir) / f"{STAGING_PREFIX}{os.getpid()}"


def clean_stale_staging(out_dir: Path) -> list[Path]:
    """Remove ``OUT/.intake-<pid>`` folders whose process is gone; returns them."""
    removed = []
    for p in Path(out_dir).glob(STAGING_PREFIX + "*"):
        pid = p.name[len(STAGING_PREFIX):]
        if p.is_dir() and not p.is_symlink() and pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _paths_in_use() -> set[str]:
    used: set[str] = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        base = f"/proc/{pid}"
        for link in ("cwd", "root"):
            try:
                used.add(os.readlink(f"{base}/{link}"))
            except OSError:
                pass
        try:
            for fd in os.listdir(f"{base}/fd"):
                try:
                    used.add(os.readlink(f"{base}/fd/{fd}"))
                except OSError:
                    pass
        except OSError:
            pass
    return used


def _mount_points() -> set[str] | None:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            # Field 5 is the mount point, with spaces etc. octal-escaped.
            return {line.split()[4].encode().decode("unicode_escape") for line in fh if len(line.split()) > 4}
    except OSError:
        return None  # unknown: anything could be mounted there, so nothing is removed


def clean_stale_temp_dirs(tmp: Path | None = None, *, grace_s: float = GRACE_S) -> list[Path]:
    """Remove unused ``deepgrade-*.dgtmp`` folders older than ``grace_s`` seconds from the temp folder.

    Args:
        tmp: the temp folder (default ``tempfile.gettempdir()``).
        grace_s: minimum age (by modification time), in seconds.
    Returns:
        The folders removed (empty off Linux).
    """
    if not sys.platform.startswith("linux") or not os.path.isdir("/proc"):
        return []
    tmp = Path(tmp or tempfile.gettempdir())
    now = time.time()
    candidates = []
    for p in tmp.glob("deepgrade-*" + TEMP_SUFFIX):
        try:
            st = p.lstat()
        except OSError:
            continue
        if not p.is_dir() or p.is_symlink() or st.st_uid != os.geteuid():
            continue
        age = now - st.st_mtime
        if p.name.startswith("deepgrade-sandbox-"):
            dead = _owner_dead(p)
            if dead is False or (dead is None and age <= UNOWNED_GRACE_S):
                continue
        elif age <= grace_s:
            continue
        candidates.append(p)
    if not candidates:
        return []
    used = _paths_in_use()
    mounts = _mount_points()
    if mounts is None:
        return []
    removed = []
    for p in candidates:
        prefix = str(p)
        if any(u == prefix or u.startswith(prefix + "/") for u in used):
            continue
        # Never descend into something mounted under it (a sandbox root with bind mounts).
        if any(m == prefix or m.startswith(prefix + "/") for m in mounts):
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed
