"""Assignment 06, ``attention.py`` — softmax, scaled dot-product and multi-head attention,
positional encoding and patches (the CS231n PyTorch modules: :mod:`.transformer_layers`).

Case grids (mistakes.md M10, M12–M20, M28, M30):

* attention without a mask, with a causal (T, S) mask shared by the batch, and with random
  (N, T, S) masks (bool, 0/1 float and int) that contain a fully blocked query row, whose
  output must be zeros; S ≠ T (cross-attention), d_k ≠ d_v, N = 1, T = 1;
* a non-finite output where a mask is applied is named: ``mask_fill_pos_inf`` when rows with
  some allowed keys are NaN (the fill value was +inf), ``fully_blocked_nan`` when only fully
  blocked rows are (softmax of a row of −inf);
* the variants of ``solutions/06_attention/_variants.py`` name a missing 1/√d_k, √E instead
  of √(E/h) (heads ∈ {1, 2, 4}), the softmax over the queries, masking after the softmax,
  inverted mask polarity, heads split without a transpose; the backward is compared with the
  exact gradients of those variant forwards (``variant_backward_<name>``, diagnosis
  ``backward_<name>``), so a backward consistent with a wrong forward is named too. Diagnosis
  names are the variant names; their messages live here only;
* positional encoding: sin/cos swapped, exponent j/d instead of 2i/d, positions from 1; odd
  embed_dim; ``ValueError`` for sizes < 1;
* patchify: (P, P, C) instead of (C, P, P) vectors, column-major patch order, H ≠ W, P = 1,
  one patch; ``ValueError`` for sizes not divisible by P;
* torch modules are built in the student process with dropout 0.0, put in eval mode and
  ``double()`` mode (one float32 case each), loaded with weights chosen here via
  ``load_state_dict`` and compared with the reference module's output for the same weights
  (never with anything that depends on a dropout stream, M28). ``PositionalEncoding``'s ``pe``
  buffer is compared through ``state_dict`` as well as through the forward pass.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable

import numpy as np

from grader import compare as cmp
from grader.exercises import variants
from grader.exercises.backward import BackwardSpec, check_backward
from grader.exercises.context import Context, sentence
from grader.exercises.spec import Exercise, Topic
from grader.exercises.checks import distinct

# Why a case must raise ValueError (catalogue templates, domain ``feedback``).
HEADS_DO_NOT_DIVIDE = sentence("E = {E} is not divisible by num_heads = {heads}")
PE_SIZES_POSITIVE = sentence("max_len and embed_dim must be >= 1")
PATCHES_DO_NOT_DIVIDE = sentence("H = {H} and W = {W} must be divisible by patch_size = {P}")

ASSIGNMENT = "06_attention"

_MESSAGES = {
    "softmax_overflow": (
        "your softmax overflows for large inputs (exp(1000) = inf, inf / inf = NaN): subtract the maximum "
        "along the axis first, e = np.exp(x - x.max(axis=axis, keepdims=True))"
    ),
    "softmax_ignores_axis": "your softmax always normalises over the last axis: use the `axis` argument (with keepdims=True)",
    "softmax_sum_over_all": (
        "your softmax divides by the sum over the whole array: sum along `axis` only, "
        "e.sum(axis=axis, keepdims=True)"
    ),
    "no_scale": (
        "your attention matches unscaled scores q @ k^T: divide the scores by sqrt(d_k) (d_k = q.shape[-1]) "
        "before the softmax (Vaswani et al. §3.2.1), and multiply dq and dk by the same 1/sqrt(d_k) in the backward"
    ),
    "mha_no_scale": "your multi-head scores are not scaled: divide each head's scores by sqrt(E / num_heads) before the softmax",
    "scale_sqrt_E": (
        "you scale the multi-head scores by 1/sqrt(E) (the full embedding size); each head has dimension "
        "d_k = E / num_heads, so the scores must be divided by sqrt(E / num_heads)"
    ),
    "softmax_wrong_axis": (
        "your attention weights are normalised over the queries (axis -2): each query's weights over the keys "
        "must sum to 1, so take the softmax over the last axis (S, the keys)"
    ),
    "mask_after_softmax": (
        "you zero the blocked weights after the softmax, so the remaining weights no longer sum to 1: set blocked "
        "scores to -inf (or a very large negative number) BEFORE the softmax"
    ),
    "mask_inverted": (
        "your mask polarity is inverted: in this exercise (CS231n) mask == 0 / False means BLOCKED and "
        "nonzero / True means may attend (nn.MultiheadAttention's bool mask is the opposite; "
        "F.scaled_dot_product_attention's bool mask uses True = attend, like this one)"
    ),
    "mha_reshape_without_transpose": (
        "you split the heads with reshape(N, num_heads, L, d_k) straight from (N, L, E), which mixes tokens "
        "across heads: reshape to (N, L, num_heads, d_k) and then swap axes 1 and 2 (and undo it the same way)"
    ),
    "mask_fill_pos_inf": (
        "your output has NaN where a mask is applied: the fill value is +inf (e.g. -float('-inf')), so exp "
        "overflows and the softmax gives inf/inf. Fill blocked scores with -inf or a large NEGATIVE number"
    ),
    "fully_blocked_nan": (
        "a query whose keys are all blocked gives NaN: softmax of a row of -inf is 0/0. This exercise defines "
        "that row's output (and gradient) as zeros: zero the weights of such rows after the softmax, or "
        "normalise only rows whose sum is positive"
    ),
    "pe_sin_cos_swapped": (
        "your encoding has cos on even columns and sin on odd ones: Vaswani et al. §3.5 uses "
        "PE[pos, 2i] = sin(...) and PE[pos, 2i+1] = cos(...), so row 0 is (0, 1, 0, 1, ...)"
    ),
    "pe_exponent_j_over_d": (
        "your frequency uses the column index j in the exponent (10000^(j/d)); columns 2i and 2i+1 share one "
        "frequency, 10000^(2i/d): use the even index of the pair for the cos column too"
    ),
    "pe_positions_from_one": "your positions start at 1; they start at 0, so row 0 is (0, 1, 0, 1, ...)",
    "patch_channel_last": (
        "your patch vectors are channel-last, ordered (P, P, C); this exercise orders each patch vector "
        "(C, P, P), like a Conv2d weight: reshape to (N, C, H/P, P, W/P, P) and transpose to (0, 2, 4, 1, 3, 5)"
    ),
    "patch_order_column_major": (
        "your patches are enumerated column by column; number them row-major: patch r * (W // P) + c is at "
        "patch-row r, patch-column c"
    ),
    "hardcoded_float32": (
        "your module mixes float32 and float64: a tensor created inside it (torch.zeros, torch.tensor, "
        "torch.arange...) defaults to float32. Create it from the input, e.g. `x.new_zeros(...)`, "
        "`torch.zeros_like(x)` or `torch.zeros(..., dtype=x.dtype, device=x.device)`"
    ),
    "missing_submodule": (
        "the grader copies weights into the submodules the docstring requires (state_dict keys such as "
        "query.weight); keep those attribute names"
    ),
    "mutates_input": "treat every argument as read-only: build new arrays (`a = a + b`) instead of updating an argument in place",
}
# a backward variant is the same misconception seen through the gradients (as in _variants.py)
_MESSAGES.update({f"backward_{n}": _MESSAGES[n] for n in ("no_scale", "softmax_wrong_axis", "mask_after_softmax", "mask_inverted")})
MISCONCEPTIONS = MappingProxyType(_MESSAGES)
TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)

_F32_TOL = {"atol": 1e-6, "rtol": 1e-4}


def _tol(dtype: str) -> dict:
    return _F32_TOL if dtype == "float32" else {}


def _pe_tol(max_len: int, dtype: str = "float64") -> dict:
    """Tolerance for positional encodings: angles computed in float32 (torch's default dtype, a
    legitimate choice since the buffer is stored in it) are off by about pos·1e-7, i.e. up to
    ~1e-4 at position 5000; every named variant differs by O(1) somewhere."""
    tol = dict(_tol(dtype)) or {"atol": cmp.DEFAULT_ATOL, "rtol": cmp.DEFAULT_RTOL}
    tol["atol"] = max(tol["atol"], 4e-7 * max_len)
    return tol


# ============================================================================================
# Masks and NaN diagnosis
# ============================================================================================

def _mask(rng: np.random.Generator, kind: str | None, N: int, T: int, S: int):
    """A mask of the given kind (0/False = blocked), or None.

    ``causal``: bool (T, S) lower-triangular, shared by the batch. ``random*``: (N, T, S) with
    about 40% blocked, every query keeping one key, except query 1 of sample 0 (when T ≥ 2),
    which is fully blocked. ``random_ts``: the same idea, (T, S), shared by the batch.
    """
    if kind is None:
        return None
    if kind == "causal":
        return np.tril(np.ones((T, S), dtype=bool))
    shape = (T, S) if kind == "random_ts" else (N, T, S)
    allowed = rng.random(shape) > 0.4
    keep = rng.integers(0, S, size=shape[:-1])
    np.put_along_axis(allowed, keep[..., None], True, axis=-1)
    if T >= 2:
        if kind == "random_ts":
            allowed[1, :] = False
        else:
            allowed[0, 1, :] = False
    if kind == "random_float":
        return allowed.astype(np.float64)
    if kind == "random_int":
        return allowed.astype(np.int64)
    return allowed


def _row_flags(mask, N: int, T: int, S: int) -> dict:
    """Per query row (N, T): whether any / all of its keys are blocked."""
    if mask is None:
        blocked = np.zeros((N, T, S), dtype=bool)
    else:
        blocked = np.broadcast_to(np.asarray(mask) == 0, (N, T, S))
    return {"any_blocked": blocked.any(axis=-1), "all_blocked": blocked.all(axis=-1)}


def _nan_diagnoses(got: Any, rows: dict | None) -> list:
    """``mask_fill_pos_inf`` / ``fully_blocked_nan`` from where a masked output is non-finite."""
    arr = cmp.as_array(got)
    if rows is None or arr is None or arr.ndim != 3 or arr.shape[:2] != rows["any_blocked"].shape:
        return []
    bad = ~np.isfinite(arr.astype(np.float64)).all(axis=-1)  # (N, T)
    if not bad.any() or (bad & ~rows["any_blocked"]).any():
        return []  # no NaN, or NaN in rows the mask does not touch: not a masking problem
    if (bad & ~rows["all_blocked"]).any():
        return ["mask_fill_pos_inf"]
    return ["fully_blocked_nan"]


def _expect_output(ctx: Context, what: str, got: Any, expected: np.ndarray, variants: dict, rows: dict | None, **tol) -> None:
    """Like :meth:`Context.expect_close`, also naming NaN caused by the mask."""
    res = cmp.compare(got, expected, **tol)
    if res.ok:
        return
    names = list(ctx.match_variants(got, variants, **tol)) + _nan_diagnoses(got, rows)
    ctx.fail(cmp.describe(what, res, show_values=ctx.public), *names)


# ============================================================================================
# softmax
# ============================================================================================

def _softmax_cases(rng: np.random.Generator, hidden: bool) -> list:
    specs = [((3, 5), -1, 1.0, 0.0), ((2, 3, 4), 1, 1.0, 0.0), ((4,), 0, 1.0, 0.0), ((2, 4), -1, 1.0, 1000.0), ((3, 4), 0, 2.0, 0.0)]
    if hidden:
        specs = [((5,), -1, 1.0, 0.0), ((2, 2, 3), 0, 1.0, 0.0), ((3, 4, 2), -2, 1.0, 0.0), ((4, 3), 1, 1.0, 800.0)]
        for _ in range(2):
            ndim = int(rng.integers(1, 4))
            shape = tuple(int(s) for s in rng.integers(1, 5, size=ndim))
            specs.append((shape, int(rng.integers(-ndim, ndim)), float(rng.uniform(0.5, 3)), 0.0))
    cases = []
    for shape, axis, scale, offset in specs:
        x = scale * rng.standard_normal(shape)
        if offset:
            # large entries: +offset in the first half, -offset in the rest (overflow and underflow)
            x = x + np.where(np.arange(x.size).reshape(shape) < x.size // 2, offset, -offset)
        label = f"x {shape}, axis={axis}" + (f", entries near ±{offset:g}" if offset else "")
        cases.append((label, {"x": x, "axis": axis}))
    return cases


def _softmax_expect(ref: Any, inputs: dict) -> dict:
    x, axis = inputs["x"], inputs["axis"]
    value = ref.softmax(x, axis)
    e = np.exp(x - x.max())
    variants = {"softmax_ignores_axis": ref.softmax(x, -1), "softmax_sum_over_all": e / e.sum()}
    return {"out": value, "variants": distinct(variants, value), "large": bool(np.abs(x).max() > 700)}


def _softmax_check(ctx: Context, inputs: dict, expected: dict) -> None:
    x, axis = inputs["x"], inputs["axis"]
    args = [x] if axis == -1 else [x, axis]
    reply = ctx.call("softmax", *args, echo_args=True)
    ctx.expect_unchanged("softmax", ["x"], [x], reply.args_after[:1] if reply.args_after else None)
    res = cmp.compare(reply.value, expected["out"])
    if res.ok:
        return
    names = list(ctx.match_variants(reply.value, expected["variants"]))
    if res.problem == "nonfinite" and expected["large"]:
        names.append("softmax_overflow")
    ctx.fail(cmp.describe("softmax(x)", res, show_values=ctx.public), *names)


# ============================================================================================
# scaled dot-product attention
# ============================================================================================

# (N, T, S, d_k, d_v, mask kind)
_SDPA_PUBLIC = [
    (2, 3, 3, 4, 4, None),
    (2, 3, 5, 4, 2, None),
    (1, 4, 4, 3, 5, "causal"),
    (2, 3, 5, 2, 3, "random_float"),
    (1, 1, 3, 2, 2, "random"),
]
_SDPA_HIDDEN = [
    (2, 5, 3, 3, 4, "random"),
    (3, 4, 4, 6, 2, "causal"),
    (1, 2, 6, 5, 1, None),
    (2, 4, 2, 2, 3, "random_int"),
]
_MASK_KINDS = (None, "causal", "random", "random_float", "random_int", "random_ts")


def _mask_feature(kind: str | None, T: int) -> str:
    """``fully_masked_rows`` for the random masks that block every key of one query (see :func:`_mask`)."""
    return "fully_masked_rows" if kind is not None and kind.startswith("random") and T >= 2 else "core"


def _sdpa_cases(with_dout: bool) -> Callable:
    def make(rng: np.random.Generator, hidden: bool) -> list:
        cfgs = list(_SDPA_PUBLIC)
        if hidden:
            cfgs = list(_SDPA_HIDDEN)
            for _ in range(3):
                T, S = int(rng.integers(1, 6)), int(rng.integers(1, 6))
                kind = _MASK_KINDS[int(rng.integers(len(_MASK_KINDS)))]
                if kind == "causal" and S < T:
                    kind = "random"
                cfgs.append((int(rng.integers(1, 4)), T, S, int(rng.integers(1, 6)), int(rng.integers(1, 6)), kind))
        cases = []
        for N, T, S, dk, dv, kind in cfgs:
            inputs = {
                "q": rng.standard_normal((N, T, dk)),
                "k": rng.standard_normal((N, S, dk)),
                "v": rng.standard_normal((N, S, dv)),
                "mask": _mask(rng, kind, N, T, S),
            }
            if with_dout:
                inputs["dout"] = rng.standard_normal((N, T, dv))
            m = "no mask" if kind is None else f"{kind} mask {tuple(np.shape(inputs['mask']))}"
            cases.append((f"q {(N, T, dk)}, k {(N, S, dk)}, v {(N, S, dv)}, {m}", inputs, _mask_feature(kind, T)))
        return cases

    return make


def _sdpa_rows(inputs: dict) -> dict | None:
    if inputs["mask"] is None:
        return None
    N, T, _ = inputs["q"].shape
    return _row_flags(inputs["mask"], N, T, inputs["k"].shape[1])


def _sdpa_forward_expect(ref: Any, inputs: dict) -> dict:
    q, k, v, mask = inputs["q"], inputs["k"], inputs["v"], inputs["mask"]
    out, _ = ref.scaled_dot_product_attention_forward(q, k, v, mask)
    found = variants.outputs(ref, "scaled_dot_product_attention_forward", q, k, v, mask, pick=lambda r: r[0])
    return {"out": out, "variants": distinct(found, out), "rows": _sdpa_rows(inputs)}


def _sdpa_forward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    names = ["q", "k", "v"] + (["mask"] if inputs["mask"] is not None else [])
    args = [inputs[n] for n in names]
    reply = ctx.call("scaled_dot_product_attention_forward", *args, send=[(0,)], echo_args=True)
    ctx.expect_unchanged("scaled_dot_product_attention_forward", names, args, reply.args_after)
    _expect_output(ctx, "out", reply.value[0], expected["out"], expected["variants"], expected["rows"])


def _sdpa_backward_expect(ref: Any, inputs: dict) -> dict:
    q, k, v, mask, dout = inputs["q"], inputs["k"], inputs["v"], inputs["mask"], inputs["dout"]
    out, cache = ref.scaled_dot_product_attention_forward(q, k, v, mask)
    grads = list(ref.scaled_dot_product_attention_backward(dout, cache))
    per_input = variants.gradients(ref, "scaled_dot_product_attention_backward", _SDPA_BACKWARD.wrt, dout, q, k, v, mask)
    return {"outs": [out], "grads": grads, "variants": {w: distinct(per_input[w], g, nonzero=True) for w, g in zip(("q", "k", "v"), grads)}}


_SDPA_BACKWARD = BackwardSpec(
    forward="scaled_dot_product_attention_forward", backward="scaled_dot_product_attention_backward", wrt=("q", "k", "v"), grad_keys=(0, 1, 2)
)


def _sdpa_backward_check(ctx: Context, inputs: dict, expected: dict) -> None:
    check_backward(ctx, _SDPA_BACKWARD, {n: inputs[n] for n in ("q", "k", "v", "mask")}, [inputs["dout"]], expected)


# ============================================================================================
# multi-head attention (numpy)
# ============================================================================================

# (N, T, S, E, num_heads, mask kind); E % num_heads != 0 means "must raise ValueError"
_MHA_PUBLIC = [
    (2, 3, 3, 8, 2, None),
    (1, 4, 4, 8, 4, "causal"),
    (2, 3, 5, 8, 1, None),
    (2, 4, 3, 8, 2, "random"),
    (1, 2, 2, 6, 4, None),
]
_MHA_HIDDEN = [
    (1, 1, 4, 8, 4, "random_float"),
    (3, 2, 5, 8, 2, "random_ts"),
    (2, 5, 5, 12, 4, "causal"),
    (1, 3, 3, 10, 4, None),
]


def _mha_params(rng: np.random.Generator, E: int) -> dict:
    p = {}
    for name in ("q", "k", "v", "o"):
        p[f"W{name}"] = rng.standard_normal((E, E)) / np.sqrt(E)
        p[f"b{name}"] = 0.3 * rng.standard_normal(E)
    return p


def _mha_cfgs(rng: np.random.Generator, hidden: bool) -> list:
    cfgs = list(_MHA_PUBLIC) if not hidden else list(_MHA_HIDDEN)
    if hidden:
        for _ in range(2):
            heads = int(rng.choice([1, 2, 4]))
            T, S = int(rng.integers(1, 6)), int(rng.integers(1, 6))
            kind = _MASK_KINDS[int(rng.integers(len(_MASK_KINDS)))]
            if kind == "causal" and S < T:
                kind = "random_ts"
            cfgs.append((int(rng.integers(1, 3)), T, S, heads * int(rng.integers(1, 4)), heads, kind))
    return cfgs


def _mha_cases(rng: np.random.Generator, hidden: bool) -> list:
    cases = []
    for N, T, S, E, heads, kind in _mha_cfgs(rng, hidden):
        inputs = {
            "query": rng.standard_normal((N, T, E)),
            "key": rng.standard_normal((N, S, E)),
            "value": rng.standard_normal((N, S, E)),
            "params": _mha_params(rng, E),
            "num_heads": heads,
            "mask": _mask(rng, kind, N, T, S),
        }
        m = "no mask" if kind is None else f"{kind} mask {tuple(np.shape(inputs['mask']))}"
        bad = " (E not divisible by num_heads: ValueError)" if E % heads else ""
        feature = "invalid_input" if E % heads else _mask_feature(kind, T)
        cases.append((f"query {(N, T, E)}, key/value {(N, S, E)}, num_heads={heads}, {m}{bad}", inputs, feature))
    return cases


def _mha_variants(ref: Any, query, key, value, params, heads, mask) -> dict:
    out = variants.outputs(ref, "multi_head_attention_forward", query, key, value, params, heads, mask, pick=lambda r: r[0])
    if mask is not None:
        out["mask_inverted"] = ref.multi_head_attention_forward(query, key, value, params, heads, np.asarray(mask) == 0)[0]
    return out


def _mha_expect(ref: Any, inputs: dict) -> dict:
    query, key, value, params, heads, mask = (inputs[n] for n in ("query", "key", "value", "params", "num_heads", "mask"))
    E = query.shape[-1]
    if E % heads:
        return {"raises": "ValueError"}
    out, _ = ref.multi_head_attention_forward(query, key, value, params, heads, mask)
    N, T, _ = query.shape
    rows = None if mask is None else _row_flags(mask, N, T, key.shape[1])
    return {"out": out, "variants": distinct(_mha_variants(ref, query, key, value, params, heads, mask), out), "rows": rows}


def _mha_check(ctx: Context, inputs: dict, expected: dict) -> None:
    names = ["query", "key", "value", "params", "num_heads"] + (["mask"] if inputs["mask"] is not None else [])
    args = [inputs[n] for n in names]
    if "raises" in expected:
        E, heads = inputs["query"].shape[-1], inputs["num_heads"]
        ctx.expect_raises("multi_head_attention_forward", *args, why=HEADS_DO_NOT_DIVIDE.format(E=E, heads=heads))
        return
    reply = ctx.call("multi_head_attention_forward", *args, send=[(0,)], echo_args=True)
    ctx.expect_unchanged("multi_head_attention_forward", names, args, reply.args_after)
    _expect_output(ctx, "out", reply.value[0], expected["out"], expected["variants"], expected["rows"])


# ============================================================================================
# positional encoding (numpy)
# ============================================================================================

def _pe_cases(rng: np.random.Generator, hidden: bool) -> list:
    sizes = [(10, 8), (1, 6), (7, 5), (20, 16), (4, 1), (0, 4)]
    if hidden:
        sizes = [(50, 32), (3, 3), (12, 7), (5, 0)] + [(int(rng.integers(1, 60)), int(rng.integers(1, 25))) for _ in range(3)]
    return [
        (f"max_len={L}, embed_dim={D}" + (" (ValueError)" if min(L, D) < 1 else ""), {"max_len": L, "embed_dim": D},
         "invalid_input" if min(L, D) < 1 else "odd_embed_dim" if D % 2 else "core")
        for L, D in sizes
    ]


def _pe_variants(ref: Any, L: int, D: int) -> dict:
    out = variants.outputs(ref, "sinusoidal_positional_encoding", L, D)
    out["pe_positions_from_one"] = ref.sinusoidal_positional_encoding(L + 1, D)[1:]
    return out


def _pe_expect(ref: Any, inputs: dict) -> dict:
    L, D = inputs["max_len"], inputs["embed_dim"]
    if min(L, D) < 1:
        return {"raises": "ValueError"}
    value = ref.sinusoidal_positional_encoding(L, D)
    return {"out": value, "variants": distinct(_pe_variants(ref, L, D), value)}


def _pe_check(ctx: Context, inputs: dict, expected: dict) -> None:
    L, D = inputs["max_len"], inputs["embed_dim"]
    if "raises" in expected:
        ctx.expect_raises("sinusoidal_positional_encoding", L, D, why=PE_SIZES_POSITIVE)
        return
    got = ctx.call("sinusoidal_positional_encoding", L, D).value
    ctx.expect_close("PE", got, expected["out"], variants=expected["variants"], **_pe_tol(L))


# ============================================================================================
# patchify
# ============================================================================================

def _patch_cases(rng: np.random.Generator, hidden: bool) -> list:
    # (N, C, H, W, P); sizes not divisible by P must raise ValueError
    cfgs = [(2, 3, 4, 4, 2), (1, 1, 6, 4, 2), (2, 2, 6, 6, 3), (1, 3, 4, 4, 4), (2, 3, 2, 4, 1), (1, 3, 5, 4, 2)]
    if hidden:
        cfgs = [(1, 2, 8, 4, 4), (3, 3, 6, 9, 3), (1, 1, 4, 4, 2), (2, 3, 4, 6, 4)]
        for _ in range(2):
            P = int(rng.integers(1, 4))
            cfgs.append((int(rng.integers(1, 3)), int(rng.integers(1, 4)), P * int(rng.integers(1, 4)), P * int(rng.integers(1, 4)), P))
    cases = []
    for N, C, H, W, P in cfgs:
        bad = " (not divisible: ValueError)" if H % P or W % P else ""
        cases.append((f"x {(N, C, H, W)}, patch_size={P}{bad}", {"x": rng.standard_normal((N, C, H, W)), "patch_size": P}, "invalid_input" if bad else "core"))
    return cases


def _patch_variants(ref: Any, x: np.ndarray, P: int) -> dict:
    return variants.outputs(ref, "patchify", x, P)


def _patch_expect(ref: Any, inputs: dict) -> dict:
    x, P = inputs["x"], inputs["patch_size"]
    if x.shape[2] % P or x.shape[3] % P:
        return {"raises": "ValueError"}
    value = ref.patchify(x, P)
    variants = _patch_variants(ref, x, P)
    return {"out": value, "variants": distinct(variants, value)}


def _patch_check(ctx: Context, inputs: dict, expected: dict) -> None:
    x, P = inputs["x"], inputs["patch_size"]
    if "raises" in expected:
        ctx.expect_raises("patchify", x, P, why=PATCHES_DO_NOT_DIVIDE.format(H=x.shape[2], W=x.shape[3], P=P))
        return
    reply = ctx.call("patchify", x, P, echo_args=True)
    ctx.expect_unchanged("patchify", ["x"], [x], (reply.args_after or [None])[:1])
    ctx.expect_close("patches", reply.value, expected["out"], variants=expected["variants"])


# Points per feature (stated in the stubs' docstrings). "invalid_input" (a ValueError DESIGN §3
# does not ask for) is graded only when a course turns it on.
WEIGHTS = MappingProxyType({
    "scaled_dot_product_attention_forward": {"core": 0.7, "fully_masked_rows": 0.3},
    "scaled_dot_product_attention_backward": {"core": 0.7, "fully_masked_rows": 0.3},
    "multi_head_attention_forward": {"core": 0.7, "fully_masked_rows": 0.2, "invalid_input": 0.1},
    "sinusoidal_positional_encoding": {"core": 0.8, "odd_embed_dim": 0.2, "invalid_input": 0.1},
    "patchify": {"core": 0.9, "invalid_input": 0.1},
    "MultiHeadAttention": {"core": 0.8, "fully_masked_rows": 0.2},
    "PositionalEncoding": {"core": 0.8, "odd_embed_dim": 0.2},
    "PatchEmbedding": {"core": 0.9, "invalid_input": 0.1},
})


def _exercise(name: str, points: float, make_cases, expect, check, summary: str, requires: tuple = ()) -> Exercise:
    """``TOPIC.exercise`` with positional arguments (keeps the tables below one line each)."""
    return TOPIC.exercise(
        name, points=points, requires=requires, make_cases=make_cases, expect=expect, check=check, summary=summary,
        weights=WEIGHTS.get(name, {"core": 1.0}),
    )


EXERCISES = (
    _exercise("softmax", 1, _softmax_cases, _softmax_expect, _softmax_check, "numerically stable softmax along an axis"),
    _exercise(
        "scaled_dot_product_attention_forward", 2, _sdpa_cases(False), _sdpa_forward_expect, _sdpa_forward_check,
        "softmax(q k^T / sqrt(d_k)) v with CS231n masks (0 = blocked)",
    ),
    _exercise(
        "scaled_dot_product_attention_backward", 3, _sdpa_cases(True), _sdpa_backward_expect, _sdpa_backward_check,
        "dq, dk, dv of scaled dot-product attention", requires=("scaled_dot_product_attention_forward",),
    ),
    _exercise("multi_head_attention_forward", 2, _mha_cases, _mha_expect, _mha_check, "multi-head attention in numpy, x @ W + b"),
    _exercise("sinusoidal_positional_encoding", 1, _pe_cases, _pe_expect, _pe_check, "Vaswani et al. §3.5 sinusoidal encoding"),
    _exercise("patchify", 1, _patch_cases, _patch_expect, _patch_check, "ViT patches, row-major, (C, P, P) vectors"),
)
