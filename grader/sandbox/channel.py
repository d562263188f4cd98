"""The grader's end of one sandboxed child: request/reply frames, the capped log, the exit report.

The grader talks to the child directly over pipes (the zygote only forwards the fds once), reads
the child's stdout/stderr itself while it waits (so a chatty child never blocks on a full pipe),
keeps the first ``Limits.log_bytes``, and has the child killed when the log passes the flood
threshold or a reply frame announces more than ``Limits.frame_bytes``. The zygote reports how
the child ended on the status socket; :mod:`.exits` turns that into ``ChildExit.reason``.
"""
from __future__ import annotations

import json
import os
import select
import socket
import struct
import time
from typing import Callable

from grader.runner import reasons
from grader.runner.backend import ChildExit, ChildGone, ChildTimeout, Limits

from .errors import SandboxUnavailable
from .exits import ExitFacts, describe
from .protocol import CLOSE_GRACE_S, KILL, MAX_MESSAGE, READY, SETUP_FAILED_MARK, decode_event

_HEADER = struct.Struct("<Q")           # grader.runner.framing's frame header
_CHUNK = 1 << 20
# How long to wait for the zygote's exit report after asking for the child's end; the zygote
# kills at CLOSE_GRACE_S, so this only matters if the zygote itself is wedged.
_REPORT_TIMEOUT_S = CLOSE_GRACE_S + 10.0


