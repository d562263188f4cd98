"""Assignment 04, ``batchnorm.py`` — batch normalization, vanilla ``(N, D)`` and spatial ``(N, C, H, W)``.

Cases (mistakes.md M24, M25): train and test mode, running statistics given or absent,
default and explicit momentum / eps. ``bn_param`` is updated in place by design: the forward
exercises compare the running statistics the student left in the echoed ``bn_param`` with the
reference's (naming the PyTorch momentum convention and the unbiased variance), and check
only ``x``, ``gamma`` and ``beta`` for mutation. Test mode gets injected running statistics
far from the batch's own, so normalizing with batch statistics shows. Spatial batch norm gets
channel-dependent inputs, so mixing channels (reshape without transpose) shows, and in train
mode every channel of the output must have mean ``beta[c]`` over (N, H, W).

Expected values: forwards ``{"out", "running_mean", "running_var", "variants": {"out",
"running_mean", "running_var"}}`` (each variant map: misconception → array of that shape);
backwards :class:`~grader.exercises.expected.BackwardExpected` with ``forward_variants``.
"""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np

from grader import compare as cmp
from grader.exercises import variants
from grader.exercises.backward import BackwardSpec, check_backward
from grader.exercises.checks import diagnose_forward_too, identifiable_variants
from grader.exercises.context import Context, sentence
from grader.exercises.spec import Exercise, Topic, rounded

# What the forward checks say about bn_param and the channel means (catalogue templates, domain ``feedback``).
BN_PARAM_REPLACED = sentence("{name} replaced bn_param by a {type}; update the dict's entries instead")
NO_RUNNING_STATISTIC = sentence("after a '{mode}' call bn_param has no '{key}': store the running statistics back "
                                "into bn_param (bn_param['{key}'] = ...)")
TEST_MODE_UPDATED = sentence("in 'test' mode bn_param['{key}'] must not change: the running statistics are only used, not updated")
CHANNEL_MEAN = sentence("in train mode every channel of out must average to beta[c] over (N, H, W), because each channel is "
                        "normalized with its own mean and variance over those axes; channel {c} does not")
CHANNEL_MEAN_SHOWN = sentence(CHANNEL_MEAN + ": it is {mean}, beta[{c}] = {beta}")

ASSIGNMENT = "04_normalization_residual"

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
        "bn_backward_constant_stats": (
            "in train mode the batch mean and variance depend on x, so dx has two more terms: "
            "dx = inv_std / N · (N·dx_hat − Σ dx_hat − x_hat · Σ(dx_hat · x_hat)). Your dx treats them as constants"
        ),
        "mutates_input": "a function modified one of its arguments in place; work on copies",
    }
)

TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)


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
        if backward:
            # Test-mode backward cases are a feature no contract grades by default: two more
            # train-mode ones keep the graded cases many. Appended last, so every earlier case
            # (and its random draws) is what it was.
            configs += [(2, 3, 3, 2, "train", 0.9, 1e-5, True), (1, 2, 4, 3, "train", 0.7, 1e-5, True)] if spatial else [
                (5, 4, "train", 0.9, 1e-5, True), (3, 6, "train", 0.8, 1e-4, True)]
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
        # Neither contract asks for the backward of a test-mode forward (CS231n's backward sees
        # train-mode caches only): those cases are the "test_mode" feature, graded on request.
        cases.append((label, inputs, "test_mode" if backward and mode == "test" else "core"))
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
    """misconception → variant function: batchnorm_forward's, applied per channel for the
    spatial forward, followed by spatial_batchnorm_forward's own."""
    fns = {variants.misconception_of(ref, v): f for v, f in variants.imitations(ref, "batchnorm_forward").items()}
    if spatial:
        fns = {n: _spatially(f) for n, f in fns.items()}
        fns.update({variants.misconception_of(ref, v): f for v, f in variants.imitations(ref, "spatial_batchnorm_forward").items()})
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
            ctx.fail(BN_PARAM_REPLACED.format(name=name, type=cmp.type_name(bn_after)))
        for key in ("running_mean", "running_var"):
            got = bn_after.get(key)
            if got is None:
                ctx.fail(NO_RUNNING_STATISTIC.format(mode=mode, key=key))
            if mode == "test" and not cmp.close(got, expected[key]):
                ctx.fail(TEST_MODE_UPDATED.format(key=key), *ctx.match_variants(out, expected["variants"]["out"]))
            ctx.expect_close(f"bn_param['{key}']", got, expected[key], variants=expected["variants"][key])

    kind = "spatial batch norm (per channel over N, H, W)" if spatial else "batch norm"
    return TOPIC.exercise(
        name,
        points=points,
        requires=(name,),
        make_cases=lambda rng, hidden: _bn_cases(rng, hidden, spatial, backward=False),
        expect=expect,
        check=check,
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
        message = (CHANNEL_MEAN_SHOWN.format(c=c, mean=f"{means[c]:.6g}", beta=f"{beta[c]:.6g}") if ctx.public
                   else CHANNEL_MEAN.format(c=c))
        ctx.fail(message, *ctx.match_variants(out, expected["variants"]["out"]))


# -- batch norm: backward checks ---------------------------------------------------------------

_RUNNING = (("bn_param", "running_mean"), ("bn_param", "running_var"))

def _bn_backward_exercise(name: str, forward: str, spatial: bool, points: float) -> Exercise:
    test_spec = BackwardSpec(forward=forward, backward=name, wrt=("x", "gamma", "beta"), grad_keys=(0, 1, 2))
    train_spec = replace(test_spec, mutable=_RUNNING)

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
            # a train-mode forward updates the running statistics in place by design
            spec = train_spec if inputs["bn_param"]["mode"] == "train" else test_spec
            check_backward(ctx, spec, fwd_inputs, [inputs["dout"]], expected)

        diagnose_forward_too(ctx, two_way, forward, list(fwd_inputs.values()), expected["forward_variants"])

    return TOPIC.exercise(
        name,
        points=points,
        requires=(name, forward),
        make_cases=lambda rng, hidden: _bn_cases(rng, hidden, spatial, backward=True),
        expect=expect,
        check=check,
        summary=f"{'spatial ' if spatial else ''}batch norm backward: dx, dgamma, dbeta (train mode; test mode on request)",
        weights={"core": 0.8, "test_mode": 0.2},
    )


EXERCISES = (
    _bn_forward_exercise("batchnorm_forward", spatial=False, points=3),
    _bn_backward_exercise("batchnorm_backward", "batchnorm_forward", spatial=False, points=3),
    _bn_forward_exercise("spatial_batchnorm_forward", spatial=True, points=2),
    _bn_backward_exercise("spatial_batchnorm_backward", "spatial_batchnorm_forward", spatial=True, points=3),
)
