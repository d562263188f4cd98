"""The unsandboxed backend's fork server (grader.runner.forkserver): student processes forked
from a warm Python, one with torch for submissions that import it; a dead server is replaced."""
from __future__ import annotations

import os
import signal

import pytest

from grader.runner import forkserver
from grader.runner.backend import Limits
from grader.runner.local import LocalBackend, child_env
from grader.runner.session import Session
from grader.runner.warm import WarmHost

pytestmark = pytest.mark.skipif(not forkserver.AVAILABLE, reason="the fork server needs Linux (pidfds, fd passing)")

LIMITS = Limits(wall_s=20.0, cpu_s=20.0, memory_bytes=1 << 30, import_s=60.0)
PROBE = "import sys, os\nHAD_TORCH = 'torch' in sys.modules\n"
WITH_TORCH = {"layers.py": PROBE + "import torch\n\ndef had_torch():\n    return HAD_TORCH\n"}
PLAIN = {"arith.py": PROBE + "def had_torch():\n    return HAD_TORCH\n"}


def _ask(files: dict, names: list[str], backend=None) -> list:
    host = WarmHost(backend or LocalBackend(), files, names, LIMITS, exercises=len(names))
    try:
        out = []
        for name in names:
            with Session(host, LIMITS) as session:
                session.load(files, [name])
                out.append(session.call(name).value)
        return out
    finally:
        host.shutdown()


def test_children_come_from_the_server_with_or_without_torch():
    from grader.runner import local

    pytest.importorskip("torch")
    assert _ask(WITH_TORCH, ["had_torch"]) == [True]   # torch was there before the student's file ran
    assert _ask(PLAIN, ["had_torch"]) == [False]       # the plain server has no torch
    assert forkserver.server(local._GRADER_PARENT, child_env(), False).alive()


def test_a_dead_server_is_replaced_and_python_itself_is_the_last_resort(monkeypatch):
    from grader.runner import local

    first = forkserver.server(local._GRADER_PARENT, child_env(), False)
    os.kill(first._proc.pid, signal.SIGKILL)
    first._proc.wait()
    assert _ask(PLAIN, ["had_torch"]) == [False]     # graded all the same, by a new server
    second = forkserver.server(local._GRADER_PARENT, child_env(), False)
    assert second is not first and second.alive()
    monkeypatch.setenv("DEEPGRADE_FORK_SERVER", "0")  # a fresh Python per child, as on macOS/Windows
    assert _ask(PLAIN, ["had_torch"]) == [False]


def test_exit_codes_and_signals_are_reported_like_a_subprocess(tmp_path):
    from grader.runner import local

    server = forkserver.server(local._GRADER_PARENT, child_env(), False)
    ends = server.spawn(str(tmp_path), 5.0, 1 << 30)
    assert ends.poll() is None
    ends.stdin.close()                        # no more requests: its serving loop returns
    assert ends.wait(10) == 0
    killed = server.spawn(str(tmp_path), 5.0, 1 << 30)
    os.kill(killed.pid, signal.SIGKILL)
    assert killed.wait(10) == -signal.SIGKILL
    for proc in (ends, killed):
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
