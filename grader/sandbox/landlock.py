"""Landlock (ctypes): a filesystem allow-list, no TCP, and signal/abstract-socket scoping. Linux only.

Landlock restricts even root and survives setuid, so it backs up the mount namespace (what the
child can see) with an access check on what it may open. The PyPI ``landlock`` package covers
only filesystem rules, hence this small ctypes version.
"""
from __future__ import annotations

import ctypes
import os

from . import syscalls

_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

# LANDLOCK_ACCESS_FS_* bits and the ABI that introduced the later ones.
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ABI1 = (1 << 13) - 1            # execute .. make_sym
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1

_READ_ONLY = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
# Rights that make sense on a single file (the kernel rejects directory rights there).
_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """Returns the kernel's Landlock ABI version, or 0 when Landlock is missing or disabled."""
    v = syscalls.syscall(syscalls.SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                         ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(0, v)


def handled_fs_access(abi: int) -> int:
    """Returns every filesystem right the given ABI knows (all of them are denied unless allowed)."""
    bits = _FS_ABI1
    if abi >= 2:
        bits |= _FS_REFER
    if abi >= 3:
        bits |= _FS_TRUNCATE
    if abi >= 5:
        bits |= _FS_IOCTL_DEV
    return bits


def restrict_self(read_only: list[str], read_write: list[str]) -> int:
    """Confines the calling thread (and its future threads) for good.

    Everything not under ``read_only`` (read + execute) or ``read_write`` (all rights) is denied;
    with ABI >= 4 all TCP bind/connect is denied; with ABI >= 6 signals and abstract unix sockets
    cannot reach processes outside this Landlock domain. Needs ``no_new_privs`` set first.

    Args:
        read_only: existing paths (directories or files) to allow reading and executing.
        read_write: existing directories to allow everything in.
    Returns:
        The ABI version used.
    Raises:
        OSError: Landlock is unavailable (ENOSYS/EOPNOTSUPP) or a rule could not be added.
    """
    abi = abi_version()
    if abi < 1:
        raise OSError(95, "Landlock not supported by this kernel")
    fs = handled_fs_access(abi)
    attr = _RulesetAttr(fs, _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0,
                        _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = syscalls._check(syscalls.syscall(syscalls.SYS_LANDLOCK_CREATE_RULESET,
                                               ctypes.byref(attr), ctypes.c_size_t(size),
                                               ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        for paths, rights in ((read_only, _READ_ONLY), (read_write, fs)):
            for path in paths:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                try:
                    allowed = rights if os.path.isdir(path) else rights & _FILE_RIGHTS
                    rule = _PathBeneathAttr(allowed & fs, fd)
                    syscalls._check(syscalls.syscall(syscalls.SYS_LANDLOCK_ADD_RULE, ruleset,
                                                     _RULE_PATH_BENEATH, ctypes.byref(rule), 0),
                                    f"landlock_add_rule {path}")
                finally:
                    os.close(fd)
        syscalls._check(syscalls.syscall(syscalls.SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0),
                        "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi
