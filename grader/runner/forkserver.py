"""A local fork server: unsandboxed student processes forked from a warm Python (Linux).

Starting Python and importing numpy costs ~0.15 s of CPU, and a submission's ``import torch``
1.5-2.5 s more; forking a process that has imported them costs a few milliseconds (numpy) to
~15 ms (torch). So the unsandboxed backend (:mod:`grader.runner.local`: ``check``,
``--no-sandbox``, notebook self-checks, the pytest plugin) asks a server for each student
process instead of starting Python: one server with numpy and the student-process module, and,
the first time a submission that imports torch asks, a second one that has torch too.

A server holds nothing of the grader's: it is started with exec (``python -I``, the student's
clean environment, its own session) and imports only what a student process imports anyway.
It dies with the grader (PDEATHSIG), and its children die with it.

Protocol (one ``SOCK_SEQPACKET`` socket per server, requests only): JSON
``{"cwd": dir, "cpu_s": s, "memory_bytes": n}`` with four fds: the child's stdin (requests),
stdout (replies), stderr (log) and a *status* pipe. The server forks; the child takes the three
pipes as fds 0, 1, 2, starts a session, applies the limits, changes to ``cwd`` and serves
(:func:`grader.runner.child.main`). The server writes ``started <pid>`` and, once it has reaped
the child, ``exit <returncode> <signal>`` (``-`` for none) to the status pipe, then closes it.
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading

#: Whether this platform can run a fork server (fork, fd passing, pidfds).
AVAILABLE = sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")

_MAX_REQUEST = 4096
_BOOT = "import sys; sys.path.insert(0, {parent!r}); from grader.runner.forkserver import serve; serve({fd}, {torch})"


class ForkedProcess:
    """A student process a server forked, with the parts of ``subprocess.Popen`` the local
    channel uses: ``pid``, ``stdin``/``stdout``/``stderr`` (binary, buffered), ``poll()``,
    ``wait(timeout)`` and ``returncode`` (negative: killed by that signal)."""

    def __init__(self, pid: int, stdin, stdout, stderr, status) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None
        self._status = status            # the status pipe's read end, after its "started" line

    def poll(self) -> int | None:
        """The return code if the process has ended (and been reaped), else ``None``."""
        return self.wait(0.0, raise_timeout=False)

    def wait(self, timeout: float | None = None, *, raise_timeout: bool = True) -> int | None:
        """Waits up to ``timeout`` seconds (``None``: forever) for the end; returns the code.

        Raises:
            subprocess.TimeoutExpired: still running after ``timeout`` (unless ``raise_timeout`` is false).
        """
        if self.returncode is None:
            ready = select.select([self._status], [], [], timeout)[0] if timeout is not None else [self._status]
            if not ready:
                if raise_timeout:
                    raise subprocess.TimeoutExpired("student process", timeout)
                return None
            line = self._status.readline().split()
            self._status.close()
            if len(line) == 3 and line[0] == b"exit":
                code, sig = line[1], line[2]
                self.returncode = -int(sig) if sig != b"-" else int(code)
            else:                        # the server died before reaping it (it died with it)
                self.returncode = -signal.SIGKILL
        return self.returncode


class ForkServer:
    """One server process (see the module docstring). Thread-safe.

    Args:
        parent: the folder that holds the ``grader`` package (put on the server's ``sys.path``).
        env: the server's (and so every child's) environment.
        torch: import torch in the server too.
    Raises:
        OSError: the server could not be started.
    """

    def __init__(self, parent: str, env: dict, torch: bool = False) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT.format(parent=parent, fd=theirs.fileno(), torch=bool(torch))],
                pass_fds=[theirs.fileno()], env=env, start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self._sock = ours
        self._lock = threading.Lock()
        self.owner = os.getpid()         # a forked grader must not use its parent's server

    def alive(self) -> bool:
        """Whether the server process is still running (a dead one is replaced by :func:`server`)."""
        return self._proc.poll() is None

    def spawn(self, cwd: str, cpu_s: float, memory_bytes: int, timeout: float = 30.0) -> ForkedProcess:
        """Forks a student process serving on new pipes (see the module docstring).

        Args:
            cwd: its working folder.
            cpu_s: CPU limit, seconds; memory_bytes: data-segment budget, bytes (as
                :func:`grader.runner.local._limit_resources`).
            timeout: seconds to wait for the server to say it started the process.
        Raises:
            OSError: the server is gone or did not answer (start a new one, or Python itself).
        """
        pipes = [os.pipe() for _ in range(4)]   # stdin, stdout, stderr, status: (read, write)
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1]]
        mine = [pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0]]
        try:
            request = json.dumps({"cwd": cwd, "cpu_s": float(cpu_s), "memory_bytes": int(memory_bytes)}).encode()
            with self._lock:
                socket.send_fds(self._sock, [request], theirs)
        except OSError:
            for fd in theirs + mine:
                os.close(fd)
            raise
        for fd in theirs:
            os.close(fd)
        stdin, stdout, stderr, status = (os.fdopen(mine[0], "wb"), os.fdopen(mine[1], "rb"),
                                         os.fdopen(mine[2], "rb"), os.fdopen(mine[3], "rb"))
        if not select.select([status], [], [], timeout)[0]:
            for f in (stdin, stdout, stderr, status):
                f.close()
            raise OSError("the fork server did not start the student process in time")
        line = status.readline().split()
        if len(line) != 2 or line[0] != b"started":
            for f in (stdin, stdout, stderr, status):
                f.close()
            raise OSError("the fork server could not start the student process")
        return ForkedProcess(int(line[1]), stdin, stdout, stderr, status)

    def close(self) -> None:
        """Ends the server (and with it any student process it still has). Idempotent."""
        try:
            self._sock.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


_LOCK = threading.Lock()
_RUNNING: dict[bool, ForkServer] = {}              # torch? -> this process's server


def server(parent: str, env: dict, torch: bool) -> ForkServer:
    """This process's server for ``torch`` (started on first use, restarted if it died).

    Raises:
        OSError: no server could be started.
    """
    with _LOCK:
        current = _RUNNING.get(torch)
        if current is None or not current.alive() or current.owner != os.getpid():
            current = ForkServer(parent, env, torch)
            _RUNNING[torch] = current
            import atexit

            atexit.register(current.close)
        return current


def forget(server_: ForkServer) -> None:
    """Stops using ``server_`` (after it failed); the next :func:`server` call starts another."""
    with _LOCK:
        for key, value in list(_RUNNING.items()):
            if value is server_:
                del _RUNNING[key]
    server_.close()


# ----------------------------------------------------------------------------- server side
def serve(fd: int, torch: bool) -> None:
    """The server's main loop (run by :class:`ForkServer` via ``python -I -c``): forks one student
    process per request, reaps them and reports how each ended, until the socket reaches EOF."""
    from grader.runner.local import _die_with_parent

    _die_with_parent()                               # the grader gone: so are we (and our children)
    import numpy  # noqa: F401  (the point of the server: pay for these imports once)

    import grader.runner.child  # noqa: F401
    if torch:
        try:
            import torch as _torch

            _torch.set_num_threads(1)                # and no op run here: forked OpenMP pools hang
        except Exception:
            pass                                     # the student's own import will say why
    import gc

    gc.collect()
    gc.freeze()                                      # children then do not copy these pages
    sock = socket.socket(fileno=fd)
    children: dict[int, tuple[int, int]] = {}        # pidfd -> (pid, status fd)
    while True:
        ready = select.select([sock, *children], [], [])[0]
        for pidfd in [r for r in ready if r is not sock]:
            pid, status = children.pop(pidfd)
            _, wstatus = os.waitpid(pid, 0)
            code = os.WEXITSTATUS(wstatus) if os.WIFEXITED(wstatus) else 0
            sig = str(os.WTERMSIG(wstatus)) if os.WIFSIGNALED(wstatus) else "-"
            _write(status, f"exit {code} {sig}\n")
            os.close(status)
            os.close(pidfd)
        if sock in ready:
            try:
                data, fds, _, _ = socket.recv_fds(sock, _MAX_REQUEST, 4)
            except OSError:
                return
            if not data and not fds:
                return                               # EOF: the grader is gone
            if len(fds) != 4:
                for f in fds:
                    os.close(f)
                continue
            started = _fork(json.loads(data), fds, sock, children)
            if started is not None:
                children[started[0]] = started[1:]


def _fork(request: dict, fds: list[int], sock: socket.socket, children: dict) -> tuple[int, int, int] | None:
    status = fds[3]
    try:
        pid = os.fork()
    except OSError as exc:
        _write(status, f"error {type(exc).__name__}\n")
        for f in fds:
            os.close(f)
        return None
    if pid == 0:
        from grader.runner.child import _exit_now, main

        code = 1
        try:
            _become_student(request, fds, sock, children)
            main()
            code = 0
        except BaseException:
            try:
                import traceback

                traceback.print_exc()                # into the student's log: fds 0-2 are its pipes
            except BaseException:
                pass
        finally:
            _exit_now(code)
    for f in fds[:3]:
        os.close(f)
    _write(status, f"started {pid}\n")
    return os.pidfd_open(pid), pid, status


def _become_student(request: dict, fds: list[int], sock: socket.socket, children: dict) -> None:
    """In the forked child: the three pipes as fds 0-2 and nothing else open, its own session,
    the limits, its folder."""
    from grader.runner.backend import Limits
    from grader.runner.local import _limit_resources

    sock.detach()                                    # its fd goes below; never closed twice
    for target, f in enumerate(fds[:3]):
        os.dup2(f, target)
    keep = {0, 1, 2}
    for name in os.listdir("/proc/self/fd"):
        if int(name) not in keep:
            try:
                os.close(int(name))
            except OSError:
                pass                                 # the listdir's own fd
    children.clear()
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _limit_resources(Limits(cpu_s=float(request["cpu_s"]), memory_bytes=int(request["memory_bytes"])))()
    os.chdir(request["cwd"])
    # sys.stdin/stdout/stderr are the server's, on fds 0-2 (now the pipes), not owning them.


def _write(fd: int, text: str) -> None:
    try:
        os.write(fd, text.encode())
    except OSError:
        pass                                         # the grader stopped listening
