"""Assignment 04 — batch normalization (vanilla, spatial), a numpy residual block, ResNet blocks.

Batch norm (mistakes.md M24, M25): train and test mode, running statistics given or absent,
default and explicit momentum / eps. ``bn_param`` is updated in place by design: the forward
exercises compare the running statistics the student left in the echoed ``bn_param`` with the
reference's (naming the PyTorch momentum convention and the unbiased variance), and check
only ``x``, ``gamma`` and ``beta`` for mutation. Test mode gets injected running statistics
far from the batch's own, so normalizing with batch statistics shows. Spatial batch norm gets
channel-dependent inputs, so mixing channels (reshape without transpose) shows, and in train
mode every channel of the output must have mean ``beta[c]`` over (N, H, W).

Residual block (M26): identity and projection shortcuts (stride 1 and 2, with and without a
change of channels), and structural probes where ``w2 = 0, b2 = 0``, so the branch is zero
and the output must be ``relu(shortcut(x))``.

``BasicBlock`` / ``Bottleneck``: the student's module is built in the child, compared by
parameter count and ``state_dict`` keys and shapes with the reference (torchvision names),
loaded (in float64) with weights and BatchNorm running statistics chosen here, and its
eval mode output compared with the reference module's for the same weights; probes zero the
last BatchNorm's weight and bias, so the output must be ``relu(shortcut(x))``.

Inputs are small enough for plain-loop convolutions and the numerical gradient checks.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from grader import compare as cmp
from grader.exercises.base import CaseFailed, Context, Exercise, rounded
from grader.exercises.checks import diagnose_forward_too, identifiable_variants
from grader.runner.codec import Ref, TorchArray

ASSIGNMENT = "04_normalization_residual"

# The feedback texts live here (student copies ship without solutions/); the first seven keys
# are the misconceptions solutions/04_normalization_residual/_variants.py imitates.
MISCONCEPTIONS = MappingProxyType(
    {
        "test_mode_uses_batch_stats": (
            "in 'test' mode your batch norm normalizes with the mean and variance of the current batch. "
            "At test time use bn_param['running_mean'] and bn_param['running_var'], so that an example's "
            "output does not depend on the rest of its batch"
        ),
        "pytorch_momentum": (
            "your running statistics use momentum as the weight of the NEW batch value (PyTorch's "
            "convention). Here momentum weights the OLD value: running = momentum * running + "
            "(1 - momentum) * batch_stat"
        ),
        "unbiased_running_var": (
            "your running_var stores the unbiased batch variance (divided by N - 1, as PyTorch does). "
            "This exercise stores the biased variance (divided by N), the same one used to normalize"
        ),
        "spatial_reshape_without_transpose": (
            "you reshaped (N, C, H, W) straight to (N*H*W, C), which mixes values of different channels "
            "in each column. Move the channel axis last first: x.transpose(0, 2, 3, 1).reshape(-1, C), "
            "and undo it in the same order afterwards"
        ),
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
        "bn_backward_constant_stats": (
            "in train mode the batch mean and variance depend on x, so dx has two more terms: "
            "dx = inv_std / N · (N·dx_hat − Σ dx_hat − x_hat · Σ(dx_hat · x_hat)). Your dx treats them as constants"
        ),
        "missing_projection": (
            "the shortcut must be a projection, downsample = nn.Sequential(nn.Conv2d(in, out, 1, stride=stride, "
            "bias=False), nn.BatchNorm2d(out)), whenever stride != 1 or the number of channels changes "
            "(a stride-2 block changes the shape even with as many channels)"
        ),
        "unneeded_projection": (
            "when stride == 1 and the block keeps its number of channels the shortcut is the identity: "
            "downsample must be None (torchvision's layout, so that state_dicts load)"
        ),
        "conv_bias": (
            "the convolutions of a ResNet block have bias=False: the BatchNorm after each one has its own shift"
        ),
        "not_torchvision_names": (
            "your submodules must have torchvision's names (conv1, bn1, conv2, bn2[, conv3, bn3], downsample "
            "= Sequential(conv, bn)) so that state_dicts are interchangeable"
        ),
        "stride_on_first_conv": (
            "your Bottleneck puts the stride on the first 1x1 convolution (the paper's ResNet v1); this "
            "exercise, like torchvision (ResNet v1.5), puts it on the 3x3 convolution conv2"
        ),
        "mutates_input": "a function modified one of its arguments in place; work on copies",
    }
)


# -- batch norm: cases ---------------------------------------------------------------------------

def _copy_param(bn_param: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in bn_param.items()}


def _bn_inputs(rng: np.random.Generator, shape: tuple, mode: str, momentum, eps, running: bool) -> tuple[str, dict]:
    C = shape[1]
    # Channel-dependent location and scale: mixing channels, or using the wrong statistics, shows.
    bshape = (1, C) + (1,) * (len(shape) - 2)
    loc = rng.normal(0.0, 2.0, C).reshape(bshape)
    scale = rng.uniform(0.5, 3.0, C).reshape(bshape)
    x = rounded(rng.standard_normal(shape) * scale + loc)
    bn_param: dict = {"mode": mode}
    if eps is not None:
        bn_param["eps"] = eps
    if momentum is not None:
        bn_param["momentum"] = momentum
    if running:
        bn_param["running_mean"] = rounded(rng.normal(0.0, 1.0, C))
        bn_param["running_var"] = rounded(rng.uniform(0.5, 2.0, C))
    inputs = {
        "x": x,
        "gamma": rounded(rng.uniform(0.5, 2.0, C) * rng.choice([-1.0, 1.0], C)),
        "beta": rounded(rng.normal(0.0, 1.0, C)),
        "bn_param": bn_param,
    }
    shown = {k: v for k, v in bn_param.items() if not isinstance(v, np.ndarray)}
    extra = " with running stats" if running else " without running stats"
    return f"x {shape}, bn_param {shown}{extra}", inputs


# (N, D, mode, momentum, eps, running stats given)
_BN_PUBLIC = [
    (4, 3, "train", None, None, True),  # defaults: momentum 0.9, eps 1e-5
    (6, 5, "train", 0.8, 1e-5, False),  # running stats created as zeros
    (5, 4, "test", 0.9, 1e-3, True),
    (3, 2, "train", 0.75, 1e-4, True),
    (8, 3, "test", None, None, True),
]
_BN_HIDDEN = [
    (2, 4, "train", 0.9, 1e-5, True),
    (1, 3, "test", 0.9, 1e-5, True),  # N = 1
    (10, 1, "train", 0.6, 1e-2, True),
    (7, 6, "test", 0.95, 1e-5, True),
    (5, 5, "train", None, None, False),
]
# (N, C, H, W, mode, momentum, eps, running stats given)
_SBN_PUBLIC = [
    (2, 3, 4, 5, "train", None, None, True),
    (1, 2, 3, 3, "train", 0.8, 1e-5, False),  # N = 1: statistics over H, W only
    (3, 4, 2, 3, "test", 0.9, 1e-3, True),
    (2, 2, 5, 2, "train", 0.7, 1e-4, True),
]
_SBN_HIDDEN = [
    (4, 3, 1, 1, "train", 0.9, 1e-5, True),  # H = W = 1: ordinary batch norm
    (2, 5, 3, 4, "test", None, None, True),
    (1, 3, 4, 6, "train", 0.85, 1e-5, True),
    (3, 2, 3, 3, "train", None, None, False),
]


def _bn_cases(rng: np.random.Generator, hidden: bool, spatial: bool, backward: bool) -> list:
    configs = (_SBN_HIDDEN if hidden else _SBN_PUBLIC) if spatial else (_BN_HIDDEN if hidden else _BN_PUBLIC)
    configs = list(configs)
    if hidden:
        for _ in range(2):
            mode = str(rng.choice(["train", "train", "test"]))
            momentum = float(np.round(rng.uniform(0.5, 0.99), 2))
            shape = (int(rng.integers(2, 7)), int(rng.integers(1, 5)))
            if spatial:
                shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 5)))
            configs.append((*shape, mode, momentum, 1e-5, True))
    cases = []
    for cfg in configs:
        *shape, mode, momentum, eps, running = cfg
        shape = tuple(shape)
        if backward and mode == "train" and shape[0] * int(np.prod(shape[2:])) < 2:
            continue  # one value per channel: x_hat is 0 and dx is 0, nothing to check
        if backward and mode == "train":
            # The forward updates bn_param's running statistics in place by design. The backward
            # check now excludes them from its no-mutation check (``mutable``); the cases still
            # start without them so that the grid (and the released fixtures) stay as they were.
            running = False
        label, inputs = _bn_inputs(rng, shape, mode, momentum, eps, running)
        if backward:
            inputs["dout"] = rounded(rng.standard_normal(shape))
        cases.append((label, inputs))
    return cases


# -- batch norm: variants ----------------------------------------------------------------------

def _spatially(fn):
    """A (N, D) batch-norm variant applied per channel of (N, C, H, W), as a correct spatial BN does."""

    def apply(x, gamma, beta, bn_param):
        N, C, H, W = x.shape
        out, cache = fn(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)
        return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache

    return apply


def _bn_variant_functions(ref: Any, spatial: bool) -> dict:
    names = ("test_mode_uses_batch_stats", "pytorch_momentum", "unbiased_running_var")
    fns = {n: getattr(ref, f"variant_{n}") for n in names}
    if spatial:
        fns = {n: _spatially(f) for n, f in fns.items()}
        fns["spatial_reshape_without_transpose"] = ref.variant_spatial_reshape_without_transpose
    return fns


def _bn_forward_expected(ref: Any, inputs: dict, spatial: bool) -> dict:
    fwd = ref.spatial_batchnorm_forward if spatial else ref.batchnorm_forward
    x, gamma, beta, bn_param = inputs["x"], inputs["gamma"], inputs["beta"], inputs["bn_param"]
    after = _copy_param(bn_param)
    out, _ = fwd(x, gamma, beta, after)
    found = {"out": {}, "running_mean": {}, "running_var": {}}
    for name, fn in _bn_variant_functions(ref, spatial).items():
        bp = _copy_param(bn_param)
        try:
            with np.errstate(all="ignore"):
                v_out, _ = fn(x, gamma, beta, bp)
        except Exception:
            continue
        found["out"][name] = v_out
        for key in ("running_mean", "running_var"):
            found[key][name] = bp.get(key)
    return {
        "out": out,
        "running_mean": after["running_mean"],
        "running_var": after["running_var"],
        "variants": {
            "out": identifiable_variants(out, found["out"]),
            "running_mean": identifiable_variants(after["running_mean"], found["running_mean"]),
            "running_var": identifiable_variants(after["running_var"], found["running_var"]),
        },
    }


# -- batch norm: forward checks ----------------------------------------------------------------

def _bn_forward_exercise(name: str, spatial: bool, points: float) -> Exercise:
    def expect(ref: Any, inputs: dict) -> dict:
        return _bn_forward_expected(ref, inputs, spatial)

    def check(ctx: Context, inputs: dict, expected: dict) -> None:
        args = [inputs["x"], inputs["gamma"], inputs["beta"], inputs["bn_param"]]
        reply = ctx.call(name, *args, send=[(0,)], echo_args=True)
        after = reply.args_after
        # bn_param is updated in place by design: only x, gamma and beta must stay unchanged.
        ctx.expect_unchanged(name, ["x", "gamma", "beta"], args[:3], after[:3] if after else None)
        out = reply.value[0]
        mode = inputs["bn_param"]["mode"]
        if spatial and mode == "train":
            _check_channel_means(ctx, out, inputs["beta"], expected)
        ctx.expect_close("out", out, expected["out"], variants=expected["variants"]["out"])
        bn_after = after[3] if after and len(after) > 3 else None
        if not isinstance(bn_after, dict):
            ctx.fail(f"{name} replaced bn_param by a {cmp.type_name(bn_after)}; update the dict's entries instead")
        for key in ("running_mean", "running_var"):
            got = bn_after.get(key)
            if got is None:
                ctx.fail(
                    f"after a '{mode}' call bn_param has no '{key}': store the running statistics back "
                    f"into bn_param (bn_param['{key}'] = ...)"
                )
            if mode == "test" and not cmp.close(got, expected[key]):
                ctx.fail(
                    f"in 'test' mode bn_param['{key}'] must not change: the running statistics are only used, "
                    "not updated",
                    *ctx.match_variants(out, expected["variants"]["out"]),
                )
            ctx.expect_close(f"bn_param['{key}']", got, expected[key], variants=expected["variants"][key])

    kind = "spatial batch norm (per channel over N, H, W)" if spatial else "batch norm"
    return Exercise(
        name=name,
        assignment=ASSIGNMENT,
        points=points,
        requires=(name,),
        make_cases=lambda rng, hidden: _bn_cases(rng, hidden, spatial, backward=False),
        expect=expect,
        check=check,
        misconceptions=MISCONCEPTIONS,
        summary=f"{kind} forward, train/test mode, running statistics",
    )


def _check_channel_means(ctx: Context, out: Any, beta: np.ndarray, expected: dict) -> None:
    """Train mode: x_hat has mean 0 per channel, so out[:, c] averages to beta[c] over (N, H, W)."""
    arr = cmp.as_array(out)
    if arr is None or arr.ndim != 4 or arr.shape != np.shape(expected["out"]) or not np.all(np.isfinite(arr)):
        return  # the full comparison explains shape and type problems
    means = arr.astype(np.float64).mean(axis=(0, 2, 3))
    tol = 1e-6 + 1e-5 * float(np.max(np.abs(expected["out"])))
    bad = np.flatnonzero(np.abs(means - beta) > tol)
    if bad.size:
        c = int(bad[0])
        detail = f": it is {means[c]:.6g}, beta[{c}] = {beta[c]:.6g}" if ctx.public else ""
        ctx.fail(
            f"in train mode every channel of out must average to beta[c] over (N, H, W), because each channel is "
            f"normalized with its own mean and variance over those axes; channel {c} does not{detail}",
            *ctx.match_variants(out, expected["variants"]["out"]),
        )


# -- batch norm: backward checks ---------------------------------------------------------------

_RUNNING = (("bn_param", "running_mean"), ("bn_param", "running_var"))

def _bn_backward_exercise(name: str, forward: str, spatial: bool, points: float) -> Exercise:
    def expect(ref: Any, inputs: dict) -> dict:
        x, gamma, beta, bn_param, dout = (inputs[k] for k in ("x", "gamma", "beta", "bn_param", "dout"))
        out, cache = getattr(ref, forward)(x, gamma, beta, _copy_param(bn_param))
        dx, dgamma, dbeta = getattr(ref, name)(dout, cache)
        variants: dict = {"x": {}, "gamma": {}, "beta": {}}
        mode = bn_param["mode"]
        if mode == "train":
            axes = (0, 2, 3) if spatial else (0,)
            shape = (1, -1, 1, 1) if spatial else (1, -1)
            var = x.var(axis=axes)
            constant = dout * (gamma / np.sqrt(var + bn_param.get("eps", 1e-5))).reshape(shape)
            variants["x"]["bn_backward_constant_stats"] = constant
        if spatial:
            N, C, H, W = x.shape
            _, flat_cache = ref.batchnorm_forward(x.reshape(N * H * W, C), gamma, beta, _copy_param(bn_param))
            mixed = ref.batchnorm_backward(dout.reshape(N * H * W, C), flat_cache)
            for key, value in zip(("x", "gamma", "beta"), (mixed[0].reshape(x.shape), mixed[1], mixed[2])):
                variants[key]["spatial_reshape_without_transpose"] = value
        grads = [dx, dgamma, dbeta]
        forward_expected = _bn_forward_expected(ref, {k: inputs[k] for k in ("x", "gamma", "beta", "bn_param")}, spatial)
        return {
            "outs": [out],
            "grads": grads,
            "variants": {k: identifiable_variants(g, variants[k]) for k, g in zip(("x", "gamma", "beta"), grads)},
            "forward_variants": forward_expected["variants"]["out"],
        }

    def check(ctx: Context, inputs: dict, expected: dict) -> None:
        fwd_inputs = {k: inputs[k] for k in ("x", "gamma", "beta", "bn_param")}

        def two_way() -> None:
            ctx.check_backward(
                forward=forward,
                inputs=fwd_inputs,
                wrt=("x", "gamma", "beta"),
                backward=name,
                douts=[inputs["dout"]],
                grad_keys=(0, 1, 2),
                expected=expected,
                variants=expected["variants"],
                # a train-mode forward updates the running statistics in place by design
                mutable=_RUNNING if inputs["bn_param"]["mode"] == "train" else (),
            )

        diagnose_forward_too(ctx, two_way, forward, list(fwd_inputs.values()), expected["forward_variants"])

    return Exercise(
        name=name,
        assignment=ASSIGNMENT,
        points=points,
        requires=(name, forward),
        make_cases=lambda rng, hidden: _bn_cases(rng, hidden, spatial, backward=True),
        expect=expect,
        check=check,
        misconceptions=MISCONCEPTIONS,
        summary=f"{'spatial ' if spatial else ''}batch norm backward: dx, dgamma, dbeta (train and test mode)",
    )


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
            Ho, Wo = 1 + (H - 1) // s, 1 + (W - 1) // s
            inputs["dout"] = rounded(rng.standard_normal((N, F, Ho, Wo)))
        label = f"x {(N, C, H, W)}, {F} filters, stride {s}, {'projection' if projection else 'identity'} shortcut"
        if probe:
            label += " (probe: w2 = 0 and b2 = 0)"
        cases.append((label, inputs))
    return cases


def _res_forward_expected(ref: Any, inputs: dict) -> dict:
    x, params, block_param = inputs["x"], inputs["params"], inputs["block_param"]
    out, _ = ref.residual_block_forward(x, params, dict(block_param))
    candidates = {}
    for name in ("missing_identity", "relu_before_add", "no_projection_when_stride2"):
        try:
            candidates[name] = getattr(ref, f"variant_{name}")(x, params, dict(block_param))[0]
        except Exception:  # e.g. F(x) + x cannot broadcast: that student's code raises too
            pass
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
    probe = "With w2 = 0 and b2 = 0 the branch F(x) is 0, so out must equal relu(shortcut(x)). " if inputs.get("probe") else ""
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
        ctx.check_backward(
            forward="residual_block_forward",
            inputs=fwd_inputs,
            wrt=("x", *(("params", k) for k in keys)),
            backward="residual_block_backward",
            douts=[inputs["dout"]],
            grad_keys=("x", *keys),
            expected=expected,
        )

    diagnose_forward_too(ctx, two_way, "residual_block_forward", list(fwd_inputs.values()), expected["forward_variants"])


# -- ResNet blocks (PyTorch modules) -------------------------------------------------------------

# (in_planes, planes, stride, N, H, W, probe: last BatchNorm's weight and bias zeroed)
_BLOCK_CONFIGS = {
    "BasicBlock": (
        [(4, 4, 1, 2, 5, 6, False), (4, 8, 2, 2, 6, 5, False), (4, 4, 2, 1, 5, 5, False), (3, 6, 1, 2, 4, 4, False), (4, 4, 1, 2, 4, 5, True)],
        [(2, 2, 1, 1, 3, 3, False), (3, 5, 2, 2, 7, 6, False), (6, 6, 2, 2, 4, 4, True), (5, 3, 1, 1, 5, 4, False)],
    ),
    "Bottleneck": (
        [(16, 4, 1, 2, 4, 5, False), (8, 4, 1, 2, 4, 4, False), (16, 4, 2, 1, 5, 6, False), (6, 2, 2, 2, 5, 5, False), (16, 4, 1, 1, 4, 4, True)],
        [(4, 1, 1, 1, 3, 3, False), (8, 2, 2, 2, 6, 6, False), (12, 3, 1, 1, 5, 4, True), (10, 3, 2, 1, 7, 5, False)],
    ),
}


def _block_cases(name: str):
    expansion = 4 if name == "Bottleneck" else 1

    def make_cases(rng: np.random.Generator, hidden: bool) -> list:
        public, extra = _BLOCK_CONFIGS[name]
        configs = list(public) if not hidden else list(extra)
        if hidden:
            planes = int(rng.integers(1, 4))
            in_planes = int(rng.choice([planes * expansion, int(rng.integers(1, 9))]))
            configs.append((in_planes, planes, int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(3, 7)), int(rng.integers(3, 7)), False))
        cases = []
        for in_planes, planes, stride, N, H, W, probe in configs:
            inputs = {
                "in_planes": in_planes,
                "planes": planes,
                "stride": stride,
                "x": rounded(rng.standard_normal((N, in_planes, H, W))),
                "seed": int(rng.integers(0, 2**31)),
                "probe": probe,
            }
            label = f"{name}({in_planes}, {planes}, stride={stride}), x {(N, in_planes, H, W)}"
            if probe:
                label += f" (probe: {'bn3' if name == 'Bottleneck' else 'bn2'} weight and bias zero)"
            cases.append((label, inputs))
        return cases

    return make_cases


def _random_state(state_dict: dict, rng: np.random.Generator, zero_bn: str | None) -> dict:
    """Float64 weights and BatchNorm statistics for every entry of a block's state_dict."""
    out = {}
    for key, tensor in state_dict.items():
        shape = tuple(tensor.shape)
        if key.endswith("num_batches_tracked"):
            value = np.array(0, dtype=np.int64)
        elif len(shape) == 4:  # a convolution's weight
            value = rng.standard_normal(shape) / np.sqrt(int(np.prod(shape[1:])))
        elif key.endswith("running_var"):
            value = rng.uniform(0.5, 1.5, shape)
        elif key.endswith("running_mean") or key.endswith(".bias"):
            value = rng.normal(0.0, 0.2, shape)
        else:  # a BatchNorm's weight
            value = rng.uniform(0.5, 1.5, shape)
        if zero_bn and key in (f"{zero_bn}.weight", f"{zero_bn}.bias"):
            value = np.zeros(shape)
        out[key] = value
    return out


