"""Assignment 03, ``pooling.py`` — max, average and global average pooling, forward and backward.

Case grids (mistakes.md M3–M7) cover overlapping windows (3×3 stride 1), non-square windows
(2×3, 3×2) on non-square inputs (H ≠ W), N = 1, stride larger than the window (gaps), a
window as large as the input, and inputs with ties: all-equal windows, whole constant
inputs and small-integer inputs where windows often share their maximum.

Inputs without ties are a random permutation of a grid of values 0.1 apart, so that the
finite-difference steps of the gradient check (~1e-3) never change which element of a window
is the maximum. With ties the maximum is not differentiable, so tie cases are judged on the
convention (the whole gradient to the FIRST maximum in row-major order, as PyTorch) and on a
property that holds for any tie rule that keeps the gradient mass: where windows do not
overlap, dx summed over a window equals that window's dout.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from grader.exercises import variants
from grader.exercises.backward import BackwardSpec, check_backward
from grader.exercises.context import Context, note_of, sentence
from grader.exercises.sizes import output_size
from grader.exercises.spec import Exercise, Topic, rounded
from grader.exercises.checks import diagnose_forward_too, identifiable_variants
from grader.runner.codec import Ref

# What the tied-maxima check of max_pool_backward_naive says (catalogue templates, domain ``feedback``).
_WINDOW = ("dx summed over the window of output [{n}, {c}, {i}, {j}] (whose maximum is tied {ties}×) must equal that "
           "window's upstream gradient, since windows do not overlap here; ")
WINDOW_SUM_SHOWN = sentence(_WINDOW + "it sums to {total} where dout is {dout}")
WINDOW_SUM = sentence(_WINDOW + "its sum is not that window's dout")
TIES_NOTE = sentence("Tied maxima: the whole gradient of a window goes to its first maximum in row-major order. {problem}")

ASSIGNMENT = "03_pooling"

# The feedback texts live here (student copies of the grader ship without solutions/); the
# variants of solutions/03_pooling/_variants.py (IMITATES) are named by these keys.
MISCONCEPTIONS = MappingProxyType(
    {
        "window_from_stride": (
            "your windows are stride × stride instead of pool_height × pool_width. The window size "
            "and the step between windows are independent: slice x[..., i*stride : i*stride + pool_height, "
            "j*stride : j*stride + pool_width]"
        ),
        "swapped_pool_hw": (
            "your window height uses pool_width and its width uses pool_height. Rows (axis 2) go with "
            "pool_height, columns (axis 3) with pool_width; square pools hide this"
        ),
        "backward_assign_not_accumulate": (
            "when windows overlap (stride < window size) a position gets gradient from several windows; "
            "your backward overwrites (dx[...] = ...) instead of accumulating (dx[...] += ...), so earlier "
            "windows' gradients are lost"
        ),
        "backward_assign_at_argmax": (
            "when windows overlap the same position can be the maximum of several windows; your backward "
            "assigns dout to it (dx[...] = dout) instead of adding (dx[...] += dout), so it keeps only the "
            "last window's gradient"
        ),
        "backward_all_ties": (
            "when several positions tie for the maximum your backward gives the full gradient to each of "
            "them (mask x == max), so the window's gradient is counted several times. Give the whole "
            "gradient to the first maximum in row-major order (np.argmax), as PyTorch does"
        ),
        "backward_last_tie": (
            "on ties your backward gives the gradient to the LAST maximum of the window; this exercise "
            "(like PyTorch) uses the FIRST maximum in row-major order, which is what np.argmax returns "
            "(a >= comparison in a loop picks the last one; use >)"
        ),
        "backward_split_ties": (
            "on ties your backward splits the gradient equally among the tied maxima. That keeps its sum "
            "right, but this exercise (like PyTorch) gives it all to the first maximum in row-major order "
            "(np.argmax)"
        ),
        "avg_divides_by_stride": (
            "each window must be divided by its own size, pool_height · pool_width, not by stride²"
        ),
        "global_keeps_spatial_axes": (
            "global_avg_pool_forward returns shape (N, C): average over axes (2, 3) without keepdims"
        ),
        "global_backward_no_division": (
            "every position of a channel gets 1 / (H·W) of the channel's upstream gradient; you forgot to divide by H·W"
        ),
        "mutates_input": "a function modified one of its arguments in place; work on copies",
    }
)
TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)

# (N, C, H, W, pool_height, pool_width, stride, kind); kind: "distinct" values, "ties"
# (small integers and some all-equal windows), "constant" (every window all-equal).
_PUBLIC_CONFIGS = [
    (2, 3, 4, 4, 2, 2, 2, "distinct"),  # the classic 2×2 / 2
    (1, 2, 5, 5, 3, 3, 1, "distinct"),  # overlapping 3×3 stride 1, N = 1
    (2, 2, 5, 7, 2, 3, 2, "distinct"),  # non-square 2×3 window, H ≠ W, overlapping along W
    (2, 1, 6, 5, 3, 2, 2, "distinct"),  # 3×2 window, overlapping along H
    (2, 2, 7, 6, 2, 2, 3, "distinct"),  # stride > window: rows/columns skipped
    (2, 2, 4, 6, 2, 2, 2, "ties"),  # all-equal windows, non-overlapping
    (1, 2, 5, 5, 3, 3, 1, "ties"),  # ties with overlapping windows
]
_HIDDEN_CONFIGS = [
    (1, 1, 3, 8, 3, 2, 1, "distinct"),
    (2, 3, 8, 5, 4, 2, 2, "distinct"),
    (1, 2, 5, 4, 5, 4, 1, "distinct"),  # one window covering the whole input
    (3, 1, 9, 7, 3, 3, 3, "distinct"),
    (2, 2, 5, 9, 2, 3, 3, "ties"),  # non-square, non-overlapping, gaps
    (2, 2, 6, 6, 2, 2, 1, "ties"),
    (1, 3, 4, 4, 2, 2, 2, "constant"),
    (2, 1, 6, 5, 3, 2, 1, "constant"),
]


def _out_hw(H: int, W: int, ph: int, pw: int, s: int) -> tuple[int, int]:
    return output_size(H, ph, s), output_size(W, pw, s)


def _random_config(rng: np.random.Generator) -> tuple:
    ph, pw, s = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    H, W = ph + int(rng.integers(0, 5)), pw + int(rng.integers(0, 5))
    kind = str(rng.choice(["distinct", "distinct", "ties"]))
    return (int(rng.integers(1, 3)), int(rng.integers(1, 4)), H, W, ph, pw, s, kind)


def _make_x(rng: np.random.Generator, cfg: tuple) -> np.ndarray:
    N, C, H, W, ph, pw, s, kind = cfg
    shape = (N, C, H, W)
    if kind == "constant":
        return np.full(shape, float(rng.integers(-2, 3)) + 0.5)
    if kind == "ties":
        x = rng.integers(0, 3, size=shape).astype(np.float64)
        # Make a few windows entirely equal (their maximum is tied everywhere).
        Ho, Wo = _out_hw(H, W, ph, pw, s)
        for _ in range(max(1, N * C * Ho * Wo // 3)):
            n, c, i, j = (int(rng.integers(0, d)) for d in (N, C, Ho, Wo))
            x[n, c, i * s:i * s + ph, j * s:j * s + pw] = float(rng.integers(0, 3))
        return x
    # Distinct values 0.1 apart: no ties, and no argmax change under a 1e-3 perturbation.
    size = N * C * H * W
    return ((rng.permutation(size) - size // 2) / 10.0).reshape(shape)


def _pool_cases(rng: np.random.Generator, hidden: bool, with_dout: bool) -> list:
    configs = list(_PUBLIC_CONFIGS) if not hidden else _HIDDEN_CONFIGS + [_random_config(rng) for _ in range(3)]
    cases = []
    for cfg in configs:
        N, C, H, W, ph, pw, s, kind = cfg
        pool_param = {"pool_height": ph, "pool_width": pw, "stride": s}
        inputs = {"x": _make_x(rng, cfg), "pool_param": pool_param, "kind": kind}
        if with_dout:
            inputs["dout"] = rounded(rng.standard_normal((N, C, *_out_hw(H, W, ph, pw, s))))
        label = f"x {(N, C, H, W)}, pool_param {pool_param}" + {"distinct": "", "ties": " (ties)", "constant": " (constant input)"}[kind]
        # CS231n's skeletons may assume windows that divide the input evenly (an assertion is fine)
        feature = "uneven_windows" if (H - ph) % s or (W - pw) % s else "core"
        cases.append((label, inputs, feature))
    return cases


# Points per feature of the max/avg pooling exercises (stated in the stubs' docstrings).
POOL_WEIGHTS = MappingProxyType({"core": 0.8, "uneven_windows": 0.2})


def _first(value: Any) -> Any:
    """A forward variant's ``out`` (forward variants return ``(out, None)``)."""
    return value[0] if isinstance(value, tuple) else value


