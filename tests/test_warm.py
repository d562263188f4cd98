"""One warm child per submission (grader.runner.warm) on the unsandboxed backend.

The sandboxed variant is covered by tests/hostile/ and tests/sandbox/test_torch_zygote.py.
"""
from __future__ import annotations

import os
import sys

import pytest

from grader.runner.backend import Limits
from grader.runner.local import LocalBackend
from grader.runner.session import Session, SessionAborted, StudentError
from grader.runner.warm import WarmHost

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="warm children need fork()")

LIMITS = Limits(wall_s=3.0, cpu_s=3.0, memory_bytes=512 << 20, import_s=2.0)


def run(host: WarmHost, files: dict, func: str, *args, limits: Limits = LIMITS):
    """One exercise: a session on the host; returns the value or the SessionAborted/StudentError."""
    with Session(host, limits) as session:
        try:
            found = session.load(files, [func]).found
            if func not in found:
                return "missing"
            return session.call(func, *args).value
        except (SessionAborted, StudentError) as exc:
            return exc


def test_files_are_imported_once_for_all_exercises(tmp_path):
    marker = tmp_path / "imports.txt"
    files = {"a.py": f"open({str(marker)!r}, 'a').write('x')\nCOUNT = []\n"
                     "def f(x):\n    COUNT.append(x)\n    return len(COUNT)\n"
                     "def g(x):\n    return x * 2\n"}
    host = WarmHost(LocalBackend(), files, ["f", "g"], LIMITS, exercises=3)
    try:
        # Each exercise starts from the state after the import: f's list is empty every time.
        assert [run(host, files, "f", 1), run(host, files, "g", 21), run(host, files, "f", 5)] == [1, 42, 1]
    finally:
        host.shutdown()
    assert marker.read_text() == "x"
    assert host.starts == 1


def test_crash_and_hang_cost_only_that_exercise():
    files = {"a.py": "import os, time\n"
                     "def crash(x):\n    os._exit(3)\n"
                     "def hang(x):\n    while True:\n        pass\n"
                     "def ok(x):\n    return x + 1\n"}
    host = WarmHost(LocalBackend(), files, ["crash", "hang", "ok"], LIMITS, exercises=3)
    try:
        crashed = run(host, files, "crash", 1)
        assert isinstance(crashed, SessionAborted) and crashed.kind == "crashed"
        assert "exited with code 3" in crashed.message
        hung = run(host, files, "hang", 1, limits=Limits(wall_s=1.0, cpu_s=5.0, import_s=2.0))
        assert isinstance(hung, SessionAborted) and hung.kind == "timeout"
        assert "wall-clock limit of 1 s" in hung.message
        assert run(host, files, "ok", 1) == 2
    finally:
        host.shutdown()
    assert host.starts == 1                       # the warm child outlived both


def test_import_hang_is_paid_once_and_remembered():
    files = {"a.py": "import time\ntime.sleep(60)\ndef f(x):\n    return x\n"}
    host = WarmHost(LocalBackend(), files, ["f"], Limits(wall_s=1.0, cpu_s=2.0, import_s=1.0), exercises=3)
    try:
        results = [run(host, files, "f", 1, limits=Limits(wall_s=1.0, cpu_s=2.0, import_s=1.0)) for _ in range(3)]
    finally:
        host.shutdown()
    assert all(isinstance(r, SessionAborted) and r.kind == "timeout" for r in results), results
    assert all("importing your files" in r.message and "1 s" in r.message for r in results)
    assert host.starts == 1


def test_import_crash_is_remembered_and_import_errors_reported():
    crashing = {"a.py": "import os\nos._exit(7)\n"}
    host = WarmHost(LocalBackend(), crashing, ["f"], LIMITS, exercises=2)
    try:
        results = [run(host, crashing, "f", 1) for _ in range(2)]
    finally:
        host.shutdown()
    assert all(isinstance(r, SessionAborted) and "exited with code 7" in r.message for r in results)
    assert host.starts == 1
    broken = {"a.py": "def f(x):\n    return x\n", "b.py": "def g(x)\n    return x\n"}
    host = WarmHost(LocalBackend(), broken, ["f", "g"], LIMITS, exercises=2)
    try:
        with Session(host, LIMITS) as session:
            loaded = session.load(broken, ["g"])
            assert "g" not in loaded.found and "SyntaxError" in loaded.import_errors["b"]
        assert run(host, broken, "f", 4) == 4     # the other file's exercise is unaffected
    finally:
        host.shutdown()


def test_state_and_output_do_not_leak_between_exercises():
    files = {"a.py": "import numpy as np\n"
                     "def spoil(x):\n    np.add = lambda *a, **k: 0\n    print('spoiled')\n    return 1\n"
                     "def add(x):\n    return float(np.add(x, 1))\n"}
    host = WarmHost(LocalBackend(), files, ["spoil", "add"], LIMITS, exercises=2)
    try:
        assert run(host, files, "spoil", 0) == 1
        assert run(host, files, "add", 1.0) == 2.0
    finally:
        host.shutdown()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA/AS semantics are Linux's")
def test_memory_limit_lets_torch_import_and_stops_a_bomb():
    files = {"a.py": "import numpy as np\nimport torch\n"
                     "def bomb(x):\n    return float(np.ones(1 << 28).sum())\n"
                     "def small(x):\n    return float(torch.ones(1000).sum()) + x\n"}
    limits = Limits(wall_s=20.0, cpu_s=20.0, memory_bytes=512 << 20, import_s=60.0)
    host = WarmHost(LocalBackend(), files, ["bomb", "small"], limits, exercises=2)
    try:
        bombed = run(host, files, "bomb", 0, limits=limits)
        assert isinstance(bombed, StudentError) and bombed.is_a("MemoryError"), bombed
        assert run(host, files, "small", 1.0, limits=limits) == 1001.0
    finally:
        host.shutdown()