def _block_expect(name: str):
    def expect(ref: Any, inputs: dict) -> dict:
        import torch

        # Tiny convolutions are far slower with a thread pool (on a busy 2-core machine, 60×).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return _block_expected(name, ref, inputs)
        finally:
            torch.set_num_threads(threads)

    return expect


def _block_expected(name: str, ref: Any, inputs: dict) -> dict:
    """Expected values of one block case, computed with the reference module (see _block_expect)."""
    import copy

    import torch

    cls = getattr(ref, name)
    module = cls(inputs["in_planes"], inputs["planes"], inputs["stride"]).double()
    zero_bn = ("bn3" if name == "Bottleneck" else "bn2") if inputs["probe"] else None
    state = _random_state(module.state_dict(), np.random.default_rng(inputs["seed"]), zero_bn)
    module.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    module.train(False)  # eval mode
    x = torch.from_numpy(inputs["x"].copy())
    with torch.no_grad():
        out = module(x).numpy()
        branch, shortcut = _block_parts(module, x)
        candidates = {
            "missing_identity": torch.relu(branch).numpy(),
            "relu_before_add": (torch.relu(branch) + shortcut).numpy(),
        }
        if name == "Bottleneck" and inputs["stride"] != 1:
            v1 = copy.deepcopy(module)
            v1.conv1.stride, v1.conv2.stride = (inputs["stride"],) * 2, (1, 1)
            candidates["stride_on_first_conv"] = v1(x).numpy()
    count = int(sum(p.numel() for p in module.parameters()))
    conv_outs = [int(v.shape[0]) for v in state.values() if v.ndim == 4]
    downsample = sum(int(np.prod(v.shape)) for k, v in state.items() if k.startswith("downsample.") and k.split(".")[-1] in ("weight", "bias"))
    out_planes = inputs["planes"] * (4 if name == "Bottleneck" else 1)
    count_variants = {
        "missing_projection": count - downsample if downsample else None,
        "unneeded_projection": None if downsample else count + inputs["in_planes"] * out_planes + 2 * out_planes,
        "conv_bias": count + sum(conv_outs),
    }
    return {
        "param_count": count,
        "keys": list(state),
        "shapes": {k: list(v.shape) for k, v in state.items()},
        "state": state,
        "out": out,
        "variants": identifiable_variants(out, candidates),
        "count_variants": {k: v for k, v in count_variants.items() if v is not None},
    }