# -- forward (max and average) -----------------------------------------------------------------

def _forward_variants(ref: Any, kind: str, x: np.ndarray, pool_param: dict, out: np.ndarray) -> dict:
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    if kind == "max":
        candidates = variants.outputs(ref, "max_pool_forward_naive", x, pool_param, pick=_first)
    else:
        candidates = {
            "window_from_stride": _avg_with_windows(x, out.shape, s, s, s),
            "swapped_pool_hw": _avg_with_windows(x, out.shape, pw, ph, s),
            "avg_divides_by_stride": out * (ph * pw) / (s * s) if s * s != ph * pw else None,
        }
    return identifiable_variants(out, candidates)


def _avg_with_windows(x: np.ndarray, shape: tuple, win_h: int, win_w: int, stride: int):
    """Average pooling whose windows are win_h × win_w (clipped at the edges) at the right places.

    What a student slicing ``x[..., i*stride : i*stride + win_h, ...]`` returns; computed with
    ``torch.nn.functional.avg_pool2d`` (ceil mode divides a clipped window by its own size),
    so no pooling code of the assignment's ships with the grader. ``None`` when it cannot apply.
    """
    import torch
    import torch.nn.functional as F

    try:
        with torch.no_grad():
            full = F.avg_pool2d(torch.from_numpy(np.ascontiguousarray(x)), (win_h, win_w), stride=stride, ceil_mode=True).numpy()
    except RuntimeError:
        return None
    if full.shape[2] < shape[2] or full.shape[3] < shape[3]:
        return None
    return full[:, :, : shape[2], : shape[3]]


