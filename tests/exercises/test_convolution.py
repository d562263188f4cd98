"""Assignment 02 specs: a correct solution in any style gets full marks (DESIGN §4, fair checks).

The submissions in tests/styles/ are correct 02 solutions written the ways the grader must not
penalise: einsum over strided windows, float32 arithmetic inside, and torch autograd for the
backward. Each is graded on every 02 exercise, hidden cases included.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader import api

STYLES = sorted(p for p in (Path(__file__).parent.parent / "styles").iterdir() if p.is_dir())


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES, ids=lambda p: p.name)
def test_every_style_scores_full_marks(style, grading_backend):
    exercises = api.select_exercises(["02"])
    result = api.grade_submission(style, exercises, bank=api.CaseBank("styles"), backend=grading_backend)
    not_full = {r.name: (r.status, r.score, r.message[:300]) for r in result.exercises if r.score != r.max_score}
    assert not not_full, not_full
