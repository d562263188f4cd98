"""Assignment 06, ``transformer_layers.py`` — the CS231n PyTorch modules ``MultiHeadAttention``,
``PositionalEncoding`` and ``PatchEmbedding``.

Torch modules are built in the student process with dropout 0.0, put in eval mode and
``double()`` mode (one float32 case each), loaded with weights chosen here via
``load_state_dict`` and compared with the reference module's output for the same weights
(never with anything that depends on a dropout stream, M28). ``PositionalEncoding``'s ``pe``
buffer is compared through ``state_dict`` as well as through the forward pass. The numpy
functions these modules mirror, and the misconception messages, are in
:mod:`grader.exercises.attention.attention`.

Expected values: :class:`~grader.exercises.expected.OutputExpected` plus ``rows`` (which
query rows are fully or partly blocked by the mask).
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from grader import compare as cmp
from grader.exercises.attention.attention import (
    _mask_feature,
    ASSIGNMENT,  # noqa: F401  (every spec module names its assignment; the topic package reads it)
    MISCONCEPTIONS,
    _exercise,
    _pe_tol,
    _tol,
    distinct,
    _expect_output,
    _mask,
    _mha_params,
    _mha_variants,
    _patch_variants,
    _pe_variants,
    _row_flags,
)
from grader.exercises.context import Context, fragment, sentence
from grader.exercises.spec import CaseFailed
from grader.runner.codec import Ref, TorchArray

# What a torch module's checks say (catalogue templates, domain ``feedback``).
STATE_DICT_NOT_DICT = sentence("{cls}.state_dict() returned {type}; expected a dict (is {cls} an nn.Module?)")
STATE_DICT_LACKS = sentence("{cls} has no {missing} in its state_dict (it has: {have})")
NOTHING = fragment("nothing")
STATE_SHAPE = sentence("{cls}'s {key} has shape {got}, expected {want}")
IMAGE_DOES_NOT_DIVIDE = sentence("img_size {img} is not divisible by patch_size {P}")


# ============================================================================================
# torch modules
# ============================================================================================

_DTYPE_MIX = re.compile(r"(Double|float64).*(Float|float32)|(Float|float32).*(Double|float64)", re.S)


def _torch_call(ctx: Context, func: Any, *args: Any, **kwargs: Any):
    """``ctx.call`` naming a float32/float64 mix-up (M30) when the module raises because of one."""
    try:
        return ctx.call(func, *args, **kwargs)
    except CaseFailed as failed:
        if _DTYPE_MIX.search(failed.message.split("\n", 1)[0]):
            raise CaseFailed(f"{failed.message}\n→ {MISCONCEPTIONS['hardcoded_float32']}", (*failed.diagnoses, "hardcoded_float32")) from None
        raise


def _build_module(ctx: Context, cls: str, ctor_args: list, dtype: str, state: dict | None) -> dict:
    """Construct ``cls(*ctor_args)`` in the student process as ``"mod"``, eval mode, ``double()``
    for float64, load ``state`` (name → array) and return the student's ``state_dict`` keys/shapes
    (name → array as it was before loading)."""
    _torch_call(ctx, cls, *ctor_args, store="mod", send="none")
    _torch_call(ctx, Ref("mod", ("eval",)), send="none")
    if dtype == "float64":
        _torch_call(ctx, Ref("mod", ("double",)), send="none")
    sd = _torch_call(ctx, Ref("mod", ("state_dict",))).value
    if not isinstance(sd, dict):
        ctx.fail(STATE_DICT_NOT_DICT.format(cls=cls, type=cmp.type_name(sd)))
    if state:
        missing = [k for k in state if k not in sd]
        if missing:
            have = ", ".join(map(str, sd)) or NOTHING
            ctx.fail(STATE_DICT_LACKS.format(cls=cls, missing=", ".join(missing), have=have), "missing_submodule")
        for k, v in state.items():
            got = cmp.as_array(sd[k])
            if got is None or got.shape != v.shape:
                ctx.fail(STATE_SHAPE.format(cls=cls, key=k, got=None if got is None else got.shape, want=v.shape), "missing_submodule")
        tensors = {k: TorchArray(np.ascontiguousarray(v, dtype=dtype)) for k, v in state.items()}
        _torch_call(ctx, Ref("mod", ("load_state_dict",)), tensors, strict=False, send="none")
    return sd


def _module_forward(ctx: Context, cls: str, arrays: list, names: list, dtype: str):
    sent = [np.ascontiguousarray(a, dtype=dtype) if a.dtype.kind == "f" else a for a in arrays]
    reply = _torch_call(ctx, Ref("mod", ("forward",)), *[TorchArray(a) for a in sent], echo_args=True)
    ctx.expect_unchanged(f"{cls}.forward", names, sent, reply.args_after)
    return reply.value


def _ref_module_output(ref: Any, cls: str, ctor_args: list, state: dict | None, arrays: list):
    """The reference module's output in float64 eval mode with the given weights (grader side)."""
    import torch

    module = getattr(ref, cls)(*ctor_args).double().train(False)
    if state:
        module.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype=np.float64)) for k, v in state.items()}, strict=False)
    with torch.no_grad():
        out = module(*[torch.from_numpy(np.asarray(a)) for a in arrays])
        return out.numpy().copy(), {k: v.numpy().copy() for k, v in module.state_dict().items()}


