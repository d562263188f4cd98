"""Per-child cost of the sandbox vs an unsandboxed fork vs a fresh Python (Linux, root).

Each sample is one child's whole life as the grader sees it: start it, one request/reply round
trip (a 5-byte echo), close it and learn how it ended. The three kinds are interleaved in every
round so that load changes on the machine hit all of them alike; medians are reported.

* ``sandbox``: ``SandboxBackend.open`` -> send/recv -> ``close`` (zygote already warm).
* ``fork``: this warm process (numpy and torch imported) forks a child that serves the same echo
  over two pipes; no namespaces, no limits. The lower bound for any fork-based design.
* ``fresh``: ``python -c 'import numpy, torch; <echo>'`` per child: what a process-per-child
  design pays.

Usage: ``python bench/sandbox_overhead.py [--rounds N]``. The last line is exactly
``sandbox_vs_fork=<ratio> fresh_python_vs_sandbox=<ratio>``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy  # noqa: E402,F401  (the warm process the fork baseline forks from)
import torch  # noqa: E402

from grader.runner.backend import Limits  # noqa: E402
from grader.runner.framing import read_frame, write_frame  # noqa: E402
from grader.sandbox import SandboxBackend, probe  # noqa: E402
from grader.sandbox.backend import ZYGOTE_ENV  # noqa: E402
from grader.sandbox.standin import echo_serve  # noqa: E402

PAYLOAD = b"ping!"
FRESH_CODE = ("import sys; sys.path.insert(0, {root!r}); import numpy, torch; "
              "from grader.sandbox.standin import echo_serve; "
              "echo_serve(sys.stdin.buffer, sys.stdout.buffer)")


def sandbox_once(backend: SandboxBackend) -> float:
    t = time.perf_counter()
    chan = backend.open(Limits(wall_s=10, cpu_s=10))
    chan.send(PAYLOAD)
    assert chan.recv(10) == PAYLOAD
    end = chan.close()
    assert end.returncode == 0, end
    return time.perf_counter() - t


def fork_once() -> float:
    t = time.perf_counter()
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(req_w)
            os.close(rep_r)
            echo_serve(os.fdopen(req_r, "rb"), os.fdopen(rep_w, "wb"))
            code = 0
        finally:
            os._exit(code)
    os.close(req_r)
    os.close(rep_w)
    with os.fdopen(req_w, "wb") as w, os.fdopen(rep_r, "rb") as r:
        write_frame(w, PAYLOAD)
        assert read_frame(r, 1 << 20) == PAYLOAD
    _, status = os.waitpid(pid, 0)
    assert status == 0
    return time.perf_counter() - t


def fresh_once(root: str) -> float:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", FRESH_CODE.format(root=root)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ZYGOTE_ENV)
    write_frame(proc.stdin, PAYLOAD)
    assert read_frame(proc.stdout, 1 << 20) == PAYLOAD
    proc.stdin.close()
    assert proc.wait() == 0
    proc.stdout.close()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="rounds (default 6)")
    parser.add_argument("--per-round", type=int, default=8,
                        help="sandbox and fork samples per round (default 8); fresh: 1 per round")
    args = parser.parse_args()
    problems = probe()
    if problems:
        sys.exit("sandbox unavailable: " + "; ".join(problems))
    torch.set_num_threads(1)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    backend = SandboxBackend(slots=1, entry="grader.sandbox.standin:echo_serve")
    try:
        backend.start()
        for _ in range(3):                           # warm-up: slot zygote, page cache
            sandbox_once(backend)
            fork_once()
        times: dict[str, list[float]] = {"sandbox": [], "fork": [], "fresh": []}
        for r in range(args.rounds):
            for i in range(args.per_round):
                pair = [("sandbox", lambda: sandbox_once(backend)), ("fork", fork_once)]
                for name, fn in (pair if (r + i) % 2 == 0 else pair[::-1]):
                    times[name].append(fn())
            times["fresh"].append(fresh_once(root))
    finally:
        backend.shutdown()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"load average: {open('/proc/loadavg').read().split()[:3]}")
    for name in ("sandbox", "fork", "fresh"):
        v = sorted(times[name])
        print(f"{name:8s} n={len(v):3d} median={med[name] * 1000:8.1f} ms  "
              f"min={v[0] * 1000:8.1f} ms  p90={v[int(0.9 * (len(v) - 1))] * 1000:8.1f} ms")
    print(f"sandbox_vs_fork={med['sandbox'] / med['fork']:.2f} "
          f"fresh_python_vs_sandbox={med['fresh'] / med['sandbox']:.1f}")


if __name__ == "__main__":
    main()
