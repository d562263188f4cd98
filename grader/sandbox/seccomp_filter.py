"""The seccomp policy of a sandboxed child (built with pyseccomp over libseccomp). Linux only.

A deny-list on top of the namespaces, rlimits and Landlock, aimed at what those cannot stop:

* **no new processes**: ``fork``/``vfork``, ``clone`` without ``CLONE_THREAD``, ``execve``.
  Threads stay allowed (torch uses them). ``clone3`` answers ENOSYS so glibc falls back to
  ``clone``, whose flags a classic filter can inspect. With no new processes, per-process
  rlimits are total limits.
* **no network**: ``socket()`` of any family but ``AF_UNIX`` (the netns has no usable interface
  and Landlock denies TCP anyway).
* **no memory that escapes the caps**: shared anonymous ``mmap``, ``memfd_create``, SysV shm.
* **no way out of the sandbox's own settings**: namespaces, mounts, ``ptrace`` and friends,
  changing ``PDEATHSIG`` or ``DUMPABLE``, and a list of kernel interfaces students never need
  (bpf, io_uring, keyrings, perf, userfaultfd, modules, ...).

A *warm child* (one per submission, :mod:`grader.runner.warm`) must fork one exercise child per
exercise, so it gets the policy without the process rules (``build(allow_fork=True)``), and each
exercise child stacks :func:`build_fork_ban` on top before it serves: student code runs with
fork allowed only while the submission is imported, and then still inside the slot's pid
namespace, RLIMIT_NPROC and pids cgroup.

Denied calls fail with an errno (EPERM unless noted), so student code sees an ordinary
``PermissionError`` instead of dying. Syscalls of another ABI (i386, x32) kill the process:
that is libseccomp's default for a foreign architecture.
"""
from __future__ import annotations

import errno
import os
import socket
import struct
from dataclasses import dataclass, field

from . import syscalls

_MAP_SHARED, _MAP_ANONYMOUS = 0x01, 0x20
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE = 1, 4
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, _PR_SET_NO_NEW_PRIVS = 22, 2, 38
_SOCK_FILTER_BYTES = 8          # struct sock_filter: u16 code, u8 jt, u8 jf, u32 k
_TIOCSTI = 0x5412

# Calls that must be refused for the policy to mean anything: if pyseccomp cannot add a rule
# for one of these, build() fails (closed). The rest are refused when the kernel knows them.
_ESSENTIAL = ("fork", "vfork", "execve", "execveat", "ptrace", "unshare", "setns", "mount",
              "memfd_create", "shmget", "shmat", "process_vm_readv", "process_vm_writev")
_PROCESS_CALLS = ("fork", "vfork")
_OPTIONAL = ("umount2", "pivot_root", "chroot", "bpf", "perf_event_open", "userfaultfd",
             "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key",
             "request_key", "kexec_load", "kexec_file_load", "init_module", "finit_module",
             "delete_module", "open_by_handle_at", "name_to_handle_at", "mknod", "mknodat",
             "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
             "fspick", "pidfd_getfd", "kcmp", "memfd_secret", "personality", "acct", "swapon",
             "swapoff", "reboot", "syslog", "quotactl", "lookup_dcookie", "iopl", "ioperm",
             "vhangup", "uselib")


