"""Exams: per-student variants (different for neighbours, reproducible), the key kept out of papers, grading."""
from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.practice.exam import MIN_POOL, ExamError, make
from grader.practice.question import format_key, perturbations
from grader.practice.templates import generate
from grader.practice.text import render_lines

SPEC = """
title = "Midterm"
pool = 4
[[sections]]
title = "Convolution arithmetic"
[[sections.questions]]
template = "conv_output_size"
points = 2
[[sections.questions]]
template = "model_layer"
points = 3
pool = 6
[[sections]]
title = "Backprop and concepts"
[[sections.questions]]
template = "backprop_graph"
points = 4
[[sections.questions]]
template = "conv_by_hand"
points = 3
[[sections.questions]]
template = "concept"
points = 1
"""


@pytest.fixture()
def exam(tmp_path):
    (tmp_path / "exam.toml").write_text(SPEC, encoding="utf-8")
    rows = ["id,name,lang"] + [f"s{i:02d},Student {i},{'ko' if i % 3 == 0 else 'en'}" for i in range(8)] + ['"kim/../x y",김철수,ko']
    (tmp_path / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def _make(exam, out="out", secret="course-secret"):
    return make(exam / "exam.toml", exam / "roster.csv", exam / out, secret)


def test_neighbours_differ_and_papers_are_reproducible(exam):
    manifest = _make(exam)
    variants = [s["variants"] for s in manifest["students"]]
    for left, right in zip(variants, variants[1:]):
        assert all(a != b for a, b in zip(left, right)), "neighbours share a variant"
    for item in manifest["items"]:
        assert len(set(item["pool"])) >= MIN_POOL
    assert len({tuple(v) for v in variants}) > 1
    again = _make(exam, out="again")
    assert again == manifest
    for s in manifest["students"]:
        assert (exam / "out" / "papers" / f"{s['file']}.md").read_text() == (exam / "again" / "papers" / f"{s['file']}.md").read_text()
    other = _make(exam, out="other", secret="another-secret")
    assert [s["variants"] for s in other["students"]] != variants


def test_key_never_appears_in_a_paper(exam):
    manifest = _make(exam)
    for s in manifest["students"]:
        paper = (exam / "out" / "papers" / f"{s['file']}.md").read_text() + (exam / "out" / "papers" / f"{s['file']}.html").read_text()
        assert "Answer key" not in paper and "Worked solution" not in paper
        for item, seed in zip(manifest["items"], s["variants"]):
            q = generate(item["template"], seed)
            prompt = render_lines(q.prompt, s["lang"])
            assert prompt.splitlines()[0] in paper  # the question is there...
            for line in render_lines(q.solution, s["lang"]).splitlines():
                if len(line.strip()) > 12 and line not in prompt:
                    assert line not in paper, (s["id"], line)  # ...its worked solution is not
            key = format_key(q)
            if len(key) >= 4 and key not in prompt:
                assert key not in paper, (s["id"], key)
    key_md = (exam / "out" / "key" / "answer_key.md").read_text()
    assert all(s["id"] in key_md for s in manifest["students"])
    assert "<script" not in (exam / "out" / "papers" / "s01.html").read_text()  # self-contained, no scripts
    assert any(p.name.startswith("kim-x-y-") for p in (exam / "out" / "papers").iterdir())  # unsafe id → slug + hash


def test_grading_marks_keys_and_wrong_answers(exam):
    manifest = _make(exam)
    labels = [i["label"] for i in manifest["items"]]
    with open(exam / "responses.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", *labels])
        for n, s in enumerate(manifest["students"][:3]):
            qs = [generate(i["template"], seed) for i, seed in zip(manifest["items"], s["variants"])]
            if n == 0:
                w.writerow([s["id"], *[format_key(q) for q in qs]])
            elif n == 1:
                w.writerow([s["id"], *[perturbations(q)[0] for q in qs]])
            else:
                w.writerow([s["id"], "banana", "", *[format_key(q) for q in qs[2:]]])
    result = CliRunner().invoke(main, ["exam", "grade", str(exam / "out"), str(exam / "responses.csv")])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader(open(exam / "out" / "grades" / "scores.csv", encoding="utf-8"))}
    assert rows["s00"]["total"] == rows["s00"]["max"] == "13"
    assert rows["s01"]["total"] == "0"
    assert rows["s02"]["total"] == "8" and rows["s02"]["1.1"] == "0"
    assert rows["s07"]["total"] == "0"  # no row: every answer missing
    feedback = (exam / "out" / "grades" / "feedback" / "s02.md").read_text()
    assert "could not be read" in feedback and "Worked solution:" in feedback
    assert "풀이" in (exam / "out" / "grades" / "feedback" / "s03.md").read_text()


def test_bad_inputs_are_clear_errors(exam):
    (exam / "small.toml").write_text(SPEC.replace("pool = 6", "pool = 3"), encoding="utf-8")
    with pytest.raises(ExamError, match="at least 4"):
        make(exam / "small.toml", exam / "roster.csv", exam / "o", "s")
    (exam / "dup.csv").write_text("id,name\na,A\na,B\n", encoding="utf-8")
    with pytest.raises(ExamError, match="duplicate"):
        make(exam / "exam.toml", exam / "dup.csv", exam / "o", "s")
    _make(exam)
    (exam / "r.csv").write_text("id,1.1\nstranger,3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["exam", "grade", str(exam / "out"), str(exam / "r.csv")])
    assert result.exit_code != 0 and "not on the exam's roster" in result.output


def test_cli_make(exam, monkeypatch):
    monkeypatch.setenv("DEEPGRADE_SECRET", "from-env")
    result = CliRunner().invoke(main, ["exam", "make", "--roster", str(exam / "roster.csv"), "--spec", str(exam / "exam.toml"), "-o", str(exam / "cli")])
    assert result.exit_code == 0, result.output
    assert json.loads((exam / "cli" / "key" / "exam.json").read_text())["students"][0]["id"] == "s00"
