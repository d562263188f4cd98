"""Pure comparison of a student's array with the expected one.

Tolerance rule (scale-aware, never element-wise relative)::

    |got - expected| <= atol + rtol * max|expected|     for every element

so an element whose expected value is 0 is judged on the scale of the whole array, and a
correct float32 computation (relative error ~1e-7) passes with the default ``rtol = 1e-5``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.i18n import N_
from grader.runner.codec import Opaque, TorchArray

DEFAULT_ATOL = 1e-8
DEFAULT_RTOL = 1e-5
MAP_SIDE = 32  # an error map has at most MAP_SIDE × MAP_SIDE cells: small enough for every result JSON


@dataclass(frozen=True)
class ErrorMap:
    """|got − expected| of a failed comparison, reduced to a small 2-D grid for a heat map.

    The last two axes of the compared array (a feature map's H × W, a sequence's T × H) are
    kept; every leading axis (N, C, …) is reduced by its maximum, and the grid is down-sampled
    by block maxima to at most :data:`MAP_SIDE` × :data:`MAP_SIDE`, so a wrong element always
    shows. A 1-D array becomes one row. Plain floats only, so it goes into JSON as it is.

    Attributes:
        values: rows of cells, each the largest |got − expected| of its block (same unit as
            the compared values); ``inf`` is stored as ``1e300`` to stay valid JSON.
        shape: the shape of the compared array.
        block: (rows, columns) of array elements per cell (``(1, 1)`` when not down-sampled).
        tolerance: the bound applied; a cell above it holds a wrong element.
        name: what was compared (``"out"``, ``"dx"``), set by the check that made the comparison.
    """

    values: tuple[tuple[float, ...], ...]
    shape: tuple[int, ...]
    block: tuple[int, int]
    tolerance: float
    name: str = ""

    def to_json(self) -> dict:
        """JSON-ready dict with the attributes as keys (tuples as lists)."""
        return {
            "name": self.name,
            "shape": list(self.shape),
            "block": list(self.block),
            "tolerance": self.tolerance,
            "values": [list(row) for row in self.values],
        }

    @classmethod
    def from_json(cls, data: dict) -> "ErrorMap":
        """The inverse of :meth:`to_json`.

        Raises:
            KeyError, TypeError, ValueError: ``data`` is not such a dict.
        """
        return cls(
            values=tuple(tuple(float(v) for v in row) for row in data["values"]),
            shape=tuple(int(d) for d in data["shape"]),
            block=(int(data["block"][0]), int(data["block"][1])),
            tolerance=float(data["tolerance"]),
            name=str(data.get("name", "")),
        )


def error_map(err: np.ndarray, tolerance: float, *, side: int = MAP_SIDE) -> ErrorMap | None:
    """Reduce an array of absolute errors to an :class:`ErrorMap`.

    Args:
        err: |got − expected|, float, any shape; NaN is read as ``inf``.
        tolerance: the comparison's bound, kept for the colour scale.
        side: the largest number of rows and of columns.
    Returns:
        The map, or ``None`` for a scalar or an array with fewer than 2 elements (no picture
        to draw).
    """
    err = np.asarray(err, dtype=np.float64)
    if err.ndim == 0 or err.size < 2:
        return None
    grid = err.reshape(1, -1) if err.ndim == 1 else err.reshape(-1, *err.shape[-2:]).max(axis=0)
    grid = np.nan_to_num(grid, nan=np.inf)
    rows, cols = grid.shape
    br, bc = -(-rows // side), -(-cols // side)
    padded = np.zeros((-(-rows // br) * br, -(-cols // bc) * bc))
    padded[:rows, :cols] = grid
    cells = padded.reshape(padded.shape[0] // br, br, padded.shape[1] // bc, bc).max(axis=(1, 3))
    values = tuple(tuple(min(float(f"{v:.4g}"), 1e300) for v in row) for row in cells)
    tol = float(tolerance) if np.isfinite(tolerance) else 1e300  # stays valid JSON
    return ErrorMap(values, tuple(int(d) for d in err.shape), (br, bc), tol)


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing one array.

    Attributes:
        ok: within tolerance (and same shape, numeric dtype, all finite where expected is).
        problem: ``""`` when ok, else one of ``"type"``, ``"shape"``, ``"dtype"``,
            ``"nonfinite"``, ``"values"``.
        got_shape, expected_shape: shapes as tuples (``got_shape`` is ``None`` for non-arrays).
        got_type: type name of what the student returned.
        max_abs_err: largest |got − expected|, ``nan`` when not computed.
        max_rel_err: ``max_abs_err / max|expected|`` (``inf`` when expected is all zero).
        worst_index: index of the largest error (tuple), or ``None``.
        got_at_worst, expected_at_worst: the two values at ``worst_index``.
        tolerance: the bound ``atol + rtol * max|expected|`` that was applied.
        error_map: for ``"values"`` failures, |got − expected| reduced for a heat map
            (:func:`error_map`); ``None`` otherwise.
    """

    ok: bool
    problem: str
    got_shape: tuple | None
    expected_shape: tuple
    got_type: str
    max_abs_err: float = float("nan")
    max_rel_err: float = float("nan")
    worst_index: tuple | None = None
    got_at_worst: float = float("nan")
    expected_at_worst: float = float("nan")
    tolerance: float = float("nan")
    error_map: ErrorMap | None = None


