"""Assignment 01 specs (grader/exercises/conv_arithmetic/): exercise list, points and case grids.

Oracle tests: tests/solutions/test_01_02_oracle.py; every variant's diagnosis is self-tested by
``deepgrade validate`` (tests/test_validate.py).
"""
from __future__ import annotations

from grader import api
from grader.exercises import get_assignment, variants
from grader.reference import load_assignment

EX01 = get_assignment("01_conv_arithmetic")


def test_points_and_order_follow_the_solution_file():
    assert [(e.name, e.points) for e in EX01] == [
        ("conv_output_size", 2), ("pool_output_size", 2), ("same_padding", 1), ("receptive_field", 2),
        ("conv_param_count", 1), ("conv_macs", 1), ("depthwise_separable_cost_ratio", 1),
    ]


def test_every_variant_applies_to_some_case_and_every_exercise_has_invalid_inputs():
    bank = api.CaseBank("examples")
    table = variants.table(load_assignment("01_conv_arithmetic"))
    for ex in EX01:
        prepared = bank.cases(ex)
        named = {d for c in prepared for d in c.expected.get("variants", {})}
        wanted = {m for _, (f, m) in table.items() if f == ex.name}
        assert wanted <= named, (ex.name, wanted - named)
        assert any("raises" in c.expected for c in prepared if c.public), ex.name
