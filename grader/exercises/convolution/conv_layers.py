"""Assignment 02, ``conv_layers.py`` — convolution forward/backward, correlate2d/convolve2d, depthwise separable.

Case grids cover pad ∈ {0, 1, 2}, stride ∈ {1, 2, 3}, N ∈ {1, 2}, H ≠ W, non-square kernels,
dilation and groups (mistakes.md M1–M3, M7, M21–M23). Inputs are small so that a plain-loop
solution stays well inside the time limit even with the numerical gradient checks.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from grader.exercises.context import Context
from grader.exercises.sizes import output_size
from grader.exercises import variants
from grader.exercises.backward import BackwardSpec, check_backward
from grader.exercises.spec import Exercise, Topic

ASSIGNMENT = "02_convolution"

MISCONCEPTIONS = MappingProxyType(
    {
        "flipped_kernel": "your output equals true convolution with the kernel rotated 180°; this layer is cross-correlation: do not flip w",
        "swapped_kernel_hw": "kernel height and width are swapped: windows must be HH rows × WW columns, w has shape (F, C, HH, WW)",
        "pad_one_side": "zero padding goes on both sides of H and W: np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
        "pad_all_axes": "np.pad(x, pad) pads N and C as well; pad only H and W: np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
        "missing_bias": "the bias b[f] is never added",
        "off_by_one_output_size": "the output size is (H + 2·pad − dilation·(HH − 1) − 1) // stride + 1 — you are one short",
        "ignores_stride": "windows must move by `stride` pixels: the window of output (i, j) starts at (i·stride, j·stride)",
        "ignores_dilation": "with dilation d the kernel taps are d pixels apart: rows i·stride + p·d",
        "empty_dx_pad0": "dx is empty when pad = 0: slicing dx_pad[:, :, pad:-pad] is empty for pad = 0; use dx_pad[:, :, pad:pad + H, pad:pad + W]",
        "mutates_input": "a function modified an input array in place",
        "not_flipped": "convolve2d must flip the kernel in both axes (kernel[::-1, ::-1]); you computed cross-correlation",
        "flipped_one_axis": "flip the kernel in both axes, not one: kernel[::-1, ::-1]",
    }
)

TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)

# (N, C, H, W, F, HH, WW, stride, pad, dilation, groups)
_PUBLIC_CONFIGS = [
    (2, 3, 5, 7, 4, 3, 2, 1, 0, 1, 1),
    (1, 2, 6, 5, 3, 3, 3, 2, 1, 1, 1),
    (2, 3, 7, 6, 2, 2, 3, 3, 2, 1, 1),
    (2, 2, 7, 7, 3, 3, 3, 1, 1, 2, 1),
    (2, 4, 5, 6, 6, 3, 1, 1, 1, 1, 2),
    (1, 3, 4, 4, 2, 1, 1, 1, 0, 1, 1),
]
_HIDDEN_CONFIGS = [
    (1, 1, 3, 8, 1, 3, 3, 1, 0, 1, 1),
    (2, 2, 8, 5, 3, 2, 2, 2, 0, 1, 1),
    (2, 4, 6, 6, 4, 3, 3, 1, 2, 1, 4),
    (1, 3, 9, 7, 2, 3, 2, 3, 1, 2, 1),
]


def _out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    return output_size(size, k, s, p, d)


def _random_config(rng: np.random.Generator) -> tuple:
    while True:
        groups = int(rng.choice([1, 1, 2]))
        N, C, F = int(rng.integers(1, 3)), groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        H, W = int(rng.integers(3, 9)), int(rng.integers(3, 9))
        HH, WW = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        s, p, d = int(rng.integers(1, 4)), int(rng.integers(0, 3)), int(rng.choice([1, 1, 2]))
        if _out_size(H, HH, s, p, d) >= 1 and _out_size(W, WW, s, p, d) >= 1:
            return (N, C, H, W, F, HH, WW, s, p, d, groups)


def _conv_inputs(rng: np.random.Generator, cfg: tuple) -> tuple[str, dict]:
    N, C, H, W, F, HH, WW, s, p, d, g = cfg
    conv_param = {"stride": s, "pad": p}
    if d != 1:
        conv_param["dilation"] = d
    if g != 1:
        conv_param["groups"] = g
    inputs = {
        "x": rng.standard_normal((N, C, H, W)),
        "w": rng.standard_normal((F, C // g, HH, WW)),
        "b": rng.standard_normal(F),
        "conv_param": conv_param,
    }
    label = f"x {(N, C, H, W)}, w {(F, C // g, HH, WW)}, conv_param {conv_param}"
    return label, inputs


def _conv_cases(rng: np.random.Generator, hidden: bool, with_dout: bool) -> list:
    configs = list(_PUBLIC_CONFIGS) if not hidden else _HIDDEN_CONFIGS + [_random_config(rng) for _ in range(6)]
    cases = []
    for cfg in configs:
        label, inputs = _conv_inputs(rng, cfg)
        if with_dout:
            N, C, H, W, F, HH, WW, s, p, d, g = cfg
            inputs["dout"] = rng.standard_normal((N, F, _out_size(H, HH, s, p, d), _out_size(W, WW, s, p, d)))
        cases.append((label, inputs))
    return cases


# -- conv_forward_naive ------------------------------------------------------------------------

def _forward_expect(ref: Any, inputs: dict) -> dict:
    x, w, b, cp = inputs["x"], inputs["w"], inputs["b"], inputs["conv_param"]
    out, _ = ref.conv_forward_naive(x, w, b, cp)
    return {"out": out, "variants": variants.outputs(ref, "conv_forward_naive", x, w, b, cp)}


def _forward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    names = ["x", "w", "b", "conv_param"]
    args = [inputs[n] for n in names]
    reply = ctx.call("conv_forward_naive", *args, send=[(0,)], echo_args=True)
    ctx.expect_unchanged("conv_forward_naive", names, args, reply.args_after)
    ctx.expect_close("out", reply.value[0], expected["out"], variants=expected["variants"])


# -- conv_backward_naive -----------------------------------------------------------------------

def _backward_expect(ref: Any, inputs: dict) -> dict:
    x, w, b, cp, dout = inputs["x"], inputs["w"], inputs["b"], inputs["conv_param"], inputs["dout"]
    out, cache = ref.conv_forward_naive(x, w, b, cp)
    dx, dw, db = ref.conv_backward_naive(dout, cache)
    return {
        "outs": [out],
        "grads": [dx, dw, db],
        "variants": variants.gradients(ref, "conv_backward_naive", _BACKWARD.wrt, dout, x, w, b, cp),
    }


_BACKWARD = BackwardSpec(forward="conv_forward_naive", backward="conv_backward_naive", wrt=("x", "w", "b"), grad_keys=(0, 1, 2))


def _backward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    check_backward(ctx, _BACKWARD, {k: inputs[k] for k in ("x", "w", "b", "conv_param")}, [inputs["dout"]], expected)


# -- correlate2d / convolve2d ------------------------------------------------------------------

def _image_cases(rng: np.random.Generator, hidden: bool) -> list:
    shapes = [((5, 6), (3, 2)), ((4, 4), (2, 2)), ((6, 3), (1, 3)), ((3, 3), (3, 3))]
    if hidden:
        shapes = [((7, 5), (2, 3)), ((8, 8), (3, 3)), ((2, 9), (2, 4)), ((5, 5), (1, 1)), ((6, 7), (4, 2))]
    out = []
    for (H, W), (HH, WW) in shapes:
        # Integer-valued inputs keep public fixtures readable; the kernel is asymmetric so flips show.
        image = rng.integers(-4, 5, size=(H, W)).astype(np.float64)
        kernel = rng.integers(-3, 4, size=(HH, WW)).astype(np.float64)
        kernel.flat[0] = 5.0
        out.append((f"image {(H, W)}, kernel {(HH, WW)}", {"image": image, "kernel": kernel}))
    return out


def _image_exercise(name: str) -> Exercise:
    def expect(ref: Any, inputs: dict) -> dict:
        image, kernel = inputs["image"], inputs["kernel"]
        value = getattr(ref, name)(image, kernel)
        found: dict = {}
        for diag, v in variants.outputs(ref, name, image, kernel).items():
            # A variant that coincides with the answer or an earlier variant names nothing.
            if not np.allclose(v, value) and not any(np.allclose(v, u) for u in found.values()):
                found[diag] = v
        return {"out": value, "variants": found}

    def check(ctx: Context, inputs: dict, expected: dict) -> None:
        args = [inputs["image"], inputs["kernel"]]
        reply = ctx.call(name, *args, echo_args=True)
        ctx.expect_unchanged(name, ["image", "kernel"], args, reply.args_after)
        ctx.expect_close("out", reply.value, expected["out"], variants=expected["variants"])

    return TOPIC.exercise(
        name,
        points=1,
        requires=(name,),
        make_cases=_image_cases,
        expect=expect,
        check=check,
        summary=f"2-D {'cross-correlation' if name == 'correlate2d' else 'convolution'}, valid mode",
    )


# -- depthwise separable -----------------------------------------------------------------------

def _ds_cases(rng: np.random.Generator, hidden: bool) -> list:
    configs = [(2, 3, 5, 6, 4, 3, 3, 1, 1, 1), (1, 2, 6, 5, 3, 3, 2, 2, 0, 1)]
    if hidden:
        configs = [(2, 4, 7, 5, 2, 3, 3, 2, 1, 1), (1, 3, 6, 6, 5, 2, 2, 1, 2, 2), (2, 1, 4, 7, 3, 1, 3, 3, 1, 1)]
    cases = []
    for N, C, H, W, F, HH, WW, s, p, d in configs:
        conv_param = {"stride": s, "pad": p} | ({"dilation": d} if d != 1 else {})
        Ho, Wo = _out_size(H, HH, s, p, d), _out_size(W, WW, s, p, d)
        inputs = {
            "x": rng.standard_normal((N, C, H, W)),
            "w_depthwise": rng.standard_normal((C, 1, HH, WW)),
            "b_depthwise": rng.standard_normal(C),
            "w_pointwise": rng.standard_normal((F, C, 1, 1)),
            "b_pointwise": rng.standard_normal(F),
            "conv_param": conv_param,
            "dout": rng.standard_normal((N, F, Ho, Wo)),
        }
        cases.append((f"x {(N, C, H, W)}, depthwise {(C, 1, HH, WW)}, pointwise {(F, C, 1, 1)}, conv_param {conv_param}", inputs))
    return cases


_DS_ARGS = ("x", "w_depthwise", "b_depthwise", "w_pointwise", "b_pointwise", "conv_param")


def _ds_forward_expect(ref: Any, inputs: dict) -> dict:
    out, _ = ref.depthwise_separable_conv_forward(*(inputs[k] for k in _DS_ARGS))
    return {"out": out}


def _ds_forward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    args = [inputs[k] for k in _DS_ARGS]
    reply = ctx.call("depthwise_separable_conv_forward", *args, send=[(0,)], echo_args=True)
    ctx.expect_unchanged("depthwise_separable_conv_forward", _DS_ARGS, args, reply.args_after)
    ctx.expect_close("out", reply.value[0], expected["out"])


def _ds_backward_expect(ref: Any, inputs: dict) -> dict:
    out, cache = ref.depthwise_separable_conv_forward(*(inputs[k] for k in _DS_ARGS))
    return {"outs": [out], "grads": list(ref.depthwise_separable_conv_backward(inputs["dout"], cache))}


_DS_BACKWARD = BackwardSpec(
    forward="depthwise_separable_conv_forward", backward="depthwise_separable_conv_backward", wrt=_DS_ARGS[:5], grad_keys=(0, 1, 2, 3, 4)
)


def _ds_backward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    check_backward(ctx, _DS_BACKWARD, {k: inputs[k] for k in _DS_ARGS}, [inputs["dout"]], expected)


EXERCISES = (
    TOPIC.exercise(
        "conv_forward_naive",
        points=4,
        requires=("conv_forward_naive",),
        make_cases=lambda rng, hidden: [(l, {k: v for k, v in i.items() if k != "dout"}) for l, i in _conv_cases(rng, hidden, False)],
        expect=_forward_expect,
        check=_forward_check,
        summary="conv forward with stride, pad, dilation, groups",
    ),
    TOPIC.exercise(
        "conv_backward_naive",
        points=4,
        requires=("conv_backward_naive", "conv_forward_naive"),
        make_cases=lambda rng, hidden: _conv_cases(rng, hidden, True),
        expect=_backward_expect,
        check=_backward_check,
        summary="conv backward: dx, dw, db",
    ),
    _image_exercise("correlate2d"),
    _image_exercise("convolve2d"),
    TOPIC.exercise(
        "depthwise_separable_conv_forward",
        points=2,
        requires=("depthwise_separable_conv_forward",),
        make_cases=lambda rng, hidden: [(l, {k: v for k, v in i.items() if k != "dout"}) for l, i in _ds_cases(rng, hidden)],
        expect=_ds_forward_expect,
        check=_ds_forward_check,
        summary="depthwise (groups = C) then 1×1 pointwise conv",
    ),
    TOPIC.exercise(
        "depthwise_separable_conv_backward",
        points=2,
        requires=("depthwise_separable_conv_backward", "depthwise_separable_conv_forward"),
        make_cases=_ds_cases,
        expect=_ds_backward_expect,
        check=_ds_backward_check,
        summary="backward of the depthwise separable conv",
    ),
)
