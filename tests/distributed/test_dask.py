"""``grade --scheduler``: a real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1.

The workers grade unsandboxed (``sandbox=False``) so that these tests share no uids or cgroups
with the sandbox tests; what is tested here is the distribution: every submission graded and
committed exactly once, also when a worker is killed mid-batch, and a hanging submission costing
only its own time.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.reference import REPO_ROOT
from grader.runner.backend import Limits

distributed = pytest.importorskip("distributed")

CORRECT = (REPO_ROOT / "solutions" / "01_conv_arithmetic" / "conv_arithmetic.py").read_text()
# Slow enough at import that a batch is still running when a worker is killed.
SLOW = "import time\ntime.sleep(1.0)\n"
LIMITS = Limits(wall_s=5.0, cpu_s=5.0, memory_bytes=1 << 30, import_s=3.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask(*args: str, log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("dask")
    command = [str(exe), *args] if exe.exists() else [sys.executable, "-m", "dask", *args]
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False", PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=str(log.parent),
                            env=env, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    logs = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard", log=logs / "scheduler.log")
    workers = [_dask("worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard",
                     "--local-directory", str(logs / f"w{i}"), log=logs / f"worker{i}.log") for i in range(2)]
    client = None
    try:
        client = distributed.Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=90)
        yield {"address": address, "workers": workers, "client": client}
    finally:
        if client is not None:
            client.close()
        for proc in workers + [scheduler]:
            _stop(proc)


def _submissions(folder: Path, good: int, extra: dict[str, str]) -> dict[str, str]:
    folder.mkdir()
    sources = {f"good{i:02d}": SLOW + CORRECT for i in range(good)} | extra
    for name, source in sources.items():
        (folder / name).mkdir()
        (folder / name / "conv_arithmetic.py").write_text(source)
    return sources


def _rows(out: Path) -> list[tuple]:
    """(student, total) from the gradebook, after checking that no exercise was graded twice."""
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        twice = db.execute("SELECT student, exercise FROM grades GROUP BY student, exercise HAVING COUNT(*) > 1").fetchall()
        assert not twice, f"graded more than once: {twice}"
        return db.execute("SELECT student, ROUND(SUM(score), 2) FROM grades GROUP BY student ORDER BY student").fetchall()


def _grade(cluster, subs: Path, out: Path, on_result=None):
    from grader.api import grade_batch
    from grader.distributed import DaskGrader

    grader = DaskGrader(cluster["address"], ["01"], secret="dask-test", limits=LIMITS, sandbox=False, timeout_s=240)
    try:
        return grade_batch(subs, ["01"], secret="dask-test", out_dir=out, backend=None, workers=4,
                           limits=LIMITS, on_result=on_result, grade_one=grader)
    finally:
        grader.close()


def test_hanging_submission_does_not_block_the_others(cluster, tmp_path):
    hang = "import time\ntime.sleep(3600)\n" + CORRECT
    _submissions(tmp_path / "subs", 3, {"hangs": hang, "wrong": CORRECT.replace("// stride + 1", "// stride + 2")})
    batch = _grade(cluster, tmp_path / "subs", tmp_path / "out")
    assert not batch.failed
    totals = {r["submission"]: r["total"] for r in batch.results}
    assert set(totals) == {"good00", "good01", "good02", "hangs", "wrong"}
    assert all(totals[f"good0{i}"] == 10 for i in range(3))
    assert totals["hangs"] == 0 and 0 < totals["wrong"] < 10
    hung = next(r for r in batch.results if r["submission"] == "hangs")
    assert all("importing your files" in e["message"] for e in hung["exercises"])
    assert len(_rows(tmp_path / "out")) == 5


def test_grade_command_with_scheduler(cluster, tmp_path):
    _submissions(tmp_path / "subs", 2, {"broken": "def conv_output_size(:\n"})
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(tmp_path / "subs"), "-a", "01", "-o", str(out),
                          "--seed", "dask-cli", "--no-sandbox", "--scheduler", cluster["address"]],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={"PATH": os.environ.get("PATH", ""), "COLUMNS": "200"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert dict(_rows(out)) == {"broken": 0.0, "good00": 10.0, "good01": 10.0}


def test_killed_worker_loses_nothing_and_counts_nothing_twice(cluster, tmp_path):
    _submissions(tmp_path / "subs", 8, {})
    victim = cluster["workers"][1]
    done: list[str] = []

    def on_result(name, result, reused):
        done.append(name)
        if len(done) == 1:                            # mid-batch: the other worker is busy
            os.killpg(victim.pid, signal.SIGKILL)

    started = time.monotonic()
    batch = _grade(cluster, tmp_path / "subs", tmp_path / "out", on_result)
    assert victim.poll() is not None, "the worker was not killed"
    assert not batch.failed, batch.failed
    assert sorted(done) == sorted(set(done)) == [f"good{i:02d}" for i in range(8)]
    assert [t for _, t in _rows(tmp_path / "out")] == [10.0] * 8
    assert time.monotonic() - started < 200
