"""The Gradescope bundle's run_autograder, against a fake /autograder tree in a temporary root."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.api import CaseBank, grade_submission, select_exercises
from grader.lms.gradescope import write_bundle
from grader.reference import REPO_ROOT
from grader.runner.local import LocalBackend
from grader.submit import pack, verify_manifest

SECRET = "gradescope-test-secret"
SOLUTION = (REPO_ROOT / "solutions" / "01_conv_arithmetic" / "conv_arithmetic.py").read_text(encoding="utf-8")


def _reference(name: str) -> str:
    import ast

    from grader.notebooks.build import _solution_text

    text = _solution_text(SOLUTION)
    (node,) = [n for n in ast.parse(text).body if getattr(n, "name", None) == name]
    return "\n".join(text.splitlines()[node.lineno - 1 : node.end_lineno])


def _student_files(folder: Path) -> None:
    """A student copy of 01 with a notebook: two exercises done in it, one of them wrong."""
    stub = (REPO_ROOT / "assignments" / "01_conv_arithmetic" / "conv_arithmetic.py").read_text(encoding="utf-8")
    (folder / "assignments" / "01_conv_arithmetic").mkdir(parents=True)
    (folder / "assignments" / "01_conv_arithmetic" / "conv_arithmetic.py").write_text(stub)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport math"),
        nbformat.v4.new_code_cell(_reference("_check_int") + "\n\n\n" + _reference("same_padding")),
        nbformat.v4.new_code_cell("def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):\n    return in_channels * out_channels * kernel_size ** 2"),
        nbformat.v4.new_code_cell("def receptive_field(layers):\n    raise NotImplementedError"),
    ]
    (folder / "notebooks").mkdir()
    nbformat.write(nb, str(folder / "notebooks" / "01_conv_arithmetic.ipynb"))


def test_submit_packs_work_and_names_the_stubs(tmp_path):
    _student_files(tmp_path)
    packed = pack(["01_conv_arithmetic"], root=tmp_path)
    assert set(packed.files) == {"01_conv_arithmetic.ipynb"}  # the untouched .py stub is left out
    assert packed.skipped == ("conv_arithmetic.py",)
    assert packed.implemented == ("conv_param_count", "same_padding")
    assert "receptive_field" in packed.stubs and "conv_output_size" in packed.stubs
    with zipfile.ZipFile(packed.archive) as zf:
        manifest = json.loads(zf.read("MANIFEST.json"))
        zf.extractall(tmp_path / "extracted")
    assert manifest["files"][0]["path"] == "01_conv_arithmetic.ipynb" and len(manifest["files"][0]["sha256"]) == 64
    assert verify_manifest(tmp_path / "extracted") == []
    (tmp_path / "extracted" / "01_conv_arithmetic.ipynb").write_text("{}")
    assert verify_manifest(tmp_path / "extracted") == ["01_conv_arithmetic.ipynb differs from the file that was packed"]


@pytest.mark.slow  # subprocesses of the CLI
def test_submit_cli_tells_what_it_included(tmp_path):
    _student_files(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "grader", "submit", "01"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = " ".join(proc.stdout.split())
    assert "submission-01_conv_arithmetic.zip with 1 file(s)" in out and "left out conv_arithmetic.py: it holds only stubs" in out
    assert "implemented (2): conv_param_count, same_padding" in out and "still a stub or missing (5):" in out
    ko = subprocess.run([sys.executable, "-m", "grader", "submit", "01", "--lang", "ko"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "구현함 (2개): conv_param_count, same_padding" in " ".join(ko.stdout.split())


def test_submit_messages_have_korean():
    from babel.messages.extract import extract

    import grader.submit
    from grader.i18n import untranslated

    with open(grader.submit.__file__, "rb") as fh:
        ids = [m[1] for m in extract("python", fh, keywords={"N_": None})]
    assert len(ids) == 5 and untranslated("ko", "cli", ids) == []


@pytest.mark.slow  # subprocesses of the CLI
def test_run_autograder_writes_results_json(tmp_path):
    bundle = write_bundle(tmp_path / "bundle", ["01_conv_arithmetic"], secret=SECRET, sandbox="off")
    assert (bundle / "setup.sh").read_text().count("download.pytorch.org/whl/cpu") == 1
    assert os.access(bundle / "run_autograder", os.X_OK) and (bundle / "deepgrade" / "solutions" / "01_conv_arithmetic").is_dir()
    # A fake /autograder: source/ is the bundle, submission/ the extracted archive, results/ empty.
    root = tmp_path / "autograder"
    shutil.copytree(bundle, root / "source")
    student = tmp_path / "student"
    _student_files(student)
    with zipfile.ZipFile(pack(["01_conv_arithmetic"], root=student).archive) as zf:
        zf.extractall(root / "submission")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), DEEPGRADE_PYTHON=sys.executable)
    env.pop("DEEPGRADE_SECRET", None)
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())

    assert set(results) >= {"score", "output", "tests"}
    tests = {t["name"]: t for t in results["tests"]}
    exercises = select_exercises(["01_conv_arithmetic"])
    assert set(tests) == {f"01_conv_arithmetic: {ex.name}" for ex in exercises}
    for t in tests.values():
        assert 0 <= t["score"] <= t["max_score"] and t["visibility"] == "visible" and "output" in t
    assert results["score"] == pytest.approx(sum(t["score"] for t in tests.values()))
    assert tests["01_conv_arithmetic: same_padding"]["score"] == tests["01_conv_arithmetic: same_padding"]["max_score"]
    assert tests["01_conv_arithmetic: conv_param_count"]["score"] < 1 and tests["01_conv_arithmetic: conv_param_count"]["output"]
    assert "not implemented" in tests["01_conv_arithmetic: receptive_field"]["output"]
    assert "IPython magic" in results["output"]
    # Same score as deepgrade's own grading with the same secret (hidden cases included).
    expected = grade_submission(root / "submission", exercises, bank=CaseBank(SECRET), backend=LocalBackend())
    assert results["score"] == pytest.approx(expected.total)
    assert SECRET not in json.dumps(results)


def test_run_autograder_without_secret_says_why(tmp_path):
    bundle = write_bundle(tmp_path / "bundle", ["01"], secret=None, disclosure="points", sandbox="off")
    root = tmp_path / "autograder"
    shutil.copytree(bundle, root / "source")
    (root / "submission").mkdir()
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), DEEPGRADE_PYTHON=sys.executable)
    env.pop("DEEPGRADE_SECRET", None)
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "no course secret" in results["output"]
