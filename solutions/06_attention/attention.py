"""Attention building blocks in numpy: softmax, scaled dot-product attention (forward and
backward), multi-head attention, sinusoidal positional encoding and ViT patch extraction.

Assignment 06 of deepgrade. Conventions (CS231n assignment 3, batch-first):

* arrays are numpy ``float64``;
* queries ``q`` are ``(N, T, d_k)``: T query positions; keys ``k`` are ``(N, S, d_k)`` and
  values ``v`` are ``(N, S, d_v)``: S key/value positions. In self-attention S = T; in
  cross-attention S and T differ, and so may d_k and d_v;
* masks use the CS231n polarity: **0 / False = blocked**, nonzero / True = may attend. This is
  the opposite of ``torch.nn.MultiheadAttention``'s boolean ``attn_mask`` (True = blocked) and
  the same as ``torch.nn.functional.scaled_dot_product_attention``'s boolean mask
  (True = attend);
* a query whose keys are all blocked attends to nothing: its output row is zeros (and so is
  its gradient), never NaN;
* forward functions return ``(out, cache)``; the cache is opaque. Nothing modifies its inputs.

Formulas: Vaswani et al. 2017, "Attention Is All You Need", §3.2.1 (scaled dot-product
attention), §3.2.2 (multi-head attention), §3.5 (positional encoding); Dosovitskiy et al.
2021, "An Image is Worth 16x16 Words", §3.1 (patches).
"""
import numpy as np


def softmax(x, axis=-1):
    """Numerically stable softmax of ``x`` along ``axis``.

        softmax(x)_j = exp(x_j - max(x)) / sum_k exp(x_k - max(x))

    Subtracting the maximum changes nothing mathematically but keeps ``exp`` from
    overflowing for large inputs (e.g. x = 1000).

    Args:
        x: array of any shape, float64, finite values.
        axis: the axis that sums to 1 (default: last).

    Returns:
        Array of the same shape as ``x``; entries in [0, 1], summing to 1 along ``axis``.
    """
    ### BEGIN SOLUTION
    shifted = x - x.max(axis=axis, keepdims=True)  # largest entry becomes 0: exp <= 1
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)
    ### END SOLUTION


### BEGIN SOLUTION
def _masked_softmax(scores, allowed):
    """Softmax over the last axis that gives blocked entries weight exactly 0.

    A row with nothing allowed has no softmax (0/0); by this assignment's convention its
    weights are all 0, so the query's output is 0 and no gradient flows through it.
    """
    filled = np.where(allowed, scores, -np.inf)  # exp(-inf) = 0: blocked entries vanish
    row_max = filled.max(axis=-1, keepdims=True)
    # a fully blocked row has max -inf, and -inf - (-inf) is NaN: shift such rows by 0
    row_max = np.where(np.isneginf(row_max), 0.0, row_max)
    e = np.exp(filled - row_max)
    denom = e.sum(axis=-1, keepdims=True)
    return e / np.where(denom > 0, denom, 1.0)  # fully blocked rows: 0 / 1 = 0
### END SOLUTION


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    """Scaled dot-product attention (Vaswani et al. 2017, §3.2.1).

        scores  = q @ k^T / sqrt(d_k)                         (N, T, S)
        weights = softmax(scores over the keys, last axis)   blocked entries get weight 0
        out     = weights @ v                                 (N, T, d_v)

    Args:
        q: queries, shape (N, T, d_k), float64.
        k: keys, shape (N, S, d_k).
        v: values, shape (N, S, d_v).
        mask: optional, broadcastable to (N, T, S) (e.g. (T, S) for a causal mask shared by
            the batch); bool or numeric. ``mask[n, t, s] == 0`` (or False) means query t may
            NOT attend to key s. Masking happens BEFORE the softmax, so every row of weights
            that has an allowed key sums to 1. A query with every key blocked gets an output
            row of zeros.

    Returns:
        out: (N, T, d_v); cache: opaque, for ``scaled_dot_product_attention_backward``.

    Raises:
        ValueError: ``mask`` cannot be broadcast to (N, T, S).
    """
    ### BEGIN SOLUTION
    d_k = q.shape[-1]
    scale = 1.0 / np.sqrt(d_k)  # keeps the score variance ~1 whatever d_k, so softmax isn't saturated
    scores = (q @ k.swapaxes(-1, -2)) * scale  # (N, T, d_k) @ (N, d_k, S) -> (N, T, S)
    if mask is None:
        weights = softmax(scores, axis=-1)  # (N, T, S); sums to 1 over the keys
    else:
        allowed = np.broadcast_to(np.asarray(mask) != 0, scores.shape)  # (N, T, S) bool
        weights = _masked_softmax(scores, allowed)  # (N, T, S)
    out = weights @ v  # (N, T, S) @ (N, S, d_v) -> (N, T, d_v)
    cache = (q, k, v, weights, scale)
    return out, cache
    ### END SOLUTION