def _pool_forward_exercise(kind: str, points: float) -> Exercise:
    name = f"{kind}_pool_forward_naive"

    def expect(ref: Any, inputs: dict) -> dict:
        x, pool_param = inputs["x"], inputs["pool_param"]
        out, _ = getattr(ref, name)(x, dict(pool_param))
        return {"out": out, "variants": _forward_variants(ref, kind, x, pool_param, out)}

    def check(ctx: Context, inputs: dict, expected: dict) -> None:
        args = [inputs["x"], inputs["pool_param"]]
        reply = ctx.call(name, *args, send=[(0,)], echo_args=True)
        ctx.expect_unchanged(name, ["x", "pool_param"], args, reply.args_after)
        ctx.expect_close("out", reply.value[0], expected["out"], variants=expected["variants"])

    return TOPIC.exercise(
        name,
        points=points,
        requires=(name,),
        make_cases=lambda rng, hidden: [(l, {k: v for k, v in i.items() if k != "dout"}, f) for l, i, f in _pool_cases(rng, hidden, False)],
        weights=POOL_WEIGHTS,
        expect=expect,
        check=check,
        summary=f"{kind} pooling forward: pool_height × pool_width windows, stride, floor mode",
    )


# -- backward (max and average) ----------------------------------------------------------------

