"""Attention in numpy. Student submission: explicit loops over the batch, heads, positions and patches."""
import numpy as np


def softmax(x, axis=-1):
    x_max = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - x_max)
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_rows_masked(scores, allowed):
    # scores, allowed: (T, S). Rows with no allowed key become all zeros.
    T, S = scores.shape
    w = np.zeros((T, S))
    for t in range(T):
        keys = np.nonzero(allowed[t])[0]
        if len(keys) == 0:
            continue
        row = scores[t, keys]
        e = np.exp(row - np.max(row))
        w[t, keys] = e / np.sum(e)
    return w


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    N, T, d_k = q.shape
    S = k.shape[1]
    d_v = v.shape[2]
    if mask is None:
        allowed = np.ones((N, T, S), dtype=bool)
    else:
        allowed = np.broadcast_to(mask, (N, T, S)) != 0
    out = np.zeros((N, T, d_v))
    weights = np.zeros((N, T, S))
    for n in range(N):
        scores = np.dot(q[n], k[n].T) / np.sqrt(d_k)  # (T, S)
        weights[n] = _softmax_rows_masked(scores, allowed[n])
        out[n] = np.dot(weights[n], v[n])
    cache = (q, k, v, weights)
    return out, cache


def scaled_dot_product_attention_backward(dout, cache):
    q, k, v, weights = cache
    N, T, d_k = q.shape
    S = k.shape[1]
    dq = np.zeros_like(q)
    dk = np.zeros_like(k)
    dv = np.zeros_like(v)
    for n in range(N):
        dv[n] = np.dot(weights[n].T, dout[n])
        dw = np.dot(dout[n], v[n].T)  # (T, S)
        dscores = np.zeros((T, S))
        for t in range(T):
            w = weights[n, t]
            # softmax jacobian: diag(w) - w w^T
            dscores[t] = np.dot(np.diag(w) - np.outer(w, w), dw[t])
        dscores /= np.sqrt(d_k)
        dq[n] = np.dot(dscores, k[n])
        dk[n] = np.dot(dscores.T, q[n])
    return dq, dk, dv


def multi_head_attention_forward(query, key, value, params, num_heads, mask=None):
    N, T, E = query.shape
    S = key.shape[1]
    if E % num_heads != 0:
        raise ValueError("embed dim must be divisible by num_heads")
    d_k = E // num_heads
    Q = np.dot(query, params["Wq"]) + params["bq"]
    K = np.dot(key, params["Wk"]) + params["bk"]
    V = np.dot(value, params["Wv"]) + params["bv"]
    if mask is None:
        allowed = np.ones((N, T, S), dtype=bool)
    else:
        allowed = np.broadcast_to(mask, (N, T, S)) != 0
    heads = np.zeros((N, T, E))
    for n in range(N):
        for h in range(num_heads):
            cols = slice(h * d_k, (h + 1) * d_k)
            scores = np.dot(Q[n, :, cols], K[n, :, cols].T) / np.sqrt(d_k)  # (T, S)
            w = _softmax_rows_masked(scores, allowed[n])
            heads[n, :, cols] = np.dot(w, V[n, :, cols])
    out = np.dot(heads, params["Wo"]) + params["bo"]
    return out, (query, key, value, params, heads)


def sinusoidal_positional_encoding(max_len, embed_dim):
    if max_len < 1 or embed_dim < 1:
        raise ValueError("max_len and embed_dim must be positive")
    pe = np.zeros((max_len, embed_dim))
    for pos in range(max_len):
        for i in range(0, embed_dim, 2):
            angle = pos / (10000 ** (i / embed_dim))
            pe[pos, i] = np.sin(angle)
            if i + 1 < embed_dim:
                pe[pos, i + 1] = np.cos(angle)
    return pe


def patchify(x, patch_size):
    N, C, H, W = x.shape
    P = patch_size
    if H % P != 0 or W % P != 0:
        raise ValueError("H and W must be divisible by patch_size")
    n_rows, n_cols = H // P, W // P
    out = np.zeros((N, n_rows * n_cols, C * P * P))
    idx = 0
    for r in range(n_rows):
        for c in range(n_cols):
            patch = x[:, :, r * P:(r + 1) * P, c * P:(c + 1) * P]  # (N, C, P, P)
            out[:, idx, :] = patch.reshape(N, -1)
            idx += 1
    return out
