"""Assignment 01 — convolution arithmetic: output sizes, padding, receptive fields, costs.

Each case is one call with plain ints; invalid arguments must raise ``ValueError``. Grids
cover the shapes that trip students (mistakes.md M22): non-divisible sizes, pad 0, even
kernels for "same", dilation, ceil_mode including PyTorch's last-window rule, and invalid
arguments. Expected values come from the reference, which the tests check against PyTorch.
"""
from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

import numpy as np

from grader.exercises.context import Context
from grader.exercises import variants
from grader.exercises.spec import Exercise, Topic

ASSIGNMENT = "01_conv_arithmetic"

# Messages every exercise of this topic may name; each exercise adds those of its variants
# (solutions/01_conv_arithmetic/_variants.py, IMITATES), whose wording depends on the function.
MISCONCEPTIONS = MappingProxyType({
    "no_value_error": "invalid arguments must raise ValueError (see the docstring)",
    "true_division": "use floor division // : sizes are whole numbers",
})
TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)


def _label(func: str, args: tuple, kwargs: dict) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{func}({', '.join(parts)})"


def _is_int(value: Any) -> bool:
    if type(value) is int:
        return True
    return isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iu"


def _as_number(value: Any) -> float | None:
    if type(value) in (int, float):
        return value
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        return value.item()
    return None


def _scalar_exercise(name: str, points: float, cases, messages: dict, *, result: str = "int", summary: str) -> Exercise:
    """An exercise whose cases are single calls returning an int, a float or a tuple of ints.

    The variants compared with are those ``IMITATES`` lists for ``name``.

    Args:
        cases: ``(rng, hidden) -> [(args, kwargs)]``.
        messages: misconception → message (for this function's variants).
        result: ``"int"``, ``"float"`` or ``"int_pair"``.
    Expected values: :class:`~grader.exercises.expected.ScalarExpected` or
    :class:`~grader.exercises.expected.RaisesExpected`.
    """

    def make_cases(rng: np.random.Generator, hidden: bool) -> list:
        return [(_label(name, tuple(a), k), {"args": tuple(a), "kwargs": dict(k)}) for a, k in cases(rng, hidden)]

    def expect(ref: Any, inputs: dict) -> dict:
        args, kwargs = inputs["args"], inputs["kwargs"]
        try:
            value = getattr(ref, name)(*args, **kwargs)
        except ValueError as exc:
            return {"raises": "ValueError", "why": str(exc)}
        found = {d: v for d, v in variants.outputs(ref, name, *args, **kwargs).items() if v != value}
        return {"value": value, "variants": found}

    def check(ctx: Context, inputs: dict, expected: dict) -> None:
        args, kwargs = inputs["args"], inputs["kwargs"]
        if "raises" in expected:
            ctx.expect_raises(name, *args, why=expected["why"], diagnosis="no_value_error", **kwargs)
            return
        should = f"return {expected['value']!r}" if ctx.public else "not raise"
        got = ctx.call(name, *args, should=should, **kwargs).value
        want = expected["value"]
        if result == "int_pair":
            ok = isinstance(got, (tuple, list)) and len(got) == 2 and all(_is_int(g) for g in got) and tuple(int(g) for g in got) == tuple(want)
            if not ok:
                names = [variants.diagnosis(d) for d, v in expected["variants"].items() if isinstance(got, (tuple, list)) and tuple(got) == tuple(v)]
                shown = f"; expected {want!r}" if ctx.public else ""
                ctx.fail(f"returned {got!r}{shown}", *names)
            return
        number = _as_number(got)
        if number is None:
            ctx.fail(f"returned {type(got).__name__}; expected {'an int' if result == 'int' else 'a float'}")
        if result == "int" and not _is_int(got):
            diag = ("true_division",) if isinstance(number, float) and not float(number).is_integer() else ()
            if number == want:
                ctx.fail(f"returned {got!r} (a float); return an int (use // for floor division)", *diag)
            ctx.fail(f"returned {got!r}, not an int" + (f"; expected {want!r}" if ctx.public else ""), *diag)
        if result == "float" and math.isclose(number, want, rel_tol=1e-9, abs_tol=1e-12):
            return
        if result == "int" and number == want:
            return
        names = [variants.diagnosis(d) for d, v in expected["variants"].items() if math.isclose(number, v, rel_tol=1e-9, abs_tol=1e-12)]
        ctx.fail(f"returned {number!r}" + (f"; expected {want!r}" if ctx.public else ""), *names)

    return TOPIC.exercise(
        name,
        points=points,
        make_cases=make_cases,
        expect=expect,
        check=check,
        misconceptions=messages,
        summary=summary,
    )


# -- case grids ---------------------------------------------------------------------------------

