# corpus: correct
# exercises: softmax, scaled_dot_product_attention_forward, multi_head_attention_forward
# contract: deepgrade
# about: einsum with named axes; a large negative fill, then fully blocked rows zeroed with the mask's row sums
import numpy as np


def softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    ex = np.exp(shifted)
    return ex / ex.sum(axis=axis, keepdims=True)


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    scale = 1.0 / np.sqrt(q.shape[-1])
    s = np.einsum("...td,...sd->...ts", q, k) * scale
    if mask is None:
        w = softmax(s)
    else:
        allowed = np.broadcast_to(np.asarray(mask).astype(bool), s.shape)
        w = softmax(np.where(allowed, s, -1e30))
        w = w * allowed
        w = w * (allowed.sum(axis=-1, keepdims=True) > 0)
    return np.einsum("...ts,...sd->...td", w, v), (q, k, v, w)


def multi_head_attention_forward(query, key, value, params, num_heads, mask=None):
    N, T, E = query.shape
    S = key.shape[1]
    if num_heads < 1 or E % num_heads != 0:
        raise ValueError(f"{E} is not divisible by {num_heads}")
    d = E // num_heads
    q = np.einsum("nte,ef->ntf", query, params["Wq"]) + params["bq"]
    k = np.einsum("nse,ef->nsf", key, params["Wk"]) + params["bk"]
    v = np.einsum("nse,ef->nsf", value, params["Wv"]) + params["bv"]
    q = q.reshape(N, T, num_heads, d)
    k = k.reshape(N, S, num_heads, d)
    v = v.reshape(N, S, num_heads, d)
    s = np.einsum("nthd,nshd->nhts", q, k) / np.sqrt(d)
    if mask is None:
        w = softmax(s)
    else:
        allowed = np.broadcast_to(np.asarray(mask).astype(bool)[:, None] if np.ndim(mask) == 3 else np.asarray(mask).astype(bool), s.shape)
        w = softmax(np.where(allowed, s, -1e30)) * allowed
        w = w * (allowed.sum(axis=-1, keepdims=True) > 0)
    ctx = np.einsum("nhts,nshd->nthd", w, v).reshape(N, T, E)
    return ctx @ params["Wo"] + params["bo"], None
