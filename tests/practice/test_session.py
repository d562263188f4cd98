"""Practice sessions: plan, answers-file run, Leitner review, and the interactive mode through a pseudo-terminal."""
from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.practice import session as ses
from grader.practice.question import format_key, perturbations
from grader.practice.store import ProgressStore
from grader.practice.templates import generate

REPO = Path(__file__).resolve().parents[2]


def test_plan_is_reproducible_and_review_comes_first():
    assert ses.plan(6, 3, "sizes") == ses.plan(6, 3, "sizes")
    assert ses.plan(6, 3, "sizes") != ses.plan(6, 4, "sizes")
    items = ses.plan(5, 3, None, first=["backprop_graph", "not_a_template"])
    assert items[0][0] == "backprop_graph" and len(items) == 5
    assert {t for t, _ in ses.plan(4, 1, "sizes")} == {"conv_output_size", "pool_output_size", "same_padding", "receptive_field"}


def test_leitner_boxes(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite")
    day = dt.date(2026, 1, 1)
    assert store.record("ann", "concept", 1, True, day) == 2
    assert store.due("ann", day) == [] and [d.template for d in store.due("ann", day + dt.timedelta(days=2))] == ["concept"]
    assert store.record("ann", "concept", 2, False, day) == 1
    assert [d.template for d in store.due("ann", day)] == ["concept"]
    assert store.due("bob", day) == []  # progress is per user
    assert store.history("ann") == (2, 1)


def test_answers_file_run_records_progress_and_review_starts_with_mistakes(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPGRADE_PRACTICE_DB", str(tmp_path / "p.sqlite"))
    items = ses.plan(2, 7, "params")
    first, second = (generate(t, s) for t, s in items)
    answers = tmp_path / "answers.txt"
    answers.write_text(f"# my answers\n{format_key(first)}\n{perturbations(second)[0]}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["practice", "--topic", "params", "--count", "2", "--seed", "7", "--answers", str(answers), "--user", "ann"])
    assert result.exit_code == 0, result.output
    assert "Correct." in result.output and "Not quite. The answer is" in result.output and "Summary: 1 of 2 correct." in result.output
    assert "Worked solution:" in result.output
    review = CliRunner().invoke(main, ["practice", "--review", "--count", "1", "--seed", "1", "--answers", str(answers), "--user", "ann", "--lang", "ko"])
    assert review.exit_code == 0, review.output
    assert f"[{second.template}:" in review.output and "요약" in review.output


def test_bad_topic_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPGRADE_PRACTICE_DB", str(tmp_path / "p.sqlite"))
    result = CliRunner().invoke(main, ["practice", "--topic", "nope"])
    assert result.exit_code != 0 and "unknown topic" in result.output


def test_interactive_session_through_a_pseudo_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    items = ses.plan(2, 5, "sizes")
    q1 = generate(*items[0])
    env = dict(os.environ, DEEPGRADE_PRACTICE_DB=str(tmp_path / "p.sqlite"), PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
    child = pexpect.spawn(sys.executable, ["-m", "grader", "practice", "--topic", "sizes", "--count", "2", "--seed", "5", "--user", "pty"],
                          cwd=str(REPO), env=env, encoding="utf-8", timeout=90)  # generous: a loaded CI machine starts Python slowly
    try:
        child.expect("Your answer:")
        child.sendline("not a number at all ((")
        child.expect(r"Write (a|a shape|a matrix)")
        child.expect("Your answer:")
        child.sendline(format_key(q1))
        child.expect("Correct.")
        child.expect("Worked solution:")
        child.expect("another variant")
        child.sendline("v")  # a fresh variant of the same template comes next
        child.expect(rf"Question 2 — .*\[{q1.template}:")
        child.expect("Your answer:")
        child.sendline(perturbations(generate(q1.template, ses.random.Random(f"variant:{items[0][1]}").randrange(10**9)))[0])
        child.expect("Not quite. The answer is")
        child.expect("another variant")
        child.sendline("")
        child.expect("Your answer:")
        child.sendline("q")
        child.expect(r"Summary: 1 of 2 correct\.")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert [d.template for d in ProgressStore(tmp_path / "p.sqlite").due("pty")] == [q1.template]