# -- MultiHeadAttention ------------------------------------------------------------------------

_MHA_MODULE_PUBLIC = [
    (2, 3, 3, 8, 2, None, "float64"),
    (1, 4, 4, 8, 4, "causal", "float64"),
    (2, 3, 5, 8, 1, None, "float64"),
    (2, 4, 3, 8, 2, "random_ts", "float64"),
    (2, 3, 3, 8, 2, "causal", "float32"),
]
_MHA_MODULE_HIDDEN = [
    (1, 1, 4, 8, 4, "random_ts", "float64"),
    (3, 5, 5, 12, 4, "causal", "float64"),
    (2, 2, 4, 8, 2, None, "float32"),
]


def _mha_module_cases(rng: np.random.Generator, hidden: bool) -> list:
    cfgs = list(_MHA_MODULE_PUBLIC) if not hidden else list(_MHA_MODULE_HIDDEN)
    if hidden:
        for _ in range(2):
            heads = int(rng.choice([1, 2, 4]))
            T, S = int(rng.integers(1, 5)), int(rng.integers(1, 5))
            kind = ("causal" if S >= T else "random_ts") if rng.random() < 0.5 else (None if rng.random() < 0.5 else "random_ts")
            cfgs.append((int(rng.integers(1, 3)), T, S, heads * int(rng.integers(1, 4)), heads, kind, "float64"))
    cases = []
    for N, T, S, E, heads, kind, dtype in cfgs:
        p = _mha_params(rng, E)
        # nn.Linear stores (out, in) and computes x @ weight.T + bias
        state = {}
        for sub, w in (("query", "q"), ("key", "k"), ("value", "v"), ("proj", "o")):
            state[f"{sub}.weight"] = p[f"W{w}"].T.copy()
            state[f"{sub}.bias"] = p[f"b{w}"]
        inputs = {
            "E": E,
            "num_heads": heads,
            "dtype": dtype,
            "state": state,
            "query": rng.standard_normal((N, T, E)),
            "key": rng.standard_normal((N, S, E)),
            "value": rng.standard_normal((N, S, E)),
            "mask": _mask(rng, kind, N, T, S),
        }
        if dtype == "float32":  # values exactly representable, so the float64 reference is exact
            for k in ("query", "key", "value"):
                inputs[k] = inputs[k].astype(np.float32).astype(np.float64)
            inputs["state"] = {k: v.astype(np.float32).astype(np.float64) for k, v in state.items()}
        m = "no attn_mask" if kind is None else f"{kind.replace('_ts', '')} attn_mask {tuple(np.shape(inputs['mask']))}"
        # Fully masked rows are DESIGN's rule for the numpy function; for the module (-inf fill:
        # NaN, -1e9 fill: mean of V) no contract grades them unless a course asks.
        cases.append((f"MultiHeadAttention(E={E}, num_heads={heads}, dropout=0.0), query {(N, T, E)}, key/value {(N, S, E)}, {m}, {dtype}", inputs, _mask_feature(kind, T)))
    return cases