def _block_parts(module: Any, x: Any) -> tuple:
    """The residual branch (before the final ReLU) and the shortcut of a reference block."""
    import torch

    relu = torch.relu
    if hasattr(module, "conv3"):
        branch = module.bn3(module.conv3(relu(module.bn2(module.conv2(relu(module.bn1(module.conv1(x))))))))
    else:
        branch = module.bn2(module.conv2(relu(module.bn1(module.conv1(x)))))
    shortcut = x if module.downsample is None else module.downsample(x)
    return branch, shortcut


def _block_check(name: str):
    def check(ctx: Context, inputs: dict, expected: dict) -> None:
        args = (inputs["in_planes"], inputs["planes"], inputs["stride"])
        ctx.call(name, *args, store="blk", send="none")
        ctx.call(Ref("blk", ("double",)), send="none")
        raw = ctx.call(Ref("blk", ("state_dict",))).value
        if not isinstance(raw, dict):
            ctx.fail(f"{name}(...).state_dict() returned {cmp.type_name(raw)}, expected a dict of tensors")
        made = f"{name}({', '.join(map(str, args))})"
        count = ctx.param_count("blk", what=made)
        want_keys = list(expected["keys"])
        missing = [k for k in want_keys if k not in raw]
        unexpected = [k for k in raw if k not in want_keys]
        if count != expected["param_count"] or missing or unexpected:
            diagnoses = _key_diagnoses(missing, unexpected, count, expected)
            message = f"{made} has {count} parameters"
            if count != expected["param_count"]:
                message += f", expected {expected['param_count']}" if ctx.public else " (not the reference block's number)"
            if missing:
                message += f"; state_dict lacks {_few(missing)}"
            if unexpected:
                message += f"; state_dict has unexpected {_few(unexpected)}"
            ctx.fail(message + " (names and shapes must be torchvision's)", *diagnoses)
        for key in want_keys:
            got_shape = list(np.shape(cmp.as_array(raw[key]))) if cmp.as_array(raw[key]) is not None else None
            if got_shape != expected["shapes"][key]:
                want = f", expected {expected['shapes'][key]}" if ctx.public else ", not the reference block's shape"
                ctx.fail(f"{made}: state_dict['{key}'] has shape {got_shape}{want}")
        state = {k: TorchArray(v) for k, v in expected["state"].items()}
        ctx.call(Ref("blk", ("load_state_dict",)), state, send="none")
        ctx.call(Ref("blk", ("eval",)), send="none")
        x = inputs["x"]
        reply = ctx.call(Ref("blk"), TorchArray(x), echo_args=True)
        after = cmp.as_array(reply.args_after[0]) if reply.args_after else x
        if after is None or after.shape != x.shape or not np.array_equal(after, x):
            ctx.fail(
                f"{name}.forward modified its input tensor x in place (an in-place op such as x.relu_(), "
                "x += ..., or nn.ReLU(inplace=True) applied to x itself); the caller's x must stay unchanged",
                "mutates_input",
            )
        note = "In eval mode, float64, with the weights and BatchNorm statistics loaded by the grader: "
        if inputs.get("probe"):
            last = "bn3" if name == "Bottleneck" else "bn2"
            note += f"{last}'s weight and bias are zero, so the branch is 0 and the output must equal relu(shortcut(x)). "
        ctx.expect_close("out", reply.value, expected["out"], variants=expected["variants"], note=note)

    return check


