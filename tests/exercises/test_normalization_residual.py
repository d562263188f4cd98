"""Assignment 04 specs (grader/exercises/normalization_residual/) and their solutions.

Grading of the examples and focused submissions: tests/test_exercises_03_04.py; oracle tests
of batch norm and the residual blocks: tests/solutions/test_04_normalization_residual_oracle.py.
"""
from __future__ import annotations

from grader.exercises import get_assignment

A = "04_normalization_residual"


def test_points_and_order_follow_the_solution_files():
    assert [(e.name, e.points) for e in get_assignment(A)] == [
        ("batchnorm_forward", 3), ("batchnorm_backward", 3), ("spatial_batchnorm_forward", 2),
        ("spatial_batchnorm_backward", 3),
        ("residual_block_forward", 3), ("residual_block_backward", 3),
        ("BasicBlock", 3), ("Bottleneck", 3),
    ]
