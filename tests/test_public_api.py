"""The curated public face: ``grader.__all__``, lazy loading, and the CLI flags it documents."""
from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

import grader
from grader.cli import main
from grader.reference import SOLUTIONS_DIR
from grader.release import build_fixtures, write_fixtures

PUBLIC = [
    "__version__",
    "check", "grade_submission", "grade_batch", "select_exercises", "list_submissions", "CaseBank",
    "validate", "write_stubs", "build_fixtures", "write_student_copy",
    "Topic", "Exercise", "Case", "BackwardSpec",
    "SubmissionResult", "ExerciseResult", "CaseResult",
    "CaseFailed", "StubNotImplemented", "SessionAborted", "StudentError",
    "ReferenceUnavailable", "SandboxUnavailable", "ConfigError", "ReleaseError",
]


def test_all_is_pinned_and_every_name_resolves():
    assert grader.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(grader, name) is not None, name
    assert callable(grader.validate) and grader.Topic.__module__ == "grader.exercises.spec"


def test_every_exception_is_drawn_in_the_package_docstring():
    for name in PUBLIC:
        obj = getattr(grader, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert name in grader.__doc__, name


def test_importing_grader_loads_no_exercise_spec_or_solution():
    code = "import sys, grader, grader.runner.codec; print(sorted(m for m in sys.modules if m.startswith(('grader.exercises', 'grader.reference', 'deepgrade_ref'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_secret_is_the_flag_and_seed_its_alias():
    options = {opt for p in main.commands["grade"].params for opt in p.opts}
    assert {"--secret", "--seed"} <= options
    assert {"--secret", "--seed"} <= {opt for p in main.commands["validate"].params for opt in p.opts}


def test_check_reads_an_explicit_fixtures_folder(tmp_path):
    write_fixtures(tmp_path / "fx", build_fixtures(["01_conv_arithmetic"]))
    assert sorted(p.name for p in (tmp_path / "fx" / "01_conv_arithmetic").iterdir())[0] == "conv_macs.dgf"
    code = tmp_path / "mine"
    code.mkdir()
    (code / "conv_arithmetic.py").write_text((SOLUTIONS_DIR / "01_conv_arithmetic" / "conv_arithmetic.py").read_text())
    result = CliRunner().invoke(main, ["check", "01", "-k", "same_padding", "--path", str(code), "--fixtures", str(tmp_path / "fx")])
    assert result.exit_code == 0, result.output
    missing = CliRunner().invoke(main, ["check", "02", "--path", str(code), "--fixtures", str(tmp_path / "fx")])
    assert missing.exit_code != 0 and "no fixtures" in missing.output