def _few(keys: list, limit: int = 4) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _key_diagnoses(missing: list, unexpected: list, count: int, expected: dict) -> list:
    names = [d for d, c in expected["count_variants"].items() if c == count]
    if "conv_bias" not in names and any(k.endswith(".bias") and k.rsplit(".", 1)[0] + ".weight" in expected["shapes"]
                                          and len(expected["shapes"][k.rsplit(".", 1)[0] + ".weight"]) == 4 for k in unexpected):
        names.append("conv_bias")
    if missing and all(k.startswith("downsample.") for k in missing) and not unexpected and "missing_projection" not in names:
        names.append("missing_projection")
    if unexpected and all(k.startswith("downsample.") for k in unexpected) and not missing and "unneeded_projection" not in names:
        names.append("unneeded_projection")
    if not names and count == expected["param_count"]:
        names.append("not_torchvision_names")
    return names


def _block_exercise(name: str) -> Exercise:
    return Exercise(
        name=name,
        assignment=ASSIGNMENT,
        points=3,
        requires=(name,),
        make_cases=_block_cases(name),
        expect=_block_expect(name),
        check=_block_check(name),
        misconceptions=MISCONCEPTIONS,
        summary=f"torch {name}: torchvision state_dict names, projection shortcut, eval-mode output",
    )


