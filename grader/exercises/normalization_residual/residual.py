"""Assignment 04, ``residual.py`` — a numpy residual block, forward and backward.

Cases (mistakes.md M26): identity and projection shortcuts (stride 1 and 2, with and without
a change of channels), and structural probes where ``w2 = 0, b2 = 0``, so the branch is zero
and the output must be ``relu(shortcut(x))``. Inputs are small enough for plain-loop
convolutions and the numerical gradient checks.

Expected values: :class:`~grader.exercises.expected.OutputExpected` (forward) and
:class:`~grader.exercises.expected.BackwardExpected` with ``forward_variants`` (backward).
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from grader.exercises import variants
from grader.exercises.backward import BackwardSpec, check_backward
from grader.exercises.checks import diagnose_forward_too, identifiable_variants
from grader.exercises.context import Context, note_of, sentence
from grader.exercises.sizes import output_size
from grader.exercises.spec import CaseFailed, Topic, rounded

# The zero-branch probe's note (catalogue template, domain ``feedback``).
ZERO_BRANCH_NOTE = sentence("With w2 = 0 and b2 = 0 the branch F(x) is 0, so out must equal relu(shortcut(x)). {problem}")

ASSIGNMENT = "04_normalization_residual"

MISCONCEPTIONS = MappingProxyType(
    {
        "missing_identity": (
            "your block returns relu(F(x)) without adding the shortcut. A residual block computes "
            "relu(F(x) + shortcut(x)), where the shortcut is x itself or the 1x1 projection"
        ),
        "relu_before_add": (
            "you apply the final ReLU to F(x) before adding the shortcut. The block is "
            "relu(F(x) + shortcut(x)): add first, then apply the ReLU"
        ),
        "no_projection_when_stride2": (
            "your block uses the projection shortcut only when the number of channels changes. A stride-2 "
            "block also changes the shape, so it needs the 1x1 projection (with the same stride) whenever "
            "params holds 'ws' and 'bs'"
        ),
        "mutates_input": "a function modified one of its arguments in place; work on copies",
    }
)

TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)


# -- residual block ----------------------------------------------------------------------------

# (N, C, F, H, W, stride, projection shortcut, probe: w2 = 0 and b2 = 0)
_RES_PUBLIC = [
    (2, 3, 3, 5, 6, 1, False, False),  # identity, H ≠ W
    (1, 2, 4, 6, 5, 2, True, False),  # projection, stride 2, more channels, N = 1
    (2, 3, 3, 5, 5, 2, True, False),  # projection, stride 2, same channels
    (2, 2, 3, 4, 4, 1, True, False),  # projection, stride 1, more channels
    (1, 3, 3, 4, 5, 1, True, False),  # projection although shapes would allow the identity
    (2, 3, 3, 4, 5, 1, False, True),  # probe, identity
    (1, 2, 4, 5, 6, 2, True, True),  # probe, projection
]
_RES_HIDDEN = [
    (1, 1, 1, 3, 3, 1, False, False),
    (2, 4, 2, 7, 5, 2, True, False),  # fewer channels, odd size with stride 2
    (2, 3, 3, 6, 4, 1, True, False),  # projection although shapes would allow the identity
    (1, 2, 2, 5, 4, 1, False, True),
    (2, 3, 5, 6, 7, 2, True, True),
]
# The backward grid is smaller (a failing plain-loop submission gets up to ~150 forward calls
# per case for the numerical check) and has no probes: with w2 = 0 every input of the final
# ReLU of F(x) is exactly 0, where the derivative is undefined.
_RES_BACKWARD_PUBLIC = [
    (2, 2, 2, 4, 5, 1, False, False),
    (1, 2, 3, 5, 4, 2, True, False),
    (2, 2, 2, 4, 4, 2, True, False),
    (1, 2, 3, 4, 4, 1, True, False),
]
_RES_BACKWARD_HIDDEN = [
    (1, 1, 1, 3, 3, 1, False, False),
    (2, 3, 2, 5, 4, 2, True, False),
    (1, 2, 2, 4, 5, 1, True, False),
]
_PARAM_ORDER = ("w1", "b1", "w2", "b2", "ws", "bs")


def _res_random_config(rng: np.random.Generator, small: bool) -> tuple:
    stride = int(rng.integers(1, 3))
    C, F = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    projection = stride != 1 or C != F or bool(rng.integers(0, 2))
    top = 6 if small else 7
    return (int(rng.integers(1, 3)), C, F, int(rng.integers(3, top)), int(rng.integers(3, top)), stride, projection, False)


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """Cross-correlation by ``torch.nn.functional.conv2d`` in float64 (used to place biases).

    A library call on purpose: the grader ships with the student copy, and must not carry an
    implementation of assignment 02's convolution.
    """
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        out = F.conv2d(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)), torch.from_numpy(np.ascontiguousarray(w, dtype=np.float64)),
                       torch.from_numpy(np.ascontiguousarray(b, dtype=np.float64)), stride=stride, padding=pad)
    return out.numpy()


def _gap_bias(pre: np.ndarray, also: np.ndarray | None = None) -> np.ndarray:
    """Per channel, a bias that puts 0 in the middle of a wide gap of the values of ``pre``.

    Adding it to ``pre`` (N, F, H, W) keeps both signs in every channel (0 stays within the
    central half of the values) while no value is close to 0, so the finite-difference steps
    of the gradient check (~1e-3) never cross a ReLU's kink, where the numerical derivative
    would be meaningless. ``also`` (same shape) is kept away from 0 too: the residual branch
    before the shortcut is added, where the common misconceptions put their ReLU.
    """
    out = np.zeros(pre.shape[1])
    for f in range(pre.shape[1]):
        values = np.sort(pre[:, f].ravel())
        points = np.sort(np.concatenate([values, also[:, f].ravel()])) if also is not None else values
        if len(values) < 2:
            out[f] = 0.5 - values[0]
            continue
        lo, hi = values[len(values) // 4], values[max(len(values) // 4 + 1, (3 * len(values)) // 4)]
        # Candidate zeros: midpoints between consecutive points, within the central values.
        mids = (points[:-1] + points[1:]) / 2
        inside = (mids >= lo) & (mids <= hi)
        if not inside.any():
            out[f] = -(lo + hi) / 2
            continue
        width = np.where(inside, np.diff(points), -np.inf)
        out[f] = -mids[int(np.argmax(width))]
    return out


def _res_cases(rng: np.random.Generator, hidden: bool, backward: bool) -> list:
    if backward:
        configs = list(_RES_BACKWARD_HIDDEN if hidden else _RES_BACKWARD_PUBLIC)
    else:
        configs = list(_RES_HIDDEN if hidden else _RES_PUBLIC)
    if hidden:
        configs += [_res_random_config(rng, backward) for _ in range(2)]
    cases = []
    for N, C, F, H, W, s, projection, probe in configs:
        x = rounded(rng.standard_normal((N, C, H, W)))
        params = {
            "w1": rounded(rng.standard_normal((F, C, 3, 3)) / np.sqrt(9 * C)),
            "w2": rounded(rng.standard_normal((F, F, 3, 3)) / np.sqrt(9 * F)),
        }
        if projection:
            params["ws"] = rounded(rng.standard_normal((F, C, 1, 1)) / np.sqrt(C))
            params["bs"] = rounded(rng.normal(0.0, 0.1, F))
        # Biases that keep every ReLU input away from 0 (see _gap_bias).
        params["b1"] = np.round(_gap_bias(_conv(x, params["w1"], np.zeros(F), s, 1)), 4)
        a1 = _conv(x, params["w1"], params["b1"], s, 1)
        shortcut = _conv(x, params["ws"], params["bs"], s, 0) if projection else x
        branch = _conv(np.maximum(a1, 0), params["w2"], np.zeros(F), 1, 1)
        params["b2"] = np.round(_gap_bias(branch + shortcut, also=branch), 4)
        if probe:
            params["w2"] = np.zeros_like(params["w2"])
            params["b2"] = np.zeros_like(params["b2"])
        params = {k: params[k] for k in _PARAM_ORDER if k in params}
        inputs = {"x": x, "params": params, "block_param": {"stride": s}, "probe": probe}
        if backward:
            Ho, Wo = output_size(H, 3, s, 1), output_size(W, 3, s, 1)  # conv1: 3×3, pad 1
            inputs["dout"] = rounded(rng.standard_normal((N, F, Ho, Wo)))
        label = f"x {(N, C, H, W)}, {F} filters, stride {s}, {'projection' if projection else 'identity'} shortcut"
        if probe:
            label += " (probe: w2 = 0 and b2 = 0)"
        cases.append((label, inputs))
    return cases


def _res_forward_expected(ref: Any, inputs: dict) -> dict:
    x, params, block_param = inputs["x"], inputs["params"], inputs["block_param"]
    out, _ = ref.residual_block_forward(x, params, dict(block_param))
    # a variant that raises (F(x) + x cannot broadcast) is left out: that student's code raises too
    candidates = variants.outputs(ref, "residual_block_forward", x, params, dict(block_param), pick=lambda r: r[0])
    return {"out": out, "variants": identifiable_variants(out, candidates)}


def _res_forward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    names = ["x", "params", "block_param"]
    args = [inputs[n] for n in names]
    try:
        reply = ctx.call("residual_block_forward", *args, send=[(0,)], echo_args=True)
    except CaseFailed as failed:
        # F(x) + x cannot broadcast when a stride-2 block without channel change skips its projection.
        x, params = inputs["x"], inputs["params"]
        if "ws" in params and inputs["block_param"]["stride"] != 1 and params["ws"].shape[0] == x.shape[1] and "broadcast" in failed.message:
            ctx.fail(failed.message, *failed.diagnoses, "no_projection_when_stride2")
        raise
    ctx.expect_unchanged("residual_block_forward", names, args, reply.args_after)
    probe = note_of(ZERO_BRANCH_NOTE) if inputs.get("probe") else ""
    ctx.expect_close("out", reply.value[0], expected["out"], variants=expected["variants"], note=probe)


def _res_backward_expect(ref: Any, inputs: dict) -> dict:
    x, params, block_param, dout = inputs["x"], inputs["params"], inputs["block_param"], inputs["dout"]
    out, cache = ref.residual_block_forward(x, params, dict(block_param))
    grads = ref.residual_block_backward(dout, cache)
    keys = [k for k in _PARAM_ORDER if k in params]
    return {
        "outs": [out],
        "grads": [grads["x"], *(grads[k] for k in keys)],
        "forward_variants": _res_forward_expected(ref, inputs)["variants"],
    }


def _res_backward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    params = inputs["params"]
    keys = tuple(k for k in _PARAM_ORDER if k in params)
    fwd_inputs = {"x": inputs["x"], "params": params, "block_param": inputs["block_param"]}

    def two_way() -> None:
        # every weight inside params gets its own gradient comparison and numerical check
        spec = BackwardSpec(
            forward="residual_block_forward",
            backward="residual_block_backward",
            wrt=("x", *(("params", k) for k in keys)),
            grad_keys=("x", *keys),
        )
        check_backward(ctx, spec, fwd_inputs, [inputs["dout"]], expected)

    diagnose_forward_too(ctx, two_way, "residual_block_forward", list(fwd_inputs.values()), expected["forward_variants"])


EXERCISES = (
    TOPIC.exercise(
        "residual_block_forward",
        points=3,
        requires=("residual_block_forward",),
        make_cases=lambda rng, hidden: [(l, {k: v for k, v in i.items() if k != "dout"}) for l, i in _res_cases(rng, hidden, False)],
        expect=_res_forward_expected,
        check=_res_forward_check,
        summary="residual block relu(conv2(relu(conv1(x))) + shortcut(x)), identity or 1×1 projection",
    ),
    TOPIC.exercise(
        "residual_block_backward",
        points=3,
        requires=("residual_block_backward", "residual_block_forward"),
        make_cases=lambda rng, hidden: _res_cases(rng, hidden, True),
        expect=_res_backward_expect,
        check=_res_backward_check,
        summary="residual block backward: gradients of x and every parameter",
    ),
)
