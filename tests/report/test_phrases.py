"""Grade-time sentences are shown in the reader's language on feedback pages."""
from __future__ import annotations

import numpy as np
import pytest

from grader import compare
from grader.exercises import backward
from grader.i18n import untranslated
from grader.report import feedback, phrases


@pytest.mark.parametrize("domain, templates", [(phrases.DOMAIN, phrases.TEMPLATES), (phrases.NOTE_DOMAIN, phrases.NOTE_TEMPLATES)],
                         ids=["sentences", "notes"])
def test_every_template_has_korean_with_the_same_fields(domain, templates):
    import re

    assert untranslated("ko", domain, list(templates)) == []
    for template in templates:
        ko = phrases.translator("ko", domain)(template)
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
        "(H = 5와 W = 5는 patch_size = 2로 나누어떨어져야 합니다)")
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


def test_a_students_own_words_are_never_read_as_a_template():
    # "{type} of {n}" (a gradient container, "tuple of 2") once claimed any line holding " of ".
    for line in ("tuple index out of range", "SyntaxError: expected ':'", "shape mismatch: value array of shape (2,3)"):
        assert phrases.translate_line(line, "ko") == line
    raised = "rnn_backward raised IndexError: tuple index out of range"
    assert phrases.translate_line(raised, "ko") == "rnn_backward에서 IndexError 예외가 발생했습니다: tuple index out of range"
    # The fragment still translates where it belongs: inside the sentence it was written for.
    tail = backward.MUST_RETURN_TUPLE.format(backward="lstm_backward", n=5, names="dx, dh0, dWx, dWh, db",
                                             got=backward.SEQUENCE_OF.format(type="tuple", n=2))
    assert phrases.translate_line(tail, "ko").endswith("원소 2개인 tuple")


def test_what_grading_writes_about_missing_names_and_failed_imports_is_korean(tmp_path):
    from grader import api
    from grader.runner.local import LocalBackend
    from grader.submission import read_submission

    (tmp_path / "missing").mkdir()
    (tmp_path / "missing" / "layers.py").write_text("def something_else():\n    pass\n")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "layers.py").write_text("def conv_forward_naive(x, w, b, conv_param)\n    pass\n")
    exercises = [e for e in api.select_exercises(["02"]) if e.name == "conv_forward_naive"]
    backend = LocalBackend()
    bank = api.CaseBank("phrases-test")
    for folder, status, korean in (("missing", "missing", "(이)라는 이름의 함수나 클래스가 없습니다"),
                                   ("broken", "error", "import하지 못해 conv_forward_naive을(를) 찾을 수 없습니다")):
        result = api.grade_submission(read_submission(tmp_path / folder), exercises, bank=bank, backend=backend)
        ex = result.exercises[0]
        assert ex.status == status
        ko = phrases.translate(ex.message, "ko")
        assert korean in ko and "could not be found" not in ko and "Define it" not in ko, ko
        assert "layers.py" in ko


def test_submission_notes_are_shown_in_the_readers_language():
    from grader import submission as sub

    magic = sub.NOTE_LINE_MAGIC.format(label="hw2.ipynb", number=2, first="%matplotlib inline", lines="1")
    assert phrases.translate_note(magic, "ko") == (
        "hw2.ipynb, 셀 2 (`%matplotlib inline`): 1번째 줄은 IPython 매직 또는 셸 명령입니다. 건너뛰었고 실행하지 않았습니다")
    skipped = sub.NOTE_SKIPPED.format(rel="my hw.ipynb", reason=sub.NOTE_INVALID.format(label="my hw.ipynb", reason="Expecting value: line 1"))
    assert phrases.translate_note(skipped, "ko") == (
        "my hw.ipynb은(는) 건너뛰었습니다: my hw.ipynb은(는) 올바른 주피터 노트북이 아닙니다: Expecting value: line 1 "
        "(주피터에서 열려야 합니다: 주피터에서 다시 저장하거나, 열리는 사본을 제출하세요)")
    assert phrases.translate_note(skipped, "en") == skipped
    assert phrases.translate_note("a note no template wrote: 3", "ko") == "a note no template wrote: 3"
    result = {"submission": "ann", "notes": [magic], "exercises": []}
    assert feedback.build(result, lang="ko").notes[0].startswith("hw2.ipynb, 셀 2")