def as_array(value: Any) -> np.ndarray | None:
    """The plain ndarray behind a decoded value, or ``None`` if it is not numeric data."""
    if isinstance(value, TorchArray):
        value = value.array
    if isinstance(value, np.ndarray):
        return value
    if type(value) in (int, float, bool):
        return np.asarray(value)
    return None


def type_name(value: Any) -> str:
    """A student-readable name for what was returned."""
    if isinstance(value, Opaque):
        return value.type_name
    if isinstance(value, TorchArray):
        return "torch.Tensor"
    if isinstance(value, np.ndarray):
        return f"ndarray {value.dtype}"
    return type(value).__name__


def compare(
    got: Any, expected: np.ndarray, *, atol: float = DEFAULT_ATOL, rtol: float = DEFAULT_RTOL, map_errors: bool = True
) -> Comparison:
    """Compare ``got`` with ``expected`` (shape first, then values).

    Args:
        got: what the student returned (decoded plain data; any type).
        expected: the reference array, any shape, float or int dtype.
        atol: absolute tolerance.
        rtol: relative tolerance, scaled by ``max|expected|``.
        map_errors: reduce the errors of a ``"values"`` failure to :attr:`Comparison.error_map`
            (off where only the verdict is used, e.g. matching variants).
    Returns:
        A :class:`Comparison`. Never raises.
    """
    expected = np.asarray(expected)
    arr = as_array(got)
    if arr is None:
        return Comparison(False, "type", None, expected.shape, type_name(got))
    if arr.shape != expected.shape:
        return Comparison(False, "shape", arr.shape, expected.shape, type_name(got))
    if arr.dtype.kind not in "biuf":
        return Comparison(False, "dtype", arr.shape, expected.shape, type_name(got))
    a = arr.astype(np.float64)
    e = expected.astype(np.float64)
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    tol = atol + rtol * scale
    if e.size == 0:
        return Comparison(True, "", a.shape, e.shape, type_name(got), 0.0, 0.0, tolerance=tol)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(a - e)
    # Finite errors mean both sides are finite everywhere (inf - x and nan - x are not): the
    # common case skips the non-finite bookkeeping below, which costs more than the rest.
    if not np.isfinite(err).all():
        bad_finite = ~np.isfinite(a) & np.isfinite(e)
        if bad_finite.any():
            idx = tuple(int(i) for i in np.argwhere(bad_finite)[0])
            return Comparison(
                False, "nonfinite", a.shape, e.shape, type_name(got), float("inf"), float("inf"), idx, float(a[idx]), float(e[idx]), tol
            )
        err = np.where(np.isfinite(e) | np.isfinite(a), err, 0.0)
        err = np.nan_to_num(err, nan=np.inf)
    flat = int(np.argmax(err))
    idx = tuple(int(i) for i in np.unravel_index(flat, err.shape)) if err.ndim else ()
    max_abs = float(err.reshape(-1)[flat])
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    ok = max_abs <= tol
    return Comparison(
        ok, "" if ok else "values", a.shape, e.shape, type_name(got), max_abs, max_rel, idx,
        float(a.reshape(-1)[flat]), float(e.reshape(-1)[flat]), tol, error_map(err, tol) if map_errors and not ok else None,
    )


