"""The child's view of the filesystem: a tiny read-only root with only what Python needs. Linux only.

Once per zygote, a helper builds a *template* mount namespace: a tmpfs root with read-only binds
of ``/usr``, the Python prefixes (interpreter, venv) and the ``grader`` package directory at their
usual paths, four device nodes, then ``pivot_root`` and the host tree detached. Each child joins
a private copy of it and mounts its own size-capped writable scratch dir (its cwd), a small
``/tmp`` and a ``/proc`` of its own pid namespace. Nothing else exists: not ``/etc``, not
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


def _build_template(newroot: str, plan_: RootfsPlan) -> None:
    """In a fresh mount namespace (as root): builds the read-only root and pivots into it."""
    # Nothing mounted from here on may propagate back to the host's mount namespace.
    S.mount(None, "/", None, S.MS_REC | S.MS_PRIVATE)
    S.mount("tmpfs", newroot, "tmpfs", S.MS_NOSUID | S.MS_NODEV, "size=1m,mode=0755")

    def at(path: str) -> str:
        return newroot + path

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
    for mount_point in (SCRATCH_DIR, TMP_DIR, "/proc"):   # filled per child
        os.makedirs(at(mount_point), exist_ok=True)
    # pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the
    # new root alone, with no path back to the host tree.
    os.chdir(newroot)
    S.pivot_root(".", ".")
    S.umount(".", S.MNT_DETACH)
    os.chdir("/")
    S.mount(None, "/", None, S.MS_REMOUNT | S.MS_BIND | S.MS_RDONLY | S.MS_NOSUID | S.MS_NODEV)


def create_template(newroot: str, plan_: RootfsPlan) -> int:
    """Builds the shared read-only root once, in a mount namespace of its own.

    Detaching the host tree costs an RCU grace period (~5 ms here); paying it once instead of
    per child matters. A short-lived helper process builds the namespace; the returned fd keeps
    it alive after the helper exits.

    Args:
        newroot: an existing empty host directory used as the mount point while building.
        plan_: what to bind (see :func:`plan`).
    Returns:
        An fd (O_CLOEXEC) referring to the template mount namespace.
    Raises:
        OSError: the helper could not build it (the message says which mount failed).
    """
    report_r, report_w = os.pipe()
    hold_r, hold_w = os.pipe()
    pid = os.fork()
    if pid == 0:                                       # helper
        try:
            os.close(report_r)
            os.close(hold_w)
            S.unshare(S.CLONE_NEWNS)
            _build_template(newroot, plan_)
            os.write(report_w, b"ok")
        except BaseException as e:
            os.write(report_w, f"{type(e).__name__}: {e}".encode()[:4000])
        finally:
            os.read(hold_r, 1)                         # stay alive until the parent has the ns
            os._exit(0)
    os.close(report_w)
    os.close(hold_r)
    try:
        report = os.read(report_r, 4096)
        if report != b"ok":
            raise OSError(f"building the sandbox root failed: {report.decode(errors='replace')}")
        return os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(report_r)
        os.close(hold_w)
        os.waitpid(pid, 0)


def mount_private(uid: int, scratch_bytes: int, tmp_bytes: int) -> None:
    """Mounts a child's own writable scratch dir, /tmp and /proc; the cwd becomes the scratch dir.

    Call it as root, in a private copy of the template mount namespace (``setns`` to the fd of
    :func:`create_template`, then ``unshare(CLONE_NEWNS)``) and in the child's new pid namespace
    (the fresh ``/proc`` shows that namespace only).

    Args:
        uid: owner (uid and gid) of the scratch directory.
        scratch_bytes: size cap of the scratch tmpfs, in bytes.
        tmp_bytes: size cap of ``/tmp``, in bytes.
    Raises:
        OSError: a mount failed (the caller must not run student code).
    """
    writable = S.MS_NOSUID | S.MS_NODEV | S.MS_NOEXEC
    S.mount("tmpfs", SCRATCH_DIR, "tmpfs", writable,
            f"size={scratch_bytes},mode=0700,uid={uid},gid={uid}")
    S.mount("tmpfs", TMP_DIR, "tmpfs", writable, f"size={tmp_bytes},mode=1777")
    try:
        S.mount("proc", "/proc", "proc", writable, "subset=pid")   # only /proc/<pid>, no /proc/sys
    except OSError:
        S.mount("proc", "/proc", "proc", writable)                 # kernels before 5.8
    os.chdir(SCRATCH_DIR)
