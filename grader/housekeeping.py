"""Removing what a killed grader left behind: staging folders and student-process temp folders.

A batch stopped with ``kill -9`` cannot clean up. The next batch does it at start:

* ``OUT/.tmp-*`` files (half-written results) and ``OUT/.intake-*`` staging folders whose
  process is gone (the owner's pid is in the name);
* ``deepgrade-*`` folders in the system temp folder (student-process working folders and the
  sandbox's runtime folder) that no live process uses (as working directory, root or open file)
  and that are older than :data:`GRACE_S` seconds, so that another grader starting right now
  keeps its own. Linux only (it reads ``/proc``); elsewhere nothing is removed there.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

GRACE_S = 60.0
STAGING_PREFIX = ".intake-"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (``os.kill(pid, 0)``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    """Remove unused ``deepgrade-*`` folders older than ``grace_s`` seconds from the temp folder.

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
    for p in tmp.glob("deepgrade-*"):
        try:
            st = p.lstat()
        except OSError:
            continue
        if p.is_dir() and not p.is_symlink() and st.st_uid == os.geteuid() and now - st.st_mtime > grace_s:
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
