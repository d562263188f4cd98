"""nbgrader for real: generate_assignment, autograde and export on a deepgrade course, against `deepgrade grade`."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.exercises import ASSIGNMENTS
from grader.notebooks.build import _solution_text
from grader.reference import SOLUTIONS_DIR

pytestmark = pytest.mark.slow
nbgrader = pytest.importorskip("nbgrader")

ASSIGNMENT = "01_conv_arithmetic"
SECRET = "nbgrader-e2e-secret"
BIN = Path(sys.executable).parent  # nbgrader shells out to `alembic`, which lives beside python


def _env(course: Path) -> dict:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", DEEPGRADE_SECRET=SECRET, PYTHONUNBUFFERED="1")
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


def _run(args: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env=_env(cwd), capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _reference_functions() -> dict[str, str]:
    """Reference code per top-level function of the assignment (helpers included)."""
    import ast

    text = _solution_text((SOLUTIONS_DIR / ASSIGNMENT / "conv_arithmetic.py").read_text(encoding="utf-8"))
    lines = text.splitlines()
    return {n.name: "\n".join(lines[n.lineno - 1 : n.end_lineno]) for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}


LIAR = '''
class _Liar(int):
    """Claims to equal anything; a grader that compared with == in the student's process would be fooled."""
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = int.__hash__
'''


def _student_code(kind: str) -> dict[str, str]:
    code = _reference_functions()
    if kind == "buggy":  # forgets the dilation when sizing the kernel
        code["conv_output_size"] = code["conv_output_size"].replace("effective_kernel = dilation * (kernel_size - 1) + 1", "effective_kernel = kernel_size")
    elif kind == "hostile":
        head = code["conv_output_size"].split('"""')[0]
        code["conv_output_size"] = head + "while True:\n        pass"
        head = code["same_padding"].split('"""')[0]
        code["same_padding"] = LIAR + "\n\n" + head + "return _Liar(0)"
        # Scratch code that would fake a score in a kernel; deepgrade never grades in one.
        code["_tamper"] = "import builtins\nbuiltins.print = lambda *a, **k: None\nSCORE = 10.0\nprint(SCORE)"
        head = code["receptive_field"].split('"""')[0]
        code["receptive_field"] = head + "import sys\n    sys.modules['numpy'] = None\n    return _Liar(0)"
    return code


def _fill(released: Path, target: Path, code: dict[str, str]) -> None:
    nb = nbformat.read(str(released), as_version=4)
    exercises = {ex.name for ex in ASSIGNMENTS[ASSIGNMENT]}
    helpers = "\n\n\n".join(v for k, v in code.items() if k not in exercises and k != "_tamper")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "helpers":
            cell.source = helpers
        elif grade_id in exercises:
            cell.source = code[grade_id]
    if "_tamper" in code:
        nb.cells.append(nbformat.v4.new_code_cell(code["_tamper"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))


def test_nbgrader_autograde_and_export_equal_deepgrade_grade(tmp_path):
    from grader.lms.nbgrader_glue import write_course

    course = tmp_path / "course"
    write_course(course, [ASSIGNMENT], no_sandbox=True)
    # Short limits: the hostile student's loop is waited out (and restarted) in both graders.
    (course / "deepgrade.toml").write_text("[limits]\nwall_s = 1.5\ncpu_s = 2\n", encoding="utf-8")
    config = (course / "nbgrader_config.py").read_text()
    (course / "nbgrader_config.py").write_text(config + "c.DeepgradeAutograde.config_file = 'deepgrade.toml'\n")
    nbg = [str(BIN / "nbgrader")]
    _run(nbg + ["generate_assignment", ASSIGNMENT, "--force"], course)
    released = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    student_view = nbformat.read(str(released), as_version=4)
    text = "".join(c.source for c in student_view.cells)
    assert "### BEGIN SOLUTION" not in text and "span // stride + 1" not in text and SECRET not in text
    assert "raise NotImplementedError()" in text

    students = ("correct", "buggy", "hostile")
    plain = tmp_path / "plain"
    for kind in students:
        _fill(released, course / "submitted" / kind / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", _student_code(kind))
        plain.mkdir(exist_ok=True)
        shutil.copy(course / "submitted" / kind / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", plain / f"{kind}.ipynb")
    _run(nbg + ["autograde", ASSIGNMENT, "--force"], course, timeout=600)
    _run(nbg + ["export"], course)
    with open(course / "grades.csv", newline="") as fh:
        exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(fh)}
    assert set(exported) == set(students)

    # The same notebooks through `deepgrade grade` (same secret, same limits).
    out = tmp_path / "grades"
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(plain), "-a", ASSIGNMENT, "-o", str(out), "--no-sandbox", "--workers", "1", "--config", str(course / "deepgrade.toml")],
        env=_env(course), capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    deepgrade = {}
    per_exercise = {}
    for kind in students:
        (path,) = [p for p in out.glob("*.json") if p.stem.startswith(kind)]
        doc = json.loads(path.read_text())
        deepgrade[kind] = doc["total"]
        per_exercise[kind] = {e["name"]: e["score"] for e in doc["exercises"]}
    print("\nstudent   nbgrader export   deepgrade grade")
    for kind in students:
        print(f"{kind:<9} {exported[kind]:>15g}   {deepgrade[kind]:>15g}")
    for kind in students:
        assert exported[kind] == pytest.approx(deepgrade[kind], abs=1e-6), kind

    full = sum(ex.points for ex in ASSIGNMENTS[ASSIGNMENT])
    assert exported["correct"] == full
    assert 0 < exported["buggy"] < full
    hostile = per_exercise["hostile"]
    assert hostile["conv_output_size"] == hostile["same_padding"] == hostile["receptive_field"] == 0
    honest = full - sum(ex.points for ex in ASSIGNMENTS[ASSIGNMENT] if ex.name in ("conv_output_size", "same_padding", "receptive_field"))
    assert exported["hostile"] == pytest.approx(honest)  # points for the untouched exercises only

    # The autograded notebook carries deepgrade's feedback in the test cells.
    graded = nbformat.read(str(course / "autograded" / "buggy" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_conv_output_size")
    assert re.match(r"conv_output_size: (partly right|failed), [\d.]+/2 points \(all cases\)", cell.outputs[0]["text"])