def _state_to_params(state: dict) -> dict:
    p = {}
    for sub, w in (("query", "q"), ("key", "k"), ("value", "v"), ("proj", "o")):
        p[f"W{w}"] = np.asarray(state[f"{sub}.weight"]).T
        p[f"b{w}"] = np.asarray(state[f"{sub}.bias"])
    return p


def _mha_module_expect(ref: Any, inputs: dict) -> dict:
    E, heads, state, mask = inputs["E"], inputs["num_heads"], inputs["state"], inputs["mask"]
    arrays = [inputs["query"], inputs["key"], inputs["value"]] + ([mask] if mask is not None else [])
    out, _ = _ref_module_output(ref, "MultiHeadAttention", [E, heads, 0.0], state, arrays)
    params = _state_to_params(state)
    variants = _mha_variants(ref, inputs["query"], inputs["key"], inputs["value"], params, heads, mask)
    N, T, _ = inputs["query"].shape
    rows = None if mask is None else _row_flags(mask, N, T, inputs["key"].shape[1])
    return {"out": out, "variants": distinct(variants, out), "rows": rows}


def _mha_module_check(ctx: Context, inputs: dict, expected: dict) -> None:
    dtype, mask = inputs["dtype"], inputs["mask"]
    _build_module(ctx, "MultiHeadAttention", [inputs["E"], inputs["num_heads"], 0.0], dtype, inputs["state"])
    names = ["query", "key", "value"] + (["attn_mask"] if mask is not None else [])
    arrays = [inputs["query"], inputs["key"], inputs["value"]] + ([mask] if mask is not None else [])
    got = _module_forward(ctx, "MultiHeadAttention", arrays, names, dtype)
    _expect_output(ctx, "output", got, expected["out"], expected["variants"], expected["rows"], **_tol(dtype))


# -- PositionalEncoding ------------------------------------------------------------------------

def _pe_module_cases(rng: np.random.Generator, hidden: bool) -> list:
    # (embed_dim, max_len (None: the default 5000), N, S, dtype)
    cfgs = [(8, 50, 2, 10, "float64"), (6, 20, 1, 20, "float64"), (5, 12, 2, 7, "float64"), (16, None, 2, 30, "float64"), (8, 30, 2, 12, "float32")]
    if hidden:
        cfgs = [(12, 40, 3, 1, "float64"), (7, 9, 1, 9, "float64"), (4, None, 1, 5, "float32")]
        cfgs += [(int(rng.integers(1, 20)), int(rng.integers(5, 60)), int(rng.integers(1, 3)), 5, "float64") for _ in range(2)]
    cases = []
    for D, L, N, S, dtype in cfgs:
        x = rng.standard_normal((N, S, D))
        if dtype == "float32":
            x = x.astype(np.float32).astype(np.float64)
        ctor = f"PositionalEncoding({D}, dropout=0.0{'' if L is None else f', max_len={L}'})"
        cases.append((f"{ctor}, x {(N, S, D)}, {dtype}", {"embed_dim": D, "max_len": L, "x": x, "dtype": dtype}, "odd_embed_dim" if D % 2 else "core"))
    return cases


def _pe_module_ctor(inputs: dict) -> list:
    return [inputs["embed_dim"], 0.0] + ([] if inputs["max_len"] is None else [inputs["max_len"]])


def _pe_module_expect(ref: Any, inputs: dict) -> dict:
    D, L, x = inputs["embed_dim"], inputs["max_len"] or 5000, inputs["x"]
    out, sd = _ref_module_output(ref, "PositionalEncoding", _pe_module_ctor(inputs), None, [x])
    pe = sd["pe"]
    S = x.shape[1]
    variants = {k: v[None] for k, v in _pe_variants(ref, L, D).items()}
    return {
        "pe": pe,
        "pe_variants": distinct(variants, pe),
        "out": out,
        "out_variants": distinct({k: x + v[:, :S] for k, v in variants.items()}, out),
    }


def _pe_module_check(ctx: Context, inputs: dict, expected: dict) -> None:
    # Judged by what forward returns (how the encoding is stored is the student's business);
    # the pe buffer is only looked at to explain a failure.
    dtype = inputs["dtype"]
    sd = _build_module(ctx, "PositionalEncoding", _pe_module_ctor(inputs), dtype, None)
    tol = _pe_tol(inputs["max_len"] or 5000, dtype)
    got = _module_forward(ctx, "PositionalEncoding", [inputs["x"]], ["x"], dtype)
    try:
        ctx.expect_close("output", got, expected["out"], variants=expected["out_variants"], **tol)
    except CaseFailed as failed:
        if "pe" in sd:
            raise
        raise CaseFailed(
            failed.message + "\n(PositionalEncoding has no buffer `pe` in its state_dict: storing the encoding with "
            "self.register_buffer('pe', pe) makes it follow .double() and .to())",
            failed.diagnoses,
        ) from None