def scaled_dot_product_attention_backward(dout, cache):
    """Backward pass of ``scaled_dot_product_attention_forward``.

    Args:
        dout: upstream gradient w.r.t. ``out``, shape (N, T, d_v). Not modified.
        cache: the cache returned by the forward pass.

    Returns:
        Tuple ``(dq, dk, dv)`` of shapes (N, T, d_k), (N, S, d_k), (N, S, d_v). The mask is
        not differentiable; blocked entries and fully blocked queries contribute nothing.
    """
    ### BEGIN SOLUTION
    q, k, v, weights, scale = cache
    dv = weights.swapaxes(-1, -2) @ dout  # (N, S, T) @ (N, T, d_v) -> (N, S, d_v)
    dweights = dout @ v.swapaxes(-1, -2)  # (N, T, d_v) @ (N, d_v, S) -> (N, T, S)
    # softmax Jacobian row by row: ds_j = w_j (dw_j - sum_k w_k dw_k). Blocked entries have
    # w = 0, so they get no gradient, and a fully blocked row gets none at all.
    dscores = weights * (dweights - (weights * dweights).sum(axis=-1, keepdims=True))  # (N, T, S)
    dq = (dscores @ k) * scale  # (N, T, S) @ (N, S, d_k) -> (N, T, d_k)
    dk = (dscores.swapaxes(-1, -2) @ q) * scale  # (N, S, T) @ (N, T, d_k) -> (N, S, d_k)
    return dq, dk, dv
    ### END SOLUTION


def multi_head_attention_forward(query, key, value, params, num_heads, mask=None):
    """Multi-head attention (Vaswani et al. 2017, §3.2.2), numpy, no dropout.

        Q = query @ Wq + bq,  K = key @ Wk + bk,  V = value @ Wv + bv      (E columns each)
        split the E columns into num_heads consecutive groups of d_k = E / num_heads:
        head h uses columns h*d_k : (h+1)*d_k of Q, K and V
        head_h = scaled dot-product attention(Q_h, K_h, V_h, mask), scaled by 1/sqrt(d_k)
                 (the PER-HEAD dimension E / num_heads, not E)
        out = concat(head_0, ..., head_{h-1}) @ Wo + bo

    Weights multiply from the right (``x @ W``); ``torch.nn.MultiheadAttention`` stores the
    transposes (``in_proj_weight = cat(Wq.T, Wk.T, Wv.T)``, ``out_proj.weight = Wo.T``).

    Args:
        query: (N, T, E), float64.
        key: (N, S, E).
        value: (N, S, E).
        params: dict with ``Wq, Wk, Wv, Wo`` of shape (E, E) and ``bq, bk, bv, bo`` of shape (E,).
        num_heads: number of heads; must divide E.
        mask: optional, broadcastable to (N, T, S), 0/False = blocked, shared by all heads
            (see ``scaled_dot_product_attention_forward``).

    Returns:
        out: (N, T, E); cache: opaque.

    Raises:
        ValueError: E is not divisible by ``num_heads``, or ``mask`` cannot be broadcast to
            (N, T, S).
    """
    ### BEGIN SOLUTION
    N, T, E = query.shape
    S = key.shape[1]
    if num_heads < 1 or E % num_heads != 0:
        raise ValueError(f"embed_dim {E} is not divisible by num_heads {num_heads}")
    d_k = E // num_heads

    def split_heads(x, length):
        # (N, L, E) -> (N, L, heads, d_k) -> (N, heads, L, d_k) -> (N*heads, L, d_k):
        # folding heads into the batch axis lets each head attend independently
        return x.reshape(N, length, num_heads, d_k).transpose(0, 2, 1, 3).reshape(N * num_heads, length, d_k)

    Q = split_heads(query @ params["Wq"] + params["bq"], T)  # (N, T, E) @ (E, E) -> (N*h, T, d_k)
    K = split_heads(key @ params["Wk"] + params["bk"], S)  # (N, S, E) @ (E, E) -> (N*h, S, d_k)
    V = split_heads(value @ params["Wv"] + params["bv"], S)  # (N, S, E) @ (E, E) -> (N*h, S, d_k)
    if mask is not None:
        # the same mask for every head: (N, T, S) -> (N, h, T, S) -> (N*h, T, S)
        mask = np.broadcast_to(np.asarray(mask), (N, T, S))
        mask = np.broadcast_to(mask[:, None], (N, num_heads, T, S)).reshape(N * num_heads, T, S)
    heads, attn_cache = scaled_dot_product_attention_forward(Q, K, V, mask)  # (N*h, T, d_k)
    # undo split_heads: (N*h, T, d_k) -> (N, h, T, d_k) -> (N, T, h, d_k) -> (N, T, E)
    concat = heads.reshape(N, num_heads, T, d_k).transpose(0, 2, 1, 3).reshape(N, T, E)
    out = concat @ params["Wo"] + params["bo"]  # (N, T, E) @ (E, E) -> (N, T, E)
    cache = (query, key, value, params, num_heads, concat, attn_cache)
    return out, cache
    ### END SOLUTION