class SandboxChannel:
    """A :class:`grader.runner.backend.Channel` to one sandboxed child. Not thread-safe: use it
    from one thread at a time (the grader has one channel per worker)."""

    def __init__(self, *, limits: Limits, flood_bytes: int, request_w: int, reply_r: int,
                 log_r: int, status: socket.socket, on_end: Callable[[], int]):
        """Wraps already connected fds (the backend creates them).

        Args:
            limits: the child's limits (log, frame and wall caps are enforced here).
            flood_bytes: stdout+stderr volume at which the child is killed, in bytes.
            request_w, reply_r, log_r: grader ends of the request, reply and log pipes.
            status: grader end of the status socket to the zygote.
            on_end: called once when the child is known to be gone; returns the OOM kills its
                memory cgroup counted (and lets the backend reuse the slot).
        """
        self.limits = limits
        self.pid: int | None = None              # host pid of the child, once the zygote says
        self.oom_kills: Callable[[], int] = lambda: 0   # the slot's OOM kills so far (backend sets)
        self.zygote_died = False
        self._flood_bytes = flood_bytes
        self._req: int | None = request_w
        self._reply: int | None = reply_r
        self._logfd: int | None = log_r
        self._status = status
        self._on_end = on_end
        for fd in (request_w, reply_r, log_r):
            os.set_blocking(fd, False)
        self._inbuf = bytearray()
        self._log = bytearray()
        self._log_total = 0
        self._awaiting = 0                       # requests sent and not answered
        self._killed_by: str | None = None       # "flood" / "frame", decided here
        self._frame_bytes = 0
        self._finishing = False
        self._exit: ChildExit | None = None
        self._setup_error: str | None = None
        # The zygote enforces wall_s; this is only a backstop should the zygote be wedged.
        self._hard_deadline = time.monotonic() + limits.wall_s + _REPORT_TIMEOUT_S

    # ------------------------------------------------------------------ Channel interface
    def send(self, payload: bytes) -> None:
        """Sends one request frame. Raises :class:`ChildGone` when the child is dead."""
        if self._exit is not None:
            raise ChildGone(self._exit)
        self._awaiting += 1
        # One write for a small frame: each write to the pipe may wake the child.
        parts = ((_HEADER.pack(len(payload)) + payload,) if len(payload) <= _CHUNK
                 else (_HEADER.pack(len(payload)), payload))
        for view in map(memoryview, parts):
            while view:
                r, w = self._wait(self._hard_deadline, want_write=True)
                if r:
                    self._pump_log()
                if w:
                    try:
                        view = view[os.write(self._req, view[:_CHUNK]):]
                    except BlockingIOError:
                        pass
                    except (BrokenPipeError, ConnectionResetError):
                        raise ChildGone(self._finish(kill=False, closing=False)) from None

    def recv(self, timeout: float) -> bytes:
        """Waits up to ``timeout`` seconds for one reply frame (see ``Channel.recv``)."""
        if self._exit is not None:
            raise ChildGone(self._exit)
        frame = self._read_frame(time.monotonic() + timeout)
        self._awaiting = max(0, self._awaiting - 1)
        return frame

    def close(self) -> ChildExit:
        """Ends the child (EOF on its requests, SIGKILL after a short grace), reaps it, returns
        how it ended. Idempotent."""
        return self._finish(kill=False, closing=True)

    def take_log(self) -> str:
        """Returns the output kept so far and starts afresh: the log cap and the flood count
        then apply to what comes next (a warm child's next exercise)."""
        log, self._log, self._log_total = self._log, bytearray(), 0
        return bytes(log).decode("utf-8", "replace")

    # ------------------------------------------------------------------ used by the backend
    def wait_ready(self, timeout: float) -> None:
        """Waits for the child's READY frame, sent once every protection is in place.

        Raises:
            SandboxUnavailable: setup failed, the child vanished, or it was not ready in time;
                the channel is closed and no student code ran.
        """
        try:
            frame = self._read_frame(time.monotonic() + timeout)
        except ChildTimeout:
            self._finish(kill=True, closing=True)
            raise SandboxUnavailable(f"the sandboxed child was not ready within {timeout:g} s") from None
        except ChildGone as e:
            raise SandboxUnavailable(self._why_setup_failed(e.exit)) from None
        if frame != READY:
            self._finish(kill=True, closing=True)
            raise SandboxUnavailable(f"unexpected handshake from the sandboxed child: {frame[:60]!r}")

    # ------------------------------------------------------------------ internals
    def _why_setup_failed(self, exit: ChildExit) -> str:
        for line in exit.log.splitlines():
            if line.startswith(SETUP_FAILED_MARK):
                return line.replace(SETUP_FAILED_MARK, "sandbox setup failed", 1)
        if self._setup_error:
            return f"the zygote could not start the child: {self._setup_error}"
        if self.zygote_died:
            return "the sandbox zygote died while starting the child"
        return f"the sandboxed child ended during setup ({exit.reason or 'no reason given'})"

    def _wait(self, deadline: float, want_write: bool = False) -> tuple[bool, bool]:
        """Waits for log data or (optionally) request-pipe room; returns (log_ready, writable)."""
        left = deadline - time.monotonic()
        if left <= 0:
            self._killed_by = self._killed_by or "wall"
            raise ChildGone(self._finish(kill=True, closing=False))
        rlist = [self._logfd] if self._logfd is not None else []
        r, w, _ = select.select(rlist, [self._req] if want_write else [], [], left)
        return bool(r), bool(w)

    def _read_frame(self, deadline: float) -> bytes:
        while True:
            frame = self._take_frame()
            if frame is not None:
                return frame
            left = min(deadline, self._hard_deadline) - time.monotonic()
            if left <= 0:
                if deadline < self._hard_deadline:
                    raise ChildTimeout("no reply within the time asked for")
                self._wait(self._hard_deadline)          # raises ChildGone
            rlist = [self._reply] + ([self._logfd] if self._logfd is not None else [])
            ready, _, _ = select.select(rlist, [], [], max(0.0, left))
            if self._logfd is not None and self._logfd in ready:
                self._pump_log()
            if self._reply in ready:
                try:
                    chunk = os.read(self._reply, _CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise ChildGone(self._finish(kill=False, closing=False))
                self._inbuf += chunk

    def _take_frame(self) -> bytes | None:
        buf = self._inbuf
        if len(buf) < _HEADER.size:
            return None
        (n,) = _HEADER.unpack_from(buf)
        if n > self.limits.frame_bytes:
            self._killed_by, self._frame_bytes = "frame", n
            raise ChildGone(self._finish(kill=True, closing=False))
        if len(buf) < _HEADER.size + n:
            return None
        frame = bytes(buf[_HEADER.size:_HEADER.size + n])
        del buf[:_HEADER.size + n]
        return frame

    def _pump_log(self) -> None:
        try:
            chunk = os.read(self._logfd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            os.close(self._logfd)
            self._logfd = None
            return
        self._log_total += len(chunk)
        room = self.limits.log_bytes - len(self._log)
        if room > 0:
            self._log += chunk[:room]
        if self._log_total > self._flood_bytes and not self._finishing:
            self._killed_by = "flood"
            raise ChildGone(self._finish(kill=True, closing=False))

    def _finish(self, *, kill: bool, closing: bool) -> ChildExit:
        if self._exit is not None:
            return self._exit
        self._finishing = True
        for name in ("_req", "_reply"):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)
        try:
            if kill:
                self._status.send(KILL)
            self._status.shutdown(socket.SHUT_WR)        # EOF: zygote kills after the grace
        except OSError:
            pass
        report = self._await_report(time.monotonic() + _REPORT_TIMEOUT_S)
        drain_until = time.monotonic() + 1.0             # the dead child's log pipe is at EOF
        while self._logfd is not None and time.monotonic() < drain_until:
            if select.select([self._logfd], [], [], drain_until - time.monotonic())[0]:
                self._pump_log()
        if self._logfd is not None:
            os.close(self._logfd)
            self._logfd = None
        self._status.close()
        oom_kills = self._on_end()
        self._exit = self._build_exit(report, oom_kills, closing)
        return self._exit

    def _await_report(self, deadline: float) -> dict | None:
        """Reads zygote events until the ``exit`` one; None if the zygote vanished or errored."""
        while time.monotonic() < deadline:
            rlist = [self._status] + ([self._logfd] if self._logfd is not None else [])
            ready, _, _ = select.select(rlist, [], [], deadline - time.monotonic())
            if self._logfd is not None and self._logfd in ready:
                self._pump_log()
            if self._status not in ready:
                continue
            try:
                data = self._status.recv(MAX_MESSAGE)
            except OSError:
                data = b""
            if not data:
                self.zygote_died = True
                return None
            try:
                event = decode_event(data)
            except (ValueError, json.JSONDecodeError):
                continue
            if event["event"] == "started":
                self.pid = event.get("pid")
            elif event["event"] == "error":
                self._setup_error = str(event.get("error"))
                return None
            elif event["event"] == "exit":
                return event
        self.zygote_died = True                          # wedged: treat like gone
        return None

    def _build_exit(self, report: dict | None, oom_kills: int, closing: bool) -> ChildExit:
        log = bytes(self._log).decode("utf-8", "replace")
        if report is None:
            reason = (f"the zygote could not start the child: {self._setup_error}"
                      if self._setup_error else reasons.ZYGOTE_DIED)
            return ChildExit(returncode=None, signal=None, reason=reason, log=log)
        killed_by = report.get("killed_by")
        if killed_by != "wall" and self._killed_by is not None:
            killed_by = self._killed_by                  # flood / frame: we asked for the kill
        facts = ExitFacts(returncode=report.get("returncode"), signal=report.get("signal"),
                          cpu_s=float(report.get("cpu_s") or 0.0), killed_by=killed_by,
                          oom_kills=oom_kills, awaiting_reply=self._awaiting > 0,
                          closing=closing, log=log, frame_bytes=self._frame_bytes)
        reason = describe(facts, wall_s=self.limits.wall_s, cpu_s=self.limits.cpu_s,
                          memory_bytes=self.limits.memory_bytes, flood_bytes=self._flood_bytes,
                          frame_cap=self.limits.frame_bytes)
        return ChildExit(returncode=facts.returncode, signal=facts.signal, reason=reason,
                         log=log, cpu_s=facts.cpu_s)
