"""Latency of a student's ``deepgrade check`` (unsandboxed backend, public cases), end to end.

Builds a student copy (``grader.release.write_student_copy``: stubs, the grader package and the
public fixtures, no solutions), fills its ``assignments/`` with finished work (the reference
solutions' files), runs the real command there in a fresh process, as a student does, and
reports the median wall time of: one exercise (``check 02 -k conv_forward_naive``) and every
assignment (``check NN``). Targets on a 2-core machine: one exercise under 0.5 s of grading, every
assignment under 8 s.

Usage::

    python bench/check_latency.py [--repeat 3]

The first number per line is the whole command (Python start-up, imports, grading); the
second subtracts the start-up of ``deepgrade --help`` measured the same way, which is what the
grading adds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time(args: list[str], cwd: Path, repeat: int) -> float:
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True,
                       env=dict(os.environ, COLUMNS="200"))
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader import cases as case_mod
    from grader.exercises import ASSIGNMENTS
    from grader.reference import load_assignment
    from grader.release import write_student_copy

    work = Path(tempfile.mkdtemp(prefix="deepgrade-check-"))
    fixtures = {}
    for name, exercises in ASSIGNMENTS.items():
        ref = load_assignment(name)
        for ex in exercises:
            fixtures[f"{name}/{ex.name}"] = case_mod.prepare(ex, ref, None)
    write_student_copy(work, fixtures)
    assignments = sorted(ASSIGNMENTS)
    for name in assignments:                              # the student's finished work
        for src in (ROOT / "solutions" / name).glob("[!_]*.py"):
            shutil.copy(src, work / "assignments" / name / src.name)
    # Bytecode as a student's second run (or pip) leaves it, even where PYTHONDONTWRITEBYTECODE
    # is set: compiling the grader's sources is not what is measured.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(work / "grader")], check=True)
    print(f"load {os.getloadavg()[0]:.1f}; median of {args.repeat} fresh processes each")
    base = _time(["--help"], work, args.repeat)
    print(f"{'deepgrade --help (start-up)':44s} {base:6.2f} s")
    one = _time(["check", "02", "-k", "conv_forward_naive"], work, args.repeat)
    print(f"{'check 02 -k conv_forward_naive':44s} {one:6.2f} s   grading {one - base:5.2f} s")
    worst = 0.0
    for name in assignments:
        wall = _time(["check", name[:2]], work, args.repeat)
        worst = max(worst, wall)
        print(f"{'check ' + name:44s} {wall:6.2f} s   grading {wall - base:5.2f} s")
    print(f"one_exercise={one:.2f} worst_assignment={worst:.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
