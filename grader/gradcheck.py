"""Numerical differentiation of a (student's) forward function, in float64.

The forward is any callable ``evaluate(inputs) -> [out_1, ..., out_k]`` (in practice, round
trips to the student's process). With a random upstream gradient ``dout_j`` per output, the
scalar ``L(inputs) = Σ_j <dout_j, out_j(inputs)>`` has gradient ``∂L/∂x`` equal to what a
correct backward returns for input ``x`` given those upstream gradients.

Cheap check first (the "fast mode" of ``torch.autograd.gradcheck``, Paszke et al. 2019):
for a random direction ``u`` the central difference ``(L(x + h u) - L(x - h u)) / 2h`` must
match ``<∂L/∂x, u>`` from the backward — two forward calls per direction however large ``x``
is. Only when a projection disagrees do we localise element-wise (two calls per element).

Step and tolerance: ``h = 1e-3 · max(1, rms(x))``. For a float64 forward the truncation error
is O(h²) ≈ 1e-6 relative and rounding ≈ 1e-13; a correct forward computed in float32 has
rounding noise ≈ 1e-7 / 1e-3 = 1e-4 relative. The bound ``|num - ana| ≤ 1e-6 + 2e-3 · S``,
with ``S = Σ|∂L/∂x ⊙ u|`` (the projection's own magnitude, immune to cancellation), accepts
both and still rejects the O(1) discrepancies that real backward bugs produce.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

Evaluate = Callable[[dict], Sequence[np.ndarray]]

GRAD_ATOL = 1e-6
GRAD_RTOL = 2e-3
# The ValueError of a forward whose outputs do not have the upstream gradients' shapes (a catalogue
# template of domain ``feedback``, listed in grader.exercises.backward.SENTENCES).
OUTPUT_SHAPE = "forward output has shape {got}, expected {want}"


def step_for(x: np.ndarray) -> float:
    """Finite-difference step for input ``x`` (any shape), in the units of ``x``."""
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 1.0
    return 1e-3 * max(1.0, rms)


def loss(outputs: Sequence[np.ndarray], douts: Sequence[np.ndarray]) -> float:
    """``Σ_j <dout_j, out_j>`` in float64. Raises ``ValueError`` on a shape mismatch."""
    total = 0.0
    for out, dout in zip(outputs, douts, strict=True):
        out = np.asarray(out, dtype=np.float64)
        if out.shape != dout.shape:
            raise ValueError(OUTPUT_SHAPE.format(got=out.shape, want=dout.shape))
        total += float(np.sum(out * dout))
    return total


def _perturbed(inputs: dict, name: str, delta: np.ndarray) -> dict:
    changed = dict(inputs)
    changed[name] = np.asarray(inputs[name], dtype=np.float64) + delta
    return changed


@dataclass(frozen=True)
class Projection:
    """One directional-derivative comparison for input ``name``.

    Attributes:
        name: the input differentiated.
        numeric: central-difference estimate of ``<∂L/∂x, u>``.
        analytic: ``<grad, u>`` from the backward under test.
        scale: ``Σ|grad ⊙ u|``, the magnitude the tolerance is relative to.
        ok: within ``GRAD_ATOL + GRAD_RTOL · max(scale, |numeric|)``.
    """

    name: str
    numeric: float
    analytic: float
    scale: float
    ok: bool


def project(
    evaluate: Evaluate,
    inputs: dict,
    name: str,
    grad: np.ndarray,
    douts: Sequence[np.ndarray],
    rng: np.random.Generator,
    step_scale: float = 1.0,
) -> Projection:
    """Compare a backward's gradient for one input with the forward along a random direction.

    Args:
        evaluate: forward, ``inputs -> outputs``.
        inputs: name → value (arrays are float64, any shape).
        name: which input to differentiate.
        grad: the backward's gradient for ``name``, same shape as ``inputs[name]``.
        douts: upstream gradients, one per output.
        rng: source of the direction.
        step_scale: multiplies :func:`step_for`'s step (a smaller step steps over fewer
            kinks of ReLU or max, at the price of more rounding noise).
    Returns:
        A :class:`Projection`.
    Raises:
        ValueError: the forward's outputs do not have the shapes of ``douts``.
    """
    x = np.asarray(inputs[name], dtype=np.float64)
    u = rng.standard_normal(x.shape)
    h = step_for(x) * step_scale
    numeric = (loss(evaluate(_perturbed(inputs, name, h * u)), douts) - loss(evaluate(_perturbed(inputs, name, -h * u)), douts)) / (2 * h)
    g = np.asarray(grad, dtype=np.float64)
    analytic = float(np.sum(g * u))
    scale = float(np.sum(np.abs(g * u)))
    ok = abs(numeric - analytic) <= GRAD_ATOL + GRAD_RTOL * max(scale, abs(numeric))
    return Projection(name, numeric, analytic, scale, ok)


@dataclass(frozen=True)
class Localised:
    """Where a gradient disagrees most with the numerical derivative.

    Attributes:
        index: the element (tuple) with the largest discrepancy among those probed.
        numeric: ``∂L/∂x[index]`` by central differences.
        analytic: the backward's value there.
        probed: how many elements were probed.
    """

    index: tuple
    numeric: float
    analytic: float
    probed: int


def localise(evaluate: Evaluate, inputs: dict, name: str, grad: np.ndarray, douts: Sequence[np.ndarray], rng: np.random.Generator, max_probes: int = 16) -> Localised:
    """Element-wise central differences on up to ``max_probes`` elements of ``inputs[name]``.

    Returns:
        The :class:`Localised` worst element. Raises ``ValueError`` like :func:`project`.
    """
    x = np.asarray(inputs[name], dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    h = step_for(x)
    flat = np.arange(x.size) if x.size <= max_probes else np.sort(rng.choice(x.size, max_probes, replace=False))
    best = None
    for i in flat:
        e = np.zeros(x.size)
        e[i] = h
        e = e.reshape(x.shape)
        num = (loss(evaluate(_perturbed(inputs, name, e)), douts) - loss(evaluate(_perturbed(inputs, name, -e)), douts)) / (2 * h)
        idx = tuple(int(j) for j in np.unravel_index(int(i), x.shape))
        ana = float(g[idx])
        if best is None or abs(num - ana) > abs(best.numeric - best.analytic):
            best = Localised(idx, num, ana, len(flat))
    assert best is not None
    return best
