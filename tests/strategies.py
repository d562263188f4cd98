"""Hypothesis strategies the property tests share: shapes, layer parameters, seeds and arrays.

Import them as ``from strategies import ...`` (``tests/`` is on ``sys.path`` through its
``conftest.py``). Each strategy draws only valid inputs, so a property test never has to return
early on an impossible case: a convolution's input is at least as large as its dilated kernel,
a pooling window fits into its input.

Field terms are CS231n's: input ``x`` of shape ``(N, C, H, W)``, filters ``w`` of shape
``(F, C // groups, HH, WW)``, ``stride``, ``pad``, ``dilation``, ``groups``; pooling windows
``pool_height`` × ``pool_width``. Arrays are float64 unless said otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "ConvCase",
    "PoolCase",
    "conv_cases",
    "finite_arrays",
    "finite_floats",
    "matrix_shapes",
    "nchw_shapes",
    "normal_arrays",
    "pool_cases",
    "seeds",
]

Range = tuple[int, int]


def seeds() -> st.SearchStrategy[int]:
    """Seeds for ``np.random.default_rng``: ints in ``[0, 2**32 - 1]``.

    Tests draw a seed rather than arrays element by element when the values matter less than the
    shape: hypothesis then shrinks the shape, and a failure prints the seed that reproduces it.
    """
    return st.integers(0, 2**32 - 1)


def finite_floats(bound: float = 1e3) -> st.SearchStrategy[float]:
    """Finite float64 values in ``[-bound, bound]`` (no NaN, no infinity)."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


def finite_arrays(*, max_dims: int = 3, max_side: int = 5, bound: float = 1e3,
                  dtype=np.float64) -> st.SearchStrategy[np.ndarray]:
    """Arrays of 1..``max_dims`` axes, each 1..``max_side`` long, of finite values in ``[-bound, bound]``.

    Elements are drawn one by one (hypothesis shrinks them towards 0), so this suits properties
    about exact values: comparisons, encodings.
    """
    return hnp.arrays(dtype, hnp.array_shapes(max_dims=max_dims, max_side=max_side), elements=finite_floats(bound))


def nchw_shapes(n: Range = (1, 2), c: Range = (1, 2), h: Range = (3, 7), w: Range = (3, 7)) -> st.SearchStrategy[tuple[int, int, int, int]]:
    """Image batch shapes ``(N, C, H, W)``, each axis an int in its inclusive ``(low, high)`` range."""
    return st.tuples(st.integers(*n), st.integers(*c), st.integers(*h), st.integers(*w))


def matrix_shapes(n: Range = (1, 5), d: Range = (1, 6)) -> st.SearchStrategy[tuple[int, int]]:
    """Feature matrix shapes ``(N, D)`` (samples × features), each an int in its inclusive range."""
    return st.tuples(st.integers(*n), st.integers(*d))


def normal_arrays(shape: tuple[int, ...], scales=(1.0,)) -> st.SearchStrategy[np.ndarray]:
    """Standard normal float64 arrays of ``shape``, times a scale drawn from ``scales``.

    Values come from ``np.random.default_rng(seed)`` with a drawn seed: every value is finite,
    and the scales (e.g. ``(1e-2, 1.0, 1e2)``) probe small and large magnitudes.
    """
    return st.builds(lambda seed, scale: scale * np.random.default_rng(seed).standard_normal(shape),
                     seeds(), st.sampled_from(tuple(scales)))


@dataclass(frozen=True)
class ConvCase:
    """One valid convolution: shapes and ``conv_param`` with an output of at least 1 × 1.

    Attributes:
        x_shape: input ``(N, C, H, W)`` with ``C = groups * (C // groups)``.
        w_shape: filters ``(F, C // groups, HH, WW)`` with ``F`` a multiple of ``groups``.
        stride, pad, dilation, groups: the layer's parameters (ints, ``stride, dilation ≥ 1``).
        seed: for the values (``np.random.default_rng(seed)``).
    """

    x_shape: tuple[int, int, int, int]
    w_shape: tuple[int, int, int, int]
    stride: int
    pad: int
    dilation: int
    groups: int
    seed: int

    @property
    def param(self) -> dict:
        """The CS231n ``conv_param`` dict: ``stride``, ``pad``, ``dilation``, ``groups``."""
        return {"stride": self.stride, "pad": self.pad, "dilation": self.dilation, "groups": self.groups}

    @property
    def out_hw(self) -> tuple[int, int]:
        """Output ``(H', W')``: ``(H + 2 pad - dilation (HH - 1) - 1) // stride + 1`` per axis
        (PyTorch's ``Conv2d`` formula)."""
        (_, _, H, W), (_, _, HH, WW) = self.x_shape, self.w_shape
        size = lambda n, k: (n + 2 * self.pad - self.dilation * (k - 1) - 1) // self.stride + 1  # noqa: E731
        return size(H, HH), size(W, WW)


