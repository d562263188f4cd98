"""Assignment 05 specs (grader/exercises/recurrent/): exercise list, points and case grids.

Grading of the examples and focused submissions: tests/test_exercises_05_06.py; oracle tests:
tests/solutions/test_05_recurrent_oracle.py.
"""
from __future__ import annotations

import pytest

from grader import api
from grader.exercises import get_assignment

EX05 = get_assignment("05_recurrent")


@pytest.fixture(scope="module")
def cases():
    bank = api.CaseBank("examples")
    return {ex.name: bank.cases(ex) for ex in EX05}


def test_points_and_order_follow_the_solution_file():
    assert [(ex.name, ex.points) for ex in EX05] == [
        ("rnn_step_forward", 2), ("rnn_step_backward", 3), ("rnn_forward", 2), ("rnn_backward", 3),
        ("lstm_step_forward", 2), ("lstm_step_backward", 3), ("lstm_forward", 2), ("lstm_backward", 3),
        ("gru_step_forward", 2), ("gru_step_backward", 3),
    ]


def test_recurrent_grids_have_size_one_axes_and_probes(cases):
    for ex in EX05:
        labels = [c.label for c in cases[ex.name]]
        for axis in ("N=1", "D=1", "H=1") + (("T=1",) if "T=" in labels[0] else ()):
            assert any(axis in lab.split(", ") for lab in labels), (ex.name, axis)
        for c in cases[ex.name]:
            sizes = [int(p.split("=")[1]) for p in c.label.split(", ")]
            assert ("probe" in c.inputs) == (min(sizes) == 1)
            if "probe" in c.inputs:
                assert "probe" in c.expected