def _avg_backward_assign(dout: np.ndarray, x: np.ndarray, pool_param: dict) -> np.ndarray:
    """Average-pool backward that overwrites (``dx[window] = ...``) instead of adding.

    The last window (in loop order) that covers a position decides its value: for row r that
    is window i = min(r // stride, H_out - 1) if it reaches r, else none.
    """
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    share = dout / (ph * pw)

    def last(size: int, n_out: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        pos = np.arange(size)
        idx = np.minimum(pos // s, n_out - 1)
        return idx, pos < idx * s + k

    rows, row_ok = last(x.shape[2], dout.shape[2], ph)
    cols, col_ok = last(x.shape[3], dout.shape[3], pw)
    return share[:, :, rows][:, :, :, cols] * (row_ok[:, None] & col_ok[None, :])


def _pool_backward_exercise(kind: str, points: float) -> Exercise:
    forward, backward = f"{kind}_pool_forward_naive", f"{kind}_pool_backward_naive"
    # the backward returns dx itself (grad key None)
    spec = BackwardSpec(forward=forward, backward=backward, wrt=("x",), grad_keys=(None,))

    def expect(ref: Any, inputs: dict) -> dict:
        x, pool_param, dout = inputs["x"], inputs["pool_param"], inputs["dout"]
        out, cache = getattr(ref, forward)(x, dict(pool_param))
        dx = getattr(ref, backward)(dout, cache)
        if kind == "max":
            candidates = variants.outputs(ref, backward, dout, x, pool_param, pick=_first)
        else:
            candidates = {"backward_assign_not_accumulate": _avg_backward_assign(dout, x, pool_param)}
        return {
            "outs": [out],
            "grads": [dx],
            "variants": {"x": identifiable_variants(dx, candidates)},
            "forward_variants": _forward_variants(ref, kind, x, pool_param, out),
        }

    def check(ctx: Context, inputs: dict, expected: dict) -> None:
        x, pool_param, dout = inputs["x"], inputs["pool_param"], inputs["dout"]
        if kind == "max" and inputs.get("kind", "distinct") != "distinct":
            _check_ties(ctx, inputs, expected)

        def two_way() -> None:
            check_backward(ctx, spec, {"x": x, "pool_param": pool_param}, [dout], expected)

        diagnose_forward_too(ctx, two_way, forward, [x, pool_param], expected.get("forward_variants", {}))

    return TOPIC.exercise(
        backward,
        points=points,
        requires=(backward, forward),
        make_cases=lambda rng, hidden: _pool_cases(rng, hidden, True),
        weights=POOL_WEIGHTS,
        expect=expect,
        check=check,
        summary=f"{kind} pooling backward: overlapping windows accumulate"
        + (", ties go to the first maximum" if kind == "max" else ""),
    )


def _check_ties(ctx: Context, inputs: dict, expected: dict) -> None:
    """Tie cases of the max-pool backward, where the numerical derivative is undefined.

    1. Where windows do not overlap, dx summed over each window must equal its dout
       (any tie rule that keeps the gradient mass passes; routing to every tie does not).
    2. dx must follow the convention: all of it to the first maximum in row-major order.
    """
    x, pool_param, dout = inputs["x"], inputs["pool_param"], inputs["dout"]
    ctx.call("max_pool_forward_naive", x, pool_param, store="ties_fwd", send="none")
    dx = ctx.call("max_pool_backward_naive", dout, Ref("ties_fwd", (1,))).value
    dx_arr = np.asarray(dx) if isinstance(dx, np.ndarray) else None
    variants = expected["variants"]["x"]
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    if dx_arr is not None and dx_arr.shape == x.shape and s >= ph and s >= pw:
        for (n, c, i, j), d in np.ndenumerate(dout):
            total = float(dx_arr[n, c, i * s:i * s + ph, j * s:j * s + pw].sum())
            if abs(total - d) > 1e-6 * (1 + abs(d)):
                window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                ties = int((window == window.max()).sum())
                where = dict(n=n, c=c, i=i, j=j, ties=ties)
                message = (WINDOW_SUM_SHOWN.format(total=f"{total:.6g}", dout=f"{d:.6g}", **where) if ctx.public
                           else WINDOW_SUM.format(**where))
                ctx.fail(message, *ctx.match_variants(dx, variants))
    note = note_of(TIES_NOTE)
    ctx.expect_close("dx", dx, expected["grads"][0], variants=variants, note=note)


# -- global average pooling --------------------------------------------------------------------

def _global_cases(rng: np.random.Generator, hidden: bool, with_dout: bool) -> list:
    shapes = [(2, 3, 4, 5), (1, 2, 3, 3), (2, 1, 1, 1), (3, 4, 2, 6)]
    if hidden:
        shapes = [(1, 1, 5, 2), (2, 5, 3, 7), (4, 2, 1, 3), (1, 3, 6, 6)] + [
            tuple(int(v) for v in (rng.integers(1, 4), rng.integers(1, 5), rng.integers(1, 7), rng.integers(1, 7))) for _ in range(2)
        ]
    cases = []
    for shape in shapes:
        inputs = {"x": rounded(rng.standard_normal(shape))}
        if with_dout:
            inputs["dout"] = rounded(rng.standard_normal(shape[:2]))
        cases.append((f"x {shape}", inputs))
    return cases


def _global_forward_expect(ref: Any, inputs: dict) -> dict:
    out, _ = ref.global_avg_pool_forward(inputs["x"])
    return {"out": out, "variants": {"global_keeps_spatial_axes": out[:, :, None, None]}}


def _global_forward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    reply = ctx.call("global_avg_pool_forward", inputs["x"], send=[(0,)], echo_args=True)
    ctx.expect_unchanged("global_avg_pool_forward", ["x"], [inputs["x"]], reply.args_after)
    ctx.expect_close("out", reply.value[0], expected["out"], variants=expected["variants"])


def _global_backward_expect(ref: Any, inputs: dict) -> dict:
    x, dout = inputs["x"], inputs["dout"]
    out, cache = ref.global_avg_pool_forward(x)
    dx = ref.global_avg_pool_backward(dout, cache)
    H, W = x.shape[2:]
    variants = identifiable_variants(dx, {"global_backward_no_division": dx * (H * W)})
    return {"outs": [out], "grads": [dx], "variants": {"x": variants}}


# the backward returns dx itself (grad key None)
_GLOBAL_BACKWARD = BackwardSpec(forward="global_avg_pool_forward", backward="global_avg_pool_backward", wrt=("x",), grad_keys=(None,))


def _global_backward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    check_backward(ctx, _GLOBAL_BACKWARD, {"x": inputs["x"]}, [inputs["dout"]], expected)


EXERCISES = (
    _pool_forward_exercise("max", 2),
    _pool_backward_exercise("max", 3),
    _pool_forward_exercise("avg", 2),
    _pool_backward_exercise("avg", 3),
    TOPIC.exercise(
        "global_avg_pool_forward",
        points=1,
        requires=("global_avg_pool_forward",),
        make_cases=lambda rng, hidden: _global_cases(rng, hidden, False),
        expect=_global_forward_expect,
        check=_global_forward_check,
        summary="global average pooling (N, C, H, W) → (N, C)",
    ),
    TOPIC.exercise(
        "global_avg_pool_backward",
        points=1,
        requires=("global_avg_pool_backward", "global_avg_pool_forward"),
        make_cases=lambda rng, hidden: _global_cases(rng, hidden, True),
        expect=_global_backward_expect,
        check=_global_backward_check,
        summary="backward of global average pooling",
    ),
)
