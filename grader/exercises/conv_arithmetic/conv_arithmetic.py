"""Assignment 01 — convolution arithmetic: output sizes, padding, receptive fields, costs.

Each case is one call with plain ints; invalid arguments must raise ``ValueError``. Grids
cover the shapes that trip students (mistakes.md M22): non-divisible sizes, pad 0, even
kernels for "same", dilation, ceil_mode including PyTorch's last-window rule, and invalid
arguments. Expected values come from the reference, which the tests check against PyTorch.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from grader import compare as cmp
from grader.exercises.context import SHOULD_NOT_RAISE, SHOULD_RETURN, Context, sentence
from grader.exercises import variants
from grader.exercises.spec import Exercise, Topic

# What a wrong return value is told (catalogue templates, see grader.exercises.context.sentence).
RETURNED_VALUE = sentence("returned {got}")
RETURNED_VALUE_EXPECTED = sentence("returned {got}; expected {want}")
RETURNED_TYPE_NOT_INT = sentence("returned {type}; expected an int")
RETURNED_TYPE_NOT_FLOAT = sentence("returned {type}; expected a float")
RETURNED_FLOAT_FOR_INT = sentence("returned {got} (a float); return an int (use // for floor division)")
RETURNED_NOT_INT = sentence("returned {got}, not an int")
RETURNED_NOT_INT_EXPECTED = sentence("returned {got}, not an int; expected {want}")
# Why the reference raises ValueError (its messages, solutions/01_conv_arithmetic): a case that must
# raise quotes them ("...; it should raise ValueError because pad (2) must be at most ..."), so
# feedback pages need their Korean too.
REFERENCE_REASONS = tuple(sentence(s) for s in (
    "pad ({pad}) must be at most half the pool size ({half})",
    "the dilated kernel ({kernel}) does not fit in the padded input ({padded})",
    "the pooling window ({window}) does not fit in the padded input ({padded})",
    "in_channels ({cin}) and out_channels ({cout}) must be divisible by groups ({groups})",
    "{arg} must be >= {minimum}, got {value}",
    "{arg} must be an int, got {value}",
    "ceil_mode must be a bool",
    "each layer is (kernel_size, stride, dilation), got {layer}",
))


def _returned(got, want, public: bool) -> str:
    """The failure for a wrong value; the expected one only on a public case."""
    return RETURNED_VALUE_EXPECTED.format(got=repr(got), want=repr(want)) if public else RETURNED_VALUE.format(got=repr(got))

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


def _ints(*values: Any) -> bool:
    return all(type(v) is int and v >= 1 for v in values)


def _channels_ok(args: tuple, kwargs: dict) -> bool:
    groups = kwargs.get("groups", 1)
    return _ints(args[1], args[2], groups) and args[0] % groups == 0 and args[1] % groups == 0


def _conv_size_ok(a: tuple, k: dict) -> bool:
    size, kernel = a
    s, p, d = k.get("stride", 1), k.get("pad", 0), k.get("dilation", 1)
    return _ints(size, kernel, s, d) and type(p) is int and p >= 0 and size + 2 * p - d * (kernel - 1) - 1 >= 0


def _pool_size_ok(a: tuple, k: dict) -> bool:
    size, pool = a
    s = pool if k.get("stride") is None else k["stride"]
    p = k.get("pad", 0)
    return (_ints(size, pool, s) and type(p) is int and 0 <= p <= pool // 2
            and isinstance(k.get("ceil_mode", False), bool) and size + 2 * p - pool >= 0)


# Invalid arguments are the "invalid_input" feature, weighted on its own (never by how many
# random cases happened to be invalid). DESIGN §3 calls them errors only for conv_output_size and
# pool_output_size, so the contracts grade the feature for those two only (grader.contracts);
# for the others a ValueError is graded when a course asks. These predicates (the reference's
# own checks) tell the invalid cases apart when the cases are made.
_VALID = MappingProxyType({
    "conv_output_size": _conv_size_ok,
    "pool_output_size": _pool_size_ok,
    "same_padding": lambda a, k: _ints(a[0], k.get("dilation", 1)),
    "receptive_field": lambda a, k: all(len(layer) == 3 and _ints(*layer) for layer in a[0]),
    "conv_param_count": _channels_ok,
    "conv_macs": lambda a, k: _channels_ok(a, k) and _ints(a[3], a[4]),
    "depthwise_separable_cost_ratio": lambda a, k: _ints(*a),
})


def _same_float(got: float, want: float) -> bool:
    # The documented compare rule (grader.compare): |got − want| ≤ atol + rtol·|want|, so a
    # float32-inside answer (relative error ~1e-7) is right.
    return cmp.close(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64))


def _scalar_exercise(name: str, points: float, cases, messages: dict, *, result: str = "int", summary: str) -> Exercise:
    """An exercise whose cases are single calls returning an int, a float or a tuple of ints.

    The variants compared with are those ``IMITATES`` lists for ``name``. Cases with invalid
    arguments are ``"invalid_input"`` cases (weight 0.15 of the two output-size functions, whose
    contracts grade them; 0.1 of the others, graded when a course asks).

    Args:
        cases: ``(rng, hidden) -> [(args, kwargs)]``.
        messages: misconception → message (for this function's variants).
        result: ``"int"``, ``"float"`` (compared by the documented rule, :func:`grader.compare.close`)
            or ``"int_pair"``.
    Expected values: :class:`~grader.exercises.expected.ScalarExpected` or
    :class:`~grader.exercises.expected.RaisesExpected`.
    """

    valid = _VALID[name]

    def make_cases(rng: np.random.Generator, hidden: bool) -> list:
        return [
            (_label(name, tuple(a), k), {"args": tuple(a), "kwargs": dict(k)}, "core" if valid(tuple(a), k) else "invalid_input")
            for a, k in cases(rng, hidden)
        ]

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
        should = SHOULD_RETURN.format(value=repr(expected["value"])) if ctx.public else SHOULD_NOT_RAISE
        got = ctx.call(name, *args, should=should, **kwargs).value
        want = expected["value"]
        if result == "int_pair":
            ok = isinstance(got, (tuple, list)) and len(got) == 2 and all(_is_int(g) for g in got) and tuple(int(g) for g in got) == tuple(want)
            if not ok:
                names = [variants.diagnosis(d) for d, v in expected["variants"].items() if isinstance(got, (tuple, list)) and tuple(got) == tuple(v)]
                ctx.fail(_returned(got, want, ctx.public), *names)
            return
        number = _as_number(got)
        if number is None:
            ctx.fail((RETURNED_TYPE_NOT_INT if result == "int" else RETURNED_TYPE_NOT_FLOAT).format(type=type(got).__name__))
        if result == "int" and not _is_int(got):
            diag = ("true_division",) if isinstance(number, float) and not float(number).is_integer() else ()
            if number == want:
                ctx.fail(RETURNED_FLOAT_FOR_INT.format(got=repr(got)), *diag)
            ctx.fail((RETURNED_NOT_INT_EXPECTED.format(got=repr(got), want=repr(want)) if ctx.public
                      else RETURNED_NOT_INT.format(got=repr(got))), *diag)
        if result == "float" and _same_float(number, want):
            return
        if result == "int" and number == want:
            return
        names = [variants.diagnosis(d) for d, v in expected["variants"].items() if (_same_float(number, v) if result == "float" else number == v)]
        ctx.fail(_returned(number, want, ctx.public), *names)

    return TOPIC.exercise(
        name,
        points=points,
        make_cases=make_cases,
        expect=expect,
        check=check,
        misconceptions=messages,
        summary=summary,
        weights={"core": 0.85, "invalid_input": 0.15} if name in ("conv_output_size", "pool_output_size") else {"core": 0.9, "invalid_input": 0.1},
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
            "output_size_no_stride": "windows start `stride` pixels apart: divide the span by the stride, floor((H + 2·pad − dilation·(k − 1) − 1) / stride) + 1",
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
        {
            "ignores_groups": "with groups, each output sums over only C / groups input channels",
            "macs_as_flops": "you counted FLOPs (a multiply and an add per product): a multiply–accumulate (MAC) counts once, so MACs are half your number",
        },
        summary="multiply–accumulates of a conv layer",
    ),
    _scalar_exercise(
        "depthwise_separable_cost_ratio", 1, _ratio_cases,
        {"inverted": "the ratio is separable / standard = 1/F + 1/K² (MobileNets §3.1), below 1"},
        result="float",
        summary="MobileNet cost ratio 1/F + 1/K²",
    ),
)
