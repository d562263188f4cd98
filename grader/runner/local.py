"""Unsandboxed backend: a separate process per child (portable: Linux, macOS, Windows).

For students checking their own code on their own machine, and for instructors who pass
``--no-sandbox`` explicitly. It keeps the process boundary, the wall-clock timeout, the log
cap and (where the OS has them) CPU and memory rlimits, but it does not stop the student
code from reading files or using the network.
"""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from grader import housekeeping
from grader.runner import reasons
from grader.runner.backend import Channel, ChildExit, ChildGone, ChildTimeout, Limits
from grader.runner.framing import FrameError, read_frame, write_frame

_GRADER_PARENT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import sys; sys.path.insert(0, {parent!r}); "
    "from grader.runner.child import main; main()"
)


def child_env() -> dict[str, str]:
    """The environment a student process gets: nothing from the grader's (no secrets).

    Returns:
        A new dict with only thread-count pins and what the OS needs to start Python.
    """
    env = {
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
    }
    for key in ("PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _limit_resources(limits: Limits):
    def apply() -> None:  # runs in the child between fork and exec (POSIX only)
        import resource

        cpu = max(1, int(limits.cpu_s + 0.999))
        # SIGXCPU at the soft limit names the cause; the hard limit is the backstop.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if sys.platform.startswith("linux"):
            # RLIMIT_DATA, not RLIMIT_AS: importing a CUDA build of torch maps several GiB of
            # address space but little private data, and a memory bomb (numpy, bytearray,
            # torch's allocator: private anonymous memory) still meets it. Each exercise child
            # then caps its address space relative to its size after the imports
            # (grader.runner.child._limit_exercise).
            budget = limits.memory_bytes + (1 << 30)
            resource.setrlimit(resource.RLIMIT_DATA, (budget, budget))
            _die_with_parent()

    return apply


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: a grader (or Dask worker) that dies takes its student processes along.
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _forked(limits: Limits, cwd: str, torch: bool):
    """A student process from this process's fork server (:mod:`.forkserver`), or ``None``
    where there is none (not Linux) or it cannot be started: then Python itself is started."""
    from grader.runner import forkserver

    if not forkserver.AVAILABLE or os.environ.get("DEEPGRADE_FORK_SERVER") == "0":
        return None
    for _ in range(2):
        try:
            server = forkserver.server(_GRADER_PARENT, child_env(), torch)
        except OSError:
            return None
        try:
            return server.spawn(cwd, limits.cpu_s, limits.memory_bytes)
        except OSError:
            forkserver.forget(server)           # died or wedged: one more, then Python itself
    return None


class LocalChannel:
    """A :class:`~grader.runner.backend.Channel` over a child's stdin/stdout.

    The child is forked from a warm server (:mod:`.forkserver`, Linux; ``torch``: one that has
    imported torch), else a fresh Python; either way a separate process in its own session.
    """

    def __init__(self, limits: Limits, torch: bool = False):
        self._limits = limits
        self._dir = housekeeping.temp_dir("deepgrade-")
        posix = os.name == "posix"
        self._proc = _forked(limits, self._dir, torch) or subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT.format(parent=_GRADER_PARENT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self._dir,
            env=child_env(),
            start_new_session=posix,
            preexec_fn=_limit_resources(limits) if posix else None,
        )
        self._frames: queue.Queue = queue.Queue()
        self._log = bytearray()
        self._log_lock = threading.Lock()
        self._reason = ""
        self._exit: ChildExit | None = None
        threading.Thread(target=self._read_frames, daemon=True).start()
        self._log_thread = threading.Thread(target=self._read_log, daemon=True)
        self._log_thread.start()

    def _read_frames(self) -> None:
        try:
            while True:
                self._frames.put(read_frame(self._proc.stdout, self._limits.frame_bytes))
        except EOFError:
            self._frames.put(EOFError())
        except (FrameError, OSError, ValueError) as exc:
            self._frames.put(exc)

    def _read_log(self) -> None:
        # Keep draining past the cap so a flooding child never blocks on a full pipe.
        while True:
            chunk = self._proc.stderr.read1(65536)
            if not chunk:
                return
            with self._log_lock:
                room = self._limits.log_bytes - len(self._log)
                if room > 0:
                    self._log += chunk[:room]

    def take_log(self) -> str:
        """Returns the output kept so far and starts keeping afresh (for the next exercise)."""
        with self._log_lock:
            log, self._log = self._log, bytearray()
        return log.decode("utf-8", "replace")

    def send(self, payload: bytes) -> None:
        try:
            write_frame(self._proc.stdin, payload)
        except (BrokenPipeError, OSError, ValueError):
            raise ChildGone(self.close()) from None

    def recv(self, timeout: float) -> bytes:
        try:
            item = self._frames.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise ChildTimeout() from None
        if isinstance(item, bytes):
            return item
        if isinstance(item, FrameError):
            self._reason = f"sent a malformed or oversized reply ({item})"
        raise ChildGone(self.close())

    def close(self) -> ChildExit:
        if self._exit is not None:
            return self._exit
        proc = self._proc
        if proc.poll() is None:
            try:
                proc.stdin.close()   # end of requests: the child's loop returns and it exits
            except OSError:
                pass
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                self._kill()
        proc.wait()
        self._log_thread.join(timeout=1.0)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        code = proc.returncode
        sig = -code if code is not None and code < 0 else None
        reason = self._reason or _describe_exit(code, sig, self._limits)
        self._exit = ChildExit(
            returncode=None if sig else code,
            signal=sig,
            reason=reason,
            log=self._log.decode("utf-8", "replace"),
        )
        shutil.rmtree(self._dir, ignore_errors=True)
        return self._exit

    def _kill(self) -> None:
        if not self._reason:
            self._reason = reasons.STOPPED
        try:
            if os.name == "posix":
                try:
                    os.killpg(self._proc.pid, signal.SIGKILL)
                except ProcessLookupError:      # forked a moment ago: not yet its own group
                    os.kill(self._proc.pid, signal.SIGKILL)
            else:
                self._proc.kill()
        except (ProcessLookupError, PermissionError):
            pass


def _describe_exit(code: int | None, sig: int | None, limits: Limits) -> str:
    if sig is not None:
        if sig == getattr(signal, "SIGXCPU", -1):
            return reasons.CPU_LIMIT.format(seconds=f"{limits.cpu_s:g}")
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        extra = {"SIGSEGV": " (segmentation fault)", "SIGKILL": " (killed)", "SIGABRT": " (aborted)"}.get(name, "")
        return reasons.KILLED_BY.format(signal=name + extra)
    return reasons.EXITED_EARLY.format(code=code)


class LocalBackend:
    """Fresh unsandboxed Python per child. Thread-safe (each open() is independent)."""

    name = "local"

    def open(self, limits: Limits, *, warm: bool = False, torch: bool = False) -> Channel:
        """Start a child. Raises ``RuntimeError`` if Python cannot be started.

        ``warm`` (a warm child that forks exercise children, :mod:`grader.runner.warm`) changes
        nothing here: no policy forbids forking in this backend. ``torch``: the child is forked
        from a server that has imported torch (:mod:`.forkserver`)."""
        try:
            return LocalChannel(limits, torch)
        except OSError as exc:
            raise RuntimeError(f"could not start a Python child process: {exc}") from exc

    def shutdown(self) -> None:
        """Nothing long-lived to release."""
