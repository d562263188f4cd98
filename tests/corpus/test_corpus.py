"""The corpus of realistic student files (issue 9 item 7): do the verdicts hold on unseen code?

Every file is graded through :func:`grader.api.grade_submission` with the unsandboxed
``LocalBackend``, on all cases (hidden ones included) of the contract its header names
(``deepgrade`` unless stated), on the exercises its header names.
Asserted: no correct file loses a point under its contract, every bug loses points on the
exercise it is in, and at least 80% of bugs carry the right named diagnosis. The figures are
printed (run with ``-s`` to see them inline; they are also in the diagnosis-rate test's output).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from corpus_index import Entry, entries, figures, full_marks, loses_points
from grader import api, contracts
from grader.runner.local import LocalBackend

pytestmark = pytest.mark.slow

SECRET = "corpus-secret"
ENTRIES = entries()
CORRECT = [e for e in ENTRIES if e.kind == "correct"]
BUGS = [e for e in ENTRIES if e.kind == "bug"]


def _waiting(entry: Entry):
    # Strict: when the awaited part lands the file passes, and the marker must go.
    marks = [pytest.mark.xfail(reason=f"waits on issue 9 {entry.waits_on}", strict=True)] if entry.waits_on else []
    return pytest.param(entry, id=entry.id, marks=marks)


@pytest.fixture(scope="module")
def graded() -> dict:
    bank = api.CaseBank(SECRET)
    backend = LocalBackend()

    def one(entry: Entry):
        exercises = [ex for ex in api.select_exercises([entry.assignment]) if ex.name in entry.exercises]
        assert sorted(ex.name for ex in exercises) == sorted(entry.exercises), f"{entry.id}: unknown exercise in header"
        result = api.grade_submission(entry.path, exercises, bank=bank, backend=backend, contract=contracts.contract(entry.contract))
        return entry.id, (entry, result)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, ENTRIES))


def _explain(result) -> str:
    return "\n".join(f"{e.name}: {e.score}/{e.max_score} {e.status} {list(e.diagnoses)}\n{e.message[:600]}" for e in result.exercises)


def test_corpus_size_and_coverage():
    assert len(BUGS) >= 45 and len(CORRECT) >= 15
    assert {e.assignment for e in BUGS} == {e.assignment for e in ENTRIES} and len({e.assignment for e in BUGS}) == 6
    assert any(e.contract == "cs231n" for e in CORRECT)


@pytest.mark.parametrize("entry", [_waiting(e) for e in CORRECT])
def test_correct_file_gets_full_marks(graded, entry):
    _, result = graded[entry.id]
    assert full_marks(entry, result), _explain(result)


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.id) for e in BUGS])
def test_bug_loses_points_on_its_exercise(graded, entry):
    _, result = graded[entry.id]
    assert loses_points(entry, result), _explain(result)


def test_figures_are_printed(graded, capsys):
    figs = figures(graded)
    with capsys.disabled():
        print("\ncorpus figures (tests/corpus):\n  " + "\n  ".join(figs.lines()))
    assert figs.correct == len(CORRECT) and figs.bugs == len(BUGS)


def test_at_least_80_percent_of_bugs_are_named(graded):
    figs = figures(graded)
    unnamed = [e.id for e, r in graded.values() if e.kind == "bug" and e.diagnosis and e.diagnosis not in {d for x in r.exercises for d in x.diagnoses}]
    assert figs.diagnosis_rate >= 0.8, f"{figs.lines()[2]}; not named: {', '.join(unnamed)}"
