"""The zygote: a warm process that forks one sandboxed child per job. Linux only.

Importing torch costs 1.5-2.5 s; forking a process that already has it costs ~10 ms. The grader
starts this module with exec (``subprocess``, clean environment, ``OMP_NUM_THREADS=1``,
``MALLOC_ARENA_MAX=2``) so that the zygote holds nothing of the grader's memory: no reference
solutions, expected outputs or course secret. It imports numpy, torch (one thread: children of a
process that ran OpenMP in parallel hang) and the serving module, never ``grader.exercises``,
``grader.reference`` or ``solutions/``; :func:`_check_modules` enforces that.

The zygote is a single-threaded event loop over:

* the control socket: each message is a :class:`~.protocol.JobSpec` plus four fds; the zygote
  forks the child into a fresh pid namespace and closes its copies of the pipes. It never reads
  a request, a reply or the log: those pipes connect the child and the grader directly, so no
  student's data ever lands in the zygote's heap, which every later child inherits;
* each child's pidfd: on exit it reaps the child (``wait4`` gives status and CPU time) and
  sends an ``exit`` event on the child's status socket;
* each child's status socket: :data:`~.protocol.KILL` kills the child now; EOF (the grader
  closed the channel) kills it after :data:`~.protocol.CLOSE_GRACE_S`;
* deadlines: at ``wall_s`` after the fork the child (PID 1 of its namespace, so the whole
  namespace) is SIGKILLed.

When the control socket reaches EOF (grader gone or shutting down) the zygote kills every child
and exits; children also carry PDEATHSIG, so they die with the zygote whatever happens.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import time

from . import jail, landlock, rootfs, seccomp_filter
from . import syscalls as S
from .protocol import CLOSE_GRACE_S, JOB_FDS, KILL, MAX_MESSAGE, JobSpec, encode_event

# Modules that hold reference code, expected values or secrets: the zygote's memory is
# inherited by every student, so none of these may ever be imported here.
FORBIDDEN_MODULES = ("grader.reference", "grader.exercises", "grader.api", "grader.store",
                     "grader.cli", "solutions", "deepgrade_ref_")


def _check_modules() -> None:
    bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f if f.endswith("_") else f + ".")
                                               for f in FORBIDDEN_MODULES))
    if bad:
        raise RuntimeError(f"the zygote imported {', '.join(bad)}, which students would inherit")


def _rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def prepare(config: dict) -> jail.Prepared:
    """Does the one-time work: imports, the seccomp filter, the rootfs plan, sanity checks.

    Args:
        config: ``entry`` (``"module:function"``), ``newroot`` (empty mount-point directory).
    Returns:
        What every child inherits.
    Raises:
        Exception: anything that would leave a protection unavailable (fail closed).
    """
    os.umask(0o022)
    import numpy  # noqa: F401  (the point of the zygote: pay for these imports once)
    import torch
    torch.set_num_threads(1)
    module, _, func = config["entry"].partition(":")
    if not callable(getattr(importlib.import_module(module), func, None)):
        raise RuntimeError(f"{config['entry']} is not a function")
    try:
        seccomp = seccomp_filter.build()
    except (ImportError, RuntimeError) as e:
        raise RuntimeError(f"pyseccomp missing or unusable: {e}") from e
    if landlock.abi_version() < 1:
        raise RuntimeError("Landlock not supported by this kernel")
    _check_modules()
    import grader
    plan = rootfs.plan(os.path.dirname(os.path.abspath(grader.__file__)))
    prep = jail.Prepared(newroot=config["newroot"], plan=plan, seccomp=seccomp,
                         zygote_pidfd=os.pidfd_open(os.getpid()), entry=config["entry"])
    # Objects frozen here are never scanned by a child's garbage collector, so children do not
    # dirty (copy) the pages holding them: faster and less memory per child.
    gc.collect()
    gc.freeze()
    return prep


class _Job:
    __slots__ = ("spec", "pid", "pidfd", "status", "deadline", "grace_deadline", "killed_by")

    def __init__(self, spec: JobSpec, pid: int, pidfd: int, status: socket.socket):
        self.spec, self.pid, self.pidfd, self.status = spec, pid, pidfd, status
        self.deadline = time.monotonic() + spec.wall_s
        self.grace_deadline: float | None = None
        self.killed_by: str | None = None

    def next_deadline(self) -> float:
        return min(self.deadline, self.grace_deadline or self.deadline)


class Zygote:
    """The event loop described in the module docstring."""

    def __init__(self, control: socket.socket, prep: jail.Prepared):
        self.control, self.prep = control, prep
        self.jobs: dict[int, _Job] = {}                 # by pidfd
        self.sel = selectors.DefaultSelector()
        self.sel.register(control, selectors.EVENT_READ, ("control", None))
        self.pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)

    def serve_forever(self) -> None:
        """Runs until the control socket reaches EOF, then kills every child and returns."""
        while True:
            now = time.monotonic()
            deadlines = [j.next_deadline() for j in self.jobs.values() if j.killed_by is None]
            timeout = max(0.0, min(deadlines) - now) if deadlines else None
            for key, _ in self.sel.select(timeout):
                kind, job = key.data
                if kind == "control":
                    if not self._accept():
                        self._kill_all()
                        return
                elif kind == "pidfd":
                    self._reap(job)
                else:
                    self._on_status(job)
            now = time.monotonic()
            for job in list(self.jobs.values()):
                if job.killed_by is None and now >= job.deadline:
                    self._kill(job, "wall")
                elif job.killed_by is None and job.grace_deadline and now >= job.grace_deadline:
                    self._kill(job, "grader")

    def _accept(self) -> bool:
        try:
            data, fds, _, _ = socket.recv_fds(self.control, MAX_MESSAGE, len(JOB_FDS))
        except OSError:
            return False
        if not data and not fds:
            return False                               # EOF: the grader is gone
        if len(fds) != len(JOB_FDS):
            for fd in fds:
                os.close(fd)
            return True
        named = dict(zip(JOB_FDS, fds))
        status = socket.socket(fileno=named.pop("status"))
        try:
            spec = JobSpec.decode(data)
            # A pid namespace can be unshared only while children still go to our own one:
            # setns back to it first (the previous job left the previous child's namespace set).
            S.setns(self.pidns, S.CLONE_NEWPID)
            S.unshare(S.CLONE_NEWPID)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
        except Exception as e:                         # no child was started
            _send(status, encode_event(event="error", error=f"{type(e).__name__}: {e}"))
            status.close()
            for fd in named.values():
                os.close(fd)
            return True
        if pid == 0:
            jail.run_student(spec, named, self.prep)  # never returns
        for fd in named.values():
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        job = _Job(spec, pid, pidfd, status)
        self.jobs[pidfd] = job
        self.sel.register(pidfd, selectors.EVENT_READ, ("pidfd", job))
        self.sel.register(status, selectors.EVENT_READ, ("status", job))
        _send(status, encode_event(event="started", pid=pid))
        return True

    def _on_status(self, job: _Job) -> None:
        try:
            data = job.status.recv(MAX_MESSAGE)
        except OSError:
            data = b""
        if data == KILL:
            self._kill(job, "grader")
        elif not data:                                 # the grader closed the channel
            self.sel.unregister(job.status)
            if job.grace_deadline is None:
                job.grace_deadline = time.monotonic() + CLOSE_GRACE_S

    def _kill(self, job: _Job, who: str) -> None:
        if job.killed_by is None:
            job.killed_by = who
        try:
            signal.pidfd_send_signal(job.pidfd, signal.SIGKILL)
        except OSError:
            pass                                       # already exited, not yet reaped

    def _reap(self, job: _Job) -> None:
        pid, status, usage = os.wait4(job.pid, os.WNOHANG)
        if pid == 0:
            return
        self.sel.unregister(job.pidfd)
        try:
            self.sel.unregister(job.status)
        except KeyError:
            pass
        del self.jobs[job.pidfd]
        os.close(job.pidfd)
        _send(job.status, encode_event(
            event="exit",
            returncode=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
            max_rss_bytes=usage.ru_maxrss * 1024,
            killed_by=job.killed_by))
        job.status.close()

    def _kill_all(self) -> None:
        for job in list(self.jobs.values()):
            self._kill(job, "grader")


def _send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.send(data, socket.MSG_DONTWAIT)
    except OSError:
        pass                                           # the grader side is gone


def main(config_json: str) -> None:
    """Zygote entry point (run by ``SandboxBackend`` via ``python -I -c``).

    Args:
        config_json: JSON with ``control_fd`` (inherited ``SOCK_SEQPACKET`` socket), ``entry``
            and ``newroot``.
    Sends ``{"event": "ready", ...}`` or ``{"event": "error", "error": ...}`` on the control
    socket, then serves until EOF.
    """
    config = json.loads(config_json)
    control = socket.socket(fileno=config["control_fd"])
    try:
        prep = prepare(config)
    except BaseException as e:
        _send(control, encode_event(event="error", error=f"{type(e).__name__}: {e}"))
        sys.exit(1)
    _send(control, encode_event(event="ready", pid=os.getpid(), rss_bytes=_rss_bytes(),
                                landlock_abi=landlock.abi_version(), binds=prep.plan.binds))
    Zygote(control, prep).serve_forever()
