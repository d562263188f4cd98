"""The zygote: a warm process that forks one sandboxed child per job. Linux only.

Starting Python and importing numpy costs ~0.15 s; forking a process that has it costs ~2 ms. The grader
starts this module with exec (``subprocess``, clean environment, ``OMP_NUM_THREADS=1``,
``MALLOC_ARENA_MAX=2``) so that the zygote holds nothing of the grader's memory: no reference
solutions, expected outputs or course secret. It imports numpy (torch only in a slot's *torch* zygote,
for the submissions that import it: see ``JobSpec.torch``) and the serving module, never ``grader.exercises``,
``grader.reference`` or ``solutions/``; :func:`_check_modules` enforces that.

Two levels, so that no child pays for a cgroup migration (an RCU grace period, 5-15 ms here):

* the **main zygote** imports everything, builds the seccomp filter and the template root once,
  then routes each job arriving on the control socket (a :class:`~.protocol.JobSpec` plus four
  fds) to the slot zygote of its slot, forking that one on first use or after it died;
* a **slot zygote** (two per slot once a submission imports torch: a plain one and one that
  imported torch) joins its slot's cgroups once, then runs one child at a time: forks it into
  a fresh pid namespace (children inherit cgroups for free), reports ``started``, enforces the
  wall-clock deadline, obeys the status socket (:data:`~.protocol.KILL`: kill now; EOF: kill
  after :data:`~.protocol.CLOSE_GRACE_S`), reaps it with ``wait4`` and reports ``exit``.

Neither ever reads a request, a reply or a log: those pipes connect the child and the grader
directly, so no student's data lands in a zygote's heap, which every later child inherits.
When the control socket reaches EOF the main zygote exits; slot zygotes and children carry
PDEATHSIG=SIGKILL, so everything below dies with it.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
import time
import traceback

from . import jail, landlock, rootfs, seccomp_filter
from . import syscalls as S
from .protocol import CLOSE_GRACE_S, JOB_FDS, KILL, MAX_MESSAGE, JobSpec, encode_event

# Modules that hold reference code, expected values or secrets: the zygote's memory is
# inherited by every student, so none of these may ever be imported here.
FORBIDDEN_MODULES = ("grader.reference", "grader.exercises", "grader.api", "grader.store",
                     "grader.cli", "solutions", "deepgrade_ref_")


def _check_modules() -> None:
    def forbidden(name: str) -> bool:
        return any(name == f or name.startswith(f if f.endswith("_") else f + ".")
                   for f in FORBIDDEN_MODULES)
    bad = sorted(filter(forbidden, sys.modules))
    if bad:
        raise RuntimeError(f"the zygote imported {', '.join(bad)}, which students would inherit")


def _rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.send(data, socket.MSG_DONTWAIT)
    except OSError:
        pass                                           # the grader side is gone


def _close_all_but(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass                                   # the fd of the listdir itself


def prepare(config: dict) -> jail.Prepared:
    """Does the one-time work: imports, the seccomp filter, the template root, sanity checks.

    Args:
        config: ``entry`` (``"module:function"``), ``newroot`` (empty mount-point directory).
    Returns:
        What every child inherits.
    Raises:
        Exception: anything that would leave a protection unavailable (fail closed).
    """
    os.umask(0o022)
    module, _, func = config["entry"].partition(":")      # first: a bad entry fails in ~0.1 s
    if not callable(getattr(importlib.import_module(module), func, None)):
        raise RuntimeError(f"{config['entry']} is not a function")
    # numpy: nearly every submission imports it. Not torch: 0.2 GB more to fork per child and
    # 1.5-2.5 s more to start; a slot forks a second zygote that imports it (SlotZygote, torch=True)
    # the first time a submission that imports torch comes (grader.runner.warm decides).
    import numpy  # noqa: F401  (the point of the zygote: pay for this import once)
    try:
        # Compiled once here: each child loads the program instead of regenerating it.
        seccomp = seccomp_filter.compile_program(seccomp_filter.build())
        seccomp_warm = seccomp_filter.compile_program(seccomp_filter.build(allow_fork=True))
        fork_ban = seccomp_filter.compile_program(seccomp_filter.build_fork_ban())
    except (ImportError, RuntimeError, OSError) as e:
        raise RuntimeError(f"pyseccomp missing or unusable: {e}") from e
    if landlock.abi_version() < 1:
        raise RuntimeError("Landlock not supported by this kernel")
    _check_modules()
    import grader
    plan = rootfs.plan(os.path.dirname(os.path.abspath(grader.__file__)))
    template_fd = rootfs.create_template(config["newroot"], plan)
    # Objects frozen here are never scanned by a child's garbage collector, so children do not
    # dirty (copy) the pages holding them: faster and less memory per child.
    gc.collect()
    gc.freeze()
    return jail.Prepared(plan=plan, template_fd=template_fd, seccomp=seccomp, entry=config["entry"],
                         seccomp_warm=seccomp_warm, fork_ban=fork_ban)


class MainZygote:
    """Routes jobs to slot zygotes (see the module docstring)."""

    def __init__(self, control: socket.socket, prep: jail.Prepared):
        self.control, self.prep = control, prep
        # (slot, torch) -> (pid, pidfd, sock): each slot has a plain zygote and, once a job
        # asks for it, a torch one; the backend runs one child per slot at a time.
        self.slots: dict[tuple[int, bool], tuple[int, int, socket.socket]] = {}

    def serve_forever(self) -> None:
        """Runs until the control socket reaches EOF; returns then (the caller exits)."""
        while True:
            pidfds = {pidfd: slot for slot, (_, pidfd, _) in self.slots.items()}
            ready, _, _ = select.select([self.control, *pidfds], [], [])
            for fd in ready:
                if fd in pidfds:
                    self._forget(pidfds[fd])
            if self.control in ready and not self._route():
                return

    def _route(self) -> bool:
        try:
            data, fds, _, _ = socket.recv_fds(self.control, MAX_MESSAGE, len(JOB_FDS))
        except OSError:
            return False
        if not data and not fds:
            return False                               # EOF: the grader is gone
        try:
            if len(fds) != len(JOB_FDS):
                raise ValueError(f"expected {len(JOB_FDS)} fds, got {len(fds)}")
            spec = JobSpec.decode(data)
            key = (spec.slot, bool(spec.torch))
            sock = self._slot_socket(key)
            try:
                socket.send_fds(sock, [data], fds)
            except OSError:                            # died just now: one more try
                self._forget(key)
                socket.send_fds(self._slot_socket(key), [data], fds)
        except Exception as e:
            if len(fds) == len(JOB_FDS):
                status = socket.socket(fileno=fds[-1])
                _send(status, encode_event(event="error", error=f"{type(e).__name__}: {e}"))
                status.close()
                fds = fds[:-1]
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
        return True

    def _slot_socket(self, key: tuple[int, bool]) -> socket.socket:
        if key not in self.slots:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            main_pid = os.getpid()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    # Detach (not close) the main zygote's sockets: their fds go below, and a
                    # finalizer must never close an fd number that has been reused since.
                    for sock in [self.control, ours] + [s for _, _, s in self.slots.values()]:
                        sock.detach()
                    _close_all_but({0, 1, 2, theirs.fileno(), self.prep.template_fd})
                    SlotZygote(theirs, self.prep, main_pid, torch=key[1]).serve_forever()
                    code = 0
                except BaseException:
                    traceback.print_exc()                   # into the zygote log
                finally:
                    os._exit(code)
            theirs.close()
            self.slots[key] = (pid, os.pidfd_open(pid), ours)
        return self.slots[key][2]

    def _forget(self, key: tuple[int, bool]) -> None:
        pid, pidfd, sock = self.slots.pop(key)
        sock.close()
        os.close(pidfd)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _import_torch() -> None:
    """Imports torch into a slot zygote that serves submissions importing it (JobSpec.torch).

    Before the zygote joins its slot's cgroups, so torch's pages are not charged to the
    students' memory budget; children share them copy-on-write. One intra-op thread, and no
    op run here: a process forked from one that ran OpenMP with several threads may hang. When
    torch cannot be imported the zygote serves as a plain one (the student's import fails or
    succeeds in the child as it would have).
    """
    try:
        import torch

        torch.set_num_threads(1)
    except Exception:
        traceback.print_exc()                               # into the zygote log
        return
    gc.collect()
    gc.freeze()


class SlotZygote:
    """Runs the children of one slot, one at a time (see the module docstring)."""

    def __init__(self, jobs: socket.socket, prep: jail.Prepared, main_pid: int, torch: bool = False):
        S.prctl(S.PR_SET_PDEATHSIG, signal.SIGKILL)          # main zygote gone -> we go
        if os.getppid() != main_pid:                         # ... including before the prctl
            raise SystemExit(1)
        if torch:
            _import_torch()
        try:
            with open("/proc/self/oom_score_adj", "w") as fh:
                fh.write("-1000")                            # never the OOM victim: the child is
        except OSError:
            pass        # some VMs refuse lowering it; the child's +1000 still makes it the victim
        self.jobs = jobs
        self.prep = prep
        self.prep.parent_pidfd = os.pidfd_open(os.getpid())
        self.pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        self.joined = False

    def serve_forever(self) -> None:
        """Serves jobs until the main zygote closes the socket."""
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.jobs, MAX_MESSAGE, len(JOB_FDS))
            except OSError:
                return
            if not data and not fds:
                return
            if len(fds) != len(JOB_FDS):
                for fd in fds:
                    os.close(fd)
                continue
            named = dict(zip(JOB_FDS, fds))
            status = socket.socket(fileno=named.pop("status"))
            try:
                self._run(JobSpec.decode(data), named, status)
            except Exception as e:                           # a bad spec must not kill the slot
                _send(status, encode_event(event="error", error=f"{type(e).__name__}: {e}"))
            finally:
                for fd in named.values():
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                status.close()

    def _run(self, spec: JobSpec, fds: dict[str, int], status: socket.socket) -> None:
        try:
            if not self.joined:
                for procs in spec.cgroup_procs:
                    with open(procs, "w") as fh:
                        fh.write("0")                        # "0" moves the writing process
                self.joined = True
            # A pid namespace can be unshared only while children still go to our own one:
            # setns back to it first (the previous child's namespace is still set).
            S.setns(self.pidns, S.CLONE_NEWPID)
            S.unshare(S.CLONE_NEWPID)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
        except Exception as e:                               # no child was started
            _send(status, encode_event(event="error", error=f"{type(e).__name__}: {e}"))
            return
        if pid == 0:
            jail.run_student(spec, fds, self.prep)           # never returns
        for fd in list(fds.values()):
            os.close(fd)
        fds.clear()
        pidfd = os.pidfd_open(pid)
        try:
            _send(status, encode_event(event="started", pid=pid))
            killed_by = self._watch(spec, pidfd, status)
            _, wstatus, usage = os.wait4(pid, 0)
        finally:
            os.close(pidfd)
        _send(status, encode_event(
            event="exit",
            returncode=os.WEXITSTATUS(wstatus) if os.WIFEXITED(wstatus) else None,
            signal=os.WTERMSIG(wstatus) if os.WIFSIGNALED(wstatus) else None,
            cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
            max_rss_bytes=usage.ru_maxrss * 1024, killed_by=killed_by))

    def _watch(self, spec: JobSpec, pidfd: int, status: socket.socket) -> str | None:
        """Waits for the child to exit, killing it at the deadlines; returns who killed it."""
        wall = time.monotonic() + spec.wall_s
        grace = None                                         # set when the grader closes
        killed_by, kill_sent = None, False
        watch = [pidfd, status]
        while True:
            now = time.monotonic()
            if not kill_sent and now >= wall:
                killed_by, kill_sent = self._kill(pidfd, "wall"), True
            elif not kill_sent and grace is not None and now >= grace:
                killed_by, kill_sent = self._kill(pidfd, "grader"), True
            timeout = None if kill_sent else max(0.0, min(wall, grace or wall) - now)
            ready, _, _ = select.select(watch, [], [], timeout)
            if pidfd in ready:
                return killed_by
            if status in ready:
                try:
                    message = status.recv(MAX_MESSAGE)
                except OSError:
                    message = b""
                if message == KILL and not kill_sent:
                    killed_by, kill_sent = self._kill(pidfd, "grader"), True
                elif not message:                            # the grader closed the channel
                    watch.remove(status)
                    grace = time.monotonic() + CLOSE_GRACE_S

    @staticmethod
    def _kill(pidfd: int, who: str) -> str | None:
        try:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            return who
        except ProcessLookupError:
            return None                                      # it had exited already


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
    MainZygote(control, prep).serve_forever()
