"""deepgrade ``grade`` against nbgrader ``autograde`` on the same 20 submissions, side by side.

Builds an nbgrader course itself: one notebook with the 13 functions of assignments 01 and 02
(solution cells taken from ``solutions/``), CS231n-style helper cells (``rel_error``,
``eval_numerical_gradient_array``) and autograder test cells with comparable asserts, including
numerical-gradient checks of both backward functions. The 20 submissions are correct student
solutions (the loop-style and the im2col-style examples, alternating), once as notebooks for
nbgrader and once as ``.py`` folders for deepgrade. With ``--torch-oracle`` the notebook also
checks the convolution against ``torch.nn.functional.conv2d`` (so its kernel imports torch).

deepgrade runs ``grade --no-report``: grades, per-student JSON and the gradebook, which is what
``nbgrader autograde`` does; feedback pages are a separate step in both tools
(``deepgrade report``, ``nbgrader generate_feedback``).

Rounds are interleaved (nbgrader, deepgrade with 1 worker, deepgrade with 2 workers, then
again), each run a fresh process. CPU time is that of *every* process a run starts, read from
a cgroup v1 ``cpuacct`` group the run is started in (a sandbox zygote's children are not
waited-for children of the grader, so ``RUSAGE_CHILDREN`` would miss them); where no writable
cpuacct hierarchy exists it falls back to ``RUSAGE_CHILDREN`` and says so.

Usage::

    python bench/batch.py [--rounds 2] [--keep DIR] [--no-sandbox] [--torch-oracle]

Prints per-submission CPU and wall time of each tool, deepgrade's throughput with 1 and 2
workers, and on its last line ``deepgrade_vs_nbgrader=<CPU ratio> wall=<wall ratio>`` (nbgrader
over deepgrade with 1 worker; higher is better for deepgrade). The machine may be shared: CPU
ratios are the robust figure.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_SUBMISSIONS = 20
STUDENTS = [ROOT / "examples/submissions/01_02/alice_loops", ROOT / "examples/submissions/01_02/bob_im2col"]

SETUP = "import numpy as np\n"
HELPERS = '''\
def rel_error(x, y):
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))

def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Central differences over every element of x (CS231n)."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad

def ref_conv(x, w, b, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwkl,fckl->nfhw", win, w) + b[None, :, None, None]
'''

# (grade_id, points, code): comparable to deepgrade's checks of the same functions.
TESTS = [
    ("t_conv_output_size", 2, '''\
assert conv_output_size(32, 3, 1, 1) == 32
assert conv_output_size(32, 5) == 28
assert conv_output_size(7, 3, 2) == 3
assert conv_output_size(224, 7, 2, 3) == 112
assert conv_output_size(10, 3, 1, 0, 2) == 6
for _bad in [(2, 5), (0, 1), (5, 3, 0)]:
    try:
        conv_output_size(*_bad)
        assert False, _bad
    except ValueError:
        pass
'''),
    ("t_pool_output_size", 2, '''\
assert pool_output_size(32, 2) == 16
assert pool_output_size(7, 3, 2) == 3
assert pool_output_size(6, 3, 2, 0, True) == 3
assert pool_output_size(5, 2, 2, 1, True) == 3
try:
    pool_output_size(1, 3)
    assert False
except ValueError:
    pass
'''),
    ("t_same_padding", 1, "assert same_padding(3) == (1, 1)\nassert same_padding(4) == (1, 2)\nassert same_padding(3, 2) == (2, 2)\n"),
    ("t_receptive_field", 2, "assert receptive_field([(3, 1, 1), (3, 1, 1)]) == 5\nassert receptive_field([(3, 2, 1), (3, 2, 1)]) == 7\nassert receptive_field([(3, 1, 2)]) == 5\n"),
    ("t_conv_param_count", 1, "assert conv_param_count(3, 64, 3) == 1792\nassert conv_param_count(64, 64, 3, groups=64, bias=False) == 576\n"),
    ("t_conv_macs", 1, "assert conv_macs(3, 64, 3, 32, 32) == 1769472\nassert conv_macs(64, 64, 3, 8, 8, groups=64) == 36864\n"),
    ("t_depthwise_ratio", 1, "assert abs(depthwise_separable_cost_ratio(32, 64, 3) - (1 / 64 + 1 / 9)) < 1e-12\n"),
    ("t_conv_forward", 3, '''\
_rng = np.random.default_rng(0)
for _shape, _wshape, _s, _p in [((2, 3, 8, 8), (4, 3, 3, 3), 1, 1), ((2, 3, 7, 5), (2, 3, 3, 2), 2, 1),
                                ((1, 2, 6, 6), (3, 2, 3, 3), 2, 0), ((2, 3, 5, 5), (4, 3, 1, 1), 1, 2)]:
    _x, _w, _b = _rng.standard_normal(_shape), _rng.standard_normal(_wshape), _rng.standard_normal(_wshape[0])
    _out, _ = conv_forward_naive(_x, _w, _b, {"stride": _s, "pad": _p})
    _exp = ref_conv(_x, _w, _b, _s, _p)
    assert _out.shape == _exp.shape and rel_error(_out, _exp) < 1e-8
'''),
    ("t_conv_backward", 3, '''\
_rng = np.random.default_rng(1)
_x = _rng.standard_normal((2, 3, 5, 5)); _w = _rng.standard_normal((2, 3, 3, 3)); _b = _rng.standard_normal(2)
_cp = {"stride": 1, "pad": 1}
_dout = _rng.standard_normal((2, 2, 5, 5))
_, _cache = conv_forward_naive(_x, _w, _b, _cp)
_dx, _dw, _db = conv_backward_naive(_dout, _cache)
_dx_num = eval_numerical_gradient_array(lambda x: conv_forward_naive(x, _w, _b, _cp)[0], _x, _dout)
_dw_num = eval_numerical_gradient_array(lambda w: conv_forward_naive(_x, w, _b, _cp)[0], _w, _dout)
_db_num = eval_numerical_gradient_array(lambda b: conv_forward_naive(_x, _w, b, _cp)[0], _b, _dout)
assert rel_error(_dx, _dx_num) < 1e-7 and rel_error(_dw, _dw_num) < 1e-7 and rel_error(_db, _db_num) < 1e-7
'''),
    ("t_correlate_convolve", 2, '''\
_rng = np.random.default_rng(2)
_img, _k = _rng.standard_normal((6, 7)), _rng.standard_normal((3, 2))
_win = np.lib.stride_tricks.sliding_window_view(_img, _k.shape)
assert np.allclose(correlate2d(_img, _k), np.einsum("ijkl,kl->ij", _win, _k))
assert np.allclose(convolve2d(_img, _k), np.einsum("ijkl,kl->ij", _win, _k[::-1, ::-1]))
'''),
    ("t_depthwise_forward", 2, '''\
_rng = np.random.default_rng(3)
_x = _rng.standard_normal((2, 3, 6, 6)); _wd = _rng.standard_normal((3, 1, 3, 3)); _bd = _rng.standard_normal(3)
_wp = _rng.standard_normal((4, 3, 1, 1)); _bp = _rng.standard_normal(4)
_out, _ = depthwise_separable_conv_forward(_x, _wd, _bd, _wp, _bp, {"stride": 1, "pad": 1})
_mid = np.concatenate([ref_conv(_x[:, c:c + 1], _wd[c:c + 1], _bd[c:c + 1], 1, 1) for c in range(3)], axis=1)
assert rel_error(_out, ref_conv(_mid, _wp, _bp, 1, 0)) < 1e-8
'''),
    ("t_depthwise_backward", 3, '''\
_rng = np.random.default_rng(4)
_x = _rng.standard_normal((1, 2, 4, 4)); _wd = _rng.standard_normal((2, 1, 3, 3)); _bd = _rng.standard_normal(2)
_wp = _rng.standard_normal((3, 2, 1, 1)); _bp = _rng.standard_normal(3)
_cp = {"stride": 1, "pad": 1}
_f = lambda x, wd, wp: depthwise_separable_conv_forward(x, wd, _bd, wp, _bp, _cp)[0]
_dout = _rng.standard_normal(_f(_x, _wd, _wp).shape)
_, _cache = depthwise_separable_conv_forward(_x, _wd, _bd, _wp, _bp, _cp)
_dx, _dwd, _dbd, _dwp, _dbp = depthwise_separable_conv_backward(_dout, _cache)
assert rel_error(_dx, eval_numerical_gradient_array(lambda x: _f(x, _wd, _wp), _x, _dout)) < 1e-7
assert rel_error(_dwd, eval_numerical_gradient_array(lambda wd: _f(_x, wd, _wp), _wd, _dout)) < 1e-7
assert rel_error(_dwp, eval_numerical_gradient_array(lambda wp: _f(_x, _wd, wp), _wp, _dout)) < 1e-7
'''),
]


# With --torch-oracle: the convolution is also checked against PyTorch, as course notebooks
# often do (and as the notebook of the nbgrader measurement in the issue did: its kernel imported
# torch). One more test cell; the kernel then pays for importing torch.
TORCH_TEST = ("t_conv_forward_torch", 1, '''\
import torch
import torch.nn.functional as F
_rng = np.random.default_rng(5)
_x = _rng.standard_normal((2, 3, 7, 7)); _w = _rng.standard_normal((4, 3, 3, 3)); _b = _rng.standard_normal(4)
for _s, _p in [(1, 1), (2, 0)]:
    _out, _ = conv_forward_naive(_x, _w, _b, {"stride": _s, "pad": _p})
    _exp = F.conv2d(torch.from_numpy(_x), torch.from_numpy(_w), torch.from_numpy(_b), stride=_s, padding=_p).numpy()
    assert rel_error(_out, _exp) < 1e-8
''')


# ---------------------------------------------------------------------------------------- course
def _cell(kind: str, source: str, **nbgrader) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    if nbgrader:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, "task": False, "grade": False, "solution": False,
                                        "locked": False, **nbgrader}
    return cell


def _notebook(solution_cells: list[str], torch_oracle: bool = False) -> dict:
    cells = [_cell("code", SETUP, locked=True, grade_id="setup"),
             _cell("code", HELPERS, locked=True, grade_id="helpers")]
    for i, source in enumerate(solution_cells):
        cells.append(_cell("code", source, solution=True, grade_id=f"solution_{i}"))
    for grade_id, points, code in TESTS + ([TORCH_TEST] if torch_oracle else []):
        cells.append(_cell("code", code, grade=True, locked=True, grade_id=grade_id, points=points))
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                                         "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def _solution_sources() -> list[str]:
    return [(ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py").read_text(),
            (ROOT / "solutions/02_convolution/conv_layers.py").read_text()]


def _student_sources(folder: Path) -> list[str]:
    return [(folder / "conv_arithmetic.py").read_text(), (folder / "layers.py").read_text()]


def build(work: Path, env: dict, torch_oracle: bool = False) -> tuple[Path, Path]:
    """Writes the nbgrader course (generated and submitted) and the deepgrade submissions."""
    course = work / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'bench'\nc.CourseDirectory.root = %r\n"
        "c.Execute.timeout = 30\n" % str(course))
    (course / "source/ps1/ps1.ipynb").write_text(json.dumps(_notebook(_solution_sources(), torch_oracle)))
    subprocess.run(["nbgrader", "generate_assignment", "ps1", "--force", "--CourseDirectory.db_url=sqlite:///%s" % (course / "gradebook.db")],
                   cwd=course, env=env, check=True, capture_output=True)
    released = json.loads((course / "release/ps1/ps1.ipynb").read_text())
    py_dir = work / "deepgrade_submissions"
    for i in range(N_SUBMISSIONS):
        student = STUDENTS[i % len(STUDENTS)]
        sid = f"s{i + 1:02d}"
        sources = iter(_student_sources(student))
        nb = json.loads(json.dumps(released))
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("solution"):
                cell["source"] = next(sources)
        target = course / "submitted" / sid / "ps1"
        target.mkdir(parents=True)
        (target / "ps1.ipynb").write_text(json.dumps(nb))
        (target / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
        shutil.copytree(student, py_dir / sid)
    return course, py_dir


# ---------------------------------------------------------------------------------------- timing
class CpuMeter:
    """CPU seconds of every process a command starts: a cgroup v1 cpuacct group, else rusage."""

    def __init__(self) -> None:
        self.group = None
        base = "/sys/fs/cgroup/cpuacct"
        try:
            with open("/proc/self/cgroup") as fh:
                rel = next(l.split(":", 2)[2].strip() for l in fh if "cpuacct" in l.split(":")[1].split(","))
            group = os.path.join(base, rel.lstrip("/"), f"deepgrade-bench-{os.getpid()}")
            os.mkdir(group)
            self.group = group
        except (OSError, StopIteration):
            self.group = None
        self.how = "cgroup cpuacct (all processes)" if self.group else "RUSAGE_CHILDREN (waited-for children only)"

    def run(self, cmd: list[str], cwd: Path, env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
        group = self.group

        def enter() -> None:
            if group:
                with open(os.path.join(group, "cgroup.procs"), "w") as fh:
                    fh.write(str(os.getpid()))

        before = self._cpu()
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, preexec_fn=enter)
        wall = time.perf_counter() - start
        return self._cpu() - before, wall, proc

    def _cpu(self) -> float:
        if self.group:
            with open(os.path.join(self.group, "cpuacct.usage")) as fh:
                return int(fh.read()) / 1e9
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    def close(self) -> None:
        if self.group:
            try:
                os.rmdir(self.group)
            except OSError:
                pass


def _scores_nbgrader(course: Path, env: dict) -> list[float]:
    out = subprocess.run(["nbgrader", "export", "--to", str(course / "grades.csv")], cwd=course, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0 or not (course / "grades.csv").exists():
        return []
    import csv

    with open(course / "grades.csv") as fh:
        return [float(r["score"]) for r in csv.DictReader(fh)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="build the course here and keep it")
    ap.add_argument("--no-sandbox", action="store_true", help="grade deepgrade without the sandbox")
    ap.add_argument("--torch-oracle", action="store_true",
                    help="the nbgrader notebook also checks the convolution against torch (its kernel imports torch)")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="deepgrade-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), COLUMNS="200")
    env.pop("DEEPGRADE_SECRET", None)
    course, subs = build(work, env, args.torch_oracle)
    # Bytecode as an installed package has it, even where PYTHONDONTWRITEBYTECODE is set: compiling
    # the grader's sources on every run is not what is measured.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "grader"), str(ROOT / "solutions")], check=True)
    sandbox = not args.no_sandbox and sys.platform.startswith("linux") and os.geteuid() == 0
    meter = CpuMeter()
    print(f"work dir {work}; CPU from {meter.how}; deepgrade {'with' if sandbox else 'without'} the sandbox; "
          f"nbgrader notebook {'with' if args.torch_oracle else 'without'} the torch check; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    runs: dict[str, list[tuple[float, float]]] = {"nbgrader": [], "deepgrade w1": [], "deepgrade w2": []}
    for r in range(args.rounds):
        cpu, wall, proc = meter.run(["nbgrader", "autograde", "ps1", "--force"], course, env)
        if proc.returncode != 0:
            sys.exit(f"nbgrader autograde failed:\n{proc.stderr[-3000:]}")
        runs["nbgrader"].append((cpu, wall))
        print(f"round {r + 1}: nbgrader autograde      cpu {cpu:7.2f} s  wall {wall:7.2f} s", flush=True)
        for workers in (1, 2):
            out = work / f"out-{r}-{workers}"
            cmd = [sys.executable, "-m", "grader", "grade", str(subs), "-a", "01,02", "-o", str(out),
                   "--seed", "bench-secret", "--workers", str(workers), "--no-report"] + ([] if sandbox else ["--no-sandbox"])
            cpu, wall, proc = meter.run(cmd, ROOT, env)
            if proc.returncode != 0:
                sys.exit(f"deepgrade grade failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
            totals = [json.loads(p.read_text())["total"] for p in sorted(out.glob("s*.json"))]
            runs[f"deepgrade w{workers}"].append((cpu, wall))
            print(f"round {r + 1}: deepgrade --workers {workers}  cpu {cpu:7.2f} s  wall {wall:7.2f} s  "
                  f"({len(totals)} graded, {sum(t == 24 for t in totals)} full marks)", flush=True)
    meter.close()
    nb_scores = _scores_nbgrader(course, env)
    if nb_scores:
        print(f"nbgrader scores: {sum(s == max(nb_scores) for s in nb_scores)}/{len(nb_scores)} at {max(nb_scores):g}")
    med = {k: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v)) for k, v in runs.items()}
    print(f"\nper submission (median over {args.rounds} rounds, {N_SUBMISSIONS} submissions):")
    for k, (c, w) in med.items():
        print(f"  {k:14s} cpu {c / N_SUBMISSIONS:6.3f} s   wall {w / N_SUBMISSIONS:6.3f} s")
    t1, t2 = N_SUBMISSIONS / med["deepgrade w1"][1], N_SUBMISSIONS / med["deepgrade w2"][1]
    print(f"deepgrade throughput: {t1:.2f} submissions/s with 1 worker, {t2:.2f} with 2 ({t2 / t1:.2f}x)")
    print(f"deepgrade_vs_nbgrader={med['nbgrader'][0] / med['deepgrade w1'][0]:.1f} "
          f"wall={med['nbgrader'][1] / med['deepgrade w1'][1]:.1f}")


if __name__ == "__main__":
    main()