def build(allow_fork: bool = False):
    """Returns a ``pyseccomp.SyscallFilter`` holding the policy above (not loaded yet).

    Built once in the zygote; each child calls ``.load()`` on its copy after fork.

    Args:
        allow_fork: leave out the rules on new processes (``fork``, ``vfork``, ``clone``
            without ``CLONE_THREAD``; ``execve`` stays denied) for a warm child.
    Raises:
        ImportError / RuntimeError: pyseccomp or libseccomp is missing.
        OSError: an essential rule could not be added.
    """
    import pyseccomp as sc

    f = sc.SyscallFilter(defaction=sc.ALLOW)
    deny = sc.ERRNO(errno.EPERM)
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    if not allow_fork:
        _deny_new_processes(f, sc)
    f.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
    both = _MAP_SHARED | _MAP_ANONYMOUS
    f.add_rule(sc.ERRNO(errno.ENOMEM), "mmap", sc.Arg(3, sc.MASKED_EQ, both, both))
    f.add_rule(deny, "prctl", sc.Arg(0, sc.EQ, _PR_SET_PDEATHSIG))
    f.add_rule(deny, "prctl", sc.Arg(0, sc.EQ, _PR_SET_DUMPABLE))
    f.add_rule(deny, "ioctl", sc.Arg(1, sc.EQ, _TIOCSTI))
    for name in _ESSENTIAL:
        if not (allow_fork and name in _PROCESS_CALLS):
            f.add_rule(deny, name)
    for name in _OPTIONAL:
        try:
            f.add_rule(deny, name)
        except (OSError, ValueError, RuntimeError):
            pass            # syscall unknown to this libseccomp/arch: nothing to deny
    return f


def build_fork_ban():
    """Returns the filter an exercise child stacks on the warm child's: no new processes.

    Raises:
        ImportError / RuntimeError: pyseccomp or libseccomp is missing.
    """
    import pyseccomp as sc

    f = sc.SyscallFilter(defaction=sc.ALLOW)
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    _deny_new_processes(f, sc)
    return f


def _deny_new_processes(f, sc) -> None:
    deny = sc.ERRNO(errno.EPERM)
    f.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, syscalls.CLONE_THREAD, 0))
    for name in _PROCESS_CALLS:
        f.add_rule(deny, name)


@dataclass(frozen=True)
class Compiled:
    """A filter compiled to its classic-BPF program once, loaded by any number of children.

    libseccomp's ``load()`` regenerates the program on every call, about 1.3 ms of CPU in a
    just-forked child (every page it touches is a copy-on-write fault); loading the bytes with
    ``prctl(PR_SET_SECCOMP)`` costs a few microseconds, once per exercise of every submission.
    What is loaded is libseccomp's own program (``seccomp_export_bpf``), so the policy, including
    the architecture check that kills foreign-ABI calls, is exactly that of :func:`build`.
    The C structures and libc's ``prctl`` are made when the object is (in the zygote, before any
    student code runs), so :meth:`load` looks nothing up that an imported submission could patch.

    Attributes:
        program: the ``struct sock_filter`` array, native byte order (8 bytes per instruction).
    """

    program: bytes
    _c: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        import ctypes

        if not self.program or len(self.program) % _SOCK_FILTER_BYTES:
            raise OSError(errno.EINVAL, f"a BPF program of {len(self.program)} bytes")
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        prctl.restype = ctypes.c_int
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        instructions = ctypes.create_string_buffer(self.program, len(self.program))
        # struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        fprog = ctypes.create_string_buffer(struct.pack("HxxxxxxP", len(self.program) // _SOCK_FILTER_BYTES,
                                                        ctypes.addressof(instructions)))
        object.__setattr__(self, "_c", (prctl, ctypes.get_errno, instructions, fprog, ctypes.addressof(fprog)))

    def load(self) -> None:
        """Sets ``no_new_privs`` and installs the program on the calling thread (Linux).

        Raises:
            OSError: the kernel refused it (errno from ``prctl``).
        """
        prctl, get_errno, _, _, fprog_address = self._c
        if prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, fprog_address, 0, 0) != 0:
            raise OSError(get_errno(), "prctl refused the seccomp program")


def compile_program(f) -> Compiled:
    """The program of a ``pyseccomp.SyscallFilter`` (from :func:`build`), for :meth:`Compiled.load`.

    Raises:
        OSError: libseccomp could not export it.
    """
    read_end, write_end = os.pipe()
    try:
        with os.fdopen(write_end, "wb", closefd=True) as out:
            f.export_bpf(out)        # a few hundred bytes: fits the pipe's buffer
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
    finally:
        os.close(read_end)
    return Compiled(b"".join(chunks))
