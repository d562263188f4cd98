"""Every text of the feedback pages and class report, and every misconception diagnosis, has Korean."""
import ast
import re
from pathlib import Path

import pytest

import grader.report
from grader.exercises import ASSIGNMENTS
from grader.i18n import catalogue, translator, untranslated

RENDERERS = ("feedback.py", "html.py", "markdown.py", "terminal.py", "plain.py", "class_report.py", "pages.py", "plots.py", "commands.py")


def renderer_messages() -> list[str]:
    """English ids of the renderers: first arguments of ``t(...)`` and ``N_(...)`` calls
    (read with ``ast``, so calls inside f-strings count too)."""
    found: list[str] = []
    for name in RENDERERS:
        tree = ast.parse((Path(grader.report.__file__).parent / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("t", "N_")
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            ):
                if node.args[0].value not in found:
                    found.append(node.args[0].value)
    return found


def misconception_messages() -> list[str]:
    """The English text of every misconception of every exercise in the registry."""
    return sorted({text for exercises in ASSIGNMENTS.values() for ex in exercises for text in ex.misconceptions.values()})


def test_extraction_finds_the_renderers_messages():
    found = renderer_messages()
    assert len(found) > 50
    assert "Next step" in found and "Class report" in found and "partly passed" in found


def test_every_renderer_message_has_korean():
    assert untranslated("ko", "feedback", renderer_messages()) == []


def test_every_misconception_of_every_exercise_has_korean():
    missing = untranslated("ko", "exercises", misconception_messages())
    assert missing == [], f"{len(missing)} misconception(s) lack Korean in grader/locale/ko/LC_MESSAGES/exercises.po"


@pytest.mark.parametrize("domain,messages", [("feedback", renderer_messages), ("exercises", misconception_messages)])
def test_translations_keep_placeholders_and_are_korean(domain, messages):
    table = catalogue("ko", domain)
    for english in messages():
        korean = table[english]
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", korean)), english
        assert re.search("[가-힣]", korean), english
        # the code in a diagnosis survives translation (students copy it)
        for code in re.findall(r"`([^`]+)`", english):
            assert code in korean, (english, code)


def test_korean_diagnosis_uses_the_course_terms():
    t = translator("ko", "exercises")
    conv = next(e for e in ASSIGNMENTS["02_convolution"] if e.name == "conv_forward_naive")
    assert "교차상관" in t(conv.misconceptions["flipped_kernel"])
    assert "합성곱" in t(conv.misconceptions["flipped_kernel"])
    lstm = next(e for exs in ASSIGNMENTS.values() for e in exs if "lstm_gate_order_ifgo" in e.misconceptions)
    assert "게이트" in t(lstm.misconceptions["lstm_gate_order_ifgo"])