def _conv_cases(rng: np.random.Generator, hidden: bool) -> list:
    cases = []
    # A fixed public grid over the classic configurations (AlexNet's 227/11/4, VGG's 3/1/1 …).
    for size, k, s, p, d in [
        (5, 3, 1, 0, 1), (5, 3, 1, 1, 1), (7, 3, 2, 0, 1), (7, 3, 2, 1, 1), (8, 3, 2, 1, 1), (227, 11, 4, 0, 1),
        (224, 7, 2, 3, 1), (11, 3, 2, 1, 2), (10, 4, 3, 2, 1), (6, 2, 2, 0, 1), (9, 3, 3, 0, 2), (4, 4, 1, 0, 1),
        (1, 1, 1, 0, 1), (13, 5, 3, 2, 2), (32, 5, 1, 0, 1),
    ]:
        cases.append(((size, k), {"stride": s, "pad": p, "dilation": d}))
    for bad in [(3, 5, 1, 0, 1), (5, 3, 0, 0, 1), (5, 3, 1, -1, 1), (0, 1, 1, 0, 1), (5, 3, 1, 0, 0), (5, 3, 1, 0, 3)]:
        cases.append((bad[:2], {"stride": bad[2], "pad": bad[3], "dilation": bad[4]}))
    if hidden:
        for _ in range(110):
            size, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
            s, p, d = int(rng.integers(1, 5)), int(rng.integers(0, 4)), int(rng.integers(1, 4))
            cases.append(((size, k), {"stride": s, "pad": p, "dilation": d}))
        cases.append(((7, 3), {"stride": 1.5, "pad": 0, "dilation": 1}))
    return cases