def sinusoidal_positional_encoding(max_len, embed_dim):
    """Sinusoidal positional encoding (Vaswani et al. 2017, §3.5).

        PE[pos, 2i]   = sin(pos / 10000^(2i / embed_dim))
        PE[pos, 2i+1] = cos(pos / 10000^(2i / embed_dim))

    Columns come in (sin, cos) pairs sharing one frequency: the exponent uses the EVEN index
    2i of the pair for both columns (not the column index j itself). Positions start at 0, so
    row 0 is (0, 1, 0, 1, ...). An odd ``embed_dim`` ends with an unpaired sin column.

    Args:
        max_len: number of positions (rows), >= 1.
        embed_dim: embedding size (columns), >= 1.

    Returns:
        float64 array of shape (max_len, embed_dim).

    Raises:
        ValueError: ``max_len`` or ``embed_dim`` is < 1.
    """
    ### BEGIN SOLUTION
    if max_len < 1 or embed_dim < 1:
        raise ValueError(f"max_len and embed_dim must be >= 1, got {max_len}, {embed_dim}")
    pos = np.arange(max_len, dtype=np.float64)[:, None]  # (max_len, 1)
    two_i = np.arange(0, embed_dim, 2, dtype=np.float64)  # (ceil(d/2),): 0, 2, 4, ...
    freq = 10000.0 ** (-two_i / embed_dim)  # (ceil(d/2),), one frequency per (sin, cos) pair
    angle = pos * freq  # (max_len, 1) * (ceil(d/2),) -> (max_len, ceil(d/2))
    pe = np.empty((max_len, embed_dim), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)  # ceil(d/2) even columns
    pe[:, 1::2] = np.cos(angle[:, : embed_dim // 2])  # floor(d/2) odd columns
    return pe
    ### END SOLUTION


def patchify(x, patch_size):
    """Cut images into non-overlapping square patches and flatten each (Dosovitskiy et al. 2021, §3.1).

    Patch ``p = r * (W // P) + c`` is the one at patch-row r, patch-column c (row-major over the
    image), covering ``x[n, :, r*P:(r+1)*P, c*P:(c+1)*P]``. Its vector is that (C, P, P) block
    flattened in C order: channel first, then pixel row, then pixel column, i.e. the order of
    a ``Conv2d(C, E, P, stride=P)`` weight.

    Args:
        x: images, shape (N, C, H, W), float64.
        patch_size: P, a positive int dividing both H and W.

    Returns:
        Array of shape (N, (H // P) * (W // P), C * P * P).

    Raises:
        ValueError: H or W is not divisible by ``patch_size``, or ``patch_size`` < 1.
    """
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    P = patch_size
    if P < 1 or H % P or W % P:
        raise ValueError(f"image size {H}x{W} is not divisible by patch_size {P}")
    Hp, Wp = H // P, W // P
    # split each spatial axis into (patch index, offset in patch): (N, C, Hp, P, Wp, P)
    patches = x.reshape(N, C, Hp, P, Wp, P)
    # patch indices first (row-major), then the (C, P, P) block: (N, Hp, Wp, C, P, P)
    patches = patches.transpose(0, 2, 4, 1, 3, 5)
    return patches.reshape(N, Hp * Wp, C * P * P)  # (N, num_patches, C*P*P), a copy
    ### END SOLUTION
