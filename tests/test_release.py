import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.exercises import ASSIGNMENTS
from grader.reference import REPO_ROOT
from grader.release import BEGIN, END, ReleaseError, make_stub, released_files


def test_committed_stubs_match_release_output():
    """assignments/ is generated: editing it by hand (or forgetting to release) fails here."""
    for rel, text in released_files().items():
        path = REPO_ROOT / "assignments" / rel
        assert path.is_file(), f"missing {path}; run `deepgrade release`"
        assert path.read_text(encoding="utf-8") == text, f"{path} drifted from solutions/; run `deepgrade release`"


def test_stub_keeps_signature_and_docstring_and_raises_exercise_id():
    src = 'def f(x, y=1):\n    """Doc (N, C)."""\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\n\n### BEGIN SOLUTION\ndef _helper():\n    pass\n### END SOLUTION\n'
    stub = make_stub(src, "09_demo")
    assert 'def f(x, y=1):\n    """Doc (N, C)."""\n    raise NotImplementedError("09_demo/f")' in stub
    assert "return x + y" not in stub and "_helper" not in stub


def test_method_regions_name_the_class():
    src = "class Block:\n    def forward(self, x):\n        ### BEGIN SOLUTION\n        return x\n        ### END SOLUTION\n"
    assert 'raise NotImplementedError("09_demo/Block")' in make_stub(src, "09_demo")


@pytest.mark.parametrize("src", [
    "def f():\n    ### BEGIN SOLUTION\n    pass\n",
    "def f():\n    ### END SOLUTION\n",
    "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n",
    "def f():\n    ### BEGIN SOLUTION\n    pass\n### END SOLUTION\n",
])
def test_malformed_markers_are_rejected(src):
    with pytest.raises(ReleaseError):
        make_stub(src, "x")


def _solution_lines() -> set[str]:
    """Every non-trivial line inside a solution region that the docstrings do not already show."""
    lines, public = set(), set()
    for path in (REPO_ROOT / "solutions").rglob("*.py"):
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            s = line.strip()
            if s == BEGIN:
                inside = True
            elif s == END:
                inside = False
            elif inside and len(s) > 25 and not s.startswith(("#", '"', "'", "return", "raise")):
                lines.add(s)
            elif not inside:
                public.add(s)
    return lines - public


@pytest.fixture(scope="module")
def student_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("student") / "course"
    subprocess.run([sys.executable, "-m", "grader", "release", "--student", str(target)], cwd=REPO_ROOT, check=True, capture_output=True)
    return target


def test_student_copy_contains_no_solution_code(student_copy):
    assert not (student_copy / "solutions").exists()
    secret_lines = _solution_lines()
    assert len(secret_lines) > 100
    for path in student_copy.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".md", ".toml"):
            text = path.read_text(encoding="utf-8")
            leaked = [line for line in secret_lines if line in text]
            assert not leaked, f"{path} contains solution code: {leaked[:3]}"
    assert not list(student_copy.rglob("_variants.py"))
    assert (student_copy / "fixtures" / "02_convolution" / "conv_forward_naive.dgf").is_file()
    for name in ASSIGNMENTS:
        assert (student_copy / "assignments" / name).is_dir()


def test_check_in_student_copy_runs_from_fixtures(student_copy, tmp_path):
    # The student's copy: stubs everywhere, plus one correct function dropped in from the reference.
    stub = student_copy / "assignments" / "01_conv_arithmetic" / "conv_arithmetic.py"
    ref = (REPO_ROOT / "solutions" / "01_conv_arithmetic" / "conv_arithmetic.py").read_text()
    stub.write_text(ref)
    out = subprocess.run(
        [sys.executable, "-m", "grader", "check", "01"], cwd=student_copy, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "7/7 exercises pass" in out.stdout
    out = subprocess.run([sys.executable, "-m", "grader", "check", "02", "-k", "correlate2d"], cwd=student_copy, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"})
    assert out.returncode == 1 and "not implemented" in out.stdout
