"""Assignment 04, ``layernorm.py`` — layer normalization ``(N, D)``, forward and backward.

Cases: statistics per sample over D (Ba et al. 2016), so a batch of one is an ordinary case
(and the one where normalizing over the batch axis breaks: every output is beta); D ≠ N,
D = N (shapes cannot tell the axes apart), default and explicit ``eps``, and rows of small
variance (x ≈ 0.01 scale), where ``eps`` outside the square root changes the output by a few
percent instead of 1e-6. The variants of ``solutions/04_normalization_residual/_variants.py``
imitating ``layernorm_forward`` / ``layernorm_backward`` name: statistics over the batch axis,
eps outside the square root, and dgamma / dbeta summed over the features (shape (N,)).

Expected values: :class:`~grader.exercises.expected.OutputExpected` (forward) and
:class:`~grader.exercises.expected.BackwardExpected` with ``forward_variants`` (backward).
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from grader.exercises import variants
from grader.exercises.backward import BackwardSpec, check_backward
from grader.exercises.checks import diagnose_forward_too
from grader.exercises.context import Context
from grader.exercises.spec import Topic, rounded

ASSIGNMENT = "04_normalization_residual"

MISCONCEPTIONS = MappingProxyType(
    {
        "layernorm_over_batch": (
            "your layer norm takes the mean and variance over the batch axis (axis 0), as batch norm does. "
            "Layer norm normalizes each sample over its D features: mu = x.mean(axis=1, keepdims=True), "
            "var = x.var(axis=1, keepdims=True) (Ba et al. 2016)"
        ),
        "eps_outside_sqrt": (
            "you add eps outside the square root, (x - mu) / (sqrt(var) + eps); it belongs inside: "
            "(x - mu) / sqrt(var + eps). The two differ most for rows of small variance"
        ),
        "param_grads_wrong_axis": (
            "dgamma and dbeta must be summed over the batch axis (axis 0), not over the features: every row "
            "shares gamma and beta, so their gradients collect one term per row and have shape (D,)"
        ),
        "mutates_input": "a function modified one of its arguments in place; work on copies",
    }
)
TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)

_ARGS = ("x", "gamma", "beta", "ln_param")
# (N, D, eps or None for the default, scale of x)
_PUBLIC = [(4, 5, None, 1.0), (1, 6, None, 1.0), (3, 3, 0.1, 1.0), (5, 4, 1e-3, 0.01)]
_HIDDEN = [(2, 7, None, 1.0), (1, 3, 1e-2, 0.05), (6, 6, None, 1.0), (3, 8, 1e-3, 0.01)]


def _cases(rng: np.random.Generator, hidden: bool, backward: bool) -> list:
    cases = []
    for N, D, eps, scale in _HIDDEN if hidden else _PUBLIC:
        ln_param = {} if eps is None else {"eps": eps}
        inputs = {
            # a per-row offset: the row means differ, so statistics over the wrong axis show
            "x": rounded(scale * rng.standard_normal((N, D)) + rng.standard_normal((N, 1)) * scale, 5),
            "gamma": rounded(1.0 + 0.5 * rng.standard_normal(D)),
            "beta": rounded(rng.standard_normal(D)),
            "ln_param": ln_param,
        }
        if backward:
            inputs["dout"] = rounded(rng.standard_normal((N, D)))
        cases.append((f"x {(N, D)}, ln_param {ln_param}" + (f", x scale {scale}" if scale != 1.0 else ""), inputs))
    return cases


def _forward_variants(ref: Any, inputs: dict, out: np.ndarray) -> dict:
    found = variants.outputs(ref, "layernorm_forward", *(inputs[a] for a in _ARGS), pick=lambda r: r[0])
    return variants.identifiable(out, found)


def _forward_expect(ref: Any, inputs: dict) -> dict:
    out, _ = ref.layernorm_forward(*(inputs[a] for a in _ARGS))
    return {"out": out, "variants": _forward_variants(ref, inputs, out)}


def _forward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    args = [inputs[a] for a in _ARGS]
    reply = ctx.call("layernorm_forward", *args, send=[(0,)], echo_args=True)
    ctx.expect_unchanged("layernorm_forward", _ARGS, args, reply.args_after)
    ctx.expect_close("out", reply.value[0], expected["out"], variants=expected["variants"])


_BACKWARD = BackwardSpec(forward="layernorm_forward", backward="layernorm_backward", wrt=("x", "gamma", "beta"), grad_keys=(0, 1, 2))


def _backward_expect(ref: Any, inputs: dict) -> dict:
    args = [inputs[a] for a in _ARGS]
    out, cache = ref.layernorm_forward(*args)
    grads = list(ref.layernorm_backward(inputs["dout"], cache))
    per = variants.gradients(ref, "layernorm_backward", _BACKWARD.wrt, inputs["dout"], *args)
    return {
        "outs": [out],
        "grads": grads,
        "variants": {w: variants.identifiable(g, per[w], nonzero=True) for w, g in zip(_BACKWARD.wrt, grads)},
        "forward_variants": _forward_variants(ref, inputs, out),
    }


def _backward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    fwd = {a: inputs[a] for a in _ARGS}
    diagnose_forward_too(
        ctx,
        lambda: check_backward(ctx, _BACKWARD, fwd, [inputs["dout"]], expected),
        "layernorm_forward",
        list(fwd.values()),
        expected["forward_variants"],
    )


EXERCISES = (
    TOPIC.exercise(
        "layernorm_forward",
        points=2,
        make_cases=lambda rng, hidden: _cases(rng, hidden, False),
        expect=_forward_expect,
        check=_forward_check,
        summary="layer norm forward: statistics per sample over D (Ba et al. 2016)",
    ),
    TOPIC.exercise(
        "layernorm_backward",
        points=3,
        requires=("layernorm_forward",),
        make_cases=lambda rng, hidden: _cases(rng, hidden, True),
        expect=_backward_expect,
        check=_backward_check,
        summary="layer norm backward: dx, dgamma, dbeta",
    ),
)
