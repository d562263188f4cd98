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
    assert "validate: OK" in graded.output and "variants 17" in graded.output


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
    assert report.counts["variants"] == (5 + 1) + (2 + 1) and report.counts["reference"] == 2
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


# -- the report in Korean (catalogue domain ``validate``) ------------------------------------------

def test_every_validate_message_has_korean():
    from babel.messages.extract import extract

    import grader.validation
    from grader.i18n import untranslated

    with open(grader.validation.__file__, "rb") as fh:
        ids = [m[1] for m in extract("python", fh, keywords={"N_": None})]
    templates = [v for k, v in vars(grader.validation).items() if k.startswith("M_")]
    assert set(templates) <= set(ids) and set(grader.validation.CHECKS.values()) <= set(ids)
    assert len(ids) >= 28 and untranslated("ko", "validate", ids) == []


def test_korean_report_names_each_problem_in_korean():
    from grader.validation import M_MISDIAGNOSED, M_REFERENCE, M_STUB_MISSING, Report, _problem, format_report

    report = Report((
        _problem("stubs", "02_convolution/conv_layers.py", M_STUB_MISSING, path="02_convolution/conv_layers.py"),
        _problem("reference", f"{A}/conv_output_size", M_REFERENCE, score="1.5", max_score="3", status="failed",
                 detail="out differs: max abs error 0.5 (relative 0.25) at out[0]; tolerance 1e-06"),
        _problem("variants", f"{A}/conv_param_count", M_MISDIAGNOSED, name="conv_param_count", diagnoses="forgot_bias",
                 misconception="'forgot_groups'"),
    ), {"stubs": 12, "reference": 7})
    en, ko = format_report(report), format_report(report, "ko")
    assert en.splitlines()[0] == "FAIL [stubs] 02_convolution/conv_layers.py: assignments/02_convolution/conv_layers.py is missing: run `deepgrade release`"
    assert en.splitlines()[-1] == "validate: 3 problem(s) (checked: stubs 12, reference 7)"
    lines = ko.splitlines()
    assert len(lines) == 4
    assert lines[0] == "실패 [뼈대(stubs)] 02_convolution/conv_layers.py: assignments/02_convolution/conv_layers.py이(가) 없습니다: `deepgrade release`를 실행하세요"
    # the quoted grading result is one of the feedback catalogue's sentences: Korean too, same numbers
    assert lines[1].startswith("실패 [정답 풀이(reference)] 01_conv_arithmetic/conv_output_size: 정답 풀이가 1.5/3점입니다(failed)")
    assert "최대 절대 오차 0.5 (상대 오차 0.25)" in lines[1] and "out differs" not in lines[1]
    assert "'forgot_groups'이(가) 아니라 forgot_bias(으)로 진단됩니다" in lines[2]
    assert lines[3] == "validate: 고칠 점 3개 (검사한 항목: 뼈대(stubs) 12개, 정답 풀이(reference) 7개)"
    assert report.problems[0].message in en  # .message stays English (tests and logs read it)


def test_validate_cli_speaks_korean_with_lang_or_environment():
    by_flag = CliRunner().invoke(main, ["validate", "--static", "-a", "01", "--lang", "ko"])
    assert by_flag.exit_code == 0, by_flag.output
    assert by_flag.output.strip().startswith("validate: 통과 (검사한 항목: 뼈대(stubs) ")
    by_env = CliRunner().invoke(main, ["validate", "--static", "-a", "01"], env={"DEEPGRADE_LANG": "ko"})
    assert by_env.output == by_flag.output
    english = CliRunner().invoke(main, ["validate", "--static", "-a", "01"], env={"DEEPGRADE_LANG": "en"})
    assert english.output.startswith("validate: OK (checked: stubs ")
