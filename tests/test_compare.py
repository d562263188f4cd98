import numpy as np
from hypothesis import given, settings

from grader.compare import compare, describe
from grader.runner.codec import Opaque
from strategies import finite_arrays



@settings(max_examples=60, deadline=None)
@given(finite_arrays(max_dims=3, max_side=5, bound=1e3))
def test_equal_arrays_and_float32_roundoff_pass(a):
    assert compare(a, a).ok
    assert compare(a.astype(np.float32), a).ok  # a correct float32 computation is accepted


def test_tolerance_is_scale_aware_not_elementwise_relative():
    expected = np.array([1000.0, 0.0])
    assert compare(np.array([1000.0, 1e-6]), expected).ok  # 1e-6 next to a zero is fine at this scale
    assert not compare(np.array([1000.0, 1.0]), expected).ok


def test_shape_is_reported_first_and_empty_axis_explained():
    c = compare(np.zeros((2, 3, 0, 0)), np.zeros((2, 3, 4, 4)))
    assert c.problem == "shape"
    assert "empty axis" in describe("dx", c, show_values=False)


def test_worst_index_and_hidden_values():
    expected = np.zeros((2, 2))
    got = expected.copy()
    got[1, 0] = 0.5
    c = compare(got, expected + 1)
    assert not c.ok
    c = compare(got, expected)
    assert c.worst_index == (1, 0) and c.max_abs_err == 0.5
    assert "expected" not in describe("out", c, show_values=False).split("tolerance")[0]
    assert "got 0.5" in describe("out", c, show_values=True)


def test_non_arrays_nan_and_bad_dtypes_fail_cleanly():
    assert compare(Opaque("list"), np.zeros(2)).problem == "type"
    assert compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0])).problem == "nonfinite"
    assert compare(np.array([1 + 1j]), np.array([1.0])).problem == "dtype"