EXERCISES = (
    _bn_forward_exercise("batchnorm_forward", spatial=False, points=3),
    _bn_backward_exercise("batchnorm_backward", "batchnorm_forward", spatial=False, points=3),
    _bn_forward_exercise("spatial_batchnorm_forward", spatial=True, points=2),
    _bn_backward_exercise("spatial_batchnorm_backward", "spatial_batchnorm_forward", spatial=True, points=3),
    Exercise(
        name="residual_block_forward",
        assignment=ASSIGNMENT,
        points=3,
        requires=("residual_block_forward",),
        make_cases=lambda rng, hidden: [(l, {k: v for k, v in i.items() if k != "dout"}) for l, i in _res_cases(rng, hidden, False)],
        expect=_res_forward_expected,
        check=_res_forward_check,
        misconceptions=MISCONCEPTIONS,
        summary="residual block relu(conv2(relu(conv1(x))) + shortcut(x)), identity or 1×1 projection",
    ),
    Exercise(
        name="residual_block_backward",
        assignment=ASSIGNMENT,
        points=3,
        requires=("residual_block_backward", "residual_block_forward"),
        make_cases=lambda rng, hidden: _res_cases(rng, hidden, True),
        expect=_res_backward_expect,
        check=_res_backward_check,
        misconceptions=MISCONCEPTIONS,
        summary="residual block backward: gradients of x and every parameter",
    ),
    _block_exercise("BasicBlock"),
    _block_exercise("Bottleneck"),
)