def _pool_cases(rng: np.random.Generator, hidden: bool) -> list:
    cases = []
    for size, k, s, p, ceil in [
        (4, 2, None, 0, False), (5, 2, None, 0, False), (5, 2, 2, 0, True), (5, 3, 2, 1, True), (6, 3, 2, 1, True),
        (7, 3, 2, 0, True), (112, 3, 2, 1, False), (5, 3, 1, 0, False), (6, 4, 3, 2, True), (2, 2, 2, 1, True),
        (3, 2, None, 1, True), (9, 3, 3, 1, True), (10, 2, 3, 0, True), (8, 2, None, 0, True),
    ]:
        cases.append(((size, k), {"stride": s, "pad": p, "ceil_mode": ceil}))
    for bad in [(1, 3, None, 0, False), (5, 2, None, 2, False), (5, 0, None, 0, False), (5, 2, 0, 0, False)]:
        cases.append((bad[:2], {"stride": bad[2], "pad": bad[3], "ceil_mode": bad[4]}))
    if hidden:
        for _ in range(110):
            size, k = int(rng.integers(1, 30)), int(rng.integers(1, 6))
            s = None if rng.random() < 0.25 else int(rng.integers(1, 5))
            cases.append(((size, k), {"stride": s, "pad": int(rng.integers(0, k // 2 + 2)), "ceil_mode": bool(rng.random() < 0.5)}))
    return cases


def _same_cases(rng: np.random.Generator, hidden: bool) -> list:
    cases = [((k,), {"dilation": d}) for k, d in [(1, 1), (3, 1), (5, 1), (2, 1), (4, 1), (3, 2), (2, 3), (4, 2), (7, 3)]]
    cases += [((0,), {"dilation": 1}), ((3,), {"dilation": 0})]
    if hidden:
        cases += [((int(rng.integers(1, 12)),), {"dilation": int(rng.integers(1, 5))}) for _ in range(30)]
    return cases


def _rf_cases(rng: np.random.Generator, hidden: bool) -> list:
    vgg_block = [(3, 1, 1), (3, 1, 1), (2, 2, 1)]
    cases = [
        (([],), {}), (([(3, 1, 1)],), {}), (([(3, 1, 1), (3, 1, 1)],), {}), (([(3, 1, 1)] * 3,), {}),
        ((vgg_block * 2,), {}), (([(7, 2, 1), (3, 2, 1), (3, 1, 1)],), {}), (([(3, 1, 1), (3, 1, 2), (3, 1, 4)],), {}),
        (([(11, 4, 1), (3, 2, 1), (5, 1, 1), (3, 2, 1)],), {}), (([(3, 2, 2), (2, 2, 1)],), {}),
        (([(3, 0, 1)],), {}),
    ]
    if hidden:
        for _ in range(30):
            n = int(rng.integers(1, 6))
            layers = [(int(rng.integers(1, 8)), int(rng.integers(1, 4)), int(rng.integers(1, 4))) for _ in range(n)]
            cases.append(((layers,), {}))
    return cases


def _param_cases(rng: np.random.Generator, hidden: bool) -> list:
    cases = [
        ((3, 64, 3), {}), ((3, 96, 11), {"bias": True}), ((64, 64, 3), {"bias": False}), ((32, 32, 3), {"groups": 32}),
        ((32, 64, 1), {}), ((64, 128, 3), {"groups": 4, "bias": False}), ((16, 8, 5), {"groups": 2}),
        ((6, 4, 3), {"groups": 4}), ((3, 8, 0), {}),
    ]
    if hidden:
        for _ in range(20):
            g = int(rng.choice([1, 2, 4]))
            cases.append(((g * int(rng.integers(1, 9)), g * int(rng.integers(1, 9)), int(rng.integers(1, 8))), {"groups": g, "bias": bool(rng.random() < 0.5)}))
    return cases


def _macs_cases(rng: np.random.Generator, hidden: bool) -> list:
    cases = [
        ((3, 64, 3, 224, 224), {}), ((3, 96, 11, 55, 55), {}), ((32, 32, 3, 112, 112), {"groups": 32}),
        ((32, 64, 1, 112, 112), {}), ((64, 128, 3, 28, 14), {"groups": 2}), ((3, 4, 3, 0, 5), {}), ((6, 4, 3, 5, 5), {"groups": 4}),
    ]
    if hidden:
        for _ in range(20):
            g = int(rng.choice([1, 2, 8]))
            cases.append(((g * int(rng.integers(1, 9)), g * int(rng.integers(1, 9)), int(rng.integers(1, 8)), int(rng.integers(1, 60)), int(rng.integers(1, 60))), {"groups": g}))
    return cases


def _ratio_cases(rng: np.random.Generator, hidden: bool) -> list:
    cases = [((32, 64, 3), {}), ((512, 512, 3), {}), ((3, 1, 1), {}), ((16, 32, 5), {}), ((8, 8, 0), {})]
    if hidden:
        cases += [((int(rng.integers(1, 512)), int(rng.integers(1, 512)), int(rng.integers(1, 8))), {}) for _ in range(15)]
    return cases


EXERCISES = (
    _scalar_exercise(
        "conv_output_size", 2, _conv_cases,
        {
            "forgot_plus_one": "the formula counts windows: floor((H + 2·pad − dilation·(k − 1) − 1) / stride) + 1 — you left out the + 1",
            "pad_once": "pad is added on both sides: use 2·pad (d2l's p_h is the total; here pad is per side)",
            "ignores_dilation": "a dilated kernel spans dilation·(k − 1) + 1 pixels",
            "ceil_instead_of_floor": "convolution output sizes round down (floor), not up",
        },
        summary="output size of a convolution along one axis",
    ),
    _scalar_exercise(
        "pool_output_size", 2, _pool_cases,
        {
            "ignores_ceil_mode": "with ceil_mode=True the size is rounded up (PyTorch MaxPool2d)",
            "ceil_without_last_window_rule": "in ceil mode PyTorch drops the last window if it would start beyond the input and left padding: if (out − 1)·stride ≥ H + pad, use out − 1",
            "stride_default_one": "when stride is None it defaults to the pool size, not 1",
        },
        summary="output size of a pooling layer (ceil_mode as PyTorch)",
    ),
    _scalar_exercise(
        "same_padding", 1, _same_cases,
        {
            "extra_before": "for an even kernel PyTorch's padding='same' puts the extra row/column after (bottom/right)",
            "ignores_dilation": "the total padding is dilation·(k − 1)",
        },
        result="int_pair",
        summary='"same" padding (before, after)',
    ),
    _scalar_exercise(
        "receptive_field", 2, _rf_cases,
        {
            "no_jump": "each layer's growth (k − 1)·dilation is multiplied by the product of the strides of the layers before it",
            "ignores_dilation": "a dilated layer grows the field by dilation·(k − 1)",
        },
        summary="receptive field of a conv/pool stack",
    ),
    _scalar_exercise(
        "conv_param_count", 1, _param_cases,
        {"ignores_groups": "with groups, each filter sees only C / groups input channels", "forgot_bias": "count one bias per output channel when bias=True"},
        summary="learnable parameters of a conv layer",
    ),
    _scalar_exercise(
        "conv_macs", 1, _macs_cases,
        {"ignores_groups": "with groups, each output sums over only C / groups input channels"},
        summary="multiply–accumulates of a conv layer",
    ),
    _scalar_exercise(
        "depthwise_separable_cost_ratio", 1, _ratio_cases,
        {"inverted": "the ratio is separable / standard = 1/F + 1/K² (MobileNets §3.1), below 1"},
        result="float",
        summary="MobileNet cost ratio 1/F + 1/K²",
    ),
)
