"""Feedback files and the class report on disk: hostile text, statistics, and the commands."""
import json
import re

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.cli import main
from grader.config import FeedbackConfig
from grader.report import class_report, feedback, html, markdown, pages
from report_data import hidden_result

EVIL = '<script>alert(1)</script> ``` `x` | # *b* \ud800 end'


def _out(tmp_path, results: dict) -> "Path":
    out = tmp_path / "out"
    out.mkdir()
    for key, result in results.items():
        (out / f"{key}.json").write_text(json.dumps(result, ensure_ascii=True), encoding="utf-8")
    (out / "other.json").write_text('{"not": "a result"}')
    (out / "broken.json").write_text("{")
    return out


def test_hostile_text_is_escaped_and_never_breaks_a_writer(tmp_path):
    result = hidden_result(name=EVIL, message_extra="\n" + EVIL)
    result["notes"] = [EVIL]
    fb = feedback.build(result, lang="ko", level="full")
    page = html.render(fb)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\ud800" not in page and "\ufffd" in page
    md = markdown.render(fb)
    assert "````text" in md  # a fence longer than the ``` inside the message
    outside_code = re.sub(r"(?ms)^ *(`{3,})text\n.*?^ *\1$", "", md)
    assert "<script>" not in outside_code and "&lt;script&gt;" in outside_code  # raw HTML only inside code blocks
    written = pages.write_feedback(tmp_path, "kim", result, config=FeedbackConfig(hidden="message"))
    assert sorted(p.name for p in written) == ["kim.en.html", "kim.en.md", "kim.ko.html", "kim.ko.md"]
    assert all(p.read_text(encoding="utf-8") for p in written)
    assert not list((tmp_path / "feedback").glob(".tmp-*"))


def test_class_statistics_count_students_not_cases():
    a = hidden_result("a")
    b = hidden_result("b")
    b["exercises"][1]["diagnoses"] = ["flipped_kernel"]  # named twice for b: counted once
    c = hidden_result("c")
    for e in c["exercises"]:
        e["status"], e["score"], e["diagnoses"] = "passed", e["max_score"], []
        for case in e["cases"]:
            case["passed"] = True
    c["total"] = c["max_total"]
    stats = class_report.statistics([a, b, c])
    assert stats.totals == (2.6, 2.6, 6.0) and stats.max_total == 6.0
    conv = next(e for e in stats.exercises if e.name == "conv_forward_naive")
    assert (conv.passed, conv.graded) == (1, 3)
    (flipped,) = stats.diagnoses
    assert flipped.name == "flipped_kernel" and flipped.students == ("a", "b")
    assert flipped.exercises == ("conv_forward_naive", "convolve2d")
    core = next(f for f in stats.features if f.name == "core")
    assert (core.passed, core.total) == (4 + 4 + 7, 21)
    page = class_report.render(stats, lang="ko")
    for element in ('id="score-histogram"', 'id="pass-rate-exercise"', 'id="pass-rate-feature"', 'id="diagnoses"', 'data-diagnosis="flipped_kernel"'):
        assert element in page
    assert "교차상관" in page and page.count("data:image/png;base64,") == 4


def test_feedback_and_report_commands(tmp_path):
    out = _out(tmp_path, {"kim": hidden_result("김민수"), "lee": hidden_result("lee")})
    runner = CliRunner()
    shown = runner.invoke(main, ["feedback", str(out), "김민수", "--lang", "ko"])
    assert shown.exit_code == 0, shown.output
    assert "김민수의 피드백" in shown.output and "교차상관" in shown.output and "HIDDENLABEL" not in shown.output
    md = runner.invoke(main, ["feedback", str(out), "lee", "--format", "md", "--hidden", "points"])
    assert md.exit_code == 0 and md.output.startswith("# Feedback for lee") and "HIDDENMSG" not in md.output
    missing = runner.invoke(main, ["feedback", str(out), "le"])
    assert missing.exit_code != 0 and "did you mean" in missing.output
    made = runner.invoke(main, ["report", str(out)])
    assert made.exit_code == 0, made.output
    assert (out / "report.html").is_file() and (out / "report.ko.html").is_file()
    assert sorted(p.name for p in (out / "feedback").iterdir()) == sorted(
        f"{k}.{lang}.{fmt}" for k in ("kim", "lee") for lang in ("en", "ko") for fmt in ("html", "md")
    )
    full = runner.invoke(main, ["feedback", str(out), "lee", "--hidden", "full"])
    assert full.exit_code != 0 and "deadline" in full.output


def test_batch_documents_with_display_names_case_id_keys_and_missing_students(tmp_path):
    doc = hidden_result("s-0042")
    doc.update(display_name="김민수", output_name="김민수-3fa2")
    for e in doc["exercises"]:
        for c in e["cases"]:
            c["case_id"] = c.pop("id")
    missing = {"submission": "s-0043", "display_name": "이영희", "output_name": "이영희-91bc", "total": 0, "max_total": 0, "status": "missing", "exercises": [], "notes": ["no submission"]}
    out = _out(tmp_path, {"김민수-3fa2": doc, "이영희-91bc": missing})
    results = pages.load_results(out)
    assert [r.key for r in results] == ["김민수-3fa2", "이영희-91bc"]
    assert pages.find_student(results, "s-0042").key == "김민수-3fa2"
    fb = feedback.build(pages.find_student(results, "김민수").data, lang="ko", level="message")
    assert fb.student == "김민수" and fb.exercises[0].cases[0].id == "public/00"
    assert [c.public for c in fb.exercises[0].cases] == [True, False, False]
    empty = html.render(feedback.build(pages.find_student(results, "이영희").data, lang="ko"))
    assert "이영희의 피드백" in empty and "no submission" in empty
    n, reports = pages.write_all(out)
    assert n == 2 and (out / "feedback" / "이영희-91bc.ko.md").is_file()
    assert "2 students · mean 1.30" in (out / "report.html").read_text(encoding="utf-8")


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_text_from_a_student_renders_as_text(text):
    result = hidden_result(name=text, message_extra="\n" + text)
    result["notes"] = [text]
    fb = feedback.build(result, lang="en", level="message")
    page = html.render(fb)
    tags = set(re.findall(r"<([a-zA-Z0-9]+)", page))
    assert tags <= {"html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "h4", "p", "div", "span",
                    "table", "thead", "tbody", "tr", "th", "td", "a", "wbr", "section", "ul", "li", "pre", "article", "code", "figure", "img", "figcaption"}
    assert "\ud800" not in page
    md = markdown.render(fb)
    assert md.endswith("\n") and "\x00" not in md
