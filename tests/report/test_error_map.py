"""The reduced error map that results carry for heat maps (grader.compare.error_map)."""
import json

import numpy as np

from grader.compare import MAP_SIDE, ErrorMap, compare, error_map
from grader.results import CaseResult, ExerciseResult


def test_map_keeps_last_two_axes_and_takes_max_over_leading_ones():
    expected = np.zeros((2, 3, 5, 7))
    got = expected.copy()
    got[1, 2, 4, 6] = 0.5
    got[0, 0, 0, 0] = -0.25
    cmp = compare(got, expected)
    assert cmp.problem == "values"
    m = cmp.error_map
    assert m is not None and m.shape == (2, 3, 5, 7) and m.block == (1, 1)
    assert len(m.values) == 5 and all(len(r) == 7 for r in m.values)
    assert m.values[4][6] == 0.5 and m.values[0][0] == 0.25
    assert sum(v > m.tolerance for row in m.values for v in row) == 2


def test_large_maps_are_down_sampled_by_block_maxima_so_a_wrong_element_shows():
    err = np.zeros((100, 70))
    err[99, 69] = 3.0
    m = error_map(err, 1e-8)
    assert len(m.values) <= MAP_SIDE and len(m.values[0]) <= MAP_SIDE
    assert m.block == (4, 3)
    assert m.values[-1][-1] == 3.0 and max(max(r) for r in m.values) == 3.0


def test_no_map_when_ok_for_shapes_or_scalars_and_json_round_trip():
    assert compare(np.ones(3), np.ones(3)).error_map is None
    assert compare(np.ones(3), np.ones(4)).error_map is None
    assert compare(2.0, np.asarray(1.0)).error_map is None
    m = compare(np.array([0.0, np.inf]), np.array([0.0, 1.0]))  # nonfinite: no map
    assert m.error_map is None
    assert error_map(np.ones(4), float("inf")).tolerance == 1e300
    m = error_map(np.array([1.0, np.nan]), 0.1)
    assert m.values == ((1.0, 1e300),)  # inf stays valid JSON
    text = json.dumps(m.to_json(), allow_nan=False)
    assert ErrorMap.from_json(json.loads(text)) == m


def test_case_records_carry_the_map_into_the_result_json():
    m = error_map(np.eye(3), 1e-8)
    case = CaseResult("public/00", "N=1", False, "out differs", ("flipped_kernel",), error_map=m)
    ex = ExerciseResult("f", "02_convolution", 0.0, 4.0, "failed", "msg", cases=(case, CaseResult("hidden/00", "N=2", True, public=False)))
    doc = json.loads(json.dumps(ex.to_json(), allow_nan=False))
    first, second = doc["cases"]
    assert first["public"] is True and first["feature"] == "core" and first["error_map"]["values"][1][1] == 1.0
    assert second["public"] is False and "error_map" not in second