def close(got: Any, expected: np.ndarray, *, atol: float = DEFAULT_ATOL, rtol: float = DEFAULT_RTOL) -> bool:
    """Shorthand: ``compare(...).ok``."""
    return compare(got, expected, atol=atol, rtol=rtol, map_errors=False).ok


# The sentences of :func:`describe`, as catalogue messages (domain ``feedback``): results keep the
# English text, and feedback pages translate each line that one of them produces
# (:mod:`grader.report.phrases`). Placeholders hold plain text, already formatted.
NOT_AN_ARRAY = N_("{name}: expected an ndarray of shape {shape}, got {got}")
WRONG_SHAPE = N_("{name} has shape {got}, expected {expected}")
EMPTY_AXIS = N_("{name} has shape {got}, expected {expected} (an empty axis: check slices like a[p:-p], which are empty when p = 0)")
WRONG_DTYPE = N_("{name} has dtype {dtype}; expected real numbers (float64)")
NOT_FINITE = N_("{name}{where} is {got} (not finite)")
NOT_FINITE_SHOWN = N_("{name}{where} is {got} (not finite); expected {expected}")
DIFFERS = N_("{name} differs: max abs error {error} (relative {relative}) at {name}{where}; tolerance {tolerance}")
DIFFERS_SHOWN = N_(
    "{name} differs: max abs error {error} (relative {relative}) at {name}{where}: got {got}, expected {expected}; "
    "tolerance {tolerance}"
)
SENTENCES = (NOT_AN_ARRAY, WRONG_SHAPE, EMPTY_AXIS, WRONG_DTYPE, NOT_FINITE, NOT_FINITE_SHOWN, DIFFERS, DIFFERS_SHOWN)


def describe(name: str, cmp: Comparison, *, show_values: bool) -> str:
    """One student-facing sentence about a failed comparison (English; see :data:`SENTENCES`).

    Args:
        name: what was compared, e.g. ``"out"`` or ``"dw"``.
        cmp: the comparison.
        show_values: include expected values (public cases only; hidden cases must not leak them).
    Returns:
        A message; shapes first, then the worst error and where.
    """
    if cmp.problem == "type":
        return NOT_AN_ARRAY.format(name=name, shape=cmp.expected_shape, got=cmp.got_type)
    if cmp.problem == "shape":
        empty = any(d == 0 for d in cmp.got_shape)
        return (EMPTY_AXIS if empty else WRONG_SHAPE).format(name=name, got=cmp.got_shape, expected=cmp.expected_shape)
    if cmp.problem == "dtype":
        return WRONG_DTYPE.format(name=name, dtype=cmp.got_type.split()[-1])
    where = "[" + ", ".join(map(str, cmp.worst_index or ())) + "]"
    if cmp.problem == "nonfinite":
        if show_values:
            return NOT_FINITE_SHOWN.format(name=name, where=where, got=cmp.got_at_worst, expected=f"{cmp.expected_at_worst:.6g}")
        return NOT_FINITE.format(name=name, where=where, got=cmp.got_at_worst)
    fields = dict(name=name, where=where, error=f"{cmp.max_abs_err:.3g}", relative=f"{cmp.max_rel_err:.3g}", tolerance=f"{cmp.tolerance:.2g}")
    if show_values:
        return DIFFERS_SHOWN.format(got=f"{cmp.got_at_worst:.6g}", expected=f"{cmp.expected_at_worst:.6g}", **fields)
    return DIFFERS.format(**fields)
