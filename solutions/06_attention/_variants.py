"""Known misconceptions of assignment 06 (attention), as executable variants.

INSTRUCTOR ONLY: never shipped to students. Each ``variant_<name>`` computes what a student
holding that misconception returns from the function named in ``IMITATES[<name>]``; when the
student's output matches a variant and not the reference, the grader names the misconception
(its feedback text lives in the grader, never here). Signatures:

* forward variants take the forward's arguments and return ``(out, None)``; the positional
  encoding and patch variants return the array, like the functions they imitate;
* backward variants (``variant_backward_<name>``) cannot take the reference's opaque cache, so
  they take ``(dout, q, k, v, mask=None)`` and return ``(dq, dk, dv)`` of a student consistent
  with that forward (the exact gradients of the variant forward).

Variants never modify their arguments.

Scale variants reuse the reference with rescaled query projections: dividing the scores by
sqrt(E) instead of sqrt(E/h) is the same as multiplying Wq and bq by 1/sqrt(h).
"""
import numpy as np

from . import attention as _ref  # the one execution of the solution (see grader.reference)


def _scores(q, k):
    return (q @ k.swapaxes(-1, -2)) / np.sqrt(q.shape[-1])  # (N, T, S)


def _allowed(mask, shape):
    return np.ones(shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask) != 0, shape)


def _masked_softmax(scores, allowed, axis):
    filled = np.where(allowed, scores, -np.inf)
    m = filled.max(axis=axis, keepdims=True)
    e = np.exp(filled - np.where(np.isneginf(m), 0.0, m))
    d = e.sum(axis=axis, keepdims=True)
    return e / np.where(d > 0, d, 1.0)


# ---- scaled_dot_product_attention_forward / _backward ------------------------------------

def _softmax_backward(weights, dweights, axis):
    return weights * (dweights - (weights * dweights).sum(axis=axis, keepdims=True))


def _attention_backward(dout, q, k, v, weights, dscores_from_dweights, scale):
    dv = weights.swapaxes(-1, -2) @ dout  # (N, S, d_v)
    dscores = dscores_from_dweights(dout @ v.swapaxes(-1, -2)) * scale  # (N, T, S)
    return dscores @ k, dscores.swapaxes(-1, -2) @ q, dv


def variant_no_scale(q, k, v, mask=None):
    """Scores q @ k^T without the 1/sqrt(d_k) factor."""
    return _ref.scaled_dot_product_attention_forward(q * np.sqrt(q.shape[-1]), k, v, mask)[0], None


def variant_backward_no_scale(dout, q, k, v, mask=None):
    """Gradients of the unscaled attention."""
    root = np.sqrt(q.shape[-1])
    _, cache = _ref.scaled_dot_product_attention_forward(q * root, k, v, mask)
    dq, dk, dv = _ref.scaled_dot_product_attention_backward(dout, cache)
    return dq * root, dk, dv


def variant_softmax_wrong_axis(q, k, v, mask=None):
    """Softmax over the queries (axis -2) instead of the keys."""
    scores = _scores(q, k)
    weights = _masked_softmax(scores, _allowed(mask, scores.shape), axis=-2)
    return weights @ v, None


def variant_backward_softmax_wrong_axis(dout, q, k, v, mask=None):
    """Gradients of the softmax-over-queries attention."""
    scores = _scores(q, k)
    weights = _masked_softmax(scores, _allowed(mask, scores.shape), axis=-2)
    return _attention_backward(dout, q, k, v, weights, lambda dw: _softmax_backward(weights, dw, -2), 1 / np.sqrt(q.shape[-1]))


def variant_mask_after_softmax(q, k, v, mask=None):
    """Softmax over all keys, then blocked weights zeroed without renormalising."""
    scores = _scores(q, k)
    weights = _ref.softmax(scores, axis=-1) * _allowed(mask, scores.shape)
    return weights @ v, None


def variant_backward_mask_after_softmax(dout, q, k, v, mask=None):
    """Gradients of the mask-after-softmax attention."""
    scores = _scores(q, k)
    allowed = _allowed(mask, scores.shape)
    p = _ref.softmax(scores, axis=-1)
    return _attention_backward(dout, q, k, v, p * allowed, lambda dw: _softmax_backward(p, dw * allowed, -1), 1 / np.sqrt(q.shape[-1]))


def _inverted(mask):
    return None if mask is None else np.asarray(mask) == 0


def variant_mask_inverted(q, k, v, mask=None):
    """Mask polarity inverted: True / nonzero blocks (nn.MultiheadAttention's bool convention)."""
    return _ref.scaled_dot_product_attention_forward(q, k, v, _inverted(mask))[0], None


