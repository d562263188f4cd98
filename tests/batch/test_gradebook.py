"""Grades persist: subsets add, never remove; every grade is kept; regrade lists changes; exports."""
from __future__ import annotations

import csv
import json

import pytest

from messy import CORRECT, WRONG

from grader import api
from grader.report.files import gradescope_results
from grader.runner.local import LocalBackend
from grader.store import Gradebook


@pytest.fixture(scope="module")
def backend():
    b = LocalBackend()
    yield b
    b.shutdown()


def _grade(subs, out, backend, **kw):
    kw.setdefault("name_filter", None)
    return api.grade_batch(subs, kw.pop("assignments", ["01"]), secret="s", out_dir=out, backend=backend, workers=2, **kw)


def test_subset_adds_history_kept_regrade_and_exports(tmp_path, backend):
    subs, out = tmp_path / "subs", tmp_path / "out"
    (subs / "ann").mkdir(parents=True)
    (subs / "ann" / "a.py").write_text(CORRECT)
    (subs / "bo.py").write_text(WRONG)
    first = _grade(subs, out, backend, name_filter="conv_output_size")
    assert first.graded == ("ann", "bo")
    second = _grade(subs, out, backend, name_filter="same_padding")
    ann = json.loads((out / "ann.json").read_text())
    assert [e["name"] for e in ann["exercises"]] == ["conv_output_size", "same_padding"]  # nothing removed
    assert ann["total"] == 3.0 and ann["exercises"][0]["graded_at"] and ann["exercises"][0]["grader_version"]
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}
    assert rows["ann"]["conv_output_size"] == "2.0" and rows["ann"]["same_padding"] == "1.0"
    assert second.graded == ("ann", "bo")

    # Resume: nothing regraded. A spec-fix regrade of one exercise lists whose score changed.
    assert _grade(subs, out, backend, name_filter="conv_output_size").reused == ("ann", "bo")
    (subs / "bo.py").write_text(CORRECT)
    regraded = _grade(subs, out, backend, regrade="conv_output_size")
    assert [c[0] for c in regraded.changes] == ["bo"] and regraded.changes[0][2] == 2.0
    book = Gradebook(out / "gradebook.sqlite")
    history = [h for h in book.history("bo") if h["exercise"] == "conv_output_size"]
    book.close()
    assert len(history) == 2 and history[0]["score"] < history[1]["score"]  # every grade kept
    assert all(h["secret_hash"] and h["contract"] == "deepgrade" for h in history)

    from click.testing import CliRunner

    from grader.cli import main

    runner = CliRunner()
    for fmt in ("csv", "jsonl", "gradescope"):
        res = runner.invoke(main, ["export", str(out), "--format", fmt], env={"DEEPGRADE_SECRET": ""})
        assert res.exit_code == 0, res.output
    lines = (out / "export.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(ln)["submission"] for ln in lines] == ["ann", "bo"]
    gs = json.loads((out / "gradescope" / "bo" / "results.json").read_text())
    assert gs["score"] == 2.0 and gs["max_score"] == 3.0  # same_padding still from the old file
    assert {"name", "score", "max_score", "status", "visibility", "output"} <= set(gs["tests"][0])
    assert list(csv.DictReader((out / "export.csv").open(encoding="utf-8")))[1]["total"] == "2.0"


def test_gradescope_output_never_shows_a_hidden_case():
    cases = [{"case_id": "public/00", "label": "x (1, 2)", "passed": True, "message": "", "diagnoses": []},
             {"case_id": "hidden/00", "label": "x (3, 4)", "passed": False, "message": "got 1.5, expected 7.25", "diagnoses": []}]
    doc = {"total": 0.5, "max_total": 2, "notes": [], "exercises": [
        {"name": "conv_output_size", "assignment": "01_conv_arithmetic", "score": 1, "max_score": 2, "status": "partial",
         "message": "Failed 1 of 2 cases. First failure, x (3, 4):\ngot 1.5, expected 7.25", "diagnoses": ["flipped_kernel"], "cases": cases}]}
    test = gradescope_results(doc)["tests"][0]
    assert test["status"] == "failed" and "7.25" not in test["output"]
    assert "1 of 2 cases passed" in test["output"] and "1 hidden case(s) failed" in test["output"] and "flipped_kernel" in test["output"]
    cases[0].update(passed=False, message="got 3, expected 4")
    assert "expected 4" in gradescope_results(doc)["tests"][0]["output"]  # a public case is shown in full
