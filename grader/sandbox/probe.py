"""Cheap checks, in the grader process, that every protection the sandbox needs is available.

The zygote and each child check again (and fail closed) when they actually apply them; this
module only lets ``SandboxBackend`` refuse early with a clear reason, and lets the CLI say why
grading cannot be sandboxed here. Importable on every OS.
"""
from __future__ import annotations

import os
import sys

_NAMESPACES = ("mnt", "pid", "net", "ipc", "uts", "cgroup")


def probe() -> list[str]:
    """Returns the problems that make the sandbox unusable here (empty list: usable).

    Checks: Linux, root, the namespaces, pidfd support (Linux >= 5.3), Landlock, seccomp
    filters, pyseccomp with libseccomp, and the ``pivot_root`` syscall number. Never raises.
    """
    if not sys.platform.startswith("linux"):
        return ["sandbox needs Linux"]
    problems = []
    if os.geteuid() != 0:
        problems.append("not root (the sandbox needs root for namespaces, mounts, cgroups and "
                        "switching to an unprivileged uid)")
    missing = [ns for ns in _NAMESPACES if not os.path.exists(f"/proc/self/ns/{ns}")]
    if missing:
        problems.append(f"kernel lacks namespaces: {', '.join(missing)}")
    if not hasattr(os, "pidfd_open"):
        problems.append("Python lacks os.pidfd_open")
    else:
        try:
            os.close(os.pidfd_open(os.getpid()))
        except OSError as e:
            problems.append(f"pidfd_open unavailable (needs Linux >= 5.3): {e}")
    problems += _landlock_problems() + _seccomp_problems()
    try:
        from . import syscalls
        if syscalls._SYS_PIVOT_ROOT is None:
            problems.append("pivot_root syscall number unknown on this CPU architecture")
    except OSError as e:
        problems.append(f"cannot load libc: {e}")
    return problems


def _landlock_problems() -> list[str]:
    try:
        from . import landlock
        if landlock.abi_version() < 1:
            return ["Landlock not supported by this kernel (or disabled at boot)"]
    except OSError as e:
        return [f"Landlock check failed: {e}"]
    return []


def _seccomp_problems() -> list[str]:
    try:
        with open("/proc/self/status") as fh:
            if not any(line.startswith("Seccomp:") for line in fh):
                return ["seccomp not supported by this kernel"]
    except OSError as e:
        return [f"seccomp check failed: {e}"]
    try:
        import pyseccomp  # noqa: F401
    except ImportError:
        return ["pyseccomp missing (pip install pyseccomp)"]
    except (OSError, RuntimeError) as e:          # pyseccomp raises RuntimeError without libseccomp
        return [f"libseccomp missing: {e}"]
    return []


def landlock_notes() -> list[str]:
    """Returns what is degraded because the kernel's Landlock ABI is old (empty when ABI >= 6)."""
    from . import landlock
    abi = landlock.abi_version()
    notes = []
    if 1 <= abi < 4:
        notes.append(f"Landlock ABI {abi}: no TCP rules (network still blocked by the network "
                     "namespace and seccomp)")
    if 1 <= abi < 6:
        notes.append(f"Landlock ABI {abi}: signals and abstract sockets not scoped (still "
                     "confined by the pid and network namespaces and the unprivileged uid)")
    return notes