@st.composite
def conv_cases(draw, n: Range = (1, 2), groups=(1, 2), per_group: Range = (1, 2), hw: Range = (3, 7),
               kernel: Range = (1, 3), stride: Range = (1, 3), pad: Range = (0, 2), dilation: Range = (1, 2)) -> ConvCase:
    """Convolutions whose dilated kernel fits the padded input (output at least 1 × 1).

    Args (inclusive ``(low, high)`` ranges): ``n`` samples; ``groups`` a sequence to choose from;
    ``per_group`` channels in and filters out per group; ``hw`` input height and width;
    ``kernel`` HH and WW; ``stride``, ``pad``, ``dilation``.
    Returns:
        A :class:`ConvCase`.
    """
    g = draw(st.sampled_from(tuple(groups)))
    cg, fg = draw(st.integers(*per_group)), draw(st.integers(*per_group))
    s, p, d = draw(st.integers(*stride)), draw(st.integers(*pad)), draw(st.integers(*dilation))
    HH, WW = draw(st.integers(*kernel)), draw(st.integers(*kernel))
    # the smallest input the dilated kernel fits once padded, within the requested range
    lo_h, lo_w = max(hw[0], d * (HH - 1) + 1 - 2 * p), max(hw[0], d * (WW - 1) + 1 - 2 * p)
    assume(lo_h <= hw[1] and lo_w <= hw[1])  # only with ranges where no input fits the kernel
    H, W = draw(st.integers(lo_h, hw[1])), draw(st.integers(lo_w, hw[1]))
    N = draw(st.integers(*n))
    return ConvCase((N, g * cg, H, W), (g * fg, cg, HH, WW), s, p, d, g, draw(seeds()))


@dataclass(frozen=True)
class PoolCase:
    """One valid pooling window over an input shape.

    Attributes:
        x_shape: input ``(N, C, H, W)`` with ``H ≥ pool_height`` and ``W ≥ pool_width``.
        pool_height, pool_width, stride: the window (ints ≥ 1).
        seed: for the values (``np.random.default_rng(seed)``).
    """

    x_shape: tuple[int, int, int, int]
    pool_height: int
    pool_width: int
    stride: int
    seed: int

    @property
    def param(self) -> dict:
        """The CS231n ``pool_param`` dict."""
        return {"pool_height": self.pool_height, "pool_width": self.pool_width, "stride": self.stride}


@st.composite
def pool_cases(draw, overlap: bool | None = None, window: Range = (1, 3), max_stride: int = 3,
               max_hw: int = 7, n: Range = (1, 2), c: Range = (1, 2)) -> PoolCase:
    """Pooling windows that fit their input.

    Args:
        overlap: ``False`` = windows never overlap (stride ≥ both window sides); ``None`` = any
            stride in ``1..max_stride``. (``True`` is treated as ``None``.)
        window: inclusive range of ``pool_height`` and ``pool_width``.
        max_stride, max_hw: largest stride, and largest H and W.
        n, c: inclusive ranges of N and C.
    Returns:
        A :class:`PoolCase`.
    """
    ph, pw = draw(st.integers(*window)), draw(st.integers(*window))
    lo = max(ph, pw) if overlap is False else 1
    stride = draw(st.integers(lo, max(lo, max_stride)))
    H, W = draw(st.integers(ph, max(ph, max_hw))), draw(st.integers(pw, max(pw, max_hw)))
    N, C = draw(st.integers(*n)), draw(st.integers(*c))
    return PoolCase((N, C, H, W), ph, pw, stride, draw(seeds()))
