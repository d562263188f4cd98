"""``SandboxBackend``: the grader-side owner of the zygote, the slots and their cgroups.

Per child, ``open()`` takes a free slot (blocking), sets the slot's cgroup limits, creates the
request, reply and log pipes and a status socket, hands the child's ends to the zygote over the
control socket (``SCM_RIGHTS``) and waits for the child's READY frame, which it sends only once
every protection is in place. Importable on every OS; only using it needs Linux and root.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import threading

from grader import housekeeping
from grader.runner.backend import Limits

from .channel import SandboxChannel
from .errors import SandboxUnavailable
from .exits import cpu_rlimit_seconds
from .probe import landlock_notes, probe
from .protocol import DEFAULT_ENTRY, MAX_MESSAGE, JobSpec, decode_event

# The zygote's whole environment: nothing of the grader's (no DEEPGRADE_SECRET), one BLAS/OpenMP
# thread, and few malloc arenas so RLIMIT_AS = size + budget keeps working with threads.
ZYGOTE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_BOOT = ("import sys; sys.path.insert(0, {parent!r}); "
         "from grader.sandbox.zygote import main; main(sys.argv[1])")


class _Zygote:
    """A running zygote process and the grader's end of its control socket."""

    def __init__(self, entry: str, newroot: str, log_path: str, timeout: float):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = json.dumps({"control_fd": theirs.fileno(), "entry": entry, "newroot": newroot})
        with open(log_path, "ab") as log:
            # exec, not fork: the zygote must not inherit the grader's memory (reference
            # outputs, secret seeds). -I: ignore PYTHON* variables and the user site.
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT.format(parent=_PACKAGE_PARENT), config],
                pass_fds=[theirs.fileno()], env=ZYGOTE_ENV, stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, cwd="/", start_new_session=True)
        theirs.close()
        self.sock = ours
        try:
            self.info = self._await_ready(log_path, timeout)
        except BaseException:
            self.stop()
            raise

    def _await_ready(self, log_path: str, timeout: float) -> dict:
        if not select.select([self.sock], [], [], timeout)[0]:
            raise SandboxUnavailable(f"the sandbox zygote did not start within {timeout:g} s")
        data = self.sock.recv(MAX_MESSAGE)
        if not data:
            with open(log_path, "rb") as fh:
                tail = fh.read()[-2000:].decode("utf-8", "replace").strip()
            raise SandboxUnavailable(f"the sandbox zygote died while starting: {tail}")
        event = decode_event(data)
        if event["event"] != "ready":
            raise SandboxUnavailable(f"the sandbox zygote refused to start: {event.get('error')}")
        return event

    def alive(self) -> bool:
        return self.proc.poll() is None

    def submit(self, spec: JobSpec, fds: list[int]) -> None:
        """Sends one job. Raises ``OSError`` (e.g. BrokenPipeError) when the zygote is gone."""
        socket.send_fds(self.sock, [spec.encode()], fds)

    def stop(self) -> None:
        """EOF on the control socket makes the zygote kill its children and exit."""
        self.sock.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class SandboxBackend:
    """A :class:`grader.runner.backend.Backend` whose children are locked down (Linux, root).

    Each child is forked from a zygote that already imported numpy, into fresh pid,
    mount, network, IPC, UTS and cgroup namespaces, with a minimal read-only root, rlimits,
    cgroup limits, an unprivileged uid per slot, Landlock and seccomp (see :mod:`.jail`).

    Attributes:
        name: ``"sandbox"``.
        slots: how many children may run at once (each with its own uid).
        notes: protections that are degraded on this host, in words (for the CLI to print).
    """

    name = "sandbox"

    def __init__(self, slots: int | None = None, base_uid: int | None = None, *,
                 entry: str = DEFAULT_ENTRY, scratch_bytes: int = 32 << 20,
                 tmp_bytes: int = 8 << 20, file_bytes: int = 16 << 20, open_files: int = 64,
                 threads: int = 16, flood_bytes: int | None = None,
                 cgroup_headroom_bytes: int | None = None, ready_timeout_s: float = 30.0,
                 _fail_at: str | None = None):
        """Prepares the backend; the zygote starts on first use (or :meth:`start`).

        Args:
            slots: concurrent children; default ``os.cpu_count()``.
            base_uid: slot ``i`` runs as uid and gid ``base_uid + i`` (must be unused). Default:
                a range no other grader on this host holds, claimed with a lock
                (:mod:`.uids`) and kept until :meth:`shutdown`.
            entry: ``"module:function"`` serving requests in the child, called as
                ``serve(rfile, wfile)``; imported by the zygote before any fork.
            scratch_bytes: size of the child's writable cwd (tmpfs), bytes.
            tmp_bytes: size of its ``/tmp`` (tmpfs), bytes.
            file_bytes: largest file it may write (RLIMIT_FSIZE), bytes.
            open_files: RLIMIT_NOFILE.
            threads: most threads (RLIMIT_NPROC for the slot uid; pids cgroup a little above).
            flood_bytes: stdout+stderr volume at which the child is killed; default
                16 x ``Limits.log_bytes``.
            cgroup_headroom_bytes: how much the memory cgroup allows above
                ``Limits.memory_bytes`` for what RLIMIT_AS does not count (tmpfs pages,
                copy-on-write copies of the zygote's pages); default: the two tmpfs sizes +
                the zygote's RSS + 64 MiB.
            ready_timeout_s: how long ``open()`` waits for a child's setup, seconds.
            _fail_at: test hook: a setup step name (``jail.STEPS``) that every child fails at.
        Raises:
            ValueError: bad slot count or uid range.
            RuntimeError: every uid range is held by another grader.
        Never raises for a missing protection: ``open()`` does (fail closed).
        """
        self.slots = slots or os.cpu_count() or 1
        self._uids = None
        self._problems = probe()
        if base_uid is None and self.slots >= 1:
            if self._problems:
                base_uid = 64000                  # never used: open() refuses anyway
            else:
                from .uids import claim
                self._uids = claim(self.slots)
                base_uid = self._uids.base
        if self.slots < 1 or base_uid < 1000 or base_uid + self.slots > 2 ** 31 - 2:
            raise ValueError(f"bad slots={slots} / base_uid={base_uid}")
        self.base_uid = base_uid
        self.notes: list[str] = []
        self._entry = entry
        self._scratch_bytes, self._tmp_bytes = scratch_bytes, tmp_bytes
        self._file_bytes, self._open_files, self._threads = file_bytes, open_files, threads
        self._flood_bytes = flood_bytes
        self._headroom = cgroup_headroom_bytes
        self._ready_timeout_s = ready_timeout_s
        self._fail_at = _fail_at
        self._closed = False
        self._zygote: _Zygote | None = None
        self._zlock = threading.Lock()              # zygote (re)start and job submission
        self._slot_cond = threading.Condition()
        self._free = list(range(self.slots))
        self._cgroups = None
        self._runtime_dir: str | None = None
        if self._problems:
            return
        from .cgroups import SlotCgroups
        self._runtime_dir = housekeeping.temp_dir("deepgrade-sandbox-")
        os.mkdir(os.path.join(self._runtime_dir, "root"), 0o700)
        self._cgroups = SlotCgroups(os.path.basename(self._runtime_dir), self.slots)
        self.notes += landlock_notes() + self._cgroups.notes
        atexit.register(self.shutdown)

    # ------------------------------------------------------------------ public
    @property
    def zygote_pid(self) -> int | None:
        """The zygote's pid, or None when none is running (for tests and diagnostics)."""
        z = self._zygote
        return z.proc.pid if z is not None and z.alive() else None

    def start(self) -> None:
        """Starts the zygote now rather than on the first ``open()``.

        Raises:
            SandboxUnavailable: a protection is missing or the zygote cannot start.
        """
        self._check_usable()
        with self._zlock:
            self._ensure_zygote()

    def open(self, limits: Limits, *, warm: bool = False, torch: bool = False) -> SandboxChannel:
        """Starts a sandboxed child and returns a channel to it; blocks while all slots are busy.

        Args:
            limits: wall_s, cpu_s (rounded up to whole seconds), memory_bytes, log and frame caps.
            warm: a warm child (:mod:`grader.runner.warm`) that may fork exercise children
                (see :mod:`.seccomp_filter`); it holds its slot until it is closed.
            torch: fork the child from the slot's zygote that has torch imported (started on
                the first such request of the slot; see ``JobSpec.torch``).
        Returns:
            A channel whose child has completed its lockdown and is serving.
        Raises:
            SandboxUnavailable: a protection could not be applied (no student code ran), or the
                backend was shut down.
        """
        self._check_usable()
        for attempt in range(2):
            slot = self._acquire_slot()
            try:
                chan = self._start_child(slot, limits, warm, torch)
            except BaseException:
                self._release_slot(slot)
                raise
            try:
                chan.wait_ready(self._ready_timeout_s)
                return chan
            except SandboxUnavailable:
                if attempt == 0 and chan.zygote_died and not self._closed:
                    continue                      # the zygote crashed under us: restart, retry
                raise
            except BaseException:
                chan.close()
                raise
        raise AssertionError("unreachable")

    def shutdown(self) -> None:
        """Kills the zygote and every child, removes the cgroups and scratch dirs. Idempotent."""
        with self._zlock:
            if self._closed:
                return
            self._closed = True
            zygote, self._zygote = self._zygote, None
        with self._slot_cond:
            self._slot_cond.notify_all()
        if zygote is not None:
            zygote.stop()
        if self._cgroups is not None:
            self._cgroups.remove()
        if self._runtime_dir is not None:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
        if self._uids is not None:
            self._uids.release()
        atexit.unregister(self.shutdown)

    # ------------------------------------------------------------------ internals
    def _check_usable(self) -> None:
        if self._problems:
            raise SandboxUnavailable("; ".join(self._problems))
        if self._closed:
            raise SandboxUnavailable("the sandbox backend was shut down")

    def _acquire_slot(self) -> int:
        with self._slot_cond:
            while not self._free and not self._closed:
                self._slot_cond.wait()
            if self._closed:
                raise SandboxUnavailable("the sandbox backend was shut down")
            return self._free.pop(0)

    def _release_slot(self, slot: int) -> None:
        with self._slot_cond:
            self._free.append(slot)
            self._slot_cond.notify()

    def _ensure_zygote(self) -> _Zygote:
        """Returns a live zygote, (re)starting it if needed. Caller holds ``_zlock``."""
        if self._closed:
            raise SandboxUnavailable("the sandbox backend was shut down")
        if self._zygote is None or not self._zygote.alive():
            if self._zygote is not None:
                self._zygote.stop()
                self._zygote = None
            self._zygote = _Zygote(self._entry, os.path.join(self._runtime_dir, "root"),
                                   os.path.join(self._runtime_dir, "zygote.log"),
                                   timeout=max(60.0, self._ready_timeout_s))
        return self._zygote

    def _start_child(self, slot: int, limits: Limits, warm: bool = False, torch: bool = False) -> SandboxChannel:
        procs: list[str] = []
        with self._zlock:
            zygote = self._ensure_zygote()
            rss = int(zygote.info.get("rss_bytes", 0))
        if self._cgroups is not None:
            headroom = self._headroom
            if headroom is None:
                headroom = self._scratch_bytes + self._tmp_bytes + rss + (64 << 20)
            try:
                procs = self._cgroups.prepare(slot, limits.memory_bytes + headroom,
                                              self._threads + 8)
            except OSError as e:
                raise SandboxUnavailable(f"cannot set the cgroup limits of slot {slot}: {e}") from e
        spec = JobSpec(slot=slot, uid=self.base_uid + slot, wall_s=float(limits.wall_s),
                       cpu_s=cpu_rlimit_seconds(limits.cpu_s), memory_bytes=int(limits.memory_bytes),
                       file_bytes=self._file_bytes, open_files=self._open_files,
                       threads=self._threads, scratch_bytes=self._scratch_bytes,
                       tmp_bytes=self._tmp_bytes, cgroup_procs=procs, fail_at=self._fail_at,
                       warm=warm, torch=torch)
        req_r, req_w = os.pipe()
        reply_r, reply_w = os.pipe()
        log_r, log_w = os.pipe()
        status, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._submit(spec, [req_r, reply_w, log_w, theirs.fileno()])
        except BaseException:
            for fd in (req_w, reply_r, log_r):
                os.close(fd)
            status.close()
            raise
        finally:
            for fd in (req_r, reply_w, log_w):
                os.close(fd)
            theirs.close()

        ended = threading.Event()

        def on_end() -> int:
            oom = self._cgroups.oom_kills(slot) if self._cgroups is not None else 0
            if not ended.is_set():
                ended.set()
                self._release_slot(slot)
            return oom

        chan = SandboxChannel(limits=limits, flood_bytes=self._flood_bytes or 16 * limits.log_bytes,
                              request_w=req_w, reply_r=reply_r, log_r=log_r, status=status,
                              on_end=on_end)
        cgroups = self._cgroups
        chan.oom_kills = (lambda: cgroups.oom_kills(slot)) if cgroups is not None else (lambda: 0)
        return chan

    def _submit(self, spec: JobSpec, fds: list[int]) -> None:
        with self._zlock:
            for attempt in range(2):
                zygote = self._ensure_zygote()
                try:
                    zygote.submit(spec, fds)
                    return
                except OSError as e:
                    if attempt == 1:
                        raise SandboxUnavailable(f"cannot reach the sandbox zygote: {e}") from e
                    zygote.stop()                # crashed: _ensure_zygote starts a new one
                    self._zygote = None
