"""What a freshly forked child does to lock itself down before any student code runs. Linux only.

A slot zygote (already inside its slot's memory and pids cgroups) forks the child into a new
pid namespace, where it is PID 1, so killing it kills everything it could have left behind, and
calls :func:`run_student`, which applies, in order:

==============  ===========================================================================
``fds``         only fd 0 (/dev/null), 1+2 (the capped log pipe), 3 (requests), 4 (replies)
                stay open, plus 5 (the slot zygote's pidfd) and 6 (the template mount
                namespace) until the steps below have used them
``namespaces``  a private copy of the template mount namespace (:mod:`.rootfs`), and new
                network (no usable interface), IPC, UTS and cgroup namespaces
``rootfs``      own size-capped scratch cwd and /tmp (tmpfs), own /proc
``rlimits``     CPU (soft = hard, so SIGKILL), AS = current size + budget, FSIZE, NOFILE,
                NPROC, and no core dumps, locked memory or message queues; oom_score_adj 1000
``privileges``  empty capability bounding set, no groups, the slot's unprivileged uid/gid,
                PDEATHSIG=SIGKILL (re-set after setuid, which clears it), not dumpable,
                no_new_privs; then check that the slot zygote is still alive
``landlock``    read-only access to the binds, /proc and the devices, read-write to scratch
                and /tmp; no TCP; signals and abstract sockets scoped (:mod:`.landlock`)
``seccomp``     :mod:`.seccomp_filter`
==============  ===========================================================================

If any step raises, the child writes ``SANDBOX SETUP FAILED at <step>: <error>`` to its log and
exits with :data:`~.protocol.SETUP_FAILED_EXIT` before student code could run. Only after every
step does it send :data:`~.protocol.READY` and call :func:`_student_main`.
"""
from __future__ import annotations

import fcntl
import importlib
import os
import resource
import select
import signal
import socket
import sys
import traceback
from dataclasses import dataclass
from typing import NoReturn

from grader.runner.framing import write_frame

from . import landlock, rootfs
from . import syscalls as S
from .protocol import DEFAULT_ENTRY, READY, SCRATCH_DIR, SETUP_FAILED_EXIT, SETUP_FAILED_MARK, TMP_DIR, JobSpec

STEPS = ("fds", "namespaces", "rootfs", "rlimits", "privileges", "landlock", "seccomp")

REQUEST_FD, REPLY_FD, ZYGOTE_FD, TEMPLATE_FD = 3, 4, 5, 6


@dataclass
class Prepared:
    """What the zygote prepared once and every child inherits.

    Attributes:
        plan: the read-only binds (:class:`.rootfs.RootfsPlan`).
        template_fd: the template mount namespace (:func:`.rootfs.create_template`).
        seccomp: the policy compiled to BPF, not yet loaded (:class:`.seccomp_filter.Compiled`).
        entry: ``"module:function"`` of the serving loop (already imported by the zygote).
        seccomp_warm: the same policy without the process rules, for a warm child.
        fork_ban: the process rules alone, stacked by each exercise child of a warm child.
        parent_pidfd: a pidfd of the slot zygote (readable once it has exited); set by the
            slot zygote itself.
    """

    plan: rootfs.RootfsPlan
    template_fd: int
    seccomp: object
    entry: str
    seccomp_warm: object = None
    fork_ban: object = None
    parent_pidfd: int = -1


def _student_main(rfile, wfile, entry: str = DEFAULT_ENTRY) -> NoReturn:
    """Runs the serving loop in the locked-down child and exits; never returns.

    Imports ``serve`` from ``entry`` (by default ``grader.runner.child:serve``, already imported
    by the zygote, so this is a dictionary lookup) and calls ``serve(rfile, wfile)``, which reads
    request frames until EOF. Exits with 0 when it returns, with ``SystemExit``'s code, or with 1
    after printing a traceback. ``os._exit`` so that threads the student left running cannot
    keep the process alive.
    """
    code = 1
    try:
        module, _, func = entry.partition(":")
        serve = getattr(importlib.import_module(module), func)
        serve(rfile, wfile)
        code = 0
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:
            print(e.code, file=sys.stderr)
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(code & 0xFF)


def run_student(job: JobSpec, fds: dict[str, int], prep: Prepared) -> NoReturn:
    """Locks the calling (just forked, root) process down, then serves requests; never returns.

    Args:
        job: the limits and identity of this child.
        fds: ``request_read``, ``reply_write`` and ``log_write`` pipe ends.
        prep: what the zygote prepared.
    """
    step = "fork"
    try:
        for step in STEPS:
            if job.fail_at == step:
                raise RuntimeError("simulated failure (test hook)")
            _STEP[step](job, fds, prep)
        wfile = os.fdopen(REPLY_FD, "wb")
        rfile = os.fdopen(REQUEST_FD, "rb")
        write_frame(wfile, READY)
    except BaseException as e:
        message = f"{SETUP_FAILED_MARK} at {step}: {type(e).__name__}: {e}\n".encode()
        # Until the fds step is done, fd 2 is still the zygote's log, not the child's.
        for fd in ([fds["log_write"], 2] if step == "fds" else [2]):
            try:
                os.write(fd, message)
            except BaseException:
                pass
        os._exit(SETUP_FAILED_EXIT)
    _student_main(rfile, wfile, prep.entry)