def test_why_a_case_must_raise_is_korean_for_every_reason_the_reference_gives():
    """Every ValueError reason of 01's reference, quoted by a case that must raise, reads in Korean."""
    import re

    from grader import api
    from grader.exercises import context

    reasons = {case.expected["why"] for ex in api.select_exercises(["01"]) for case in api.CaseBank("why-ko").cases(ex)
               if isinstance(case.expected, dict) and case.expected.get("why")}
    assert len(reasons) > 20
    for why in reasons:
        line = context.RETURNED_SHOULD.format(name="pool_output_size", value="3",
                                              should=context.SHOULD_RAISE_BECAUSE.format(errors="ValueError", why=why))
        korean = phrases.translate_line(line, "ko")
        assert not re.search(r"\b(must|does not|got|returned|should)\b", korean), korean


def test_spec_sentences_of_torch_modules_and_batch_norm_are_korean():
    from grader.exercises.attention import transformer_layers as tl
    from grader.exercises.normalization_residual import batchnorm, resnet_blocks as rb

    lines = [
        tl.STATE_DICT_LACKS.format(cls="PatchEmbedding", missing="proj.weight", have=tl.NOTHING),
        tl.STATE_SHAPE.format(cls="PatchEmbedding", key="proj.weight", got=(4, 3, 2, 2), want=(8, 3, 2, 2)),
        batchnorm.BN_PARAM_REPLACED.format(name="batchnorm_forward", type="NoneType"),
        batchnorm.CHANNEL_MEAN_SHOWN.format(c=1, mean="0.5", beta="0.25"),
        rb.LACKS.format(keys=rb.AND_MORE.format(keys="a, b, c, d", more=3)),
        rb.note_of(rb.EVAL_ZERO_BRANCH_NOTE, last="bn2") + "out differs: max abs error 1 (relative 1) at out[0, 0, 0, 0]; tolerance 1e-06",
        backward.NOT_DIFFERENTIABLE.format(error=_forward_shape_error()),
    ]
    for line in lines:
        korean = phrases.translate_line(line, "ko")
        assert korean != line and not any(w in korean for w in ("must", "has shape", "replaced", "lacks", " more", "differs")), korean
    assert "없음" in phrases.translate_line(lines[0], "ko") and "외 3개" in phrases.translate_line(lines[4], "ko")


def test_why_a_students_process_stopped_is_korean(tmp_path):
    """The abort sentence of a real crash (grader.runner.reasons), as grading wrote it."""
    from grader import api
    from grader.runner.local import LocalBackend
    from grader.submission import read_submission

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "arith.py").write_text("import os\n\ndef conv_output_size(*args, **kwargs):\n    os._exit(3)\n")
    exercises = [e for e in api.select_exercises(["01"]) if e.name == "conv_output_size"]
    result = api.grade_submission(read_submission(tmp_path / "sub"), exercises, bank=api.CaseBank("abort-ko"), backend=LocalBackend())
    english = result.exercises[0].message
    assert "your code's process ended while running conv_output_size: exited with code 3" in english
    shown = [c.message for c in feedback.build(result.to_json(), lang="ko").exercises[0].cases if c.message]
    korean = next(m for m in shown if "종료 코드 3" in m)
    assert korean.startswith("conv_output_size을(를) 실행하는 중에 코드의 프로세스가 끝났습니다: 응답하기 전에 종료 코드 3(으)로 끝남"), korean
    assert "process ended" not in korean and "exited with" not in korean


def _forward_shape_error() -> str:
    """The ValueError text grader.gradcheck raises for a forward of the wrong output shape."""
    from grader import gradcheck

    with pytest.raises(ValueError) as raised:
        gradcheck.loss([np.zeros((1, 3, 3, 2))], [np.zeros((1, 3, 2, 2))])
    return str(raised.value)


@pytest.mark.parametrize("reason", ["OUTPUT_FLOOD", "FRAME_TOO_LARGE", "ZYGOTE_DIED", "STOPPED_EARLY", "UNKNOWN", "MEMORY_ERROR"])
def test_every_reason_a_stopped_process_is_given_reads_in_korean(reason):
    from grader.runner import reasons

    why = getattr(reasons, reason).format(size="64 KiB", cap="64 MiB")
    line = reasons.ENDED_CRASH.format(what=reasons.RUNNING.format(func="conv_forward_naive"), reason=why)
    korean = phrases.translate_line(line, "ko")
    assert why not in korean and "process ended" not in korean, korean
