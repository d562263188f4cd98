"""Grade-time sentences are shown in the reader's language on feedback pages."""
from __future__ import annotations

import numpy as np
import pytest

from grader import compare
from grader.exercises import backward
from grader.i18n import untranslated
from grader.report import feedback, phrases


def test_every_template_has_korean_with_the_same_fields():
    import re

    assert untranslated("ko", phrases.DOMAIN, list(phrases.TEMPLATES)) == []
    for template in phrases.TEMPLATES:
        ko = phrases.translator("ko", phrases.DOMAIN)(template)
        assert set(re.findall(r"\{(\w+)\}", ko)) == set(re.findall(r"\{(\w+)\}", template)), template


def test_gradient_verdicts_translate_with_a_nested_comparison_sentence():
    problem = compare.describe("out", compare.compare(np.ones((2, 2)), np.zeros((2, 2))), show_values=False)
    english = backward.FORWARD_AT_FAULT.format(problem=problem, forward="conv_forward_naive")
    korean = phrases.translate_line(english, "ko")
    assert "conv_forward_naive부터 고치세요" in korean and "최대 절대 오차" in korean and "differs" not in korean
    for (agree, public), template in backward.BACKWARD_AT_FAULT.items():
        line = template.format(grads="dw", agree="dx, db", grad="dw", where="[0, 1]", analytic="1.5", numeric="-2")
        korean = phrases.translate_line(line, "ko")
        assert "버그는 역전파에 있습니다" in korean and "dw[0, 1]" in korean and ("dx, db" in korean) == agree


@pytest.mark.parametrize("got, show", [
    (np.ones((2, 3)), True), (np.ones((2, 3)), False), (np.ones((2, 0)), True), ("text", True),
    (np.array([[1.0, np.nan, 0.0]]), True), (np.array([[1.0, np.inf, 0.0]]), False), (np.ones((1, 3), dtype=complex), True),
])
def test_each_sentence_compare_writes_is_recognised_and_keeps_its_values(got, show):
    expected = np.array([[0.5, -2.0, 3.25]])
    english = compare.describe("dw", compare.compare(got, expected), show_values=show)
    korean = phrases.translate_line(english, "ko")
    assert korean != english and "dw" in korean
    numbers = [tok for tok in english.replace(",", " ").replace(";", " ").split() if tok[:1].isdigit()]
    assert all(n.rstrip(")]:") in korean for n in numbers), (english, korean)
    assert phrases.translate_line(english, "en") == english


def test_a_raised_exception_keeps_the_students_text():
    line = "conv_output_size raised ZeroDivisionError: integer division or modulo by zero; it should return 3"
    assert phrases.translate_line(line, "ko") == (
        "conv_output_size에서 ZeroDivisionError 예외가 발생했습니다: integer division or modulo by zero. "
        "이 경우 3을(를) 반환해야 합니다"
    )
    assert phrases.translate_line("patchify raised IndexError: boom", "ko") == "patchify에서 IndexError 예외가 발생했습니다: boom"


def test_what_a_check_writes_itself_is_recognised(tmp_path):
    """Sentences built by grader.exercises.context and the specs, written by the real code."""
    from grader.exercises import context
    from grader.exercises.conv_arithmetic import conv_arithmetic

    modified = context.MODIFIED_AS.format(func=context.THROUGH_CACHE.format(func="conv_backward_naive"), name="w",
                                          role=context.UPSTREAM_GRADIENT)
    korean = phrases.translate_line(context.COPY_ADVICE.format(modified=modified, name="w"), "ko")
    assert korean.startswith("conv_backward_naive(캐시를 통해)이(가) 인자 `w`(위층에서 전달된 기울기(upstream gradient))")
    assert "`w.copy()`" in korean and "modified" not in korean
    raised = context.RETURNED_SHOULD.format(name="patchify", value=context.AN_ARRAY_OF_SHAPE.format(shape=(2, 4, 12)),
                                           should=context.SHOULD_RAISE_BECAUSE.format(errors="ValueError", why="H = 5 and W = 5 must be divisible by patch_size = 2"))
    assert phrases.translate_line(raised, "ko") == (
        "patchify이(가) shape (2, 4, 12)인 배열을(를) 반환했습니다. 이 경우 ValueError 예외를 내야 합니다 "
        "(H = 5 and W = 5 must be divisible by patch_size = 2)")
    for line in (conv_arithmetic.RETURNED_VALUE_EXPECTED.format(got="27", want="28"), conv_arithmetic.RETURNED_FLOAT_FOR_INT.format(got="28.0")):
        assert phrases.translate_line(line, "ko") != line and "반환" in phrases.translate_line(line, "ko")


def test_unknown_lines_and_look_alikes_stay_as_they_are():
    for line in ("  File \"layers.py\", line 3, in conv_forward_naive", "out differs", "x differs: max abs error 1 (relative 2) at y[0]; tolerance 3"):
        assert phrases.translate_line(line, "ko") == line


def test_korean_page_shows_the_case_message_in_korean():
    line = "out differs: max abs error 20.9 (relative 1.58) at out[1, 3, 0, 1]: got 15.05, expected -5.84; tolerance 0.00013"
    case = {"case_id": "public/00", "public": True, "passed": False, "feature": "core", "label": "x (2, 3, 5, 7)", "message": line}
    result = {"submission": "ann", "total": 0, "max_total": 4, "exercises": [
        {"name": "conv_forward_naive", "assignment": "02_convolution", "score": 0, "max_score": 4, "status": "failed", "message": line, "cases": [case]}]}
    ko = feedback.build(result, lang="ko").exercises[0].cases[0].message
    en = feedback.build(result, lang="en").exercises[0].cases[0].message
    assert en == line and "최대 절대 오차 20.9" in ko and "out[1, 3, 0, 1]" in ko and "-5.84" in ko