# -- PatchEmbedding ----------------------------------------------------------------------------

def _patch_module_cases(rng: np.random.Generator, hidden: bool) -> list:
    # (N, C, img_size, P, E, dtype); img_size % P != 0 must raise (ValueError, or CS231n's assert)
    cfgs = [(2, 3, 8, 4, 16, "float64"), (1, 1, 6, 2, 5, "float64"), (2, 2, 6, 3, 4, "float64"), (1, 3, 4, 1, 8, "float64"), (2, 3, 8, 2, 6, "float32"), (1, 3, 6, 4, 8, "float64")]
    if hidden:
        cfgs = [(3, 2, 9, 3, 7, "float64"), (1, 4, 4, 4, 3, "float64"), (2, 1, 8, 2, 4, "float32"), (1, 2, 5, 2, 4, "float64")]
        for _ in range(2):
            P = int(rng.integers(1, 4))
            cfgs.append((int(rng.integers(1, 3)), int(rng.integers(1, 4)), P * int(rng.integers(1, 4)), P, int(rng.integers(2, 9)), "float64"))
    cases = []
    for N, C, img, P, E, dtype in cfgs:
        ctor = f"PatchEmbedding(img_size={img}, patch_size={P}, in_channels={C}, embed_dim={E})"
        if img % P:
            cases.append((f"{ctor} (not divisible: must raise)", {"ctor": [img, P, C, E]}, "invalid_input"))
            continue
        state = {"proj.weight": rng.standard_normal((E, C * P * P)) / np.sqrt(C * P * P), "proj.bias": 0.3 * rng.standard_normal(E)}
        x = rng.standard_normal((N, C, img, img))
        if dtype == "float32":
            x = x.astype(np.float32).astype(np.float64)
            state = {k: v.astype(np.float32).astype(np.float64) for k, v in state.items()}
        cases.append((f"{ctor}, x {(N, C, img, img)}, {dtype}", {"ctor": [img, P, C, E], "state": state, "x": x, "dtype": dtype}))
    return cases


def _patch_module_expect(ref: Any, inputs: dict) -> dict:
    img, P, C, E = inputs["ctor"]
    if img % P:
        return {"raises": "ValueError"}
    x, state = inputs["x"], inputs["state"]
    out, _ = _ref_module_output(ref, "PatchEmbedding", inputs["ctor"], state, [x])
    W, b = state["proj.weight"], state["proj.bias"]
    variants = {n: patches @ W.T + b for n, patches in _patch_variants(ref, x, P).items()}
    return {"out": out, "variants": distinct(variants, out)}


def _patch_module_check(ctx: Context, inputs: dict, expected: dict) -> None:
    if "raises" in expected:
        img, P = inputs["ctor"][:2]
        ctx.expect_raises("PatchEmbedding", *inputs["ctor"], errors=("ValueError", "AssertionError"), why=IMAGE_DOES_NOT_DIVIDE.format(img=img, P=P))
        return
    dtype = inputs["dtype"]
    _build_module(ctx, "PatchEmbedding", inputs["ctor"], dtype, inputs["state"])
    got = _module_forward(ctx, "PatchEmbedding", [inputs["x"]], ["x"], dtype)
    ctx.expect_close("output", got, expected["out"], variants=expected["variants"], **_tol(dtype))


# ============================================================================================


EXERCISES = (
    _exercise("MultiHeadAttention", 3, _mha_module_cases, _mha_module_expect, _mha_module_check, "CS231n MultiHeadAttention module"),
    _exercise("PositionalEncoding", 2, _pe_module_cases, _pe_module_expect, _pe_module_check, "CS231n PositionalEncoding module (judged by its output)"),
    _exercise("PatchEmbedding", 2, _patch_module_cases, _patch_module_expect, _patch_module_check, "ViT PatchEmbedding module"),
)
