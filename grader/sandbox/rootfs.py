"""The child's view of the filesystem: a tiny read-only root with only what Python needs. Linux only.

Inside a fresh mount namespace the child mounts a tmpfs, bind-mounts read-only ``/usr``, the
Python prefixes (interpreter, venv) and the ``grader`` package directory at their usual paths,
adds four device nodes, a size-capped writable scratch dir (its cwd) and a small ``/tmp``, then
``pivot_root``\\ s into it and detaches the host tree. Nothing else exists: not ``/etc``, not
``/home``, not the repository root (so not ``solutions/``, the course config, the gradebook or
other submissions), not the grader's output directory.
"""
from __future__ import annotations

import os
import sys

from . import syscalls as S
from .protocol import SCRATCH_DIR, TMP_DIR

#: Device nodes bound into the sandbox's /dev (read/write; Landlock allows exactly these).
DEVICES = ("null", "zero", "random", "urandom")
# Top-level paths that merged-/usr systems make symlinks into /usr.
_USR_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


class RootfsPlan:
    """What the sandbox root contains, decided once in the zygote.

    Attributes:
        binds: host directories bind-mounted read-only at the same path.
        symlinks: ``{path: target}`` recreated at the top level (e.g. ``/lib -> usr/lib``).
    """

    def __init__(self, binds: list[str], symlinks: dict[str, str]):
        self.binds = binds
        self.symlinks = symlinks


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def plan(package_dir: str) -> RootfsPlan:
    """Decides the read-only binds: ``/usr``, the Python prefixes and ``package_dir``.

    Args:
        package_dir: the ``grader`` package directory (bound alone, never its parent).
    Returns:
        The plan.
    Raises:
        RuntimeError: a bind would expose the repository's ``solutions/`` directory (e.g. a
            virtualenv whose prefix is the repository root).
    """
    package_dir = os.path.realpath(package_dir)
    candidates = ["/usr", sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    candidates = [os.path.realpath(p) for p in candidates] + [package_dir]
    symlinks: dict[str, str] = {}
    for top in _USR_LINKS:
        if os.path.islink(top):
            symlinks[top] = os.readlink(top)
        elif os.path.isdir(top):
            candidates.append(top)
    binds: list[str] = []
    for path in sorted(set(candidates), key=len):    # parents first, then drop what they cover
        if os.path.isdir(path) and not any(_inside(path, b) for b in binds):
            binds.append(path)
    solutions = os.path.join(os.path.dirname(package_dir), "solutions")
    if os.path.isdir(solutions):
        for b in binds:
            if _inside(solutions, b):
                raise RuntimeError(f"bind-mounting {b} would expose {solutions} to students")
    return RootfsPlan(binds, symlinks)


def build(newroot: str, plan_: RootfsPlan, uid: int, scratch_bytes: int, tmp_bytes: int) -> None:
    """Builds the sandbox root and makes it the process's ``/``; cwd becomes :data:`SCRATCH_DIR`.

    Must run as root, right after ``unshare(CLONE_NEWNS)`` and in the new pid namespace (the
    fresh ``/proc`` shows that namespace only).

    Args:
        newroot: an existing empty host directory used as the mount point.
        plan_: what to bind (see :func:`plan`).
        uid: owner (uid and gid) of the scratch directory.
        scratch_bytes: size cap of the scratch tmpfs, in bytes.
        tmp_bytes: size cap of ``/tmp``, in bytes.
    Raises:
        OSError: any mount failed (the caller must not run student code).
    """
    # Nothing mounted from here on may propagate back to the host's mount namespace.
    S.mount(None, "/", None, S.MS_REC | S.MS_PRIVATE)
    S.mount("tmpfs", newroot, "tmpfs", S.MS_NOSUID | S.MS_NODEV, "size=1m,mode=0755")

    def at(path: str) -> str:
        return newroot + path

    writable = S.MS_NOSUID | S.MS_NODEV | S.MS_NOEXEC
    for path, size, opts in ((SCRATCH_DIR, scratch_bytes, f"mode=0700,uid={uid},gid={uid}"),
                             (TMP_DIR, tmp_bytes, "mode=1777")):
        os.makedirs(at(path))
        S.mount("tmpfs", at(path), "tmpfs", writable, f"size={size},{opts}")
    for src in plan_.binds:
        os.makedirs(at(src), exist_ok=True)
        S.mount(src, at(src), None, S.MS_BIND | S.MS_REC)
        S.mount(None, at(src), None, S.MS_BIND | S.MS_REMOUNT | S.MS_RDONLY | S.MS_NOSUID | S.MS_NODEV)
    for link, target in plan_.symlinks.items():
        os.symlink(target, at(link))
    os.makedirs(at("/dev"))
    for name in DEVICES:
        open(at(f"/dev/{name}"), "w").close()
        S.mount(f"/dev/{name}", at(f"/dev/{name}"), None, S.MS_BIND)
    os.symlink("/proc/self/fd", at("/dev/fd"))
    os.makedirs(at("/proc"))

    # pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the
    # new root alone, with no path back to the host tree.
    os.chdir(newroot)
    S.pivot_root(".", ".")
    S.umount(".", S.MNT_DETACH)
    os.chdir("/")
    proc_flags = S.MS_NOSUID | S.MS_NODEV | S.MS_NOEXEC
    try:
        S.mount("proc", "/proc", "proc", proc_flags, "subset=pid")   # only /proc/<pid>, no /proc/sys
    except OSError:
        S.mount("proc", "/proc", "proc", proc_flags)                 # kernels before 5.8
    S.mount(None, "/", None, S.MS_REMOUNT | S.MS_BIND | S.MS_RDONLY | S.MS_NOSUID | S.MS_NODEV)
    os.chdir(SCRATCH_DIR)