def _fds(job: JobSpec, fds: dict[str, int], prep: Prepared) -> None:
    devnull = os.open("/dev/null", os.O_RDWR)
    sources = [devnull, fds["log_write"], fds["log_write"], fds["request_read"],
               fds["reply_write"], prep.parent_pidfd, prep.template_fd]
    # Move every source above the targets first, so that no dup2 overwrites a source.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 16) for fd in sources]
    for target, fd in enumerate(high):
        os.dup2(fd, target, inheritable=False)
    os.closerange(TEMPLATE_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    sys.stdout.reconfigure(line_buffering=True)     # so a killed child's last lines are kept


def _namespaces(job: JobSpec, fds: dict[str, int], prep: Prepared) -> None:
    S.setns(TEMPLATE_FD, S.CLONE_NEWNS)             # the minimal root; also our root and cwd
    os.close(TEMPLATE_FD)
    S.unshare(S.CLONE_NEWNS | S.CLONE_NEWNET | S.CLONE_NEWIPC | S.CLONE_NEWUTS | S.CLONE_NEWCGROUP)
    socket.sethostname("sandbox")


def _rootfs(job: JobSpec, fds: dict[str, int], prep: Prepared) -> None:
    rootfs.mount_private(job.uid, job.scratch_bytes, job.tmp_bytes)


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _rlimits(job: JobSpec, fds: dict[str, int], prep: Prepared) -> None:
    # AS, not DATA: DATA misses shared and file mappings. The budget comes on top of what the
    # zygote already mapped (torch alone maps ~0.7 GB of address space).
    address_space = _vm_size() + job.memory_bytes
    for res, value in ((resource.RLIMIT_CPU, job.cpu_s), (resource.RLIMIT_AS, address_space),
                       (resource.RLIMIT_FSIZE, job.file_bytes),
                       (resource.RLIMIT_NOFILE, job.open_files),
                       (resource.RLIMIT_NPROC, job.threads), (resource.RLIMIT_CORE, 0),
                       (resource.RLIMIT_MEMLOCK, 0), (resource.RLIMIT_MSGQUEUE, 0)):
        resource.setrlimit(res, (value, value))
    with open("/proc/self/oom_score_adj", "w") as fh:
        fh.write("1000")                            # the OOM killer picks the student first


def _privileges(job: JobSpec, fds: dict[str, int], prep: Prepared) -> None:
    S.drop_capability_bounding_set()
    os.setgroups([])
    os.setresgid(job.uid, job.uid, job.uid)
    os.setresuid(job.uid, job.uid, job.uid)
    S.prctl(S.PR_SET_PDEATHSIG, signal.SIGKILL)        # setuid cleared it
    S.prctl(S.PR_SET_DUMPABLE, 0)
    S.prctl(S.PR_SET_NO_NEW_PRIVS, 1)
    with open("/proc/self/status") as fh:
        caps = {k: v.strip() for k, _, v in (line.partition(":") for line in fh)
                if k in ("CapPrm", "CapEff", "CapBnd", "CapAmb")}
    if any(int(v, 16) for v in caps.values()) or os.getresuid() != (job.uid,) * 3:
        raise RuntimeError(f"privileges not dropped: {caps}, uid {os.getresuid()}")
    # PDEATHSIG only fires for a parent that dies after it was set: make sure it is alive now.
    if select.select([ZYGOTE_FD], [], [], 0)[0]:
        raise RuntimeError("the slot zygote exited during setup")
    os.close(ZYGOTE_FD)
    os.environ["HOME"] = SCRATCH_DIR
    os.environ["TMPDIR"] = TMP_DIR


def _landlock(job: JobSpec, fds: dict[str, int], prep: Prepared) -> None:
    read_only = ["/usr", *prep.plan.binds, "/proc"] + [f"/dev/{d}" for d in rootfs.DEVICES]
    landlock.restrict_self(read_only=sorted(set(read_only)), read_write=[SCRATCH_DIR, TMP_DIR])


def _seccomp(job: JobSpec, fds: dict[str, int], prep: Prepared) -> None:
    if not job.warm:
        prep.seccomp.load()
        return
    if prep.seccomp_warm is None or prep.fork_ban is None:
        raise RuntimeError("no warm-child seccomp policy was prepared")
    # Registered before any student code runs; each exercise child loads it right after fork.
    importlib.import_module("grader.runner.child").AFTER_FORK.append(prep.fork_ban.load)
    prep.seccomp_warm.load()


_STEP = {"fds": _fds, "namespaces": _namespaces, "rootfs": _rootfs,
         "rlimits": _rlimits, "privileges": _privileges, "landlock": _landlock,
         "seccomp": _seccomp}
