"""The bundled example submissions of 01–02 get the scores and diagnoses recorded in EXPECTED.json
(regenerate with `make examples`), graded by the one example harness, grader.examples."""
import dataclasses
import json

import pytest

from grader import api, examples
from grader.reference import REPO_ROOT

GROUP = REPO_ROOT / "examples" / "submissions" / "01_02"
EXPECTED = json.loads((GROUP / "EXPECTED.json").read_text())


@pytest.fixture(scope="module")
def graded(grading_backend):
    # Shorter still than examples/demo.toml's 4 s: the hanging example (henry) is waited out 3
    # times in each of its 4 looping exercises; the slowest example that ends takes ~0.7 s.
    limits = dataclasses.replace(examples.settings()[1], wall_s=2.0)
    return examples.grade_group(GROUP, backend=grading_backend, limits=limits)


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


def test_recorded_tables_are_generated_from_expected():
    for group in examples.groups():
        expected = json.loads((group / "EXPECTED.json").read_text())
        readme = (group / "README.md").read_text()
        assert examples.score_table(expected) in readme, f"{group.name}: run `make examples`"
        assert examples.with_table(readme, examples.score_table(expected)) == readme


def test_with_table_replaces_only_its_section():
    readme = "# X\n\nintro\n\n## Recorded scores\n\nold table\n\n## Notes\n\nkeep me\n"
    table = examples.score_table({"a": {"f": {"status": "partial", "score": 1.5, "diagnoses": ["d"]}, "g": {"status": "passed", "score": 2.0, "diagnoses": []}}})
    out = examples.with_table(readme, table)
    assert "old table" not in out and "## Notes\n\nkeep me\n" in out and "| `a` | 3.5 | f: partial 1.5 (d) |" in out
    assert examples.with_table("# Y\n", table).endswith(table)
