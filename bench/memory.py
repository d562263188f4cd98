"""Peak memory of ``deepgrade grade`` on many submissions (default 160), all processes together.

Copies the two correct example submissions of 01+02 into N folders, grades them with
``deepgrade grade --workers W`` in a fresh cgroup v1 ``memory`` group (a child of this process's
own), and reports the group's peak usage (``memory.max_usage_in_bytes``: the grader, the
zygote, every warm and exercise child, and page cache they caused) and the grader process's own
peak RSS. Linux, with a writable memory hierarchy (root); the sandbox is used when available.

Usage::

    python bench/memory.py [--submissions 160] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = [ROOT / "examples/submissions/01_02/alice_loops", ROOT / "examples/submissions/01_02/bob_im2col"]


def _memory_group() -> str:
    with open("/proc/self/cgroup") as fh:
        rel = next(l.split(":", 2)[2].strip() for l in fh if "memory" in l.split(":")[1].split(","))
    for base in (f"/sys/fs/cgroup/memory{rel.rstrip('/')}", "/sys/fs/cgroup/memory"):
        if os.path.isdir(base):
            group = os.path.join(base, f"deepgrade-memory-{os.getpid()}")
            os.mkdir(group)
            return group
    raise OSError("no memory cgroup hierarchy")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--submissions", type=int, default=160)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="deepgrade-memory-"))
    subs = work / "subs"
    for i in range(args.submissions):
        shutil.copytree(STUDENTS[i % 2], subs / f"s{i:03d}")
    group = _memory_group()
    sandbox = os.geteuid() == 0 and sys.platform.startswith("linux")

    def enter() -> None:
        with open(os.path.join(group, "cgroup.procs"), "w") as fh:
            fh.write(str(os.getpid()))

    cmd = [sys.executable, "-m", "grader", "grade", str(subs), "-a", "01,02", "-o", str(work / "out"),
           "--seed", "memory-bench", "--workers", str(args.workers)] + ([] if sandbox else ["--no-sandbox"])
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, preexec_fn=enter,
                          env=dict(os.environ, COLUMNS="200"))
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(proc.stdout[-2000:] + proc.stderr[-2000:])
    with open(os.path.join(group, "memory.max_usage_in_bytes")) as fh:
        peak = int(fh.read())
    grader_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    graded = len(list((work / "out").glob("s*.json")))
    print(f"{graded} submissions, {args.workers} workers, {'sandbox' if sandbox else 'no sandbox'}: wall {wall:.1f} s")
    print(f"peak memory of all processes (cgroup): {peak / 2**20:.0f} MiB; largest single process peak RSS {grader_rss / 2**20:.0f} MiB (RUSAGE_CHILDREN)")
    try:
        os.rmdir(group)
    except OSError:
        pass                                  # a straggler still inside; the group stays empty-ish
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
