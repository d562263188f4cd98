"""Attention with einsum (student submission)."""
import numpy as np


def softmax(x, axis=-1):
    z = x - x.max(axis=axis, keepdims=True)
    ez = np.exp(z)
    return ez / ez.sum(axis=axis, keepdims=True)


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    N, T, dk = q.shape
    S = k.shape[1]
    scores = np.einsum("ntd,nsd->nts", q, k) / np.sqrt(dk)
    if mask is None:
        w = softmax(scores, axis=-1)
    else:
        keep = np.broadcast_to(np.asarray(mask).astype(bool), (N, T, S))
        scores = np.where(keep, scores, -np.inf)
        m = scores.max(axis=-1, keepdims=True)
        m[~np.isfinite(m)] = 0.0  # rows where everything is masked
        e = np.exp(scores - m)
        total = e.sum(axis=-1, keepdims=True)
        w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    out = np.einsum("nts,nse->nte", w, v)
    return out, (q, k, v, w)


def scaled_dot_product_attention_backward(dout, cache):
    q, k, v, w = cache
    dk_ = q.shape[-1]
    dv = np.einsum("nts,nte->nse", w, dout)
    dw = np.einsum("nte,nse->nts", dout, v)
    ds = w * (dw - np.einsum("nts,nts->nt", w, dw)[..., None]) / np.sqrt(dk_)
    dq = np.einsum("nts,nsd->ntd", ds, k)
    dk = np.einsum("nts,ntd->nsd", ds, q)
    return dq, dk, dv


def multi_head_attention_forward(query, key, value, params, num_heads, mask=None):
    N, T, E = query.shape
    S = key.shape[1]
    if E % num_heads:
        raise ValueError(f"{E} not divisible by {num_heads}")
    d = E // num_heads
    Q = (np.einsum("nte,ef->ntf", query, params["Wq"]) + params["bq"]).reshape(N, T, num_heads, d)
    K = (np.einsum("nse,ef->nsf", key, params["Wk"]) + params["bk"]).reshape(N, S, num_heads, d)
    V = (np.einsum("nse,ef->nsf", value, params["Wv"]) + params["bv"]).reshape(N, S, num_heads, d)
    scores = np.einsum("nthd,nshd->nhts", Q, K) / np.sqrt(d)
    if mask is None:
        A = softmax(scores, axis=-1)
    else:
        keep = np.broadcast_to(np.asarray(mask) != 0, (N, T, S))[:, None]  # (N, 1, T, S)
        scores = np.where(keep, scores, -1e30)
        A = softmax(scores, axis=-1) * keep
        A = A * keep.any(axis=-1, keepdims=True)  # fully masked rows -> nothing
    heads = np.einsum("nhts,nshd->nthd", A, V).reshape(N, T, E)
    out = np.einsum("nte,ef->ntf", heads, params["Wo"]) + params["bo"]
    return out, (A, heads)


def sinusoidal_positional_encoding(max_len, embed_dim):
    if max_len <= 0 or embed_dim <= 0:
        raise ValueError("sizes must be positive")
    pos = np.arange(max_len)[:, None]
    j = np.arange(embed_dim)[None, :]
    angle = pos / np.power(10000.0, (j - j % 2) / embed_dim)
    return np.where(j % 2 == 0, np.sin(angle), np.cos(angle))


def patchify(x, patch_size):
    N, C, H, W = x.shape
    p = patch_size
    if H % p or W % p:
        raise ValueError(f"{H}x{W} image is not divisible into {p}x{p} patches")
    x6 = x.reshape(N, C, H // p, p, W // p, p)
    return np.einsum("ncaibj->nabcij", x6).reshape(N, (H // p) * (W // p), C * p * p)
