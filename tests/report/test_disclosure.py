"""Hidden cases are disclosed only as far as the instructor chose, in every format and language."""
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from rich.console import Console

from grader.config import ConfigError, FeedbackConfig, load_feedback_config
from grader.report import feedback, html, markdown, plain, terminal
from report_data import HIDDEN_LABEL, HIDDEN_MAP_VALUE, HIDDEN_MESSAGE, hidden_result


def _all_formats(result: dict, lang: str, level: str) -> dict[str, str]:
    fb = feedback.build(result, lang=lang, level=level)
    buf = io.StringIO()
    terminal.print_feedback(Console(file=buf, width=200, color_system=None), fb)
    lms = "\n".join(plain.exercise_text(e, lang=lang, level=level) for e in result["exercises"])
    return {"html": html.render(fb), "md": markdown.render(fb), "text": buf.getvalue(), "lms": lms}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("level", ["points", "message", "input", "full"])
def test_hidden_details_appear_only_from_their_level_on(level, lang):
    result = hidden_result()
    fb = feedback.build(result, lang=lang, level=level)
    ex = fb.exercises[0]
    shown_maps = [c.error_map for c in ex.cases if c.error_map is not None]
    for fmt, text in _all_formats(result, lang, level).items():
        where = f"{fmt}/{lang}/{level}"
        assert ("HIDDENMSG" in text) == feedback.allows(level, "message"), where
        assert ("HIDDENLABEL" in text) == feedback.allows(level, "input"), where
        # public details are always there
        assert "out differs: public" in text and "x (2, 3, 5, 7)" in text, where
    assert any(m.values[2][3] == HIDDEN_MAP_VALUE for m in shown_maps) == (level == "full")
    assert ex.withheld == (2 if level == "points" else 0)
    # counts and points are never withheld
    assert (ex.passed_cases, ex.total_cases, ex.score) == (2, 5, 1.6)


def test_the_exercise_message_which_names_a_hidden_input_is_not_shown_when_cases_are_recorded():
    result = hidden_result()
    for level in ("points", "message", "input", "full"):
        assert feedback.build(result, level=level).exercises[0].message is None
    # without case records (results written before they existed) it is shown only from "input" on
    legacy = hidden_result()
    for e in legacy["exercises"]:
        e.pop("cases")
    assert feedback.build(legacy, level="message").exercises[0].message is None
    assert HIDDEN_LABEL in feedback.build(legacy, level="input").exercises[0].message
    # statuses that describe no case keep their message at every level
    assert "NotImplementedError" in feedback.build(legacy, level="points").exercises[1].message


def test_diagnoses_of_hidden_cases_need_level_message():
    result = hidden_result()
    result["exercises"][0]["cases"][0]["passed"] = True  # only hidden cases fail now
    assert feedback.build(result, level="points").exercises[0].diagnoses == ()
    diag = feedback.build(result, level="message").exercises[0].diagnoses
    assert [d.name for d in diag] == ["flipped_kernel"] and diag[0].cases == 1


def test_full_waits_for_the_deadline(tmp_path):
    now = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    config = FeedbackConfig(hidden="full", deadline=now + timedelta(hours=1))
    assert feedback.level_at(config, now) == "input"
    assert feedback.level_at(config, now + timedelta(hours=2)) == "full"
    assert feedback.level_at(FeedbackConfig(hidden="points"), now) == "points"

    toml = tmp_path / "deepgrade.toml"
    toml.write_text('[feedback]\nhidden = "full"\ndeadline = 2026-12-20T23:59:00+09:00\n')
    loaded = load_feedback_config(toml)
    assert loaded.hidden == "full" and loaded.deadline == datetime(2026, 12, 20, 14, 59, tzinfo=timezone.utc)
    toml.write_text('[feedback]\nhidden = "full"\n')
    with pytest.raises(ConfigError, match="deadline"):
        load_feedback_config(toml)
    toml.write_text('[feedback]\nhidden = "everything"\n')
    with pytest.raises(ConfigError, match="points, message, input, full"):
        load_feedback_config(toml)
    toml.write_text('[course]\nsecret = "s"\n')
    assert load_feedback_config(toml) == FeedbackConfig()


