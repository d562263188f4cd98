"""grader.cases: seeds, prepared cases with their feature, and the fixture format."""
from __future__ import annotations

import numpy as np
import pytest

from grader import cases
from grader.exercises import get_assignment
from grader.exercises.spec import Case, Topic
from grader.reference import load_assignment
from grader.runner import codec

SAME_PADDING = next(e for e in get_assignment("01") if e.name == "same_padding")


def _toy(make_cases):
    return Topic("99_toy").exercise("f", points=1, make_cases=make_cases, expect=lambda ref, inputs: {"value": inputs["n"] * 2}, check=lambda *a: None)


def test_seed_depends_on_secret_and_exercise_only():
    assert cases.seed_for("s", SAME_PADDING) == cases.seed_for("s", SAME_PADDING)
    assert cases.seed_for("s", SAME_PADDING) != cases.seed_for("t", SAME_PADDING)
    other = next(e for e in get_assignment("01") if e.name == "conv_macs")
    assert cases.seed_for("s", SAME_PADDING) != cases.seed_for("s", other)


def test_prepare_puts_public_cases_first_and_hides_the_rest():
    prepared = cases.prepare(SAME_PADDING, load_assignment("01_conv_arithmetic"), "secret")
    public = [c for c in prepared if c.public]
    assert public == prepared[: len(public)] and 0 < len(public) < len(prepared)
    assert [c.id for c in public] == [f"public/{i:02d}" for i in range(len(public))]
    assert all(c.id.startswith("hidden/") for c in prepared[len(public):])
    assert cases.prepare(SAME_PADDING, load_assignment("01_conv_arithmetic"), None) == public
    assert {c.feature for c in prepared} == {"core"}


def test_cases_keep_their_feature_through_the_fixture_format(tmp_path):
    toy = _toy(lambda rng, hidden: [Case("a", {"n": 1}), ("b", {"n": 2}), Case("c", {"n": np.arange(3)}, feature="groups")])
    prepared = cases.prepare(toy, None, None)
    assert [(c.label, c.feature) for c in prepared] == [("a", "core"), ("b", "core"), ("c", "groups")]
    cases.save_fixtures(tmp_path / "f.dgf", prepared)
    loaded = cases.load_fixtures(tmp_path / "f.dgf")
    assert [(c.id, c.label, c.feature, c.public) for c in loaded] == [(c.id, c.label, c.feature, True) for c in prepared]
    np.testing.assert_array_equal(loaded[2].inputs["n"], np.arange(3))


def test_fixtures_written_before_features_load_as_core(tmp_path):
    (tmp_path / "old.dgf").write_bytes(codec.encode([("public/00", "a", {"n": 1}, {"value": 2})]))
    (case,) = cases.load_fixtures(tmp_path / "old.dgf")
    assert (case.id, case.feature, case.expected) == ("public/00", "core", {"value": 2})


def test_hidden_cases_never_become_fixtures(tmp_path):
    prepared = cases.prepare(SAME_PADDING, load_assignment("01_conv_arithmetic"), "secret")
    with pytest.raises(ValueError):
        cases.save_fixtures(tmp_path / "f.dgf", prepared)
    assert not (tmp_path / "f.dgf").exists()
