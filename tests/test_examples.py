"""The bundled example submissions of 01–02 get the scores and diagnoses their README documents."""
import json
from pathlib import Path

import pytest

from grader import api
from grader.reference import REPO_ROOT
from concurrent.futures import ThreadPoolExecutor

from grader.runner.backend import Limits

GROUP = REPO_ROOT / "examples" / "submissions" / "01_02"
EXPECTED = json.loads((GROUP / "EXPECTED.json").read_text())


@pytest.fixture(scope="module")
def graded(grading_backend):
    exercises = api.select_exercises(["01", "02"])
    bank = api.CaseBank("examples")
    backend = grading_backend
    # The short limits of examples/demo.toml: the hanging example then costs seconds, not minutes.
    limits = Limits(wall_s=4, cpu_s=3)

    def grade(path):
        return path.name, {e.name: e for e in api.grade_submission(path, exercises, bank=bank, backend=backend, limits=limits).exercises}

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(grade, api.list_submissions(GROUP)))


def test_every_example_is_documented():
    assert sorted(EXPECTED) == sorted(p.name for p in api.list_submissions(GROUP))
    assert len(EXPECTED) >= 8


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_scores_and_diagnoses(graded, name):
    for exercise, want in EXPECTED[name].items():
        got = graded[name][exercise]
        assert got.status == want["status"], (exercise, got.message)
        assert got.score == pytest.approx(want["score"]), (exercise, got.message)
        assert set(want.get("diagnoses", [])) <= set(got.diagnoses), (exercise, got.diagnoses, got.message)