def test_a_real_result_carries_maps_for_public_cases_only(graded_result):
    ex = next(e for e in graded_result["exercises"] if e["name"] == "correlate2d")
    failing = [c for c in ex["cases"] if not c["passed"]]
    assert ex["status"] in ("failed", "partial") and ex["diagnoses"] == ["flipped_kernel"]
    assert any(c["public"] and "error_map" in c for c in failing)
    assert all("error_map" not in c for c in ex["cases"] if not c["public"])
    hidden = [c for c in failing if not c["public"]]
    assert hidden
    for c in hidden:  # hidden records never hold reference values, so no level can show them
        assert not re.search(r"expected -?\d", c["message"]), c["message"]
    for level in ("points", "message"):
        page = html.render(feedback.build(graded_result, level=level))
        for c in hidden:
            assert c["label"] not in page
    page = html.render(feedback.build(graded_result, lang="ko", level="message"))
    assert "교차상관" in page and 'class="heatmap"' in page and "data:image/png;base64," in page


def test_records_without_a_diagnosis_list_are_read_from_their_message_and_hidden_ids_stay_hidden():
    result = hidden_result()
    for case in result["exercises"][0]["cases"]:
        case.pop("diagnoses")
        case.pop("error_map", None)
    result["exercises"][0]["cases"][2]["public"] = True  # a wrong flag on hidden/00 does not publish it
    ex = feedback.build(result, level="points").exercises[0]
    assert [d.name for d in ex.diagnoses] == ["flipped_kernel"] and ex.diagnoses[0].cases == 1
    assert ex.withheld == 2 and all(c.public for c in ex.cases)
    assert "HIDDENMSG" not in html.render(feedback.build(result, level="points"))


def test_features_as_the_contract_branch_states_them_with_weights_and_ungraded_ones():
    result = hidden_result()
    ex = result["exercises"][0]
    ex["cases"][2]["feature"] = "dilation"
    ex["features"] = [{"feature": "core", "passed": 2, "total": 4, "weight": 0.7}, {"feature": "dilation", "passed": 0, "total": 1, "weight": 0.3}]
    ex["ungraded"] = ["groups"]
    fb = feedback.build(result, lang="ko", level="input")
    view = fb.exercises[0]
    assert [(f.name, f.passed, f.total, f.weight) for f in view.features] == [("core", 2, 4, 0.7), ("dilation", 0, 1, 0.3)]
    page = html.render(fb)
    assert 'data-feature="dilation"' in page and "30%" in page and "채점하지 않는 기능: groups" in page
    assert "| `` dilation `` |" not in markdown.render(fb) and "0 / 1 | 30% |" in markdown.render(fb)
    # counted from the records when the result does not state them
    del ex["features"]
    counted = feedback.build(result, level="input").exercises[0].features
    assert [(f.name, f.passed, f.total, f.weight) for f in counted] == [("core", 2, 4, None), ("dilation", 0, 1, None)]


def test_an_error_status_decided_from_cases_does_not_show_the_exercise_message():
    # The batch branch calls an exercise whose every case raised "error"; its message quotes a case.
    result = hidden_result()
    result["exercises"][0]["status"] = "error"
    for fmt, text in _all_formats(result, "en", "message").items():
        assert "HIDDENLABEL" not in text, fmt


def test_english_misconception_lines_are_replaced_by_translated_diagnoses():
    result = hidden_result()
    case = result["exercises"][0]["cases"][0]
    flipped = case["message"].split("\n→ ")[1]
    case["message"] = f"dx differs\n→ (your conv_forward_naive) {flipped}"
    fb = feedback.build(result, lang="ko", level="message")
    (shown, *_) = fb.exercises[0].cases
    assert shown.message == "dx differs"
    page = html.render(fb)
    assert flipped not in page and "교차상관" in page