def variant_backward_mask_inverted(dout, q, k, v, mask=None):
    """Gradients of the attention with the inverted mask."""
    _, cache = _ref.scaled_dot_product_attention_forward(q, k, v, _inverted(mask))
    return _ref.scaled_dot_product_attention_backward(dout, cache)


# ---- multi_head_attention_forward --------------------------------------------------------

def _with_query_scaled(params, factor):
    scaled = dict(params)
    scaled["Wq"] = params["Wq"] * factor
    scaled["bq"] = params["bq"] * factor
    return scaled


def variant_scale_sqrt_E(query, key, value, params, num_heads, mask=None):
    """Multi-head scores divided by sqrt(E) instead of the per-head sqrt(E / num_heads)."""
    scaled = _with_query_scaled(params, 1.0 / np.sqrt(num_heads))
    return _ref.multi_head_attention_forward(query, key, value, scaled, num_heads, mask)[0], None


def variant_mha_no_scale(query, key, value, params, num_heads, mask=None):
    """Multi-head scores not scaled at all."""
    d_k = query.shape[-1] // num_heads
    scaled = _with_query_scaled(params, np.sqrt(d_k))
    return _ref.multi_head_attention_forward(query, key, value, scaled, num_heads, mask)[0], None


def variant_mha_reshape_without_transpose(query, key, value, params, num_heads, mask=None):
    """Heads split with ``reshape(N, h, L, d_k)`` straight from (N, L, E), no transpose, which
    mixes tokens across heads (and the inverse reshape on the way back)."""
    N, T, E = query.shape
    S = key.shape[1]
    h, d = num_heads, E // num_heads
    Q = (query @ params["Wq"] + params["bq"]).reshape(N * h, T, d)
    K = (key @ params["Wk"] + params["bk"]).reshape(N * h, S, d)
    V = (value @ params["Wv"] + params["bv"]).reshape(N * h, S, d)
    if mask is not None:
        mask = np.broadcast_to(np.broadcast_to(np.asarray(mask), (N, T, S))[:, None], (N, h, T, S)).reshape(N * h, T, S)
    heads, _ = _ref.scaled_dot_product_attention_forward(Q, K, V, mask)
    return heads.reshape(N, T, E) @ params["Wo"] + params["bo"], None


# ---- sinusoidal_positional_encoding ------------------------------------------------------

def _pe(max_len, embed_dim, exponent_index, even_fn, odd_fn):
    pos = np.arange(max_len, dtype=np.float64)[:, None]  # (L, 1)
    j = np.arange(embed_dim)
    angle = pos / 10000.0 ** (exponent_index(j) / embed_dim)  # (L, D)
    return np.where(j % 2 == 0, even_fn(angle), odd_fn(angle))


def variant_pe_sin_cos_swapped(max_len, embed_dim):
    """cos on even columns, sin on odd columns."""
    return _pe(max_len, embed_dim, lambda j: j - j % 2, np.cos, np.sin)


def variant_pe_exponent_j_over_d(max_len, embed_dim):
    """Frequency exponent j / d for column j (instead of 2i / d shared by the pair 2i, 2i+1)."""
    return _pe(max_len, embed_dim, lambda j: j, np.sin, np.cos)


# ---- patchify ----------------------------------------------------------------------------

def variant_patch_channel_last(x, patch_size):
    """Patch vectors ordered (P, P, C) (channel-last) instead of (C, P, P)."""
    N, C, H, W = x.shape
    P = patch_size
    return x.reshape(N, C, H // P, P, W // P, P).transpose(0, 2, 4, 3, 5, 1).reshape(N, -1, C * P * P)


def variant_patch_order_column_major(x, patch_size):
    """Patches enumerated column by column (down first) instead of row-major."""
    N, C, H, W = x.shape
    P = patch_size
    return x.reshape(N, C, H // P, P, W // P, P).transpose(0, 4, 2, 1, 3, 5).reshape(N, -1, C * P * P)


IMITATES = {
    **{f"backward_{name}": "scaled_dot_product_attention_backward"
       for name in ("no_scale", "softmax_wrong_axis", "mask_after_softmax", "mask_inverted")},
    "no_scale": "scaled_dot_product_attention_forward",
    "softmax_wrong_axis": "scaled_dot_product_attention_forward",
    "mask_after_softmax": "scaled_dot_product_attention_forward",
    "mask_inverted": "scaled_dot_product_attention_forward",
    "scale_sqrt_E": "multi_head_attention_forward",
    "mha_no_scale": "multi_head_attention_forward",
    "mha_reshape_without_transpose": "multi_head_attention_forward",
    "pe_sin_cos_swapped": "sinusoidal_positional_encoding",
    "pe_exponent_j_over_d": "sinusoidal_positional_encoding",
    "patch_channel_last": "patchify",
    "patch_order_column_major": "patchify",
}
