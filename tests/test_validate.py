"""``deepgrade validate``: passes on the repository, and names each kind of defect it exists for."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.reference import SOLUTIONS_DIR
from grader.validation import check_stubs, validate

A = "01_conv_arithmetic"


def test_validate_passes_statically_on_every_assignment():
    static = CliRunner().invoke(main, ["validate", "--static", "--seed", "alias-of-secret"])
    assert static.exit_code == 0, static.output
    assert "validate: OK" in static.output


@pytest.mark.slow
def test_validate_passes_on_assignment_01():
    graded = CliRunner().invoke(main, ["validate", "-a", "01", "--secret", "another-secret"])
    assert graded.exit_code == 0, graded.output
    assert "validate: OK" in graded.output and "variants 15" in graded.output


def test_validate_reports_each_defect_with_what_to_fix(tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(SOLUTIONS_DIR / A, solutions / A)
    sol = solutions / A / "conv_arithmetic.py"
    text = sol.read_text()
    # a reference that disagrees with its spec: sizes must be ints
    old = "    return span // stride + 1\n"
    assert text.count(old) == 1
    sol.write_text(text.replace(old, "    return float(span // stride + 1)\n"))
    variants = solutions / A / "_variants.py"
    variants.write_text(variants.read_text() + '''

def variant_same_as_reference(input_size, kernel_size, stride=1, pad=0, dilation=1):
    """Indistinguishable from the reference: no case can name it."""
    return (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride + 1


def variant_unexplained(in_channels, out_channels, kernel_size, groups=1, bias=True):
    """A misconception without a message."""
    return 7


IMITATES["same_as_reference"] = ("conv_output_size", "forgot_plus_one")
IMITATES["unexplained"] = "conv_param_count"
''')
    report = validate(assignments=["01"], solutions_dir=solutions, workers=2, only=("conv_output_size", "conv_param_count"))
    assert not report.ok
    by_check = {}
    for p in report.problems:
        by_check.setdefault(p.check, []).append(p)
    assert [p.subject for p in by_check["reference"]] == [f"{A}/conv_output_size"]
    assert "fix the solution or the spec" in by_check["reference"][0].message
    assert any(p.subject == f"{A}/unexplained" and "no message" in p.message for p in by_check["messages"])
    variant_problems = {p.message for p in by_check["variants"]}
    assert any("scores full marks on conv_output_size" in m for m in variant_problems), variant_problems
    # the other variants still get their own diagnoses: only the two defects are reported
    assert len(by_check["variants"]) == 1 and by_check["variants"][0].subject == f"{A}/conv_output_size", variant_problems
    assert report.counts["variants"] == (4 + 1) + (2 + 1) and report.counts["reference"] == 2
    assert "stubs_zero" not in by_check and "stubs" not in by_check


def test_stale_or_missing_stubs_are_named(tmp_path):
    target = tmp_path / "assignments"
    shutil.copytree(SOLUTIONS_DIR.parent / "assignments", target)
    assert check_stubs(target) == []
    (target / "02_convolution" / "conv_layers.py").write_text("# edited by hand\n")
    (target / "03_pooling" / "pooling.py").unlink()
    problems = {p.subject: p.message for p in check_stubs(target)}
    assert set(problems) == {"02_convolution/conv_layers.py", "03_pooling/pooling.py"}
    assert all("deepgrade release" in m for m in problems.values())
