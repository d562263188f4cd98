"""The pytest11 plugin, run with pytest's own pytester in a minimal student copy."""
import textwrap

import pytest

from grader import cases as case_mod
from grader.exercises import get_assignment
from grader.reference import REPO_ROOT, load_assignment

pytest_plugins = ["pytester"]

STUB = (REPO_ROOT / "assignments" / "02_convolution" / "conv_layers.py").read_text(encoding="utf-8")
SOLUTION = (REPO_ROOT / "solutions" / "02_convolution" / "conv_layers.py").read_text(encoding="utf-8")
# A classic bug: true convolution (kernel flipped) where the layer is a cross-correlation.
BUGGY = SOLUTION + textwrap.dedent(
    """

    _reference_forward = conv_forward_naive


    def conv_forward_naive(x, w, b, conv_param):
        return _reference_forward(x, w[:, :, ::-1, ::-1], b, conv_param)
    """
)


@pytest.fixture(scope="module")
def fixture_bytes(tmp_path_factory):
    """Public fixtures of two exercises of 02 (what `release --student` writes), built once."""
    ref = load_assignment("02_convolution")
    out = tmp_path_factory.mktemp("fixtures")
    by_name = {ex.name: ex for ex in get_assignment("02")}
    files = {}
    for name in ("conv_forward_naive", "correlate2d"):
        path = out / f"{name}.dgf"
        case_mod.save_fixtures(path, case_mod.prepare(by_name[name], ref, None))
        files[name] = path.read_bytes()
    return files


def _student_copy(pytester, fixture_bytes, code: str) -> None:
    folder = pytester.path / "assignments" / "02_convolution"
    folder.mkdir(parents=True)
    (folder / "conv_layers.py").write_text(code, encoding="utf-8")
    fixtures = pytester.path / "fixtures" / "02_convolution"
    fixtures.mkdir(parents=True)
    for name, data in fixture_bytes.items():
        (fixtures / f"{name}.dgf").write_bytes(data)


def test_buggy_conv_fails_with_the_diagnosis(pytester, fixture_bytes):
    _student_copy(pytester, fixture_bytes, BUGGY)
    result = pytester.runpytest("-k", "conv_forward_naive or correlate2d", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*conv_forward_naive: partly right, */4 points (public cases)*", "*your output equals true convolution*", "*diagnosis: flipped_kernel*"])
    assert "Traceback" not in result.stdout.str()


def test_one_test_per_exercise_and_k_selects(pytester, fixture_bytes):
    _student_copy(pytester, fixture_bytes, SOLUTION)
    listed = pytester.runpytest("--collect-only", "-q", "assignments/02_convolution")
    names = [ex.name for ex in get_assignment("02")]
    for name in names:
        listed.stdout.fnmatch_lines([f"*conv_layers.py::{name}*"])
    result = pytester.runpytest("-k", "conv_forward_naive")
    result.assert_outcomes(passed=1, deselected=len(names) - 1)


def test_stub_says_not_implemented(pytester, fixture_bytes):
    _student_copy(pytester, fixture_bytes, STUB)
    result = pytester.runpytest("-k", "correlate2d")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*correlate2d: not implemented*"])


def test_inactive_outside_a_student_copy(pytester, fixture_bytes):
    _student_copy(pytester, fixture_bytes, SOLUTION)
    (pytester.path / "solutions").mkdir()  # the instructor's repository: the plugin stays out of the way
    assert pytester.runpytest("--collect-only", "-q").ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result = pytester.runpytest("--collect-only", "-q", "--deepgrade", "-p", "deepgrade")
    result.stdout.fnmatch_lines(["*::correlate2d*"])
