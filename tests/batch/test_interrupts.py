"""Real signals to a real `deepgrade grade`: Ctrl-C stops and records; kill -9 resumes with
nothing lost or duplicated; stale temp files and staging folders are cleaned at the next start."""
from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from messy import CORRECT

from grader.reference import REPO_ROOT

STUDENTS = [f"s{i}" for i in range(4)]


def _slow_folder(tmp_path: Path) -> Path:
    """Students whose first call sleeps, and who write their pid where the test can see it."""
    subs = tmp_path / "subs"
    pids = tmp_path / "pids"
    pids.mkdir()
    for name in STUDENTS:
        (subs / name).mkdir(parents=True)
        slow = (
            "import os as _os, time as _time\n"
            f"open({str(pids / name)!r} + '.' + str(_os.getpid()), 'w').close()\n"
            "_first = [True]\n"
            "_orig = conv_output_size\n"
            "def conv_output_size(*a, **k):\n"
            "    if _first[0]:\n"
            "        _first[0] = False\n"
            "        _time.sleep(1.0)\n"
            "    return _orig(*a, **k)\n"
        )
        (subs / name / "conv_arithmetic.py").write_text(CORRECT + "\n" + slow)
    return subs


def _start(subs: Path, out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "grader", "grade", str(subs), "-a", "01", "-k", "conv_output_size", "-o", str(out),
           "--seed", "s", "--no-sandbox", "--workers", "1"]
    tmp = subs.parent / "tmp"  # the student processes' working folders go here
    tmp.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp)}
    return subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def _wait_for_line(proc: subprocess.Popen, marker: str, timeout: float = 60) -> list[str]:
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError("never saw " + marker + ":\n" + "".join(lines))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _grades(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / "gradebook.sqlite")
    try:
        return db.execute("SELECT student, exercise FROM grades").fetchall()
    finally:
        db.close()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_children_writes_csv_and_resumes(tmp_path):
    subs, out = _slow_folder(tmp_path), tmp_path / "out"
    proc = _start(subs, out)
    _wait_for_line(proc, "[1/4]")
    time.sleep(0.3)  # the second student is now inside its slow first call
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "Ctrl-C took too long"
    assert proc.returncode == 130, rest
    assert "To resume, run the same command again" in rest and "--seed <secret>" in rest
    time.sleep(0.5)
    student_pids = [int(p.name.rsplit(".", 1)[1]) for p in (tmp_path / "pids").iterdir()]
    assert student_pids and not [p for p in student_pids if _alive(p)]
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    done = {r["submission"] for r in rows}
    assert 1 <= len(done) < len(STUDENTS)
    assert all(r["conv_output_size"] == "2.0" for r in rows)  # nothing half-graded recorded

    again = _start(subs, out)
    text, _ = again.communicate(timeout=120)
    assert again.returncode == 0, text
    assert f"{len(done)} kept from an earlier run" in text
    assert sorted(_grades(out)) == sorted((s, "conv_output_size") for s in STUDENTS)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_resumes_without_loss_or_duplicates_and_cleans_up(tmp_path):
    subs, out = _slow_folder(tmp_path), tmp_path / "out"
    proc = _start(subs, out)
    _wait_for_line(proc, "[1/4]")
    time.sleep(0.3)
    staging = out / f".intake-{proc.pid}"
    proc.kill()
    proc.wait(timeout=10)
    (out / ".tmp-half-written").write_text("{")  # as if killed in the middle of a write
    staging.mkdir(exist_ok=True)  # (created only when a student needs staging; make sure it is there)
    before = _grades(out)
    assert len(before) >= 1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(int(p.name.rsplit(".", 1)[1])) for p in (tmp_path / "pids").iterdir()):
        time.sleep(0.1)  # the orphaned student process ends when its pipe closes
    left = list((tmp_path / "tmp").glob("deepgrade-*"))
    assert left, "expected the killed run to leave its student process's folder"
    for d in left:  # older than the grace period that protects a folder being created right now
        os.utime(d, (time.time() - 3600, time.time() - 3600))

    again = _start(subs, out)
    text, _ = again.communicate(timeout=120)
    assert again.returncode == 0, text
    after = _grades(out)
    assert sorted(after) == sorted((s, "conv_output_size") for s in STUDENTS), "lost or duplicated grades"
    assert not (out / ".tmp-half-written").exists() and not staging.exists()
    assert not [d for d in left if d.exists()], "stale student-process folders were not cleaned"
    assert sorted(p.stem for p in out.glob("*.json")) == STUDENTS
