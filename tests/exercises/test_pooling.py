"""Assignment 03 specs (grader/exercises/pooling/): exercise list and case grids.

Grading of the examples and focused submissions: tests/test_exercises_03_04.py; oracle tests:
tests/solutions/test_03_pooling_oracle.py.
"""
from __future__ import annotations

import pytest

from grader import api
from grader.exercises import get_assignment

A = "03_pooling"


@pytest.fixture(scope="module")
def inputs():
    bank = api.CaseBank("examples")
    return {ex.name: [c.inputs for c in bank.cases(ex)] for ex in get_assignment(A)}


def test_points_and_order_follow_the_solution_file():
    assert [(e.name, e.points) for e in get_assignment(A)] == [
        ("max_pool_forward_naive", 2), ("max_pool_backward_naive", 3), ("avg_pool_forward_naive", 2),
        ("avg_pool_backward_naive", 3), ("global_avg_pool_forward", 1), ("global_avg_pool_backward", 1),
    ]


def test_case_grids_cover_the_edge_cases(inputs):
    pools = inputs["max_pool_backward_naive"]
    params = [(p["pool_param"]["pool_height"], p["pool_param"]["pool_width"], p["pool_param"]["stride"]) for p in pools]
    assert (3, 3, 1) in params  # overlapping
    assert any(ph != pw for ph, pw, _ in params)  # non-square pools
    assert any(s > max(ph, pw) for ph, pw, s in params)  # stride larger than the window
    assert any(p["x"].shape[0] == 1 for p in pools) and any(p["x"].shape[2] != p["x"].shape[3] for p in pools)
    assert any(p["kind"] == "constant" for p in pools)  # every window tied
