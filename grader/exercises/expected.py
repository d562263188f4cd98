"""Typed expected values: what ``Exercise.expect(ref, inputs)`` returns.

They are :class:`typing.TypedDict` s, i.e. plain dicts at run time, so that public fixtures
keep the codec's format (numbers, strings, ``.npy`` arrays; no pickle). Arrays are numpy
float64 unless stated; "variants" maps misconception → what a student holding it returns
(only the variants the case can identify, see :func:`grader.exercises.variants.identifiable`).

========================  ==========================================================================
shape                     used by
========================  ==========================================================================
:class:`ScalarExpected`   01: one call returning an int, a float or an int pair
:class:`RaisesExpected`   any case whose inputs are invalid (the function must raise ValueError)
:class:`OutputExpected`   a forward returning ``(out, cache)`` or a plain array
:class:`OutputsExpected`  a forward with several differentiable outputs (LSTM step: next_h, next_c)
:class:`BackwardExpected` a backward, checked two ways (:mod:`grader.exercises.backward`)
:class:`ModuleExpected`   a PyTorch module (state_dict keys and shapes, parameter count, output)
========================  ==========================================================================

Any of them may carry ``probe``: the expected values of the same check on the probe inputs
(:func:`grader.exercises.checks.with_size1_probe`). Topic specs may add keys of their own
(e.g. ``rows`` for attention rows that are fully blocked); each spec's docstring names them.
"""
from __future__ import annotations

from typing import Any, Mapping, TypedDict

import numpy as np

try:  # Python ≥ 3.11
    from typing import NotRequired
except ImportError:  # pragma: no cover
    from typing_extensions import NotRequired


class ScalarExpected(TypedDict):
    """``value``: int, float or ``(before, after)``; ``variants``: misconception → the variant's value."""

    value: Any
    variants: dict[str, Any]


class RaisesExpected(TypedDict):
    """``raises``: the builtin exception name (``"ValueError"``); ``why``: the reference's message."""

    raises: str
    why: NotRequired[str]


class OutputExpected(TypedDict):
    """``out``: the reference output (any shape, e.g. ``(N, F, H_out, W_out)``);
    ``variants``: misconception → variant output of the same shape."""

    out: np.ndarray
    variants: NotRequired[dict[str, np.ndarray]]
    probe: NotRequired[dict]


class OutputsExpected(TypedDict):
    """``outs[i]``: the i-th differentiable output (e.g. ``next_h (N, H)``, ``next_c (N, H)``);
    ``variants[i]``: misconception → variant of output i."""

    outs: list[np.ndarray]
    variants: list[dict[str, np.ndarray]]
    probe: NotRequired[dict]


class BackwardExpected(TypedDict):
    """``outs``: reference forward outputs (aligned with the spec's ``out_paths``);
    ``grads``: reference gradients (aligned with ``wrt``, each the shape of its input);
    ``variants``: ``wrt`` entry → {misconception → variant gradient};
    ``forward_variants``: misconception → variant forward output 0 (names a forward
    misconception behind a failing backward, :func:`grader.exercises.checks.diagnose_forward_too`)."""

    outs: list[np.ndarray]
    grads: list[np.ndarray]
    variants: NotRequired[Mapping[Any, dict[str, np.ndarray]]]
    forward_variants: NotRequired[dict[str, np.ndarray]]
    probe: NotRequired[dict]


class ModuleExpected(TypedDict, total=False):
    """A PyTorch module: ``keys`` (state_dict names), ``shapes`` (name → shape tuple),
    ``param_count`` (int), ``state`` (name → array loaded before the forward), ``out`` (the
    forward on the case's input), ``variants`` and ``count_variants`` (misconception →
    output / parameter count)."""

    keys: list[str]
    shapes: dict[str, tuple]
    param_count: int
    state: dict[str, np.ndarray]
    out: np.ndarray
    variants: dict[str, np.ndarray]
    count_variants: dict[str, int]
